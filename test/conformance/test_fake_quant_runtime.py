"""qfx-run's fake-quantize kernels against PyTorch 1.13's modules.

    /usr/bin/python3 test_fake_quant_runtime.py --qfx-run build/bin/qfx-run

Every fake-quantize of the default QAT qconfigs (fbgemm, x86, qnnpack:
FusedMovingAvgObsFakeQuantize, activations and weights) and a plain
FakeQuantize runs in PyTorch and, as a one-op qfx graph, in `qfx-run` on
the same batches (training mode, so the observer updates every batch).
Each batch's output must be identical, and so must the final running
min/max and the scale / zero point buffers. PyTorch's fused op
fake-quantizes with ATen's ChooseQuantizationParams, which differs from
calculate_qparams (e.g. a symmetric qint8 scale of max(|min|/128, |max|/127)
instead of max(|min|, |max|)/127.5).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.ao.quantization import get_default_qat_qconfig  # noqa: E402
from torch.ao.quantization.fake_quantize import (  # noqa: E402
    FakeQuantize, FusedMovingAvgObsFakeQuantize, default_fake_quant)

from qfx_torch.quant_lowering import observer_literal  # noqa: E402

SHAPE = (6, 3, 4, 4)


def cases():
    out = []
    for backend in ("fbgemm", "x86", "qnnpack"):
        qconfig = get_default_qat_qconfig(backend)
        out.append(("%s/activation" % backend, qconfig.activation))
        out.append(("%s/weight" % backend, qconfig.weight))
    out.append(("FakeQuantize/default", default_fake_quant))
    return out


def batches(seed):
    g = torch.Generator().manual_seed(seed)
    # Growing and shifting ranges; one all-positive batch and a tiny one
    # (scales below ATen's 6.1e-5 floor).
    xs = [torch.randn(SHAPE, generator=g) * s + o
          for s, o in ((1.0, 0.0), (3.0, 0.5), (0.5, 2.0), (2.0, -1.0))]
    xs.append(torch.rand(SHAPE, generator=g) * 1e-3)
    return xs


def qfx_graph(module):
    kind = ("fused_moving_avg_obs_fake_quantize"
            if isinstance(module, FusedMovingAvgObsFakeQuantize) else "fake_quantize")
    ty = "tensor<%sxf32>" % "x".join(map(str, SHAPE))
    obs = observer_literal(module.activation_post_process)
    return ("module {\n  func.func @forward(%%x: %s {qfx.name = \"x\"}) -> %s {\n"
            "    %%0 = qfx.fake_quantize %%x config = <kind = %s> observer = %s : %s\n"
            "    return %%0 : %s\n  }\n}\n" % (ty, ty, kind, obs, ty, ty))


def check(name, factory, qfx_run, tmp):
    module = factory()
    module.train()
    xs = batches(len(name))
    expected = np.stack([module(x).detach().numpy() for x in xs])
    path = os.path.join(tmp, "fq.mlir")
    with open(path, "w") as f:
        f.write(qfx_graph(factory()))
    np.save(os.path.join(tmp, "x.npy"), torch.stack(xs).numpy())
    out = os.path.join(tmp, "y.npy")
    proc = subprocess.run([qfx_run, path, "--input", os.path.join(tmp, "x.npy"), "-o", out],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return ["qfx-run failed: " + proc.stderr.strip()]
    actual = np.load(out)
    errors = []
    for i in range(len(xs)):
        bad = int((actual[i] != expected[i]).sum())
        if bad:
            errors.append("batch %d: %d of %d outputs differ (max abs %.3g)" % (
                i, bad, expected[i].size, float(np.abs(actual[i] - expected[i]).max())))
    # The running statistics and qparams after the batches, via --calibrate
    # (which writes them back) on the same data.
    cal = os.path.join(tmp, "cal.mlir")
    proc = subprocess.run([qfx_run, path, "--calibrate", os.path.join(tmp, "x.npy"),
                           "-o", cal], capture_output=True, text=True)
    if proc.returncode != 0:
        return errors + ["qfx-run --calibrate failed: " + proc.stderr.strip()]
    text = open(cal).read()

    def field(key):
        m = re.search(key + r" = \[([^\]]*)\]", text)
        return np.array([float(v) for v in m.group(1).split(",")], np.float64)

    obs = module.activation_post_process
    for key, want in (("min", obs.min_val), ("max", obs.max_val),
                      ("scale", module.scale), ("zero_point", module.zero_point)):
        got = field(key)
        want = want.detach().reshape(-1).numpy()
        if key in ("min", "max", "scale"):
            got = got.astype(np.float32)
        if got.shape != want.shape or not np.array_equal(got, want):
            errors.append("%s: qfx %s, torch %s" % (key, got[:4], want[:4]))
    return errors


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--qfx-run", required=True)
    args = p.parse_args(argv)
    torch.manual_seed(0)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, factory in cases():
            errors = check(name, factory, args.qfx_run, tmp)
            print("%s %s" % ("FAIL" if errors else "PASS", name))
            for e in errors:
                print("    " + e)
            failed += bool(errors)
    print("%d failures" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
