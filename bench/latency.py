#!/usr/bin/env python3
"""int8 inference latency, one thread: qfx-run (lowered kernels) vs PyTorch's
converted quantized model (onednn and qnnpack engines) and PyTorch fp32, in
the same run.

    /usr/bin/python3 bench/latency.py --qfx-opt build/bin/qfx-opt \
        --qfx-run build/bin/qfx-run [--model resnet18] [--runs 10]

The qfx model is PyTorch's reference model (convert_to_reference_fx) written
as qfx IR by test/conformance/reference_ir.py (until --qfx-convert lands),
lowered with --qfx-lower. qfx-run's time is its own per-run measurement
(--time) over a stacked batch; PyTorch is timed around its forward calls.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "test", "conformance"))
from reference_ir import reference_ir  # noqa: E402


def torch_ms(model, xs):
    with torch.no_grad():
        model(xs[0])
        t0 = time.perf_counter()
        for x in xs[1:]:
            model(x)
    return (time.perf_counter() - t0) * 1e3 / (len(xs) - 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--model", default="resnet18")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(1)
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import (convert_fx, convert_to_reference_fx,
                                                   prepare_fx)
    float_model = getattr(torchvision.models, args.model)().eval()
    xs = [torch.randn(1, 3, 224, 224) for _ in range(args.runs + 1)]
    fp32 = torch_ms(float_model, xs)
    print(f"{args.model}, 1 thread, {args.runs} runs")
    print(f"  PyTorch fp32                 {fp32:8.2f} ms")
    for backend, engine, lower in (("x86", "onednn", "x86"),
                                   ("onednn", "onednn", "onednn"),
                                   ("qnnpack", "qnnpack", "qnnpack")):
        torch.backends.quantized.engine = engine
        qm = get_default_qconfig_mapping(backend)
        prepared = prepare_fx(float_model, qm, (xs[0],))
        with torch.no_grad():
            for x in xs[:4]:
                prepared(x)
        import copy
        converted = convert_fx(copy.deepcopy(prepared))
        ref = convert_to_reference_fx(copy.deepcopy(prepared))
        pt = torch_ms(converted, xs)
        with tempfile.TemporaryDirectory() as tmp:
            with torch.no_grad():
                text, _, _ = reference_ir(ref, xs[0])
            src, low = os.path.join(tmp, "ref.mlir"), os.path.join(tmp, "low.mlir")
            open(src, "w").write(text)
            subprocess.run([args.qfx_opt, src, f"--qfx-lower=backend={lower}", "-o", low],
                           check=True)
            np.save(os.path.join(tmp, "x.npy"), torch.stack(xs).numpy())
            r = subprocess.run([args.qfx_run, low, "--input", os.path.join(tmp, "x.npy"),
                                "-o", os.path.join(tmp, "y.npy"), "--time",
                                "--threads", "1"], check=True, capture_output=True,
                               text=True)
            qfx = float(re.search(r"([0-9.]+) ms per run", r.stderr).group(1))
            prof = subprocess.run([args.qfx_run, low, "--input", os.path.join(tmp, "x.npy"),
                                   "-o", os.path.join(tmp, "y.npy"), "--profile",
                                   "--threads", "1"], check=True, capture_output=True,
                                  text=True).stderr
            impls = sorted({l.split("[")[1].rstrip("]") for l in prof.splitlines()
                            if "[" in l and "reference:" not in l and "lut" not in l})
        print(f"  {backend:8s} qfx-run {qfx:8.2f} ms | PyTorch int8 ({engine}) {pt:8.2f} ms"
              f" | qfx/PyTorch-int8 {qfx / pt:5.2f}x | qfx/fp32 {qfx / fp32:5.2f}x"
              f" | conv kernels: {', '.join(impls)}")


if __name__ == "__main__":
    main()
