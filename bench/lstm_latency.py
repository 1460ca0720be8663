#!/usr/bin/env python3
"""Dynamic LSTM latency, one thread: qfx-run on the lowered model
(qfxk.dynamic_lstm) against PyTorch's own dynamic LSTM (convert_fx,
torch.ao.nn.quantized.dynamic.LSTM) on the onednn and qnnpack engines and
PyTorch's float LSTM, measured in the same run.

    /usr/bin/python3 bench/lstm_latency.py --qfx-opt build/bin/qfx-opt \
        --qfx-run build/bin/qfx-run [--runs 20] [--repeat 3]

Times are CPU time (robust on a shared machine): PyTorch's thread CPU time
around its forward calls (one intra-op thread), qfx-run's user + sys time
of a run over all inputs minus a run over the first input only, divided by
the number of extra inputs (loading and oneDNN's first-run JIT cancel).
Each figure is the best of --repeat. The x86 backend (reduce_range, as
PyTorch's onednn LSTM) is compared with the onednn engine (Debian's torch
has no x86 engine).
"""

import argparse
import copy
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import qfx_torch  # noqa: E402
from torch.ao.quantization import QConfigMapping, default_dynamic_qconfig  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: E402

warnings.filterwarnings("ignore")


class Lstm(nn.Module):
    def __init__(self, i, h, layers, bidirectional):
        super().__init__()
        self.lstm = nn.LSTM(i, h, num_layers=layers, bidirectional=bidirectional)

    def forward(self, x):
        return self.lstm(x)[0]


# name: (input size, hidden size, layers, bidirectional, T, B)
MODELS = {
    "lstm-256x1": (128, 256, 1, False, 50, 4),
    "lstm-128x2-bi": (64, 128, 2, True, 50, 8),
}
# qfx backend -> PyTorch engine of the same reduce_range choice
BACKENDS = {"x86": "onednn", "onednn": "onednn", "qnnpack": "qnnpack"}


def torch_cpu_ms(model, xs, repeat):
    best = float("inf")
    with torch.no_grad():
        model(xs[0])
        for _ in range(repeat):
            t0 = time.thread_time()
            for x in xs[1:]:
                model(x)
            best = min(best, (time.thread_time() - t0) * 1e3 / (len(xs) - 1))
    return best


def child_cpu_s(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def qfx_cpu_ms(qfx_run, lowered, tmp, xs, repeat):
    all_in, one_in = os.path.join(tmp, "all.npy"), os.path.join(tmp, "one.npy")
    np.save(all_in, np.stack([x.numpy() for x in xs]))
    np.save(one_in, xs[0].numpy()[None])

    def cmd(path):
        return [qfx_run, lowered, "--input", path, "-o", os.path.join(tmp, "y.npy"),
                "--threads", "1"]
    best = float("inf")
    for _ in range(repeat):
        extra = child_cpu_s(cmd(all_in)) - child_cpu_s(cmd(one_in))
        best = min(best, extra * 1e3 / (len(xs) - 1))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    tmp = tempfile.mkdtemp(prefix="qfx-lstm-bench-")
    for name, (i, h, layers, bi, t, b) in MODELS.items():
        torch.manual_seed(0)
        model = Lstm(i, h, layers, bi).eval()
        xs = [torch.randn(t, b, i) for _ in range(args.runs + 1)]
        fp32 = torch_cpu_ms(model, xs, args.repeat)
        print("%s (T=%d, B=%d, I=%d, H=%d, layers=%d%s): PyTorch fp32 %.3f ms"
              % (name, t, b, i, h, layers, ", bidirectional" if bi else "", fp32), flush=True)
        for backend, engine in BACKENDS.items():
            torch.backends.quantized.engine = engine
            mapping = QConfigMapping().set_global(default_dynamic_qconfig)
            prepared = prepare_fx(copy.deepcopy(model), mapping, (xs[0],))
            own = torch_cpu_ms(convert_fx(copy.deepcopy(prepared)), xs, args.repeat)
            base = os.path.join(tmp, "%s_%s" % (name, backend))
            qfx_torch.export(prepared, (xs[0],), base + ".prepared.mlir")
            subprocess.run([args.qfx_opt, base + ".prepared.mlir",
                            "--qfx-convert=engine=" + engine, "-o", base + ".ref.mlir"],
                           check=True)
            subprocess.run([args.qfx_opt, base + ".ref.mlir", "--qfx-lower=backend=" + backend,
                            "-o", base + ".lowered.mlir"], check=True)
            ours = qfx_cpu_ms(args.qfx_run, base + ".lowered.mlir", tmp, xs, args.repeat)
            print("  %-8s qfx-run %.3f ms   PyTorch %s dynamic LSTM %.3f ms   ratio %.2fx"
                  "   (vs fp32 %.2fx)" % (backend, ours, engine, own, ours / own, ours / fp32),
                  flush=True)


if __name__ == "__main__":
    main()
