"""Check that qfx's config presets equal PyTorch 1.13's.

For every backend config and default (QAT) qconfig mapping, write PyTorch's
object with qfx_torch.config_io, dump qfx's preset with qfx-config-dump, and
compare the two JSON documents semantically. Fails (never skips) if torch is
missing.
"""

import argparse
import json
import os
import subprocess
import sys

import torch  # noqa: F401  (a missing torch must fail the test)
from torch.ao.quantization import (get_default_qat_qconfig_mapping,
                                   get_default_qconfig_mapping)
from torch.ao.quantization.backend_config import (executorch,
                                                  get_fbgemm_backend_config,
                                                  get_native_backend_config,
                                                  get_qnnpack_backend_config,
                                                  get_tensorrt_backend_config,
                                                  x86)

from qfx_torch.config_io import save_backend_config, save_qconfig_mapping


def executorch_backend_config():
    # 1.13's _get_share_qparams_ops_configs appends to the list it iterates
    # (never terminates) and would return []; qfx implements the result.
    executorch._get_share_qparams_ops_configs = lambda: []
    return executorch.get_executorch_backend_config()


BACKEND_CONFIGS = {
    "native": get_native_backend_config,
    "fbgemm": get_fbgemm_backend_config,
    "x86": x86.get_x86_backend_config,
    "qnnpack": get_qnnpack_backend_config,
    "tensorrt": get_tensorrt_backend_config,
    "executorch": executorch_backend_config,
}
MAPPING_BACKENDS = ["fbgemm", "x86", "qnnpack", "onednn"]


def diff(a, b, path="", out=None):
    """Return readable differences between two JSON values."""
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = path + "." + k if path else k
            if k not in a:
                out.append("%s: only in qfx: %s" % (p, json.dumps(b[k])[:200]))
            elif k not in b:
                out.append("%s: only in torch: %s" % (p, json.dumps(a[k])[:200]))
            else:
                diff(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: length torch=%d qfx=%d" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%d]" % (path, i), out)
    elif a != b or isinstance(a, bool) != isinstance(b, bool):
        out.append("%s: torch=%s qfx=%s" % (path, json.dumps(a), json.dumps(b)))
    return out


def compare(label, torch_path, qfx_args, dump, workdir):
    qfx_json = subprocess.run([dump] + qfx_args, check=True,
                              capture_output=True, text=True).stdout
    with open(os.path.join(workdir, label + ".qfx.json"), "w") as f:
        f.write(qfx_json)
    with open(torch_path) as f:
        expected = json.load(f)
    problems = diff(expected, json.loads(qfx_json))
    if problems:
        print("MISMATCH %s (%d differences):" % (label, len(problems)))
        for p in problems[:40]:
            print("  " + p)
        return False
    print("ok %s" % label)
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    ok = True
    for name, getter in BACKEND_CONFIGS.items():
        path = os.path.join(args.workdir, "backend_%s.torch.json" % name)
        save_backend_config(getter(), path)
        ok &= compare("backend_" + name, path, ["--backend-config", name],
                      args.dump, args.workdir)
    for backend in MAPPING_BACKENDS:
        path = os.path.join(args.workdir, "mapping_%s.torch.json" % backend)
        save_qconfig_mapping(get_default_qconfig_mapping(backend), path)
        ok &= compare("mapping_" + backend, path,
                      ["--qconfig-mapping", backend], args.dump, args.workdir)
        for version in (0, 1):
            label = "qat_mapping_%s_v%d" % (backend, version)
            path = os.path.join(args.workdir, label + ".torch.json")
            save_qconfig_mapping(
                get_default_qat_qconfig_mapping(backend, version), path)
            ok &= compare(label, path, ["--qconfig-mapping", backend, "--qat",
                                        "--version", str(version)],
                          args.dump, args.workdir)
    import torch.ao.quantization.qconfig as qconfig_module
    from qfx_torch.config_io import qconfig_to_json
    for name in qconfig_module.__all__:
        obj = getattr(qconfig_module, name)
        if not isinstance(obj, qconfig_module.QConfig):
            continue
        path = os.path.join(args.workdir, "named_%s.torch.json" % name)
        with open(path, "w") as f:
            json.dump(qconfig_to_json(obj), f)
        ok &= compare("named_" + name, path, ["--named-qconfig", name],
                      args.dump, args.workdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
