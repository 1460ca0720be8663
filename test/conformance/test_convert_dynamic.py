"""Conformance of dynamic quantization with PyTorch 1.13.

For every case (model, qconfig, engine) PyTorch prepares the float model
with `QConfigMapping().set_global(qconfig)` and builds the reference model
with convert_to_reference_fx. qfx then produces the same reference model on
two paths:

* PyTorch-prepared: the prepared GraphModule exported by qfx_torch,
  `qfx-opt --qfx-convert`;
* qfx only: the float model exported, `qfx-opt --qfx-prepare` with the same
  QConfigMapping as JSON, then `--qfx-convert`.

Checked on both paths: the dynamic observers prepare places (qfx only: one
per FX node PyTorch's prepare_fx observes with a dynamic PlaceholderObserver,
same dtype), the reference graph's op histogram (quantize_per_tensor_dynamic,
dequantize, reference modules as their float class), the qparams of every
quantized weight (zero points exact, scales in float32 ulp) and `qfx-run`'s
outputs against the reference model. Dynamic activations are quantized from
the values a layer sees at run time, so the outputs agree to float rounding
(`max_rel`: max abs error over max |output|).

`--qfx-run` also runs a bare quantize_dynamic -> dequantize on inputs chosen
for ATen's corner cases (all zero, one sign, tiny ranges below the 6.1e-5
scale cutoff; for float16 overflow, ties, subnormals and a sweep of
magnitudes) and requires bit-identical results to
torch.quantize_per_tensor_dynamic(x, dtype, reduce_range).dequantize().

The engine decides reduce_range (get_quantize_node_info: fbgemm / x86).
Debian's torch has neither, so the x86 cases convert with PyTorch's onednn
engine and set the reduce_range literal of its quantize_per_tensor_dynamic
nodes to True, which is all an x86 engine changes in the reference graph;
torch.quantize_per_tensor_dynamic honours it under onednn.

    python3 test_convert_dynamic.py --qfx-opt Q --qfx-run R [--workdir D]
"""

import argparse
import collections
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

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))
sys.path.insert(0, _HERE)

import qfx_torch  # noqa: E402
from qfx_torch.config_io import save_qconfig_mapping  # noqa: E402
from test_convert import (Mismatch, compare_qparams, parse_converted,  # noqa: E402
                          reference_summary)
from torch.ao.quantization import (QConfigMapping, default_dynamic_qconfig,  # noqa: E402
                                   float16_dynamic_qconfig, per_channel_dynamic_qconfig)
from torch.ao.quantization.observer import PlaceholderObserver  # noqa: E402
from torch.ao.quantization.quantize_fx import (convert_to_reference_fx,  # noqa: E402
                                               prepare_fx)

MAX_REL = 1e-5


class Mlp(nn.Module):
    """Linear -> F.relu fuses into LinearReLU; torch.relu does not."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 24)
        self.fc3 = nn.Linear(24, 5)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(F.relu(self.fc1(x)))))


class SeqLinear(nn.Module):
    """Linear on a 3-d input, a float op in between."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(12, 20)
        self.out = nn.Linear(20, 6)

    def forward(self, x):
        return self.out(F.gelu(self.proj(x)) * 2.0)


