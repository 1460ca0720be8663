"""Conformance of dynamically quantized nn.LSTM / nn.GRU with PyTorch 1.13.

For every case (model, qconfig, engine) PyTorch prepares the float model
with `QConfigMapping().set_global(qconfig)` and builds the reference model
with convert_to_reference_fx: an nn.LSTM becomes
torch.ao.nn.quantized.reference.LSTM, whose flat weights are quantized and
dequantized per tensor (qint8; per channel with per_channel_dynamic_qconfig,
float with float16_dynamic_qconfig); an nn.GRU has no reference module in
1.13 and stays float. qfx builds the same model on two paths, as
test_convert_dynamic.py does: the PyTorch-prepared model exported and
`--qfx-convert`ed, and the float model exported, `--qfx-prepare`d with the
same QConfigMapping as JSON and converted.

Checked on both paths: the dynamic observer sites against prepare_fx's, the
reference graph's op histogram (the reference LSTM counts as nn.LSTM; the
getitem nodes that pick LSTM / GRU results are results of the qfx op), the
qparams of every quantized LSTM weight against the reference module's
`<weight>_scale` / `<weight>_zero_point` buffers (zero points exact, scales
within 1 ulp) and every `qfx-run` output against the reference model's:
max |difference| / max |output| within 1e-6. The PyTorch-prepared model is
also converted with `decomposed=true`, whose outputs must be bit-identical.

The x86 cases emulate the x86 engine on Debian's torch (which has none) as
test_convert_dynamic.py does: reduce_range literals set to True.

    python3 test_convert_rnn.py --qfx-opt Q --qfx-run R [--workdir D]
"""

import argparse
import collections
import copy
import os
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn as nn

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))
sys.path.insert(0, _HERE)

import qfx_torch  # noqa: E402
from qfx_torch.config_io import canonical_name, save_qconfig_mapping  # noqa: E402
from test_convert import (Mismatch, compare_qparams, parse_converted,  # noqa: E402
                          reference_summary)
from test_convert_dynamic import dynamic_sites, qfx_dynamic_sites  # noqa: E402
from torch.ao.nn.quantized.reference import LSTM as RefLSTM  # noqa: E402
from torch.ao.quantization import (QConfigMapping, default_dynamic_qconfig,  # noqa: E402
                                   float16_dynamic_qconfig, per_channel_dynamic_qconfig)
from torch.ao.quantization.quantize_fx import (convert_to_reference_fx,  # noqa: E402
                                               prepare_fx)

MAX_REL = 1e-6

# The reference RNN modules copy-construct their qparam tensors.
warnings.filterwarnings("ignore", message="To copy construct from a tensor")


class Lstm1(nn.Module):
    """One layer, sequence first, then a dynamically quantized linear."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 10)
        self.fc = nn.Linear(10, 4)

    def forward(self, x):
        r = self.lstm(x)
        return self.fc(r[0]), r[1][1], r[0]


class Lstm2Bi(nn.Module):
    """Two bidirectional layers, batch first, given initial states."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 8, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x, h0, c0):
        r = self.lstm(x, (h0, c0))
        return self.fc(r[0][:, -1]), r[1][0] * 2.0, r[0]


class LstmNoBias(nn.Module):
    """No biases (two flat tensors per direction), fed by a linear."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(7, 6)
        self.lstm = nn.LSTM(6, 5, bias=False, bidirectional=True)

    def forward(self, x):
        return self.lstm(self.proj(x))[0]


class GruThenLstm(nn.Module):
    """A two-layer GRU (stays float) feeding an LSTM (quantized)."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 6, num_layers=2)
        self.lstm = nn.LSTM(6, 5)
        self.fc = nn.Linear(6, 2)

    def forward(self, x, h0):
        g = self.gru(x, h0)
        return self.lstm(g[0])[0], self.fc(g[1]), g[0], g[1]


