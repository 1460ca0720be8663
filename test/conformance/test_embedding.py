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
"""

import argparse
import copy
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))

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
    print("%d failures" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
