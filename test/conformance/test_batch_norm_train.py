"""Training-mode batch norm in qfx-run against PyTorch 1.13, bit for bit.

    /usr/bin/python3 test_batch_norm_train.py --qfx-opt build/bin/qfx-opt \\
        --qfx-run build/bin/qfx-run [--workdir DIR]

A model exported in training mode normalises with batch statistics and
updates its BatchNorm buffers (running_mean, running_var,
num_batches_tracked) on every batch. For each model below, at one and at two
PyTorch intra-op threads (the BatchNorm1d-on-[N, C] reduction depends on
them):

* float: the same batches through PyTorch (train mode) and
  `qfx-run --input`: every output bit-identical; `qfx-run --calibrate -o`
  writes the updated buffers back into the IR: bit-identical to PyTorch's
  buffers after the same batches.
* PTQ (prepare_fx on the train-mode model, qnnpack and onednn default
  mappings, against --qfx-prepare): after calibrating both on the same
  batches, the BatchNorm buffers are bit-identical and every observer's
  state and qparams equal PyTorch's (test_prepare.check_calibration's
  criteria; the report counts observers with identical state).

Nothing here is a hard-coded expectation: PyTorch computes every expected
value in the same run.
"""

import argparse
import copy
import os
import subprocess
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.ao.quantization import get_default_qconfig_mapping  # noqa: E402
from torch.ao.quantization import quantize_fx  # noqa: E402

import harness  # noqa: E402
import test_prepare  # noqa: E402


class Conv2dStats(nn.Module):
    """BatchNorm2d (momentum 0.1) after a ReLU, so nothing fuses it."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)

    def forward(self, x):
        return self.bn(F.relu(self.conv(x)))


class RowStats(nn.Module):
    """BatchNorm1d on [N, C]: ATen's channels-last reduction, FMA squares."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 10)
        self.bn = nn.BatchNorm1d(10, momentum=0.3)

    def forward(self, x):
        return self.bn(torch.relu(self.fc(x.flatten(1))))


