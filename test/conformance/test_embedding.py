"""Weight-only quantization of embeddings against PyTorch 1.13.

    /usr/bin/python3 test_embedding.py --qfx-opt build/bin/qfx-opt \\
        [--qfx-run build/bin/qfx-run] [--workdir DIR]

One model with nn.Embedding, nn.EmbeddingBag (sum with offsets and
per_sample_weights, mean with include_last_offset, max, a 4-bit table),
F.embedding / F.embedding_bag (not quantized: the BackendConfigs have
module patterns only) and a quantized linear + add downstream, with each
engine's default qconfig mapping and the embedding qconfigs set as PyTorch
users do (`set_object_type(nn.Embedding, float_qparams_weight_only_qconfig)`,
the 4-bit one by module name; QAT: default_embedding_qat_qconfig(_4bit)).

* prepare (PTQ and QAT, qnnpack and onednn mappings, native
  BackendConfig): every observer / fake-quantize by observed value and
  configuration equals prepare_fx / prepare_qat_fx's (test_prepare.py's
  keys; an embedding's weight observer is keyed `<module>.weight`).
* the plain default QAT mapping (no embedding qconfig): prepare_qat_fx
  fails (nnqat.Embedding.from_float asserts a float-qparams weight) and
  qfx-opt must fail with its diagnostic.
* convert (PTQ, with --qfx-run): qfx's own prepare -> qfx-run --calibrate
  -> --qfx-convert against prepare_fx -> the same calibration batches ->
  convert_to_reference_fx: each embedding's weight scales and float zero
  points equal the reference module's bit for bit; the outputs of the
  embeddings (nn.Embedding's shows the whole dequantized table, every row
  being indexed) and of the functional forms are identical; the quantized
  linear's output is within 1 LSB of its output scale.
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
import torch.nn.functional as F  # noqa: E402
from torch.ao.quantization import (  # noqa: E402
    default_embedding_qat_qconfig, default_embedding_qat_qconfig_4bit,
    float_qparams_weight_only_qconfig, float_qparams_weight_only_qconfig_4bit,
    get_default_qat_qconfig_mapping, get_default_qconfig_mapping)
from torch.ao.quantization import quantize_fx  # noqa: E402

import harness  # noqa: E402
import test_prepare  # noqa: E402
from qfx_torch import config_io  # noqa: E402

NUM = 30


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(NUM, 8)
        self.bag = nn.EmbeddingBag(NUM, 8, mode="sum")
        self.bag_mean = nn.EmbeddingBag(NUM, 8, mode="mean", include_last_offset=True)
        self.bag_max = nn.EmbeddingBag(NUM, 8, mode="max")
        self.bag4 = nn.EmbeddingBag(NUM, 16, mode="sum")
        self.w = nn.Parameter(torch.randn(NUM, 4))
        self.fc = nn.Linear(8, 4)

    def forward(self, idx, offsets, psw):
        a = self.bag(idx, offsets, per_sample_weights=psw)
        b = self.bag_mean(idx, offsets)
        c = self.bag_max(idx, offsets)
        d = self.bag4(idx, offsets)
        e = self.emb(idx)
        f = F.embedding(idx, self.w)
        g = F.embedding_bag(idx, self.w, offsets, mode="sum")
        return self.fc(a + c), b, d, e, f, g


def example_inputs(seed=0):
    """Indices covering every row (so that the outputs of nn.Embedding show
    the whole dequantized table), offsets with an empty bag."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.cat([torch.arange(NUM), torch.randint(0, NUM, (10,), generator=g)])
    idx = idx[torch.randperm(idx.numel(), generator=g)]
    offsets = torch.tensor([0, 7, 7, 19, 33])
    psw = torch.rand(idx.numel(), generator=g)
    return idx, offsets, psw


def qconfig_mapping(backend, qat):
    if qat:
        return get_default_qat_qconfig_mapping(backend) \
            .set_object_type(nn.Embedding, default_embedding_qat_qconfig) \
            .set_object_type(nn.EmbeddingBag, default_embedding_qat_qconfig) \
            .set_module_name("bag4", default_embedding_qat_qconfig_4bit)
    return get_default_qconfig_mapping(backend) \
        .set_object_type(nn.Embedding, float_qparams_weight_only_qconfig) \
        .set_object_type(nn.EmbeddingBag, float_qparams_weight_only_qconfig) \
        .set_module_name("bag4", float_qparams_weight_only_qconfig_4bit)


def run(cmd):
    return test_prepare.run(cmd)