class SharedLstm(nn.Module):
    """One LSTM module called twice (the second time on the first call's
    states), as test/conformance/models.py's Lstm does."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.lstm = nn.LSTM(8, 6, batch_first=True)
        self.fc = nn.Linear(6, 3)

    def forward(self, idx):
        x = self.emb(idx)
        r = self.lstm(x)
        r2 = self.lstm(x, r[1])
        return r2[0], self.fc(r[0]), r[0]


# Outputs computed from another output through a dynamically quantized
# input: {output: (source output, f(reference model, source, qdq))}. A float
# rounding difference in the source can move a value across a quantization
# step there, so these are compared with the reference model's tail run on
# qfx's own source output (the source itself is compared directly).
MODELS = {
    "lstm1": (Lstm1, lambda: (torch.randn(7, 3, 6) * 2,),
              {0: (2, lambda ref, y, qdq: ref.fc(qdq(y)))}),
    "lstm2_bi": (Lstm2Bi, lambda: (torch.randn(2, 6, 5), torch.randn(4, 2, 8),
                                   torch.randn(4, 2, 8)),
                 {0: (2, lambda ref, y, qdq: ref.fc(qdq(y[:, -1])))}),
    "lstm_nobias": (LstmNoBias, lambda: (torch.randn(5, 2, 7),), {}),
    "gru_lstm": (GruThenLstm, lambda: (torch.randn(6, 2, 4), torch.randn(2, 2, 6)),
                 {0: (2, lambda ref, y, qdq: ref.lstm(qdq(y))[0]),
                  1: (3, lambda ref, y, qdq: ref.fc(qdq(y)))}),
    "shared_lstm": (SharedLstm, lambda: (torch.randint(0, 20, (2, 5)),),
                    {1: (2, lambda ref, y, qdq: ref.fc(qdq(y)))}),
}
QCONFIGS = {
    "dynamic": default_dynamic_qconfig,
    "per_channel_dynamic": per_channel_dynamic_qconfig,
    "float16_dynamic": float16_dynamic_qconfig,
}
CASES = [
    ("lstm1", "dynamic", "onednn"),
    ("lstm1", "per_channel_dynamic", "x86"),
    ("lstm1", "float16_dynamic", "onednn"),
    ("lstm2_bi", "dynamic", "x86"),
    ("lstm2_bi", "per_channel_dynamic", "qnnpack"),
    ("lstm_nobias", "dynamic", "qnnpack"),
    ("gru_lstm", "dynamic", "onednn"),
    ("gru_lstm", "float16_dynamic", "x86"),
    ("shared_lstm", "dynamic", "x86"),
]


def torch_reference(name, qconfig, engine):
    torch.manual_seed(0)
    make, inputs, _ = MODELS[name]
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


def _rnn_getitem(gm, node):
    """(RNN node, index path) when `node` is a chain of integer getitems on
    an LSTM / GRU result, else None."""
    path = []
    while node.op == "call_function" and getattr(node.target, "__name__", "") == "getitem" \
            and isinstance(node.args[1], int):
        path.insert(0, node.args[1])
        node = node.args[0]
    if path and node.op == "call_module" and \
            isinstance(gm.get_submodule(node.target), nn.RNNBase):
        return node, path
    return None


def _rnn_result(gm, node):
    """The (RNN node, result number) a getitem chain picks (output 0, h_n 1,
    c_n 2), or None: qfx.lstm / qfx.gru have one SSA result per tensor
    instead of getitem nodes."""
    picked = _rnn_getitem(gm, node)
    if not picked:
        return None
    rnn, path = picked
    is_lstm = isinstance(gm.get_submodule(rnn.target), nn.LSTM)
    if path == [0]:
        return rnn, 0
    if is_lstm and len(path) == 2 and path[0] == 1:
        return rnn, 1 + path[1]
    if not is_lstm and path == [1]:
        return rnn, 1
    return None


def reference_expectations(ref, prepared):
    """Histogram and quantized weights of the reference model."""
    hist, _, weights = reference_summary(ref, prepared)
    for node in ref.graph.nodes:
        if node.op == "call_function" and _rnn_getitem(ref, node):
            hist[("call_function", canonical_name(node.target))] -= 1
        if node.op == "call_module" and isinstance(ref.get_submodule(node.target), RefLSTM):
            # reference_summary names the first torch.nn class in the MRO
            # (RNNBase); the prepared module, and qfx's op, is nn.LSTM.
            hist[("call_module", canonical_name(nn.RNNBase))] -= 1
            hist[("call_module", canonical_name(nn.LSTM))] += 1
    for name, mod in ref.named_modules():
        if not isinstance(mod, RefLSTM):
            continue
        for wn in mod._flat_weights_names:
            if not wn.startswith("weight") or getattr(mod, wn + "_qscheme") is None:
                continue  # biases, and float16 weights (weight_qscheme None)
            scale = getattr(mod, wn + "_scale").reshape(-1)
            zp = getattr(mod, wn + "_zero_point").reshape(-1)
            weights["%s.%s" % (name, wn)] = ([float(s) for s in scale], [int(z) for z in zp])
    return +hist, weights


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
    out = np.load(npz_out)
    return [out[str(i)] for i in range(len(out.files))]


_MULTI = re.compile(r'^\s*((?:%[\w.#]+, )+%[\w.#]+) = qfx\.(?:lstm|gru) .*'
                    r'loc\((#loc\d*|"[^"]*")\)\s*$')
_LOCALIAS = re.compile(r'^(#loc\d*) = loc\("([^"]*)"\)')


def torch_sites(prepared):
    """prepare_fx's dynamic observer sites, getitems of RNN results named
    `<rnn node>#<result>`."""
    named = {}
    for node in prepared.graph.nodes:
        picked = _rnn_result(prepared, node) if node.op == "call_function" else None
        if picked:
            named[node.name] = "%s#%d" % (picked[0].name, picked[1])
    return collections.Counter({(named.get(n, n), d): c
                                for (n, d), c in dynamic_sites(prepared).items()})


def qfx_sites(text):
    """The same from qfx's prepared IR (printed with debug info)."""
    aliases = dict(m.groups() for m in map(_LOCALIAS.match, text.split("\n")) if m)
    named = {}
    for line in text.split("\n"):
        m = _MULTI.match(line)
        if m:
            loc = m.group(2)
            loc = loc.strip('"') if loc.startswith('"') else aliases.get(loc, loc)
            for i, value in enumerate(m.group(1).split(", ")):
                named[value] = "%s#%d" % (loc, i)
    return collections.Counter({(named.get(n, n), d): c
                                for (n, d), c in qfx_dynamic_sites(text).items()})


