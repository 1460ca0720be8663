"""Conformance of --qfx-lower + qfx-run against PyTorch's reference model.

For resnet18-like models and each backend family: prepare_fx, calibrate,
convert_to_reference_fx; write the reference model as qfx IR
(reference_ir.py), lower it with `qfx-opt --qfx-lower`, run it with qfx-run
and compare every quantized activation (and the output) with PyTorch's
reference model, in LSBs of the activation's scale.

Usage: test_lower.py <qfx-opt> <qfx-run> [--full] [--max-lsb N]
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_ir import reference_ir  # noqa: E402


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                      nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.down is None else self.down(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + idt)


class ResNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = Block(16, 16, 1)
        self.layer2 = Block(16, 32, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def randomize_bn(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2, generator=gen)
            m.running_var.uniform_(0.5, 1.5, generator=gen)
            m.weight.data.uniform_(0.5, 1.5, generator=gen)
            m.bias.data.uniform_(-0.2, 0.2, generator=gen)


def reference_model(model, backend, shape, gen):
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_fx, convert_to_reference_fx
    model.eval()
    example = torch.randn(*shape, generator=gen)
    prepared = prepare_fx(model, get_default_qconfig_mapping(backend), (example,))
    with torch.no_grad():
        for _ in range(4):
            prepared(torch.randn(*shape, generator=gen))
    return convert_to_reference_fx(prepared)


def run_case(name, model, backend, shape, tools, max_lsb, tmp):
    gen = torch.Generator().manual_seed(0)
    randomize_bn(model, gen)
    ref = reference_model(model, backend, shape, gen)
    # Slightly wider than calibration: exercises clamping.
    x = torch.randn(*shape, generator=gen) * 1.2
    with torch.no_grad():
        text, env, quantized = reference_ir(ref, x, all_quantized=True)
    src = os.path.join(tmp, "%s-%s.mlir" % (name, backend))
    low = os.path.join(tmp, "%s-%s.lowered.mlir" % (name, backend))
    with open(src, "w") as f:
        f.write(text)
    lower_backend = {"x86": "x86", "fbgemm": "fbgemm", "qnnpack": "qnnpack",
                     "onednn": "onednn"}[backend]
    subprocess.run([tools.qfx_opt, src, "--qfx-lower=backend=" + lower_backend,
                    "-o", low], check=True)
    lowered = open(low).read()
    leftovers = [op for op in ("qfx.conv ", "qfx.linear ", "qfx.add ",
                               "qfx.max_pool ", "qfx.adaptive_avg_pool ")
                 if op in lowered]
    np.save(os.path.join(tmp, "x.npy"), x.numpy())
    out = os.path.join(tmp, "out.npz")
    prof = subprocess.run([tools.qfx_run, low, "--input", os.path.join(tmp, "x.npy"),
                           "-o", out, "--profile", "--threads", "1"],
                          check=True, capture_output=True, text=True).stderr
    got = np.load(out)
    outs = [got[str(i)] for i in range(len(got.files))]
    ok = not leftovers
    print("== %s, backend %s: %d quantized activations%s" % (
        name, backend, len(quantized),
        "" if not leftovers else ", LEFTOVER reference ops: %s" % leftovers))
    # Per op: PyTorch's reference op run on qfx's own inputs (so that
    # differences do not accumulate), and end to end.
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
    worst = 0
    print("  %-28s %-28s %s" % ("activation", "per op (isolated)", "end to end"))
    for i, (node, _, _, scale, zp) in enumerate(quantized):
        torch_v = env[next(n for n in env if n.name == node)].dequantize().numpy()
        e2e = np.rint(np.abs(outs[1 + i] - torch_v) / scale).astype(np.int64)
        per = np.rint(np.abs(outs[1 + i] - isolated[node]) / scale).astype(np.int64)
        worst = max(worst, int(per.max()))
        print("  %-28s max %d LSB, %7.4f%% differ   max %d LSB, %7.4f%% differ (of %d)" % (
            node, per.max(), 100.0 * np.count_nonzero(per) / per.size,
            e2e.max(), 100.0 * np.count_nonzero(e2e) / e2e.size, e2e.size))
    final = ref(x).detach().numpy()
    scale = quantized[-1][3]
    lsb = np.rint(np.abs(outs[0] - final) / scale).astype(np.int64)
    print("  %-28s max %d LSB, %.4f%% differ" % ("model output", lsb.max(),
                                               100.0 * np.count_nonzero(lsb) / lsb.size))
    impls = sorted({l.split("[")[1].rstrip("]") for l in prof.splitlines() if "[" in l})
    print("  kernels: %s" % "; ".join(impls))
    if worst > max_lsb:
        print("  FAIL: %d LSB > %d" % (worst, max_lsb))
        ok = False
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("qfx_opt")
    ap.add_argument("qfx_run")
    ap.add_argument("--full", action="store_true", help="also torchvision resnet18 at 224")
    ap.add_argument("--max-lsb", type=int, default=1,
                    help="per-op bound (isolated)")
    tools = ap.parse_args()
    torch.manual_seed(0)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("x86", "qnnpack"):
            ok &= run_case("resnet_like", ResNetLike(), backend, (1, 3, 32, 32),
                           tools, tools.max_lsb, tmp)
        if tools.full:
            import torchvision
            for backend in ("x86", "qnnpack"):
                ok &= run_case("resnet18", torchvision.models.resnet18(), backend,
                               (1, 3, 224, 224), tools, tools.max_lsb, tmp)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
