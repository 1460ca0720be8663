"""QAT Conv/Linear + BatchNorm modules in qfx against PyTorch 1.13.

    /usr/bin/python3 test_qat_batch_norm.py --qfx-opt build/bin/qfx-opt \\
        --qfx-run build/bin/qfx-run [--workdir DIR]

prepare_qat_fx swaps Conv+BN(+ReLU) and Linear+BN for nniqat's ConvBn2d /
ConvBnReLU2d / LinearBn1d, which fake-quantize the BN-scaled weight and
update the batch statistics. For each model and both engines' default QAT
mappings, the same train-mode float model goes through

* PyTorch: prepare_qat_fx, 4 forward batches in training mode (observers
  and BN statistics update; no optimizer step), convert_to_reference_fx;
* qfx: export, --qfx-prepare qat=true, qfx-run on the same 4 batches and
  qfx-run --calibrate (which writes the states back), --qfx-convert,
  qfx-run;

and the test checks: the prepared models' outputs on every batch are
bit-identical; every QAT module's weight fake-quantize ends with the same
scale and zero point and its BN with the same running statistics (bit for
bit); the converted reference models' outputs agree within one
quantization step of the output (PyTorch folds the BN into the weight in
to_float(), qfx in --qfx-convert). Then a later QAT phase: PyTorch applies
freeze_bn_stats and disable_observer, qfx --qfx-set-qat-state; two more
batches must again give bit-identical outputs, BN statistics and qparams.
"""

import argparse
import copy
import os
import re
import subprocess
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.intrinsic.qat as nniqat  # noqa: E402
from torch.ao.quantization import get_default_qat_qconfig_mapping  # noqa: E402
from torch.ao.quantization import quantize_fx  # noqa: E402

import harness  # noqa: E402


class ConvBnModels(nn.Module):
    """ConvBnReLU2d (conv without bias), ConvBn2d (conv with bias) and
    LinearBn1d."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(6)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(6, 4, 1, stride=2)
        self.bn2 = nn.BatchNorm2d(4, momentum=0.3)
        self.fc = nn.Linear(4 * 3 * 3, 5)
        self.bn3 = nn.BatchNorm1d(5)

    def forward(self, x):
        x = self.relu(self.bn(self.conv(x)))
        x = self.bn2(self.conv2(x))
        return self.bn3(self.fc(x.flatten(1)))


def make_model():
    torch.manual_seed(0)
    model = ConvBnModels()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    model.train()
    torch.manual_seed(1)
    batches = [torch.randn(4, 3, 6, 6) * 1.5 for _ in range(4)]
    return model, batches


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise harness.ConformanceError("%s failed:\n%s" % (
            " ".join(os.path.basename(c) for c in cmd[:2]), proc.stderr[-3000:]))
    return proc


def floats(text):
    return np.array([float(v) for v in text.split(",")], dtype=np.float64)


def qfx_weight_fake_quants(text):
    """module path -> (scales, zero points) of the weight fake-quantize in
    each qfx.fused body (read from a calibrated model)."""
    out, pending = {}, None
    for line in text.split("\n"):
        if "= qfx.fused" in line:
            pending = None
        m = re.search(r"qfx\.fake_quantize .*qparams = <scale = \[([^\]]*)\], "
                      r"zero_point = \[([^\]]*)\]>", line)
        if m and pending is None and line.startswith("      "):
            pending = (floats(m.group(1)), floats(m.group(2)))
        end = re.match(r"\s*\}.*module = \"([^\"]+)\"", line)
        if end and pending is not None:
            out[end.group(1)] = pending
            pending = None
    return out


def compare_buffers(prepared, path, qfx_opt):
    """Each QAT module's BN buffers (torch `<m>.bn.<b>`) against qfx's
    (`<m>.1.<b>`)."""
    mod = harness.load_qfx(path, qfx_opt)
    diffs = []
    for name, tensor in prepared.named_buffers():
        parts = name.split(".")
        if len(parts) < 3 or parts[-2] != "bn":
            continue
        qname = ".".join(parts[:-2] + ["1", parts[-1]])
        p = mod.parameters.get(qname)
        want = tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        got = mod.blobs.get(p.resource) if p is not None and p.resource else None
        if got != want:
            diffs.append("%s (qfx %s) differs" % (name, qname))
    return diffs


def output_step(prepared):
    """The scale of the fake-quantize that produces the model output."""
    modules = dict(prepared.named_modules())
    out = [n for n in prepared.graph.nodes if n.op == "output"][0]
    node = out.args[0]
    return float(modules[node.target].scale.reshape(-1)[0])


def compare_weight_fake_quants(prepared, path):
    """Each QAT module's weight fake-quantize scale and zero point."""
    diffs = []
    qfq = qfx_weight_fake_quants(open(path).read())
    for name in ("conv", "conv2", "fc"):
        fq = prepared.get_submodule(name).weight_fake_quant
        want = (fq.scale.double().numpy(), fq.zero_point.double().numpy())
        have = qfq.get(name)
        if have is None:
            diffs.append("qfx has no weight fake-quantize in module %s" % name)
        elif not (np.array_equal(have[0].astype(np.float32), want[0].astype(np.float32))
                  and np.array_equal(have[1], want[1])):
            diffs.append("%s.weight_fake_quant: qfx scale %s zp %s, torch %s %s" % (
                name, have[0], have[1], want[0], want[1]))
    return diffs