class ConvThenLinear(nn.Module):
    """Conv has no dynamic pattern: it stays float, the linear does not."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 10)

    def forward(self, x):
        return self.fc(torch.flatten(F.relu(self.conv(x)), 1))


MODELS = {
    "mlp": (Mlp, lambda: (torch.randn(4, 16) * 3,)),
    "seq_linear": (SeqLinear, lambda: (torch.randn(2, 7, 12),)),
    "conv_linear": (ConvThenLinear, lambda: (torch.randn(2, 3, 8, 8),)),
}
QCONFIGS = {
    "dynamic": default_dynamic_qconfig,
    "per_channel_dynamic": per_channel_dynamic_qconfig,
    "float16_dynamic": float16_dynamic_qconfig,
}
# (model, qconfig, engine)
CASES = [
    ("mlp", "dynamic", "onednn"),
    ("mlp", "per_channel_dynamic", "x86"),
    ("seq_linear", "dynamic", "x86"),
    ("seq_linear", "per_channel_dynamic", "qnnpack"),
    ("conv_linear", "dynamic", "onednn"),
    ("conv_linear", "per_channel_dynamic", "x86"),
    ("mlp", "float16_dynamic", "onednn"),
    ("seq_linear", "float16_dynamic", "x86"),
]


def torch_reference(name, qconfig, engine):
    torch.manual_seed(0)
    make, inputs = MODELS[name]
    model = make().eval()
    example = inputs()
    torch.backends.quantized.engine = "qnnpack" if engine == "qnnpack" else "onednn"
    mapping = QConfigMapping().set_global(QCONFIGS[qconfig])
    prepared = prepare_fx(copy.deepcopy(model), mapping, example)
    ref = convert_to_reference_fx(copy.deepcopy(prepared))
    if engine in ("x86", "fbgemm"):
        for node in ref.graph.nodes:
            if node.op == "call_function" and node.target == torch.quantize_per_tensor_dynamic:
                node.args = (node.args[0], node.args[1], True)
        ref.recompile()
    return model, prepared, ref, mapping, inputs()


def dynamic_sites(prepared):
    """(observed FX node, dtype) of every dynamic PlaceholderObserver."""
    sites = collections.Counter()
    for node in prepared.graph.nodes:
        if node.op != "call_module":
            continue
        mod = prepared.get_submodule(node.target)
        if isinstance(mod, PlaceholderObserver) and getattr(mod, "compute_dtype", None):
            sites[(node.args[0].name, str(mod.compute_dtype).replace("torch.", ""))] += 1
    return sites


_OBS = re.compile(r'^\s*(%[\w.#]+) = qfx\.observer (%[\w.#]+) config = <kind = placeholder, '
                  r'dtype = (\w+)[^>]*is_dynamic = true')
_DEF = re.compile(r'^\s*(%[\w.#]+)(?::\d+)? = .*loc\((#loc\d*|"[^"]*")\)\s*$')
_REGION_OP = re.compile(r'^\s*(%[\w.#]+) = qfx\.fused .*\{\s*$')
_REGION_END = re.compile(r'^\s*\}.*loc\((#loc\d*|"[^"]*")\)\s*$')
_LOCALIAS = re.compile(r'^(#loc\d*) = loc\("([^"]*)"\)')
_ARGNAMES = re.compile(r'%(arg\d+): [^{]*\{qfx\.name = "([^"]*)"\}')


def qfx_dynamic_sites(text):
    """The same from qfx's prepared IR (printed with debug info: value ->
    FX node name through each defining op's NameLoc)."""
    names, sites, pending = {}, collections.Counter(), []
    aliases = dict(m.groups() for m in map(_LOCALIAS.match, text.split("\n")) if m)
    for line in text.split("\n"):
        if "func.func @forward" in line:
            for arg, name in _ARGNAMES.findall(line):
                names["%" + arg] = name
        r = _REGION_OP.match(line)
        if r:  # the location follows the region (`} {...} loc(...)`)
            pending.append(r.group(1))
            continue
        c = _REGION_END.match(line)
        if c and pending:
            loc = c.group(1)
            names[pending.pop()] = loc.strip('"') if loc.startswith('"') else aliases.get(loc, loc)
            continue
        d = _DEF.match(line)
        if d:
            loc = d.group(2)
            names[d.group(1)] = loc.strip('"') if loc.startswith('"') else aliases.get(loc, loc)
        m = _OBS.match(line)
        if m:
            sites[(names.get(m.group(2), m.group(2)), m.group(3))] += 1
    return sites


def histogram(ops, prepared):
    hist = collections.Counter()
    for kind, target, _ in ops:
        hist[(kind, target)] += 1
    return hist


