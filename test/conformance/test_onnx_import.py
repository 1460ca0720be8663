#!/usr/bin/env python3
"""ONNX import conformance: torch.onnx export + qfx-translate vs qfx_torch.

For each model: export it with qfx_torch (FX) and with torch.onnx (eval,
TrainingMode.PRESERVE so BatchNormalization stays), import the ONNX file
with `qfx-translate --import-onnx`, and compare the typed-op histograms
(ops ONNX folds away excluded) and the call_module provenance. No op of
the importer's table may come back as a generic qfx.call. With --qfx-run,
the imported model also runs on the example inputs and must give the
PyTorch model's outputs (models in NUMERICS_MODELS, the ones whose import
exercises Slice/Split/ReduceMean/Resize/Pad/tanh-GELU).

    test_onnx_import.py --qfx-opt BIN --qfx-translate BIN [--qfx-run BIN]
                        [--workdir D] MODEL...
"""

import argparse
import collections
import os
import subprocess
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import models  # noqa: E402

# Ops torch.onnx folds away or spells differently.
IGNORED = {"qfx.get_attr", "qfx.constant", "qfx.identity", "qfx.dropout",
           "qfx.contiguous", "qfx.size", "qfx.getitem", "func.return",
           "quant.scast", "builtin.module", "func.func", "qfx.parameter"}
# view/reshape/flatten are one family on both sides.
ALIASES = {"qfx.flatten": "qfx.reshape"}
# ONNX has one Resize for nn.Upsample and its fixed-mode subclasses; the
# importer names them all nn.Upsample.
MODULE_ALIASES = {
    "torch.nn.modules.upsampling.UpsamplingBilinear2d":
        "torch.nn.modules.upsampling.Upsample",
    "torch.nn.modules.upsampling.UpsamplingNearest2d":
        "torch.nn.modules.upsampling.Upsample",
}


class OnnxOps(nn.Module):
    """What torch.onnx writes as Slice, Split, ReduceMean, Resize, Pad and
    the tanh-GELU pattern."""

    def __init__(self):
        super().__init__()
        self.act = nn.GELU(approximate="tanh")
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv = nn.Conv2d(4, 2, 3)
        self.pool = nn.AvgPool2d(3, stride=1, padding=1)

    def forward(self, x):
        a = x[:, 1:3, :, ::2]
        h = torch.split(x, [1, 3], dim=1)
        c = torch.chunk(x, 2, dim=-1)
        m = x.mean([2, 3], keepdim=True)
        u = self.up(x)
        b = F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=False)
        d = F.interpolate(x, scale_factor=1.5, mode="bilinear",
                          align_corners=True)
        g = self.act(x) + F.gelu(h[1], approximate="tanh")[:, :1]
        p = self.conv(F.pad(x, (1, 0, 2, 1), value=0.5))
        q = F.max_pool2d(F.pad(x, (0, 1, 0, 1)), 2)
        return (a, h[0] * 2, c[1] - c[0], m, u, b, d, g, x.mean(), p, q,
                self.pool(x))


# Models of this test only (not of the other stages' suites).
LOCAL_MODELS = {
    "onnx_ops": models._case(OnnxOps, models._img(1, 4, 8, 8)),
}

# Models torch.onnx exports op for op. Not here: fixed_qparams (torch.onnx
# merges the repeated sigmoid/tanh/softmax calls), pools and conv1d (no ONNX
# export), conv_transpose (the FX export keeps its output_padding form),
# slicing (torch.onnx writes chunk with a remainder as SplitToSequence, a
# sequence op).
DEFAULT_MODELS = ["conv_bn_relu", "residual", "depthwise", "linear_bn1d",
                  "cat", "pools3d", "nested", "resnet18", "mobilenet_v2",
                  "upsample", "mean", "onnx_ops"]
# Small models whose outputs are compared through qfx-run.
NUMERICS_MODELS = {"upsample", "mean", "onnx_ops"}


def typed_histogram(mod):
    hist = collections.Counter()
    for op in mod.ops:
        name = ALIASES.get(op.op, op.op)
        if name in IGNORED or name == "qfx.call":
            continue
        hist[name] += 1
    return hist


def module_histogram(mod):
    return collections.Counter((MODULE_ALIASES.get(o.target, o.target), o.module)
                               for o in mod.node_ops()
                               if o.kind == "call_module"
                               and ALIASES.get(o.op, o.op) not in IGNORED)


def check(name, workdir, qfx_opt, qfx_translate, qfx_run=None):
    case = LOCAL_MODELS.get(name) or models.MODELS[name]
    torch.manual_seed(0)
    model = case.make_model().eval()
    inputs = case.make_inputs()
    os.makedirs(workdir, exist_ok=True)
    fx_path = os.path.join(workdir, name + ".fx.mlir")
    harness.export_model(model, inputs, fx_path)
    fx = harness.load_qfx(fx_path, qfx_opt)

    onnx_path = os.path.join(workdir, name + ".onnx")
    torch.onnx.export(model, inputs, onnx_path, opset_version=13,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=True)
    imported = os.path.join(workdir, name + ".onnx.mlir")
    proc = subprocess.run([qfx_translate, "--import-onnx", onnx_path,
                           "-o", imported], capture_output=True, text=True)
    if proc.returncode:
        return ["qfx-translate failed:\n" + proc.stderr[-3000:]]
    ox = harness.load_qfx(imported, qfx_opt)

    errors = []
    generic = [o.target for o in ox.node_ops() if o.op == "qfx.call"]
    if generic:
        errors.append("generic calls in the import: %s" % sorted(set(generic)))
    a, b = typed_histogram(fx), typed_histogram(ox)
    if a != b:
        errors.append("typed-op histograms differ:\n  fx only:   %s\n"
                      "  onnx only: %s" % (dict(a - b), dict(b - a)))
    ma, mb = module_histogram(fx), module_histogram(ox)
    if ma != mb:
        errors.append("call_module provenance differs:\n  fx only:   %s\n"
                      "  onnx only: %s" % (sorted(ma - mb), sorted(mb - ma)))
    if qfx_run and name in NUMERICS_MODELS and not generic:
        try:
            harness.check_numerics(imported, model, inputs, qfx_run)
        except harness.ConformanceError as e:
            errors.append(str(e))
    return errors


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--qfx-opt", required=True)
    p.add_argument("--qfx-translate", required=True)
    p.add_argument("--qfx-run")
    p.add_argument("--workdir", default="onnx-import-work")
    p.add_argument("models", nargs="*")
    args = p.parse_args()
    failed = 0
    for name in args.models or DEFAULT_MODELS:
        errors = check(name, os.path.join(args.workdir, name), args.qfx_opt,
                       args.qfx_translate, args.qfx_run)
        print("%s: %s" % (name, "ok" if not errors else "FAIL"))
        for e in errors:
            print("  " + e)
        failed += bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
