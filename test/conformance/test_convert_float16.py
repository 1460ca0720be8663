"""Conformance of static float16 quantization (float16_static_qconfig).

PyTorch 1.13's native BackendConfig has no static float16 pattern that
prepare_fx uses, so float16_static_qconfig observes nothing with it. With
a BackendConfig whose patterns accept float16 (input / output / weight /
bias dtype float16), prepare_fx places PlaceholderObserver(dtype=float16)
and convert_to_reference_fx turns each into `x.to(torch.float16)` ->
`dequantize()`; a reference Linear keeps its weight float (weight_qscheme
None). For every model this test prepares in PyTorch with such a
BackendConfig, exports, converts with `qfx-opt --qfx-convert`, and checks
against convert_to_reference_fx:

* histogram: `call_method to` / `call_method dequantize` / the compute ops
  by (kind, target), and no integer quantize in qfx's graph;
* outputs of `qfx-run` bit-identical to the reference model's (float16
  rounding is round to nearest even; the float ops run as PyTorch's);
* qfx's own `--qfx-prepare` with the same BackendConfig and QConfigMapping
  (as JSON) places one float16 activation observer per PyTorch observer,
  and its converted model gives the same outputs.

    python3 test_convert_float16.py --qfx-opt Q --qfx-run R [--workdir D]
"""

import argparse
import collections
import copy
import operator
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))
sys.path.insert(0, _HERE)

import qfx_torch  # noqa: E402
from qfx_torch.config_io import save_backend_config, save_qconfig_mapping  # noqa: E402
from test_convert import Mismatch, parse_converted  # noqa: E402
from torch.ao.quantization import QConfigMapping, float16_static_qconfig  # noqa: E402
from torch.ao.quantization.backend_config import (BackendConfig,  # noqa: E402
                                                  BackendPatternConfig,
                                                  DTypeConfig, ObservationType)
from torch.ao.quantization.quantize_fx import (convert_to_reference_fx,  # noqa: E402
                                               prepare_fx)


class LinearAdd(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x, y):
        return torch.relu(self.fc(x) + y)


class MulCat(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 12)
        self.fc2 = nn.Linear(12, 4)

    def forward(self, x):
        h = self.fc1(x) * 3.0
        return self.fc2(F.gelu(h)) + 1e-3


MODELS = {
    "linear_add": (LinearAdd, lambda: (torch.randn(4, 8) * 50, torch.randn(4, 8))),
    "mul_gelu": (MulCat, lambda: (torch.randn(3, 16) * 1e3,)),
}


def float16_backend_config():
    fp16 = DTypeConfig(input_dtype=torch.float16, output_dtype=torch.float16,
                       weight_dtype=torch.float16, bias_dtype=torch.float16)
    obs = ObservationType.OUTPUT_USE_DIFFERENT_OBSERVER_AS_INPUT
    bc = BackendConfig("float16_static")
    for pattern in (operator.add, operator.mul, torch.add, torch.mul):
        bc.set_backend_pattern_config(
            BackendPatternConfig(pattern).add_dtype_config(fp16).set_observation_type(obs))
    bc.set_backend_pattern_config(
        BackendPatternConfig(nn.Linear).add_dtype_config(fp16).set_observation_type(obs)
        .set_root_module(nn.Linear)
        .set_reference_quantized_module(torch.ao.nn.quantized.reference.Linear))
    return bc


def torch_histogram(ref):
    hist = collections.Counter()
    for node in ref.graph.nodes:
        if node.op in ("placeholder", "output", "get_attr"):
            continue
        if node.op == "call_module":
            mod = ref.get_submodule(node.target)
            cls = type(mod)
            if cls.__module__.startswith("torch.ao.nn.quantized.reference"):
                cls = cls.__mro__[1]  # the float module it stands for
            hist[(node.op, qfx_torch.config_io.canonical_name(cls))] += 1
        elif node.op == "call_function":
            hist[(node.op, qfx_torch.config_io.canonical_name(node.target))] += 1
        else:
            hist[(node.op, str(node.target))] += 1
    return hist


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("%s failed:\n%s" % (" ".join(cmd[:2]), proc.stderr[-3000:]))


def run_outputs(qfx_run, path, inputs, base):
    with open(path) as f:
        header = next(l for l in f if "func.func @forward(" in l)
    names = re.findall(r'\{qfx\.name = "([^"]*)"\}', header)
    npz_in, npz_out = base + ".in.npz", base + ".out.npz"
    np.savez(npz_in, **{n: t.numpy() for n, t in zip(names, inputs)})
    run([qfx_run, path, "--input", npz_in, "-o", npz_out])
    got = np.load(npz_out)
    return [got[str(i)] for i in range(len(got.files))]