def check_converted(path, prepared, ref, inputs, tails, qdq, qfx_run, base, diffs):
    exp_hist, exp_w = reference_expectations(ref, prepared)
    ops, _, got_w = parse_converted(path)
    got_hist = collections.Counter((kind, target) for kind, target, _ in ops)
    for key in sorted(set(exp_hist) | set(got_hist)):
        if exp_hist[key] != got_hist[key]:
            diffs.append("histogram %s: PyTorch %d, qfx %d" % (key, exp_hist[key], got_hist[key]))
    if sorted(exp_w) != sorted(got_w):
        diffs.append("quantized weights: PyTorch %s, qfx %s" % (sorted(exp_w), sorted(got_w)))
    max_ulp = 0
    for name, e in exp_w.items():
        if name in got_w:
            max_ulp = max(max_ulp, compare_qparams("weight " + name, e, got_w[name], diffs))
    got = run_qfx(qfx_run, path, inputs, base)
    with torch.no_grad():
        expected = ref(*inputs)
        expected = [expected] if isinstance(expected, torch.Tensor) else list(expected)
        # Tails: the reference model's remainder on qfx's own source output.
        for i, (src, tail) in tails.items():
            if src < len(got):
                expected[i] = tail(ref, torch.from_numpy(got[src]), qdq)
    if len(got) != len(expected):
        diffs.append("outputs: PyTorch %d, qfx %d" % (len(expected), len(got)))
    rel = 0.0
    for i, (g, e) in enumerate(zip(got, expected)):
        e = e.numpy()
        if g.shape != e.shape:
            diffs.append("output %d: shape %s vs %s" % (i, g.shape, e.shape))
            continue
        r = float(np.max(np.abs(g.astype(np.float64) - e)) /
                  max(float(np.max(np.abs(e))), 1e-30))
        rel = max(rel, r)
        if r > MAX_REL:
            diffs.append("output %d: max rel error %.3g" % (i, r))
    return max_ulp, rel, sum(got_hist.values()), len(exp_w), got