def run_qfx(qfx_run, ir, inputs, base):
    with open(ir) as f:
        header = next(l for l in f if "func.func @forward(" in l)
    names = re.findall(r'\{qfx\.name = "([^"]*)"\}', header)
    npz_in, npz_out = base + ".in.npz", base + ".out.npz"
    np.savez(npz_in, **{n: t.numpy() for n, t in zip(names, inputs)})
    proc = subprocess.run([qfx_run, ir, "--input", npz_in, "-o", npz_out],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-run failed: " + proc.stderr[-2000:])
    return np.load(npz_out)["0"]


def check_converted(path, prepared, ref, inputs, qfx_run, base, diffs):
    exp_hist, _, exp_w = reference_summary(ref, prepared)
    ops, _, got_w = parse_converted(path)
    got_hist = histogram(ops, prepared)
    for key in sorted(set(exp_hist) | set(got_hist)):
        if exp_hist[key] != got_hist[key]:
            diffs.append("histogram %s: PyTorch %d, qfx %d" % (key, exp_hist[key], got_hist[key]))
    max_ulp = 0
    if sorted(exp_w) != sorted(got_w):
        diffs.append("quantized weights: PyTorch %s, qfx %s" % (sorted(exp_w), sorted(got_w)))
    for name, e in exp_w.items():
        if name in got_w:
            max_ulp = max(max_ulp, compare_qparams("weight " + name, e, got_w[name], diffs))
    got = run_qfx(qfx_run, path, inputs, base)
    with torch.no_grad():
        expected = ref(*inputs).numpy()
    rel = float(np.max(np.abs(got.astype(np.float64) - expected)) /
                max(float(np.max(np.abs(expected))), 1e-30))
    if rel > MAX_REL:
        diffs.append("outputs: max rel error %.3g" % rel)
    return max_ulp, rel, sum(got_hist.values())


def run_case(name, qconfig, engine, qfx_opt, qfx_run, workdir):
    model, prepared, ref, mapping, inputs = torch_reference(name, qconfig, engine)
    base = os.path.join(workdir, "%s_%s_%s" % (name, qconfig, engine))
    diffs = []
    # PyTorch-prepared path.
    prepared_path, converted = base + ".torch-prepared.mlir", base + ".torch-converted.mlir"
    qfx_torch.export(prepared, inputs, prepared_path)
    proc = subprocess.run([qfx_opt, prepared_path, "--qfx-convert=engine=" + engine,
                           "-o", converted], capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-opt --qfx-convert failed:\n" + proc.stderr[-3000:])
    ulp_a, rel_a, nops = check_converted(converted, prepared, ref, inputs, qfx_run,
                                         base + ".a", diffs)
    # qfx-only path: prepare in qfx from the float model.
    float_path, json_path = base + ".float.mlir", base + ".qconfig.json"
    qfx_prepared, converted_b = base + ".qfx-prepared.mlir", base + ".qfx-converted.mlir"
    qfx_torch.export(model, inputs, float_path)
    save_qconfig_mapping(mapping, json_path)
    proc = subprocess.run([qfx_opt, float_path, "--qfx-prepare=qconfig-mapping=" + json_path,
                           "--mlir-print-debuginfo", "-o", qfx_prepared],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-opt --qfx-prepare failed:\n" + proc.stderr[-3000:])
    with open(qfx_prepared) as f:
        got_sites = qfx_dynamic_sites(f.read())
    exp_sites = dynamic_sites(prepared)
    if got_sites != exp_sites:
        diffs.append("dynamic observers: PyTorch %s, qfx %s"
                     % (sorted(exp_sites.items()), sorted(got_sites.items())))
    proc = subprocess.run([qfx_opt, qfx_prepared, "--qfx-convert=engine=" + engine,
                           "-o", converted_b], capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-opt --qfx-convert (qfx-prepared) failed:\n" + proc.stderr[-3000:])
    ulp_b, rel_b, _ = check_converted(converted_b, prepared, ref, inputs, qfx_run,
                                      base + ".b", diffs)
    if diffs:
        raise Mismatch("\n  ".join(diffs))
    return {"ops": nops, "sites": sum(exp_sites.values()),
            "max_ulp": max(ulp_a, ulp_b), "max_rel": max(rel_a, rel_b)}


_QDQ_IR = """func.func @forward(%x: tensor<{n}xf32> {{qfx.name = "x"}}) -> tensor<{n}xf32> {{
  %q = qfx.quantize_dynamic %x reduce_range = {rr} : tensor<{n}xf32> -> tensor<{n}x!quant.any<{st}:f32>>
  %d = qfx.dequantize %q : tensor<{n}x!quant.any<{st}:f32>> -> tensor<{n}xf32>
  return %d : tensor<{n}xf32>
}}
"""


def qdq_inputs():
    g = torch.Generator().manual_seed(1)
    xs = [torch.zeros(16), torch.full((16,), 3.5), torch.rand(16, generator=g) * 7 + 0.1,
          -torch.rand(16, generator=g) * 2 - 0.5, torch.randn(16, generator=g) * 1e-6,
          torch.rand(16, generator=g) * 3e-6, torch.randn(16, generator=g) * 100]
    for _ in range(8):
        xs.append(torch.randn(64, generator=g) * float(torch.rand(1, generator=g) * 10)
                  + float(torch.randn(1, generator=g)))
    return xs


_F16_IR = """func.func @forward(%x: tensor<{n}xf32> {{qfx.name = "x"}}) -> tensor<{n}xf32> {{
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<{n}xf32> -> tensor<{n}xf16>
  %d = qfx.dequantize %q : tensor<{n}xf16> -> tensor<{n}xf32>
  return %d : tensor<{n}xf32>
}}
"""


def check_qdq(qfx_run, workdir):
    """Bit-exact quantize_dynamic -> dequantize; returns the number of
    values compared."""
    torch.backends.quantized.engine = "onednn"  # honours reduce_range
    compared = 0
    # float16: overflow, ties, subnormals, and a sweep of magnitudes.
    g = torch.Generator().manual_seed(2)
    x = torch.cat([torch.tensor([65504.0, 65519.99, 65520.0, -7e4, 2.98023223876953125e-8,
                                 1.00048828125, 6.1e-5, 1e-9, 0.0, -0.0]),
                   torch.randn(4096, generator=g) * torch.logspace(-9, 5, 4096)])
    path = os.path.join(workdir, "qdq_f16")
    with open(path + ".mlir", "w") as f:
        f.write(_F16_IR.format(n=x.numel()))
    got = run_qfx(qfx_run, path + ".mlir", (x,), path)
    exp = torch.quantize_per_tensor_dynamic(x, torch.float16, False).dequantize().numpy()
    if not np.array_equal(got.view(np.uint32), exp.view(np.uint32)):
        raise Mismatch("quantize_dynamic(f16): %d of %d values differ"
                       % (int(np.sum(got != exp)), x.numel()))
    compared += x.numel()
    for dtype, st in ((torch.quint8, "u8"), (torch.qint8, "i8")):
        for rr in (False, True):
            for i, x in enumerate(qdq_inputs()):
                base = os.path.join(workdir, "qdq_%s_%d_%d" % (st, rr, i))
                with open(base + ".mlir", "w") as f:
                    f.write(_QDQ_IR.format(n=x.numel(), rr=str(rr).lower(), st=st))
                got = run_qfx(qfx_run, base + ".mlir", (x,), base)
                exp = torch.quantize_per_tensor_dynamic(x, dtype, rr).dequantize().numpy()
                if not np.array_equal(got.view(np.uint32), exp.view(np.uint32)):
                    bad = int(np.sum(got != exp))
                    raise Mismatch("quantize_dynamic(%s, reduce_range=%s) input %d: %d of %d "
                                   "values differ (%s vs %s)" % (st, rr, i, bad, x.numel(),
                                                                 got[:4], exp[:4]))
                compared += x.numel()
    return compared


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="qfx-convert-dynamic-")
    os.makedirs(workdir, exist_ok=True)
    failures, worst_ulp, worst_rel = 0, 0, 0.0
    try:
        n = check_qdq(args.qfx_run, workdir)
        print("PASS quantize_dynamic -> dequantize: %d values bit-identical" % n, flush=True)
    except Mismatch as e:
        failures += 1
        print("FAIL quantize_dynamic -> dequantize\n  %s" % e, flush=True)
    for name, qconfig, engine in CASES:
        label = "%s/%s/%s" % (name, qconfig, engine)
        try:
            r = run_case(name, qconfig, engine, args.qfx_opt, args.qfx_run, workdir)
        except Exception as e:  # report every case
            failures += 1
            print("FAIL %s\n  %s" % (label, e), flush=True)
            continue
        worst_ulp, worst_rel = max(worst_ulp, r["max_ulp"]), max(worst_rel, r["max_rel"])
        print("PASS %-36s ops=%-3d dynamic_observers=%d max_ulp=%d max_rel=%.2g"
              % (label, r["ops"], r["sites"], r["max_ulp"], r["max_rel"]), flush=True)
    print("overall: %d failures, weight scales max %d ulp, outputs max rel %.2g"
          % (failures, worst_ulp, worst_rel))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