def check_prepare(backend, qat, args):
    torch.manual_seed(0)
    model = Embeddings().train(qat)
    inputs = example_inputs()
    mapping = qconfig_mapping(backend, qat)
    prepare = quantize_fx.prepare_qat_fx if qat else quantize_fx.prepare_fx
    prepared = prepare(copy.deepcopy(model), mapping, inputs)
    expected, _ = test_prepare.torch_observers(prepared, qat)
    workdir = os.path.join(args.workdir, "%s-%s" % (backend, "qat" if qat else "ptq"))
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "embeddings.mlir")
    harness.export_model(model, inputs, path, qfx_opt=args.qfx_opt)
    qm = os.path.join(workdir, "qconfig_mapping.json")
    config_io.save_qconfig_mapping(mapping, qm)
    out = os.path.join(workdir, "prepared.mlir")
    run([args.qfx_opt, path, "--qfx-prepare=backend=native qconfig-mapping=%s qat=%s"
         % (qm, "true" if qat else "false"), "--mlir-print-debuginfo", "-o", out])
    with open(out) as f:
        actual, _ = test_prepare.qfx_observers(f.read())
    weight_keys = [k for k in expected if k[0].endswith(".weight") and
                   "float_qparams" in str(k[1])]
    diffs = test_prepare.compare(expected, actual)
    if len(weight_keys) != 5:
        diffs.append("expected 5 float-qparams weight observers in PyTorch's "
                     "prepared model, got %d" % len(weight_keys))
    return sum(expected.values()), diffs


def check_qat_default_rejected(backend, args):
    """The plain default QAT mapping: prepare_qat_fx's swap of the
    embeddings asserts a float-qparams weight qconfig, so PyTorch fails,
    and qfx-opt must fail with its diagnostic."""
    model = Embeddings().train(True)
    inputs = example_inputs()
    mapping = get_default_qat_qconfig_mapping(backend)
    try:
        quantize_fx.prepare_qat_fx(copy.deepcopy(model), mapping, inputs)
        return ["PyTorch accepted the default QAT mapping on embeddings"]
    except AssertionError:
        pass
    workdir = os.path.join(args.workdir, "%s-qat-default" % backend)
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "embeddings.mlir")
    harness.export_model(model, inputs, path, qfx_opt=args.qfx_opt)
    qm = os.path.join(workdir, "qconfig_mapping.json")
    config_io.save_qconfig_mapping(mapping, qm)
    proc = subprocess.run([args.qfx_opt, path, "--qfx-prepare=backend=native "
                           "qconfig-mapping=%s qat=true" % qm, "-o", os.devnull],
                          capture_output=True, text=True)
    want = "per_channel_affine_float_qparams"
    if proc.returncode == 0 or want not in proc.stderr:
        return ["expected qfx-opt to fail with %r, got status %d: %s" % (
            want, proc.returncode, proc.stderr[-500:])]
    return []


_GETATTR_RE = re.compile(r'^\s*(%[\w.$-]+) = qfx\.get_attr @"?([^" ]+)"?')
_QFP_RE = re.compile(r'= qfx\.quantize_float_qparams (%[\w.$-]+) dtype = +(\w+) '
                     r'axis = (\d+) scale = dense<([^>]*)> : tensor<\d+xf32> '
                     r'zero_point = dense<([^>]*)>')


def _floats(text, n):
    """An MLIR dense float literal (splat or list) as n float32 values."""
    text = text.strip()
    if text.startswith('"0x'):
        raw = bytes.fromhex(text[3:-1])
        return np.frombuffer(raw, dtype=np.float32)
    vals = [float(v) for v in text.strip("[]").split(",")]
    return np.array(vals * (n if len(vals) == 1 else 1), dtype=np.float32)


def converted_weight_qparams(text):
    """{parameter symbol: (dtype, scales, zero points)} of every
    quantize_float_qparams in qfx's converted model."""
    symbols, out = {}, {}
    for line in text.split("\n"):
        m = _GETATTR_RE.match(line)
        if m:
            symbols[m.group(1)] = m.group(2)
            continue
        m = _QFP_RE.search(line)
        if m:
            n = int(re.search(r': tensor<(\d+)x', line).group(1))
            out[symbols.get(m.group(1), m.group(1))] = (
                m.group(2), _floats(m.group(4), n), _floats(m.group(5), n))
    return out


def _lsb_error(expected, got, scale):
    return float(np.max(np.abs(got.astype(np.float64) - expected))) / scale


