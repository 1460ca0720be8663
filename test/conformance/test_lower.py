"""Conformance of --qfx-lower + qfx-run against PyTorch's reference model.

For each model and backend family (x86: fbgemm-style `float`
requantization on oneDNN; qnnpack: `fp32` requantization with an int32 bias
on XNNPACK for stems, unstrided 1x1 convolutions and linear layers, the
`float` formula on oneDNN / qfx's depthwise kernel for the other
convolutions):
PyTorch prepare_fx with the backend's default QConfigMapping, a few
calibration batches, convert_to_reference_fx; the reference model is written
as qfx IR (reference_ir.py), lowered with `qfx-opt --qfx-lower` and run with
qfx-run. Checks:

* completeness: the lowered IR of the plain model holds no float op (no
  `dq -> op -> q` left: only qfx.parameter, the input quantize and the
  output dequantize besides qfxk ops), qfx-opt prints no remark, and every
  convolution / linear layer ran a library kernel (oneDNN or XNNPACK);
* per op: each quantized activation within --max-lsb (1) of PyTorch's
  reference op run on qfx's own inputs (a second lowering that returns every
  quantized activation, so that differences do not accumulate);
* end to end: the model output within --max-output-lsb (3) LSB of PyTorch's
  reference model, both families (PyTorch's own qnnpack engine is printed
  alongside: 4 LSB on resnet18, 145 on mobilenet_v2).

The quick tier runs torchvision resnet18 and mobilenet_v2 (pretrained=False,
randomized BN statistics) at 1x3x64x64 and a small op model; --full runs the
torchvision models at 1x3x224x224. `resnet18-qfx` and `mobilenet_v2-qfx`
run qfx's own pipeline
instead (export, --qfx-prepare, qfx-run --calibrate, --qfx-convert,
--qfx-lower) against PyTorch's prepare_fx / calibration on the same batches /
convert_to_reference_fx: completeness and the output bound, with the
difference split into calibration/convert and lowering.

Usage: test_lower.py <qfx-opt> <qfx-run> [--full] [--max-lsb N]
       [--max-output-lsb N] [--only NAME]
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
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from reference_ir import reference_ir  # noqa: E402


class OpModel(nn.Module):
    """The activation and elementwise ops of --qfx-lower outside the
    torchvision models: mul(+relu), standalone relu / hardtanh, the
    fixed-qparams functions, hardswish, softmax, dropout, cat, reshape."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1)
        self.conv2 = nn.Conv2d(3, 8, 3, 1, 1)
        self.relu = nn.ReLU()
        self.hardtanh = nn.Hardtanh(-0.5, 0.75)
        self.sigmoid = nn.Sigmoid()
        self.tanh = nn.Tanh()
        self.hsig = nn.Hardsigmoid()
        self.hswish = nn.Hardswish()
        self.drop = nn.Dropout(0.1)
        self.fc = nn.Linear(16 * 8 * 8, 12)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        a, b = self.conv1(x), self.conv2(x)
        m = self.relu(a * b)
        s = self.sigmoid(a) * self.tanh(b)
        h = self.hardtanh(self.hswish(s + m)) + self.hsig(b)
        c = torch.cat([self.drop(self.relu(h)), m], 1)
        y = self.fc(c.reshape(-1, 16 * 8 * 8))
        return self.softmax(y)


class Conv1dModel(nn.Module):
    """1-d convolutions (+relu, strided, grouped) as 2-d ones over 1 x L."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(4, 8, 3, 1, 1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv1d(8, 8, 5, 2, 2, groups=2)
        self.conv3 = nn.Conv1d(8, 6, 1)

    def forward(self, x):
        return self.conv3(self.conv2(self.relu(self.conv1(x))))


class Conv3dModel(nn.Module):
    """3-d convolutions (+relu, strided grouped + ReLU6, 1x1x1): oneDNN for
    both families (XNNPACK 2022 has no 3-d convolution); the ReLU6 folds
    into the convolution's output clamp."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv3d(2, 8, 3, 1, 1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv3d(8, 8, 3, 2, 1, groups=2)
        self.relu6 = nn.ReLU6()
        self.conv3 = nn.Conv3d(8, 6, 1)

    def forward(self, x):
        return self.conv3(self.relu6(self.conv2(self.relu(self.conv1(x)))))