def qfx_opt(tool, args, what):
    proc = subprocess.run([tool] + args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-opt %s failed:\n%s" % (what, proc.stderr[-3000:]))


def run_case(name, qconfig, engine, tool_opt, tool_run, workdir):
    model, prepared, ref, mapping, inputs = torch_reference(name, qconfig, engine)
    tails = MODELS[name][2]
    dtype = torch.float16 if qconfig.startswith("float16") else torch.quint8
    reduce_range = dtype != torch.float16 and engine in ("x86", "fbgemm")

    def qdq(x):
        return torch.quantize_per_tensor_dynamic(x, dtype, reduce_range).dequantize()
    base = os.path.join(workdir, "%s_%s_%s" % (name, qconfig, engine))
    diffs = []
    # PyTorch-prepared path, reference and decomposed forms.
    prepared_path, converted = base + ".torch-prepared.mlir", base + ".torch-converted.mlir"
    decomposed = base + ".torch-decomposed.mlir"
    qfx_torch.export(prepared, inputs, prepared_path)
    qfx_opt(tool_opt, [prepared_path, "--qfx-convert=engine=" + engine, "-o", converted],
            "--qfx-convert")
    ulp_a, rel_a, nops, nweights, got_a = check_converted(converted, prepared, ref, inputs,
                                                          tails, qdq, tool_run,
                                                          base + ".a", diffs)
    qfx_opt(tool_opt, [prepared_path, "--qfx-convert=engine=%s decomposed=true" % engine,
                       "-o", decomposed], "--qfx-convert=decomposed=true")
    with open(decomposed) as f:
        if "!quant" in f.read():
            diffs.append("decomposed form holds !quant types")
    got_d = run_qfx(tool_run, decomposed, inputs, base + ".d")
    for i, (a, d) in enumerate(zip(got_a, got_d)):
        if not np.array_equal(a.view(np.uint32), d.view(np.uint32)):
            diffs.append("decomposed output %d differs from the reference form" % i)
    # qfx-only path: prepare in qfx from the float model.
    float_path, json_path = base + ".float.mlir", base + ".qconfig.json"
    qfx_prepared, converted_b = base + ".qfx-prepared.mlir", base + ".qfx-converted.mlir"
    qfx_torch.export(model, inputs, float_path)
    save_qconfig_mapping(mapping, json_path)
    qfx_opt(tool_opt, [float_path, "--qfx-prepare=qconfig-mapping=" + json_path,
                       "--mlir-print-debuginfo", "-o", qfx_prepared], "--qfx-prepare")
    with open(qfx_prepared) as f:
        got_sites = qfx_sites(f.read())
    exp_sites = torch_sites(prepared)
    if got_sites != exp_sites:
        diffs.append("dynamic observers: PyTorch %s, qfx %s"
                     % (sorted(exp_sites.items()), sorted(got_sites.items())))
    qfx_opt(tool_opt, [qfx_prepared, "--qfx-convert=engine=" + engine, "-o", converted_b],
            "--qfx-convert (qfx-prepared)")
    ulp_b, rel_b, _, _, _ = check_converted(converted_b, prepared, ref, inputs, tails,
                                            qdq, tool_run, base + ".b", diffs)
    if diffs:
        raise Mismatch("\n  ".join(diffs))
    return {"ops": nops, "weights": nweights, "max_ulp": max(ulp_a, ulp_b),
            "max_rel": max(rel_a, rel_b)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="qfx-convert-rnn-")
    os.makedirs(workdir, exist_ok=True)
    failures, worst_ulp, worst_rel = 0, 0, 0.0
    for name, qconfig, engine in CASES:
        label = "%s/%s/%s" % (name, qconfig, engine)
        try:
            r = run_case(name, qconfig, engine, args.qfx_opt, args.qfx_run, workdir)
        except Exception as e:  # report every case
            failures += 1
            print("FAIL %s\n  %s" % (label, e), flush=True)
            continue
        worst_ulp, worst_rel = max(worst_ulp, r["max_ulp"]), max(worst_rel, r["max_rel"])
        print("PASS %-40s ops=%-3d quantized_weights=%-2d max_ulp=%d max_rel=%.2g"
              % (label, r["ops"], r["weights"], r["max_ulp"], r["max_rel"]), flush=True)
    print("overall: %d failures, weight scales max %d ulp, outputs max rel %.2g"
          % (failures, worst_ulp, worst_rel))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
