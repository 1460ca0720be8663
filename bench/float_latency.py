#!/usr/bin/env python3
"""Float inference latency: qfx-run vs PyTorch fp32 eager, one thread.

    PYTHONPATH=python /usr/bin/python3 bench/float_latency.py \
        --qfx-run build/bin/qfx-run [--model resnet18] [--runs 20]

qfx-run's time is its own per-run measurement (--time): the plan is built
once, then the stacked batch runs back to back, as in calibration. PyTorch is
timed the same way (warm-up run excluded).
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

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "conformance"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--model", default="resnet18")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = getattr(torchvision.models, args.model)().eval()
    x = torch.randn(args.runs + 1, 1, 3, 224, 224)
    from test_float_runtime import export
    with tempfile.TemporaryDirectory() as tmp:
        mlir = os.path.join(tmp, "m.mlir")
        export(model, x[0], mlir)
        np.save(os.path.join(tmp, "x.npy"), x.numpy())
        r = subprocess.run([args.qfx_run, mlir, "--input", os.path.join(tmp, "x.npy"),
                            "-o", os.path.join(tmp, "y.npy"), "--time",
                            "--threads", str(args.threads)],
                           capture_output=True, text=True, check=True)
        qfx_ms = float(re.search(r"([0-9.]+) ms per run", r.stderr).group(1))
    with torch.no_grad():
        model(x[0])
        t0 = time.perf_counter()
        for i in range(1, args.runs + 1):
            model(x[i])
        torch_ms = (time.perf_counter() - t0) * 1e3 / args.runs
    print(f"{args.model} fp32, {args.threads} thread(s), batch 1: "
          f"qfx-run {qfx_ms:.2f} ms/run, PyTorch {torch_ms:.2f} ms/run, "
          f"speedup {torch_ms / qfx_ms:.2f}x")


if __name__ == "__main__":
    main()