def check_convert(backend, args):
    torch.manual_seed(0)
    model = Embeddings().eval()
    inputs = example_inputs()
    batches = [example_inputs(seed) for seed in range(1, 5)]
    mapping = qconfig_mapping(backend, False)
    prepared = quantize_fx.prepare_fx(copy.deepcopy(model), mapping, inputs)
    with torch.no_grad():
        for batch in batches:
            prepared(*batch)
    reference = quantize_fx.convert_to_reference_fx(copy.deepcopy(prepared))

    workdir = os.path.join(args.workdir, "convert-" + backend)
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "embeddings.mlir")
    harness.export_model(model, inputs, path, qfx_opt=args.qfx_opt)
    qm = os.path.join(workdir, "qconfig_mapping.json")
    config_io.save_qconfig_mapping(mapping, qm)
    names = ["idx", "offsets", "psw"]
    prepared_path = os.path.join(workdir, "prepared.mlir")
    run([args.qfx_opt, path, "--qfx-prepare=backend=native qconfig-mapping=" + qm,
         "-o", prepared_path])
    calib = os.path.join(workdir, "calib.npz")
    np.savez(calib, **{n: np.stack([b[i].numpy() for b in batches])
                       for i, n in enumerate(names)})
    calibrated = os.path.join(workdir, "calibrated.mlir")
    run([args.qfx_run, prepared_path, "--calibrate", calib, "--torch-threads", "1",
         "-o", calibrated])
    converted = os.path.join(workdir, "converted.mlir")
    run([args.qfx_opt, calibrated, "--qfx-convert=engine=" + backend, "-o", converted])
    with open(converted) as f:
        text = f.read()

    diffs = []
    qparams = converted_weight_qparams(text)
    for name in ("emb", "bag", "bag_mean", "bag_max", "bag4"):
        mod = getattr(reference, name)
        got = qparams.get(name + ".weight")
        if got is None:
            diffs.append("%s.weight: no quantize_float_qparams in qfx's model" % name)
            continue
        dtype = str(mod.weight_dtype).replace("torch.", "")
        if got[0] != dtype:
            diffs.append("%s.weight: dtype %s, PyTorch %s" % (name, got[0], dtype))
        for what, ours, theirs in (("scale", got[1], mod.weight_scale),
                                   ("zero_point", got[2], mod.weight_zero_point)):
            theirs = theirs.to(torch.float32).numpy()
            if ours.shape != theirs.shape or \
                    not np.array_equal(ours.view(np.int32), theirs.view(np.int32)):
                diffs.append("%s.weight: %s differs from PyTorch's" % (name, what))

    inputs_path = os.path.join(workdir, "inputs.npz")
    outputs_path = os.path.join(workdir, "outputs.npz")
    np.savez(inputs_path, **{n: t.numpy() for n, t in zip(names, inputs)})
    run([args.qfx_run, converted, "--input", inputs_path, "-o", outputs_path])
    got = np.load(outputs_path)
    with torch.no_grad():
        expected = [t.numpy() for t in reference(*inputs)]
    fc_scale = float(reference.fc_scale_0)
    worst_lsb = 0.0
    for i, e in enumerate(expected):
        g = got[str(i)]
        if g.shape != e.shape:
            diffs.append("output %d: shape %s vs %s" % (i, g.shape, e.shape))
        elif i == 0:
            worst_lsb = _lsb_error(e, g, fc_scale)
            if worst_lsb > 1.0 + 1e-6:
                diffs.append("output 0 (linear): %.2f LSB from PyTorch" % worst_lsb)
        elif not np.array_equal(g.view(np.int32), e.view(np.int32)):
            diffs.append("output %d: not bit-identical (max abs diff %g)"
                         % (i, float(np.max(np.abs(g - e)))))
    return worst_lsb, diffs


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--qfx-opt", required=True)
    p.add_argument("--qfx-run")
    p.add_argument("--workdir", default=os.path.join(os.getcwd(), "embedding-work"))
    args = p.parse_args(argv)
    failed = 0
    for backend in ("qnnpack", "onednn"):
        for qat in (False, True):
            label = "prepare/%s/%s" % (backend, "qat" if qat else "ptq")
            try:
                n, diffs = check_prepare(backend, qat, args)
            except harness.ConformanceError as e:
                print("FAIL %s\n  %s" % (label, str(e)[:2000]))
                failed += 1
                continue
            print("%s %-24s observers %d" % ("FAIL" if diffs else "PASS", label, n))
            for d in diffs:
                print("    " + d)
            failed += bool(diffs)
    for backend in ("qnnpack", "onednn"):
        label = "prepare/%s/qat-default-mapping" % backend
        diffs = check_qat_default_rejected(backend, args)
        print("%s %-24s rejected by both" % ("FAIL" if diffs else "PASS", label))
        for d in diffs:
            print("    " + d)
        failed += bool(diffs)
    if args.qfx_run:
        for backend in ("qnnpack", "onednn"):
            label = "convert/%s/ptq" % backend
            try:
                lsb, diffs = check_convert(backend, args)
            except harness.ConformanceError as e:
                print("FAIL %s\n  %s" % (label, str(e)[:2000]))
                failed += 1
                continue
            print("%s %-24s linear output %.2f LSB, embeddings bit-identical%s" % (
                "FAIL" if diffs else "PASS", label, lsb, "" if not diffs else " (no)"))
            for d in diffs:
                print("    " + d)
            failed += bool(diffs)
    print("%d failures" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
