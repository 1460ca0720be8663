"""Conformance of --qfx-lower's embedding_bag against PyTorch 1.13.

A model of weight-only quantized nn.EmbeddingBags (quint8 sum with
per_sample_weights, mean with include_last_offset, max, padding_idx,
2-d indices without offsets, and a quint4x2 table with an odd row
length) goes through qfx's own pipeline: export, `--qfx-prepare` (the
weight observers), `--qfx-convert`, `--qfx-lower=backend=B` for every
backend, `qfx-run --profile`. The reference is PyTorch's prepare_fx ->
convert_to_reference_fx of the same model.

Checked: every embedding bag became a qfxk.embedding_bag over a
qfxk.packed_embedding (no float-qparams op or qfx.embedding_bag left, no
remark); every output is bit-identical to the reference model's, on
several inputs; the profile names the kernel.

Printed, not checked: PyTorch's own quantized EmbeddingBag modules
(convert_fx) against the same reference model (max abs difference per
output), which is not the bar (docs/kernels.md).

    python3 test_lower_embedding.py --qfx-opt Q --qfx-run R [--workdir D]
"""

import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))
sys.path.insert(0, _HERE)

import qfx_torch  # noqa: E402
from qfx_torch.config_io import save_qconfig_mapping  # noqa: E402
from torch.ao.quantization import (QConfigMapping,  # noqa: E402
                                   float_qparams_weight_only_qconfig,
                                   float_qparams_weight_only_qconfig_4bit)
from torch.ao.quantization.quantize_fx import (convert_fx,  # noqa: E402
                                               convert_to_reference_fx, prepare_fx)

ROWS = 40
BACKENDS = ["x86", "fbgemm", "onednn", "qnnpack"]
OUTPUTS = ["sum_psw", "mean_last", "max", "sum_pad", "mean_2d", "sum_4bit"]


class Bags(nn.Module):
    def __init__(self):
        super().__init__()
        self.sum_psw = nn.EmbeddingBag(ROWS, 24, mode="sum")
        self.mean_last = nn.EmbeddingBag(ROWS, 16, mode="mean", include_last_offset=True)
        self.max = nn.EmbeddingBag(ROWS, 8, mode="max")
        self.sum_pad = nn.EmbeddingBag(ROWS, 12, mode="sum", padding_idx=3)
        self.mean_2d = nn.EmbeddingBag(ROWS, 20, mode="mean")
        self.sum_4bit = nn.EmbeddingBag(ROWS, 13, mode="sum")

    def forward(self, idx, offsets, psw, idx2d):
        return (self.sum_psw(idx, offsets, per_sample_weights=psw),
                self.mean_last(idx, offsets), self.max(idx, offsets),
                self.sum_pad(idx, offsets), self.mean_2d(idx2d),
                self.sum_4bit(idx, offsets))


def inputs(seed):
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, ROWS, (37,), generator=g)
    idx[::5] = 3  # padding_idx in several bags
    offsets = torch.tensor([0, 4, 4, 11, 20, 29])  # an empty bag
    psw = torch.rand(idx.numel(), generator=g) * 2 - 0.5
    idx2d = torch.randint(0, ROWS, (5, 6), generator=g)
    return idx, offsets, psw, idx2d