class Cumulative(nn.Module):
    """momentum=None (average over num_batches_tracked), affine=False,
    BatchNorm1d on [N, C, L], one module called twice, and F.batch_norm on
    plain buffers (updated in place, no batch counter)."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(3, momentum=None, affine=False)
        self.bn1d = nn.BatchNorm1d(3, momentum=None)
        self.register_buffer("mean", torch.randn(3))
        self.register_buffer("var", torch.rand(3) + 0.5)

    def forward(self, x):
        y = self.bn(self.bn(x) * 2.0)
        y = F.batch_norm(y, self.mean, self.var, training=True, momentum=0.2,
                         eps=1e-3)
        return self.bn1d(y.flatten(2))


MODELS = {
    "conv2d_stats": (Conv2dStats, (2, 3, 6, 6)),
    "row_stats": (RowStats, (8, 3, 2, 2)),
    "cumulative": (Cumulative, (2, 3, 5, 4)),
}


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise harness.ConformanceError("%s failed:\n%s" % (
            " ".join(cmd[:2]), proc.stderr[-3000:]))
    return proc


def make_model(name):
    torch.manual_seed(0)
    cls, shape = MODELS[name]
    model = cls()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                if m.affine:
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
                m.num_batches_tracked.fill_(3)
    model.train()
    torch.manual_seed(1)
    batches = [torch.randn(*shape) * 2 + 0.5 for _ in range(4)]
    return model, batches


def bn_buffers(model):
    """Name -> tensor of every buffer a training batch norm updates."""
    names = ("running_mean", "running_var", "num_batches_tracked")
    out = {n: b for n, b in model.named_buffers() if n.rsplit(".", 1)[-1] in names}
    out.update({n: b for n, b in model.named_buffers() if n in ("mean", "var")})
    return out


def compare_buffers(expected, path, qfx_opt):
    """Diffs between PyTorch's buffers and the qfx.parameter blobs of path.
    Prepared models keep the module names, so the symbols match."""
    mod = harness.load_qfx(path, qfx_opt)
    diffs = []
    for name, tensor in expected.items():
        p = mod.parameters.get(name)
        if p is None:
            diffs.append("buffer %s missing" % name)
            continue
        want = tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        got = mod.blobs.get(p.resource) if p.resource else None
        if got != want:
            a = np.frombuffer(got, dtype=tensor.numpy().dtype) if got else None
            show = lambda v: np.array2string(v, max_line_width=1 << 20)
            diffs.append("buffer %s: qfx %s, torch %s" % (
                name, None if a is None else show(a),
                show(tensor.detach().reshape(-1).numpy())))
    return diffs


def check_float(name, threads, args, workdir):
    model, batches = make_model(name)
    path = os.path.join(workdir, name + ".mlir")
    harness.export_model(model, (batches[0],), path, qfx_opt=args.qfx_opt)
    torch.set_num_threads(threads)
    with torch.no_grad():
        ref = [model(x) for x in batches]
    data = os.path.join(workdir, name + "_batches.npy")
    np.save(data, np.stack([x.numpy() for x in batches]))
    out = os.path.join(workdir, name + "_out.npy")
    tt = ["--torch-threads", str(threads)]
    run([args.qfx_run, path, "--input", data, "-o", out] + tt)
    got = np.load(out)
    diffs = []
    for i, r in enumerate(ref):
        bad = int((got[i] != r.numpy()).sum())
        if bad:
            diffs.append("batch %d: %d of %d outputs differ (max %.3g)" % (
                i, bad, r.numel(), float(np.abs(got[i] - r.numpy()).max())))
    calibrated = os.path.join(workdir, name + "_calibrated.mlir")
    run([args.qfx_run, path, "--calibrate", data, "-o", calibrated] + tt)
    return diffs + compare_buffers(bn_buffers(model), calibrated, args.qfx_opt)


def check_ptq(name, backend, args, workdir):
    model, batches = make_model(name)
    mapping = get_default_qconfig_mapping(backend)
    prepared = quantize_fx.prepare_fx(copy.deepcopy(model), mapping, (batches[0],))
    expected, sites = test_prepare.torch_observers(prepared, False)
    path = os.path.join(workdir, "%s-%s.mlir" % (name, backend))
    harness.export_model(model, (batches[0],), path, qfx_opt=args.qfx_opt)
    out = os.path.join(workdir, "%s-%s.prepared.mlir" % (name, backend))
    text = test_prepare.qfx_prepare(path, out, backend, False, args.qfx_opt)
    actual, names = test_prepare.qfx_observers(text)
    diffs = test_prepare.compare(expected, actual)
    if diffs:
        return diffs, None
    torch.set_num_threads(1)
    # check_calibration feeds its own batches (seeded) to both engines.
    stats = test_prepare.check_calibration(prepared, out, (batches[0],), sites,
                                           names, args.qfx_run, workdir)
    if "skipped" in stats:
        return ["calibration skipped: " + stats["skipped"]], None
    if stats["observers"] == 0:
        return ["no observer compared"], None
    diffs = stats["diffs"] + compare_buffers(
        bn_buffers(prepared), out + ".calibrated.mlir", args.qfx_opt)
    return diffs, stats


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--qfx-opt", required=True)
    p.add_argument("--qfx-run", required=True)
    p.add_argument("--workdir", default=os.path.join(os.getcwd(), "bn-train-work"))
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    failed = 0
    for name in MODELS:
        for threads in (1, 2):
            label = "float/%s/threads=%d" % (name, threads)
            try:
                diffs = check_float(name, threads, args, args.workdir)
            except harness.ConformanceError as e:
                diffs = [str(e)]
            print("%s %s" % ("FAIL" if diffs else "PASS", label))
            for d in diffs:
                print("    " + d)
            failed += bool(diffs)
        for backend in ("qnnpack", "onednn"):
            label = "ptq/%s/%s" % (name, backend)
            try:
                diffs, stats = check_ptq(name, backend, args, args.workdir)
            except harness.ConformanceError as e:
                diffs, stats = [str(e)], None
            extra = ""
            if stats:
                extra = ": %d observers, state identical %d, zp exact %d" % (
                    stats["observers"], stats["same_state"], stats["zp_exact"])
            print("%s %s%s" % ("FAIL" if diffs else "PASS", label, extra))
            for d in diffs:
                print("    " + d)
            failed += bool(diffs)
    print("%d failures" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