class ConvTransposeModel(nn.Module):
    """2-d transposed convolutions (2x upsampling with output_padding,
    grouped, stride 1) between convolutions: oneDNN for both families."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 2, 1)
        self.up1 = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(8, 6, 2, stride=2, groups=2)
        self.up3 = nn.ConvTranspose2d(6, 4, 3, stride=1, padding=1)

    def forward(self, x):
        return self.up3(self.up2(self.up1(self.conv1(x))))


class NormModel(nn.Module):
    """Eval batch norm (standalone after a conv, fused BNReLU2d, BatchNorm3d)
    and layer norm (last dim, the last two without affine parameters, and a
    row of 1152): qfx's own kernels (neither library has them quantized)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, 1, 1)
        self.relu = nn.ReLU()
        self.bn1 = nn.BatchNorm2d(8)
        self.bn2 = nn.BatchNorm2d(8)
        self.relu2 = nn.ReLU()
        self.ln1 = nn.LayerNorm(12)
        self.ln2 = nn.LayerNorm([12, 12], elementwise_affine=False)
        self.ln3 = nn.LayerNorm(1152)  # 144 vectors: ATen's 4-level cascade
        self.bn3 = nn.BatchNorm3d(8)

    def forward(self, x):
        a = self.relu(self.conv(x))
        b = self.bn1(a)
        c = self.relu2(self.bn2(b + a))
        d = self.ln3(self.ln2(self.ln1(c)).reshape(-1, 1152))
        return self.bn3(d.reshape(-1, 8, 2, 6, 12))


# The library every weighted op of a case must run, when not the family's
# own (XNNPACK for qnnpack, oneDNN for x86).
LIBRARY = {"conv3d": {"qnnpack": ("onednn",)},
           "conv_transpose": {"qnnpack": ("onednn", "xnnpack")}}


def randomize_bn(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm3d)):
            m.running_mean.uniform_(-0.2, 0.2, generator=gen)
            m.running_var.uniform_(0.5, 1.5, generator=gen)
            m.weight.data.uniform_(0.5, 1.5, generator=gen)
            m.bias.data.uniform_(-0.2, 0.2, generator=gen)


def reference_model(model, backend, shape, gen):
    """PyTorch's reference model, and the calibrated prepared model."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_fx, convert_to_reference_fx
    model.eval()
    example = torch.randn(*shape, generator=gen)
    prepared = prepare_fx(model, get_default_qconfig_mapping(backend), (example,))
    with torch.no_grad():
        for _ in range(3):
            prepared(torch.randn(2, *shape[1:], generator=gen))
    return convert_to_reference_fx(copy.deepcopy(prepared)), prepared


def torch_engine_lsb(prepared, x, final, scale):
    """PyTorch's own qnnpack engine (convert_fx) against its reference model."""
    from torch.ao.quantization.quantize_fx import convert_fx
    engine = torch.backends.quantized.engine
    torch.backends.quantized.engine = "qnnpack"
    try:
        with torch.no_grad():
            y = convert_fx(copy.deepcopy(prepared))(x).numpy()
    finally:
        torch.backends.quantized.engine = engine
    return int(np.rint(np.abs(y - final) / scale).max())


ALLOWED_QFX = {"parameter", "quantize", "dequantize"}