def mapping():
    return QConfigMapping() \
        .set_object_type(nn.EmbeddingBag, float_qparams_weight_only_qconfig) \
        .set_module_name("sum_4bit", float_qparams_weight_only_qconfig_4bit)


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd[:2]), proc.stderr[-3000:]))
    return proc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="qfx-lower-embedding-")
    os.makedirs(workdir, exist_ok=True)

    torch.manual_seed(0)
    model = Bags().eval()
    example = inputs(0)
    prepared = prepare_fx(copy.deepcopy(model), mapping(), example)
    reference = convert_to_reference_fx(copy.deepcopy(prepared))
    torch.backends.quantized.engine = "onednn"
    torch_own = convert_fx(copy.deepcopy(prepared))

    float_path = os.path.join(workdir, "bags.mlir")
    qfx_torch.export(model, example, float_path)
    qm = os.path.join(workdir, "qconfig.json")
    save_qconfig_mapping(mapping(), qm)
    prepared_path = os.path.join(workdir, "prepared.mlir")
    converted = os.path.join(workdir, "converted.mlir")
    run([args.qfx_opt, float_path, "--qfx-prepare=backend=native qconfig-mapping=" + qm,
         "-o", prepared_path])
    run([args.qfx_opt, prepared_path, "--qfx-convert", "-o", converted])
    with open(float_path) as f:
        header = next(l for l in f if "func.func @forward(" in l)
    names = re.findall(r'\{qfx\.name = "([^"]*)"\}', header)

    failures = 0
    torch_diff = {o: 0.0 for o in OUTPUTS}
    batches = [inputs(seed) for seed in range(4)]
    for backend in BACKENDS:
        lowered = os.path.join(workdir, "lowered-%s.mlir" % backend)
        proc = run([args.qfx_opt, converted, "--qfx-lower=backend=" + backend, "-o", lowered])
        problems = []
        if "remark" in proc.stderr:
            problems.append("remarks:\n" + proc.stderr[-2000:])
        with open(lowered) as f:
            text = f.read()
        left = [op for op in ("qfx.quantize_float_qparams", "qfx.dequantize_float_qparams",
                              "qfx.embedding_bag") if op + " " in text]
        bags = text.count("qfxk.embedding_bag ")
        if left or bags != len(OUTPUTS) or text.count("bits = 4") != 1:
            problems.append("%d qfxk.embedding_bag (expected %d), left: %s"
                            % (bags, len(OUTPUTS), left))
        same = total = 0
        for i, batch in enumerate(batches):
            base = os.path.join(workdir, "%s.%d" % (backend, i))
            np.savez(base + ".in.npz", **{n: t.numpy() for n, t in zip(names, batch)})
            proc = run([args.qfx_run, lowered, "--input", base + ".in.npz", "-o",
                        base + ".out.npz", "--profile"])
            if proc.stdout.count("qfx:embedding-bag-") + proc.stderr.count(
                    "qfx:embedding-bag-") != len(OUTPUTS):
                problems.append("the profile does not name %d embedding bag kernels:\n%s"
                                % (len(OUTPUTS), proc.stdout + proc.stderr))
            got = np.load(base + ".out.npz")
            with torch.no_grad():
                expected = [t.numpy() for t in reference(*batch)]
                own = [t.numpy() for t in torch_own(*batch)]
            for k, name in enumerate(OUTPUTS):
                g, e = got[str(k)], expected[k]
                if own[k].shape != e.shape:  # quint4x2 with an odd row length
                    torch_diff[name] = "shape %s, reference %s" % (own[k].shape, e.shape)
                elif not isinstance(torch_diff[name], str):
                    torch_diff[name] = max(torch_diff[name], float(
                        np.max(np.abs(own[k].astype(np.float64) - e))))
                if g.shape != e.shape:
                    problems.append("input %d %s: shape %s, expected %s"
                                    % (i, name, g.shape, e.shape))
                    continue
                equal = g.view(np.uint32) == e.view(np.uint32)
                same += int(np.sum(equal))
                total += e.size
                if not equal.all():
                    problems.append("input %d %s: %d of %d values differ, max %.3g"
                                    % (i, name, int(np.sum(~equal)), e.size,
                                       float(np.max(np.abs(g.astype(np.float64) - e)))))
        if problems:
            failures += 1
            print("FAIL %s\n  %s" % (backend, "\n  ".join(problems[:8])), flush=True)
        else:
            print("PASS %-8s embedding_bag=%d bit-identical=%d/%d"
                  % (backend, bags, same, total), flush=True)
    print("PyTorch's own quantized EmbeddingBag (convert_fx) vs its reference model, "
          "max abs difference: " +
          ", ".join("%s %s" % (n, torch_diff[n] if isinstance(torch_diff[n], str)
                               else "%.3g" % torch_diff[n]) for n in OUTPUTS))
    print("overall: %d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
