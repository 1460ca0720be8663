#!/usr/bin/env python3
"""Calibration throughput, one thread: `qfx-run --calibrate` vs PyTorch's
prepared model (prepare_fx) on the same batches, in the same run.

    /usr/bin/python3 bench/calibration.py --qfx-opt build/bin/qfx-opt \
        --qfx-run build/bin/qfx-run [--model resnet18] [--batches 16] \
        [--backends fbgemm onednn]

Both engines prepare the float torchvision model with the backend's default
QConfigMapping (HistogramObserver on activations) and the native
BackendConfig, then observe the same random 1x3x224x224 batches. PyTorch is
timed around its forward calls (no_grad); qfx-run's time is its own
measurement of the calibration loop (--time), and its wall time including
loading the model and writing the calibrated IR is printed too. The printed
ratio is qfx batches/s over PyTorch batches/s (the issue aims for >= 2).
"""

import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "python"))

import qfx_torch  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization.quantize_fx import prepare_fx  # noqa: E402


def torch_batches_per_s(prepared, xs):
    with torch.no_grad():
        t0 = time.perf_counter()
        for x in xs:
            prepared(x)
    return len(xs) / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--model", default="resnet18")
    ap.add_argument("--batches", type=int, default=16)
    ap.add_argument("--backends", nargs="+", default=["fbgemm", "onednn"])
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = getattr(torchvision.models, args.model)().eval()
    xs = [torch.randn(1, 3, 224, 224) for _ in range(args.batches)]
    print(f"{args.model}, 1 thread, {args.batches} calibration batches of 1x3x224x224")
    with tempfile.TemporaryDirectory() as tmp:
        exported = os.path.join(tmp, "model.mlir")
        qfx_torch.export(model, (xs[0],), exported)
        calib = os.path.join(tmp, "calib.npy")
        np.save(calib, torch.stack(xs).numpy())
        for backend in args.backends:
            mapping = get_default_qconfig_mapping(backend)
            prepared = prepare_fx(copy.deepcopy(model), mapping, (xs[0],))
            pt = torch_batches_per_s(prepared, xs)
            qprep = os.path.join(tmp, backend + ".prepared.mlir")
            subprocess.run([args.qfx_opt, exported,
                            f"--qfx-prepare=backend=native qconfig-mapping={backend}",
                            "-o", qprep], check=True)
            out = os.path.join(tmp, backend + ".calibrated.mlir")
            t0 = time.perf_counter()
            r = subprocess.run([args.qfx_run, qprep, "--calibrate", calib, "-o", out,
                                "--time", "--threads", "1"],
                               check=True, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            ms = float(re.search(r"([0-9.]+) ms per calibration batch", r.stderr).group(1))
            qfx = 1e3 / ms
            print(f"  {backend:7s} PyTorch {pt:6.2f} batches/s | qfx-run {qfx:6.2f} batches/s"
                  f" (wall incl. load/write {args.batches / wall:6.2f}/s)"
                  f" | qfx/PyTorch {qfx / pt:5.2f}x")


if __name__ == "__main__":
    main()