def lower(tools, src, backend):
    """Lowered IR text and qfx-opt's diagnostics."""
    low = src.replace(".mlir", ".lowered.mlir")
    r = subprocess.run([tools.qfx_opt, src, "--qfx-lower=backend=" + backend,
                        "-o", low], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("qfx-opt failed:\n" + r.stderr)
    return low, open(low).read(), r.stderr


def run(tools, ir, x, tmp):
    np.save(os.path.join(tmp, "x.npy"), x.numpy())
    out = os.path.join(tmp, "out.npz")
    prof = subprocess.run([tools.qfx_run, ir, "--input", os.path.join(tmp, "x.npy"),
                           "-o", out, "--profile", "--threads", "1"],
                          check=True, capture_output=True, text=True).stderr
    got = np.load(out)
    return [got[str(i)] for i in range(len(got.files))], prof


def completeness(lowered, remarks, prof, backend, want=None):
    """Problems that make the lowering incomplete (empty: complete)."""
    problems = []
    # Weight lines (hex data) are long and need no regex.
    lowered = "\n".join(l for l in lowered.splitlines()
                         if not l.lstrip().startswith(("qfx.parameter", "qfxk.packed_weight")))
    ops = re.findall(r"^\s*(?:%[\w.:#]+(?:, %[\w.:#]+)* = )?qfx\.(\w+)", lowered, re.M)
    ops += ["parameter"]
    left = sorted(set(ops) - ALLOWED_QFX)
    if left:
        problems.append("float ops left in the lowered IR: %s" % ", ".join(left))
    if "remark" in remarks:
        problems.append("qfx-opt remarks:\n" + remarks.strip())
    # The input quantize reads a function argument; every dequantize only
    # feeds the return.
    for m in re.finditer(r"= qfx\.quantize (%[\w.]+)", lowered):
        if not m.group(1).startswith("%arg"):
            problems.append("a quantize of a computed value: %s" % m.group(0))
    weighted = [l for l in prof.splitlines() if "[" in l and ("conv" in l or "fc" in l
                                                              or "classifier" in l)]
    # Depthwise convolutions run qfx's own AVX2 kernel in both families; the
    # qnnpack family runs stems, unstrided 1x1 convolutions and linear layers
    # on XNNPACK, the others on oneDNN.
    want = want or (("xnnpack", "onednn", "qfx:dw-u8s8") if backend == "qnnpack"
                    else ("onednn", "qfx:dw-u8s8"))
    slow = [l.strip() for l in weighted
            if not any(w in l.split("[", 1)[1] for w in want)]
    if not weighted:
        problems.append("no convolution in the profile")
    if slow:
        problems.append("%d weighted ops did not run %s, e.g. %s" % (
            len(slow), " or ".join(want), slow[0]))
    return problems


def run_case(name, model, backend, shape, tools, tmp):
    gen = torch.Generator().manual_seed(0)
    randomize_bn(model, gen)
    ref, prepared = reference_model(model, backend, shape, gen)
    # Slightly wider than calibration: exercises clamping.
    x = torch.randn(*shape, generator=gen) * 1.2
    ok = True
    print("== %s, backend %s, input %s" % (name, backend, "x".join(map(str, shape))))

    # The plain model: completeness and the end-to-end bound.
    with torch.no_grad():
        text, _, quantized = reference_ir(ref, x)
    src = os.path.join(tmp, "%s-%s.mlir" % (name, backend))
    open(src, "w").write(text)
    low, lowered, remarks = lower(tools, src, backend)
    outs, prof = run(tools, low, x, tmp)
    problems = completeness(lowered, remarks, prof, backend,
                            LIBRARY.get(name, {}).get(backend))
    for p in problems:
        print("  FAIL: " + p)
    ok &= not problems
    body = [l for l in lowered.splitlines() if "= qfxk." in l]
    n_kernels = len(body)
    n_clamp = sum("clamp = [" in l for l in body)
    final = ref(x).detach().numpy()
    scale = quantized[-1][3]
    lsb = np.rint(np.abs(outs[0] - final) / scale).astype(np.int64)
    print("  %d quantized activations -> %d qfxk ops (%d with a fused output clamp)" % (
        len(quantized), n_kernels, n_clamp))
    print("  model output: max %d LSB, %.4f%% differ" % (
        lsb.max(), 100.0 * np.count_nonzero(lsb) / lsb.size))
    bound = tools.max_output_lsb
    if backend == "qnnpack":
        own = torch_engine_lsb(prepared, x, final, scale)
        print("  (PyTorch's qnnpack engine on the same input: max %d LSB)" % own)
    if lsb.max() > bound:
        print("  FAIL: output %d LSB > %d" % (lsb.max(), bound))
        ok = False
    impls = {re.match(r"[\w:-]+", l.split("[", 1)[1]).group(0).rstrip(":")
             for l in prof.splitlines() if "[" in l}
    print("  kernels: %s" % ", ".join(sorted(impls)))

    # Every quantized activation returned: the per-op bound.
    with torch.no_grad():
        text, env, quantized = reference_ir(ref, x, all_quantized=True)
    src = os.path.join(tmp, "%s-%s-all.mlir" % (name, backend))
    open(src, "w").write(text)
    low, _, _ = lower(tools, src, backend)
    outs, _ = run(tools, low, x, tmp)
    qfx_vals = {node: outs[1 + i] for i, (node, *_r) in enumerate(quantized)}
    isolated = {}

    class Substitute(torch.fx.Interpreter):
        def run_node(s, n):
            v = super().run_node(n)
            if n.op == "call_function" and n.target is torch.quantize_per_tensor:
                isolated[n.name] = v.dequantize().numpy()
                v = torch.quantize_per_tensor(torch.from_numpy(qfx_vals[n.name]),
                                              v.q_scale(), v.q_zero_point(), v.dtype)
            return v
    with torch.no_grad():
        Substitute(ref).run(x)
    worst, worst_e2e, differ = 0, 0, []
    for i, (node, _, _, scale, zp) in enumerate(quantized):
        torch_v = env[next(n for n in env if n.name == node)].dequantize().numpy()
        e2e = np.rint(np.abs(outs[1 + i] - torch_v) / scale).astype(np.int64)
        per = np.rint(np.abs(outs[1 + i] - isolated[node]) / scale).astype(np.int64)
        worst = max(worst, int(per.max()))
        worst_e2e = max(worst_e2e, int(e2e.max()))
        if per.max() or tools.verbose:
            differ.append("    %-32s per op max %d LSB (%.4f%% of %d differ), end to end max %d" % (
                node, per.max(), 100.0 * np.count_nonzero(per) / per.size, per.size,
                e2e.max()))
    print("  per op: max %d LSB over %d activations (%d not bit-exact); "
          "accumulated end to end: max %d LSB" % (worst, len(quantized), len(
              [d for d in differ if "max 0 LSB" not in d]), worst_e2e))
    for d in differ:
        print(d)
    if worst > tools.max_lsb:
        print("  FAIL: %d LSB > %d per op" % (worst, tools.max_lsb))
        ok = False
    return ok


def run_qfx_pipeline(name, model, backend, shape, tools, tmp):
    """qfx's own pipeline: export the float model, --qfx-prepare, qfx-run
    --calibrate, --qfx-convert, --qfx-lower, qfx-run; against PyTorch's
    prepare_fx / calibration on the same batches / convert_to_reference_fx."""
    import qfx_torch
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_fx, convert_to_reference_fx
    gen = torch.Generator().manual_seed(0)
    randomize_bn(model, gen)
    model.eval()
    example = torch.randn(*shape, generator=gen)
    calib = torch.stack([torch.randn(*shape, generator=gen) for _ in range(4)])
    x = torch.randn(*shape, generator=gen) * 1.2
    print("== %s, backend %s, qfx pipeline (prepare, calibrate, convert, lower)"
          % (name, backend))
    base = os.path.join(tmp, "%s-%s-qfx" % (name, backend))
    qfx_torch.export(model, (example,), base + ".float.mlir", qfx_opt=tools.qfx_opt)
    np.save(base + ".calib.npy", calib.numpy())
    steps = [[tools.qfx_opt, base + ".float.mlir",
              "--qfx-prepare=backend=%s qconfig-mapping=%s" % (backend, backend),
              "-o", base + ".prepared.mlir"],
             [tools.qfx_run, base + ".prepared.mlir", "--calibrate",
              base + ".calib.npy", "-o", base + ".calibrated.mlir"],
             [tools.qfx_opt, base + ".calibrated.mlir", "--qfx-convert",
              "-o", base + ".mlir"]]
    for cmd in steps:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    low, lowered, remarks = lower(tools, base + ".mlir", backend)
    outs, prof = run(tools, low, x, tmp)
    qfx_ref, _ = run(tools, base + ".mlir", x, tmp)  # qfx's reference model

    prepared = prepare_fx(copy.deepcopy(model), get_default_qconfig_mapping(backend),
                          (example,))
    with torch.no_grad():
        for c in calib:
            prepared(c)
        ref = convert_to_reference_fx(prepared)
        final = ref(x).numpy()
    last = [n for n in ref.graph.nodes
            if n.op == "call_function" and n.target is torch.quantize_per_tensor][-1]
    scale = float(getattr(ref, last.args[1].target))
    ok = True
    problems = completeness(lowered, remarks, prof, backend)
    for p in problems:
        print("  FAIL: " + p)
    ok &= not problems
    lsb = np.rint(np.abs(outs[0] - final) / scale).astype(np.int64)
    bound = tools.max_output_lsb
    print("  model output vs PyTorch's reference model: max %d LSB, %.4f%% differ" % (
        lsb.max(), 100.0 * np.count_nonzero(lsb) / lsb.size))
    # Where the difference comes from: qfx's own reference model (before
    # lowering) against PyTorch's (calibration, convert), and the lowering.
    for what, a, b in (("qfx's reference model vs PyTorch's", qfx_ref[0], final),
                       ("lowered vs qfx's reference model", outs[0], qfx_ref[0])):
        d = np.rint(np.abs(a - b) / scale).astype(np.int64)
        print("    %s: max %d LSB, %.4f%% differ" % (
            what, d.max(), 100.0 * np.count_nonzero(d) / d.size))
    if lsb.max() > bound:
        print("  FAIL: output %d LSB > %d" % (lsb.max(), bound))
        ok = False
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("qfx_opt")
    ap.add_argument("qfx_run")
    ap.add_argument("--full", action="store_true",
                    help="torchvision models at 1x3x224x224 (instead of 64x64)")
    ap.add_argument("--max-lsb", type=int, default=1, help="per-op bound (isolated)")
    ap.add_argument("--max-output-lsb", type=int, default=3, help="model output bound")
    ap.add_argument("--only", action="append",
                    help="run only the cases of these names")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--keep", help="write the IR files to this directory")
    tools = ap.parse_args()
    import torchvision
    torch.manual_seed(0)
    size = 224 if tools.full else 64
    cases = [("resnet18", lambda: torchvision.models.resnet18(), (1, 3, size, size)),
             ("mobilenet_v2", lambda: torchvision.models.mobilenet_v2(), (1, 3, size, size))]
    if not tools.full:
        cases.append(("ops", OpModel, (1, 3, 8, 8)))
        cases.append(("conv1d", Conv1dModel, (1, 4, 32)))
        cases.append(("conv3d", Conv3dModel, (1, 2, 6, 12, 12)))
        cases.append(("conv_transpose", ConvTransposeModel, (1, 3, 16, 16)))
        cases.append(("norms", NormModel, (1, 3, 12, 12)))
    pipeline = [("resnet18-qfx", lambda: torchvision.models.resnet18(), (1, 3, size, size)),
                ("mobilenet_v2-qfx", lambda: torchvision.models.mobilenet_v2(),
                 (1, 3, size, size))]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = tools.keep or tmp
        for name, make, shape in cases:
            if tools.only and name not in tools.only:
                continue
            for backend in ("x86", "qnnpack"):
                torch.manual_seed(0)
                ok &= run_case(name, make(), backend, shape, tools, tmp)
        for name, make, shape in pipeline:
            if tools.only and name not in tools.only:
                continue
            for backend in ("x86", "qnnpack"):
                torch.manual_seed(0)
                ok &= run_qfx_pipeline(name[:-4], make(), backend, shape, tools, tmp)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