def compare_outputs(what, got, expected):
    for i, (g, e) in enumerate(zip(got, expected)):
        if g.shape != tuple(e.shape) or g.tobytes() != e.numpy().tobytes():
            err = float(np.max(np.abs(g.astype(np.float64) - e.numpy())))
            raise Mismatch("%s output %d differs from PyTorch (max abs %g)" % (what, i, err))


def run_case(name, qfx_opt, qfx_run, workdir):
    torch.manual_seed(0)
    make, make_inputs = MODELS[name]
    model = make().eval()
    example = make_inputs()
    bc = float16_backend_config()
    mapping = QConfigMapping().set_global(float16_static_qconfig)
    prepared = prepare_fx(copy.deepcopy(model), mapping, example, backend_config=bc)
    observers = sum(1 for n in prepared.graph.nodes
                    if n.op == "call_module" and "activation_post_process" in n.target)
    if observers == 0:
        raise Mismatch("PyTorch placed no float16 observer: the case tests nothing")
    ref = convert_to_reference_fx(copy.deepcopy(prepared), backend_config=bc)
    inputs = make_inputs()
    with torch.no_grad():
        expected = ref(*inputs)
    expected = list(expected) if isinstance(expected, tuple) else [expected]
    base = os.path.join(workdir, name)
    # PyTorch-prepared.
    qfx_torch.export(prepared, example, base + ".prepared.mlir")
    run([qfx_opt, base + ".prepared.mlir", "--qfx-convert", "-o", base + ".converted.mlir"])
    ops, act_q, _ = parse_converted(base + ".converted.mlir")
    got_hist = collections.Counter((k, t) for k, t, _ in ops)
    exp_hist = torch_histogram(ref)
    diffs = ["histogram %s: PyTorch %d, qfx %d" % (k, exp_hist[k], got_hist[k])
             for k in sorted(set(exp_hist) | set(got_hist)) if exp_hist[k] != got_hist[k]]
    if act_q:
        diffs.append("qfx has %d integer quantizes" % len(act_q))
    if diffs:
        raise Mismatch("\n  ".join(diffs))
    compare_outputs("PyTorch-prepared", run_outputs(qfx_run, base + ".converted.mlir",
                                                    inputs, base), expected)
    # qfx-prepared from the float model, same configs as JSON.
    bc_path, map_path = base + ".backend.json", base + ".mapping.json"
    save_backend_config(bc, bc_path)
    save_qconfig_mapping(mapping, map_path)
    qfx_torch.export(model, example, base + ".float.mlir")
    run([qfx_opt, base + ".float.mlir",
         "--qfx-prepare=backend=%s qconfig-mapping=%s" % (bc_path, map_path),
         "-o", base + ".qfx-prepared.mlir"])
    with open(base + ".qfx-prepared.mlir") as f:
        text = f.read()
    # qfx's prepare also observes module weights in the graph (no FX node;
    # PyTorch's weight observer lives in the module): not counted.
    weights = set(re.findall(r"(%[\w.#]+) = qfx\.get_attr", text))
    qfx_observers = sum(1 for v in re.findall(r"qfx\.observer (%[\w.#]+) config = <kind = "
                                              r"placeholder, dtype = float16", text)
                        if v not in weights)
    if qfx_observers != observers:
        raise Mismatch("qfx prepare placed %d float16 observers, PyTorch %d"
                       % (qfx_observers, observers))
    run([qfx_opt, base + ".qfx-prepared.mlir", "--qfx-convert", "-o", base + ".qfx.mlir"])
    compare_outputs("qfx-prepared", run_outputs(qfx_run, base + ".qfx.mlir", inputs, base + ".qfx"),
                    expected)
    return observers, sum(got_hist.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="qfx-float16-")
    os.makedirs(workdir, exist_ok=True)
    failures = []
    for name in MODELS:
        try:
            observers, ops = run_case(name, args.qfx_opt, args.qfx_run, workdir)
            print("PASS %-12s float16 observers=%d ops=%d outputs bit-identical"
                  % (name, observers, ops), flush=True)
        except Exception as e:  # report every case
            failures.append(name)
            print("FAIL %s\n  %s" % (name, e), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
