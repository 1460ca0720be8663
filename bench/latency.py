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

--cpu-time measures CPU time instead of wall time, robust on a shared,
loaded machine: PyTorch's per-thread CPU time around its forward calls (one
intra-op thread runs them on the calling thread), and qfx-run's user + sys
time of a run over all inputs minus one over the first input only, divided by
the number of extra inputs (so model loading cancels out). Each figure is the
best of --repeat measurements. --backends picks the kernel families.
"""

import argparse
import os
import re
import resource
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


CLOCK = time.perf_counter


def torch_ms(model, xs, repeat=1):
    best = float("inf")
    with torch.no_grad():
        model(xs[0])
        for _ in range(repeat):
            t0 = CLOCK()
            for x in xs[1:]:
                model(x)
            best = min(best, (CLOCK() - t0) * 1e3 / (len(xs) - 1))
    return best


def child_cpu_s(cmd):
    """user + sys CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def qfx_cpu_ms(qfx_run, low, tmp, xs, repeat):
    """qfx-run's CPU time per run: a run over the inputs repeated to at least
    60 minus a run over the first one alone (model loading, a few hundred ms
    that vary by tens of ms, cancels out)."""
    one, many = os.path.join(tmp, "x1.npy"), os.path.join(tmp, "xmany.npy")
    reps = -(-60 // len(xs))
    np.save(one, xs[0].unsqueeze(0).numpy())
    np.save(many, torch.stack(xs * reps).numpy())
    out = os.path.join(tmp, "y.npy")
    def cmd(x):
        return [qfx_run, low, "--input", x, "-o", out, "--threads", "1"]
    t1 = min(child_cpu_s(cmd(one)) for _ in range(repeat))
    tn = min(child_cpu_s(cmd(many)) for _ in range(repeat))
    return (tn - t1) * 1e3 / (len(xs) * reps - 1)


def wall_ms(qfx_run, low, tmp, repeat):
    """qfx-run's own per-run wall time (--time) over the stacked inputs."""
    best = float("inf")
    for _ in range(repeat):
        r = subprocess.run([qfx_run, low, "--input", os.path.join(tmp, "x.npy"),
                            "-o", os.path.join(tmp, "y.npy"), "--time", "--threads", "1"],
                           check=True, capture_output=True, text=True)
        best = min(best, float(re.search(r"([0-9.]+) ms per run", r.stderr).group(1)))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--model", default="resnet18")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--cpu-time", action="store_true",
                    help="CPU time instead of wall time (shared machines)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="best of N measurements")
    ap.add_argument("--backends", default="x86,onednn,qnnpack")
    args = ap.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.thread_time
    torch.set_num_threads(1)
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import (convert_fx, convert_to_reference_fx,
                                                   prepare_fx)
    float_model = getattr(torchvision.models, args.model)().eval()
    xs = [torch.randn(1, 3, 224, 224) for _ in range(args.runs + 1)]
    fp32 = torch_ms(float_model, xs, args.repeat)
    clock = "CPU time" if args.cpu_time else "wall time"
    print(f"{args.model}, 1 thread, {args.runs} runs, {clock}, best of {args.repeat}")
    print(f"  PyTorch fp32                 {fp32:8.2f} ms")
    for backend, engine, lower in (("x86", "onednn", "x86"),
                                   ("onednn", "onednn", "onednn"),
                                   ("qnnpack", "qnnpack", "qnnpack")):
        if backend not in args.backends.split(","):
            continue
        torch.backends.quantized.engine = engine
        qm = get_default_qconfig_mapping(backend)
        prepared = prepare_fx(float_model, qm, (xs[0],))
        with torch.no_grad():
            for x in xs[:4]:
                prepared(x)
        import copy
        converted = convert_fx(copy.deepcopy(prepared))
        ref = convert_to_reference_fx(copy.deepcopy(prepared))
        pt = torch_ms(converted, xs, args.repeat)
        with tempfile.TemporaryDirectory() as tmp:
            with torch.no_grad():
                text, _, _ = reference_ir(ref, xs[0])
            src, low = os.path.join(tmp, "ref.mlir"), os.path.join(tmp, "low.mlir")
            open(src, "w").write(text)
            subprocess.run([args.qfx_opt, src, f"--qfx-lower=backend={lower}", "-o", low],
                           check=True)
            np.save(os.path.join(tmp, "x.npy"), torch.stack(xs).numpy())
            if args.cpu_time:
                qfx = qfx_cpu_ms(args.qfx_run, low, tmp, xs, args.repeat)
            else:
                qfx = wall_ms(args.qfx_run, low, tmp, args.repeat)
            prof = subprocess.run([args.qfx_run, low, "--input", os.path.join(tmp, "x.npy"),
                                   "-o", os.path.join(tmp, "y.npy"), "--profile",
                                   "--threads", "1"], check=True, capture_output=True,
                                  text=True).stderr
            impls = sorted({l.split("[")[1].rstrip("]") for l in prof.splitlines()
                            if "[" in l and ("'qfxk.conv" in l or "'qfxk.linear" in l)})
        print(f"  {backend:8s} qfx-run {qfx:8.2f} ms | PyTorch int8 ({engine}) {pt:8.2f} ms"
              f" | qfx/PyTorch-int8 {qfx / pt:5.2f}x | qfx/fp32 {qfx / fp32:5.2f}x"
              f" | conv kernels: {', '.join(impls)}")


if __name__ == "__main__":
    main()