def compare_outputs(what, got, ref):
    diffs = []
    for i, r in enumerate(ref):
        bad = int((got[i] != r.numpy()).sum())
        if bad:
            diffs.append("%s, batch %d: %d of %d values differ (max %.3g)" % (
                what, i, bad, r.numel(), float(np.abs(got[i] - r.numpy()).max())))
    return diffs


def check_frozen(prepared, calibrated, backend, args, workdir):
    """A later QAT phase: model.apply(freeze_bn_stats) and
    model.apply(disable_observer) in PyTorch, --qfx-set-qat-state in qfx;
    two more training batches must give the same outputs, leave the ConvBn
    statistics and every fake-quantize's qparams alone, and update the
    LinearBn1d statistics (freeze_bn_stats skips that class) identically."""
    prepared.apply(nniqat.freeze_bn_stats)
    prepared.apply(torch.ao.quantization.disable_observer)
    torch.manual_seed(2)
    batches = [torch.randn(4, 3, 6, 6) * 2.0 for _ in range(2)]
    with torch.no_grad():
        ref = [prepared(x) for x in batches]
    frozen = os.path.join(workdir, "frozen-%s.mlir" % backend)
    run([args.qfx_opt, calibrated,
         "--qfx-set-qat-state=freeze-bn-stats disable-observer", "-o", frozen])
    data = os.path.join(workdir, "frozen-batches.npy")
    np.save(data, np.stack([x.numpy() for x in batches]))
    out = os.path.join(workdir, "frozen-out-%s.npy" % backend)
    tt = ["--torch-threads", "1"]
    run([args.qfx_run, frozen, "--input", data, "-o", out] + tt)
    diffs = compare_outputs("frozen-BN output", np.load(out), ref)
    recalibrated = os.path.join(workdir, "frozen-calibrated-%s.mlir" % backend)
    run([args.qfx_run, frozen, "--calibrate", data, "-o", recalibrated] + tt)
    diffs += compare_buffers(prepared, recalibrated, args.qfx_opt)
    diffs += compare_weight_fake_quants(prepared, recalibrated)
    return diffs


def check(backend, args, workdir):
    model, batches = make_model()
    mapping = get_default_qat_qconfig_mapping(backend)
    torch.set_num_threads(1)
    prepared = quantize_fx.prepare_qat_fx(copy.deepcopy(model), mapping, (batches[0],))
    with torch.no_grad():
        ref = [prepared(x) for x in batches]
    diffs = []

    path = os.path.join(workdir, "model-%s.mlir" % backend)
    harness.export_model(model, (batches[0],), path, qfx_opt=args.qfx_opt)
    prepared_path = os.path.join(workdir, "prepared-%s.mlir" % backend)
    run([args.qfx_opt, path, "--qfx-prepare=qconfig-mapping=%s qat=true" % backend,
         "-o", prepared_path])
    data = os.path.join(workdir, "batches.npy")
    np.save(data, np.stack([x.numpy() for x in batches]))
    out = os.path.join(workdir, "out-%s.npy" % backend)
    tt = ["--torch-threads", "1"]
    run([args.qfx_run, prepared_path, "--input", data, "-o", out] + tt)
    diffs += compare_outputs("prepared output", np.load(out), ref)
    calibrated = os.path.join(workdir, "calibrated-%s.mlir" % backend)
    run([args.qfx_run, prepared_path, "--calibrate", data, "-o", calibrated] + tt)
    diffs += compare_buffers(prepared, calibrated, args.qfx_opt)
    diffs += compare_weight_fake_quants(prepared, calibrated)

    # Convert: the BN folds into the weights on both sides.
    converted = quantize_fx.convert_to_reference_fx(copy.deepcopy(prepared))
    test_x = torch.randn(4, 3, 6, 6)
    with torch.no_grad():
        ref_out = converted(test_x).numpy()
    converted_path = os.path.join(workdir, "converted-%s.mlir" % backend)
    run([args.qfx_opt, calibrated, "--qfx-convert", "-o", converted_path])
    text = open(converted_path).read()
    if "qfx.batch_norm" in text or "qfx.sqrt" in text:
        diffs.append("the converted model still has a batch norm or its scaling")
    x_path = os.path.join(workdir, "x.npy")
    np.save(x_path, test_x.numpy()[None])
    conv_out = os.path.join(workdir, "converted-out-%s.npy" % backend)
    run([args.qfx_run, converted_path, "--input", x_path, "-o", conv_out] + tt)
    step = output_step(prepared)
    worst = float(np.abs(np.load(conv_out)[0] - ref_out).max()) / step
    if worst > 1.0 + 1e-3:
        diffs.append("converted output differs by %.2f steps" % worst)
    diffs += check_frozen(prepared, calibrated, backend, args, workdir)
    return diffs, worst


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--qfx-opt", required=True)
    p.add_argument("--qfx-run", required=True)
    p.add_argument("--workdir", default=os.path.join(os.getcwd(), "qat-bn-work"))
    args = p.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    failed = 0
    for backend in ("qnnpack", "onednn"):
        try:
            diffs, worst = check(backend, args, args.workdir)
            extra = ": converted output within %.2f steps" % worst
        except harness.ConformanceError as e:
            diffs, extra = [str(e)], ""
        print("%s qat-conv-bn/%s%s" % ("FAIL" if diffs else "PASS", backend, extra))
        for d in diffs:
            print("    " + d)
        failed += bool(diffs)
    print("%d failures" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
