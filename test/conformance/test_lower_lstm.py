"""Conformance of --qfx-lower's dynamic LSTM against PyTorch 1.13.

For every case (model, qconfig, engine at convert, lowering backend,
decomposed) PyTorch prepares the float model with
`QConfigMapping().set_global(qconfig)`; qfx converts the PyTorch-prepared
model (`--qfx-convert=engine=E`, optionally `decomposed=true`), lowers it
(`--qfx-lower=backend=B`) and runs it (`qfx-run --profile`) on the example
input and a wider, shifted one.

The expected outputs are PyTorch's own lowered model where it has one:
`convert_fx` turns the reference LSTM into
torch.ao.nn.quantized.dynamic.LSTM (quantized::quantized_lstm with dynamic
linear gate products), run on the onednn or qnnpack engine of this torch.
Where it has none (the x86 / fbgemm engines are not built into Debian's
torch, and convert_fx fails on a bias-free LSTM) the expected outputs come
from `emulate`, a numpy model of the same computation: per layer and
direction one dynamic linear over the whole sequence for W_ih, one per step
on the [B, H] state for W_hh (qparams from torch.quantize_per_tensor_dynamic
on the onednn engine, exact integer sums, fbgemm's float epilogue), float32
gates. The emulation is checked against PyTorch's lowered model on every
case that has one, so it is trusted where it stands in.

reduce_range: the dynamic LSTM module always asks for it; onednn (and
fbgemm / x86) honour it, qnnpack ignores it. qfx lowers with the backend's
choice, so the lowered model is compared with the engine of the same family.

Decomposed cases must also give outputs bit-identical to the lowered
default form's.

Checked: every LSTM became a qfxk.dynamic_lstm (no qfx.lstm, dynamic
quantize or dequantize left, no remark); outputs within MAX_REL (max abs
error over max |output|, per output) of the expected ones; the tolerance is
meaningful: on every case and output, the reference LSTM
(convert_to_reference_fx: float recurrence on dequantized weights and input)
and the emulation with the other reduce_range choice differ from the
expected outputs by more than 10 x MAX_REL; the gate products that ran (oneDNN's
u8s8s32 matmul only, with reduce_range; qfx's exact AVX2 int16 kernel on
full-range states).

    python3 test_lower_lstm.py --qfx-opt Q --qfx-run R [--workdir D]
"""

import copy
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))
sys.path.insert(0, _HERE)

import qfx_torch  # noqa: E402
from harness import run_lowering_cases  # noqa: E402
from test_convert import Mismatch  # noqa: E402
from torch.ao.nn.quantized.reference.modules.rnn import get_quantized_weight  # noqa: E402
from torch.ao.quantization import (QConfigMapping, default_dynamic_qconfig,  # noqa: E402
                                   per_channel_dynamic_qconfig)
from torch.ao.quantization.quantize_fx import (convert_fx,  # noqa: E402
                                               convert_to_reference_fx, prepare_fx)

MAX_REL = 1e-5

warnings.filterwarnings("ignore")


class Lstm1(nn.Module):
    """One layer, sequence first."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 10)

    def forward(self, x):
        r = self.lstm(x)
        return r[0], r[1][0], r[1][1]


class Lstm2Bi(nn.Module):
    """Two bidirectional layers, batch first, given initial states."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 8, num_layers=2, batch_first=True, bidirectional=True)

    def forward(self, x, h0, c0):
        r = self.lstm(x, (h0, c0))
        return r[0], r[1][0], r[1][1]


class LstmNoBias(nn.Module):
    """No biases, bidirectional."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 5, bias=False, bidirectional=True)

    def forward(self, x):
        r = self.lstm(x)
        return r[0], r[1][0], r[1][1]


class SharedLstm(nn.Module):
    """One LSTM called twice, the second time on the first call's states."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 6, batch_first=True)

    def forward(self, x):
        r = self.lstm(x)
        r2 = self.lstm(x, r[1])
        return r2[0], r[0], r2[1][1]


MODELS = {
    "lstm1": (Lstm1, lambda: (torch.randn(7, 3, 6) * 2,)),
    "lstm2_bi": (Lstm2Bi, lambda: (torch.randn(2, 6, 5), torch.randn(4, 2, 8),
                                   torch.randn(4, 2, 8))),
    "lstm_nobias": (LstmNoBias, lambda: (torch.randn(5, 2, 6),)),
    "shared_lstm": (SharedLstm, lambda: (torch.randn(2, 5, 8),)),
}
QCONFIGS = {"dynamic": default_dynamic_qconfig,
            "per_channel_dynamic": per_channel_dynamic_qconfig}
# (model, qconfig, engine at convert, lowering backend, decomposed)
CASES = [
    ("lstm1", "dynamic", "onednn", "onednn", False),
    ("lstm1", "per_channel_dynamic", "x86", "x86", False),
    ("lstm1", "dynamic", "qnnpack", "qnnpack", True),
    ("lstm2_bi", "dynamic", "qnnpack", "qnnpack", False),
    ("lstm2_bi", "per_channel_dynamic", "onednn", "onednn", False),
    ("lstm2_bi", "dynamic", "x86", "fbgemm", False),
    ("lstm2_bi", "per_channel_dynamic", "onednn", "onednn", True),
    ("lstm_nobias", "dynamic", "qnnpack", "qnnpack", False),
    ("lstm_nobias", "per_channel_dynamic", "x86", "x86", False),
    ("shared_lstm", "dynamic", "onednn", "onednn", False),
]

_PROFILE = re.compile(r"qfx:dynamic-lstm, gate products: (.*) run\(s\)")


def variants(inputs):
    """The example input, and the sequence wider and shifted."""
    return [inputs, (inputs[0] * 3.0 + 0.5,) + tuple(inputs[1:])]


# --- the emulation --------------------------------------------------------

def _dynamic_linear(x, wq, ws, bias, reduce_range):
    """quantized::linear_dynamic: qparams of this call's input, exact sums,
    y = float(acc) * float(s_x * s_w) + b in float32."""
    engine = torch.backends.quantized.engine
    torch.backends.quantized.engine = "onednn"  # qnnpack ignores reduce_range
    q = torch.quantize_per_tensor_dynamic(torch.from_numpy(np.ascontiguousarray(x)),
                                          torch.quint8, reduce_range)
    torch.backends.quantized.engine = engine
    xi = q.int_repr().numpy().astype(np.int64) - q.q_zero_point()
    acc = xi @ wq.astype(np.int64).T
    y = acc.astype(np.float32) * (np.float32(q.q_scale()) * ws).astype(np.float32)
    return y if bias is None else (y + bias).astype(np.float32)


def _sigmoid(x):
    return (np.float32(1) / (np.float32(1) + np.exp(-x))).astype(np.float32)


def emulate(ref_lstm, x, hc, reduce_range):
    """quantized::quantized_lstm with dynamic linear cells (ATen's CPU
    path) on the reference module's quantized weights."""
    L, H = ref_lstm.num_layers, ref_lstm.hidden_size
    D = 2 if ref_lstm.bidirectional else 1
    x = x.numpy()
    if ref_lstm.batch_first:
        x = x.transpose(1, 0, 2)
    T, B, _ = x.shape
    zeros = np.zeros((L * D, B, H), np.float32)
    h0, c0 = (zeros, zeros) if hc is None else (hc[0].numpy(), hc[1].numpy())
    weights = {}
    for wn in ref_lstm._flat_weights_names:
        if wn.startswith("weight"):
            q = get_quantized_weight(ref_lstm, wn)
            if q.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
                s = q.q_per_channel_scales().numpy().astype(np.float32)
            else:
                s = np.full(q.shape[0], q.q_scale(), np.float32)
            weights[wn] = (q.int_repr().numpy(), s)
        else:
            weights[wn] = getattr(ref_lstm, wn).detach().numpy()
    inp, hn, cn = x, [], []
    for layer in range(L):
        outs = []
        for d in range(D):
            sfx = "_l%d%s" % (layer, "_reverse" if d else "")
            wih, sih = weights["weight_ih" + sfx]
            whh, shh = weights["weight_hh" + sfx]
            bih, bhh = weights.get("bias_ih" + sfx), weights.get("bias_hh" + sfx)
            gi = _dynamic_linear(inp.reshape(T * B, -1), wih, sih, bih,
                                 reduce_range).reshape(T, B, 4 * H)
            h, c = h0[layer * D + d].copy(), c0[layer * D + d].copy()
            out = np.zeros((T, B, H), np.float32)
            for s in range(T):
                t = s if d == 0 else T - 1 - s
                g = (_dynamic_linear(h, whh, shh, bhh, reduce_range) + gi[t]).astype(np.float32)
                i_, f_ = _sigmoid(g[:, :H]), _sigmoid(g[:, H:2 * H])
                g_, o_ = np.tanh(g[:, 2 * H:3 * H]), _sigmoid(g[:, 3 * H:])
                c = ((f_ * c).astype(np.float32) + (i_ * g_).astype(np.float32)).astype(np.float32)
                h = (o_ * np.tanh(c)).astype(np.float32)
                out[t] = h
            outs.append(out)
            hn.append(h)
            cn.append(c)
        inp = np.concatenate(outs, axis=2)
    y = inp.transpose(1, 0, 2) if ref_lstm.batch_first else inp
    return y, np.stack(hn), np.stack(cn)


def emulate_model(name, ref, xs, reduce_range):
    """The model's outputs with every LSTM call emulated."""
    lstm = ref.lstm
    if name == "shared_lstm":
        y1, h1, c1 = emulate(lstm, xs[0], None, reduce_range)
        y2, _, c2 = emulate(lstm, xs[0], (torch.from_numpy(h1), torch.from_numpy(c1)),
                            reduce_range)
        return [y2, y1, c2]
    hc = (xs[1], xs[2]) if len(xs) == 3 else None
    return list(emulate(lstm, xs[0], hc, reduce_range))


# --- the test -------------------------------------------------------------

def rel_error(got, expected):
    return float(np.max(np.abs(got.astype(np.float64) - expected)) /
                 max(float(np.max(np.abs(expected))), 1e-30))


def as_list(out):
    return [t.numpy() for t in out]


def run_lowered(qfx_run, ir, inputs, base):
    with open(ir) as f:
        header = next(l for l in f if "func.func @forward(" in l)
    names = re.findall(r'\{qfx\.name = "([^"]*)"\}', header)
    npz_in, npz_out = base + ".in.npz", base + ".out.npz"
    np.savez(npz_in, **{n: t.numpy() for n, t in zip(names, inputs)})
    proc = subprocess.run([qfx_run, ir, "--input", npz_in, "-o", npz_out, "--profile"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-run failed: " + proc.stderr[-2000:])
    out = np.load(npz_out)
    return [out[str(i)] for i in range(len(out.files))], proc.stdout + proc.stderr


def qfx_opt(tool, args, what):
    proc = subprocess.run([tool] + args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-opt %s failed:\n%s" % (what, proc.stderr[-3000:]))
    if "remark" in proc.stderr:
        raise Mismatch("qfx-opt %s remarks:\n%s" % (what, proc.stderr[-2000:]))


def check_profile(profile, calls, reduce_range):
    runs = _PROFILE.findall(profile)
    if len(runs) != calls:
        raise Mismatch("profile names %d dynamic LSTM kernels, expected %d:\n%s"
                       % (len(runs), calls, profile))
    for line in runs:
        counts = {k: int(v) for k, v in re.findall(r"([\w:.-]+) (\d+)", line)}
        onednn = counts.get("onednn:u8s8s32", 0)
        exact = counts.get("qfx:gemm-u8s8-s16-avx2", 0)
        # reduce_range inputs stay <= 127: oneDNN cannot saturate; full-range
        # states reach 255 against weights of magnitude 127: qfx's kernel.
        if reduce_range and (onednn == 0 or exact or len(counts) != 1):
            raise Mismatch("reduce_range gate products ran %s, expected oneDNN only" % line)
        if not reduce_range and exact == 0:
            raise Mismatch("full-range gate products ran %s, expected qfx's exact kernel"
                           % line)


def run_case(name, qconfig, engine, backend, decomposed, tool_opt, tool_run, workdir):
    torch.manual_seed(0)
    make, make_inputs = MODELS[name]
    model = make().eval()
    inputs = make_inputs()
    torch.backends.quantized.engine = "qnnpack" if engine == "qnnpack" else "onednn"
    mapping = QConfigMapping().set_global(QCONFIGS[qconfig])
    prepared = prepare_fx(copy.deepcopy(model), mapping, inputs)
    ref = convert_to_reference_fx(copy.deepcopy(prepared))
    reduce_range = backend != "qnnpack"
    torch_own = None
    if engine in ("onednn", "qnnpack") and model.lstm.bias:
        torch_own = convert_fx(copy.deepcopy(prepared))
    base = os.path.join(workdir, "%s_%s_%s_%s%s" % (name, qconfig, engine, backend,
                                                    "_decomposed" if decomposed else ""))
    prepared_path, converted, lowered = (base + ".prepared.mlir", base + ".ref.mlir",
                                         base + ".lowered.mlir")
    qfx_torch.export(prepared, inputs, prepared_path)
    convert = "--qfx-convert=engine=%s%s" % (engine, " decomposed=true" if decomposed else "")
    qfx_opt(tool_opt, [prepared_path, convert, "-o", converted], "--qfx-convert")
    qfx_opt(tool_opt, [converted, "--qfx-lower=backend=" + backend, "-o", lowered],
            "--qfx-lower")
    plain = None
    if decomposed:  # the default form's lowering, to compare bit for bit
        plain = base + ".plain.lowered.mlir"
        qfx_opt(tool_opt, [prepared_path, "--qfx-convert=engine=" + engine, "-o",
                           base + ".plain.ref.mlir"], "--qfx-convert")
        qfx_opt(tool_opt, [base + ".plain.ref.mlir", "--qfx-lower=backend=" + backend,
                           "-o", plain], "--qfx-lower")
    with open(lowered) as f:
        text = f.read()
    calls = sum(1 for n in prepared.graph.nodes if n.op == "call_module" and
                isinstance(prepared.get_submodule(n.target), nn.LSTM))
    left = [op for op in ("qfx.lstm", "qfx.quantize_dynamic", "qfx.dequantize",
                          "qfx.choose_qparams", "qfx.quantize_affine",
                          "qfx.dequantize_affine") if op + " " in text]
    if left or text.count("qfxk.dynamic_lstm ") != calls:
        raise Mismatch("%d LSTM calls, %d qfxk.dynamic_lstm, left: %s"
                       % (calls, text.count("qfxk.dynamic_lstm "), left))
    worst, worst_emu, margin, wrong_range = 0.0, 0.0, float("inf"), float("inf")
    for i, xs in enumerate(variants(inputs)):
        got, profile = run_lowered(tool_run, lowered, xs, "%s.%d" % (base, i))
        check_profile(profile, calls, reduce_range)
        if plain:
            got_plain, _ = run_lowered(tool_run, plain, xs, "%s.plain.%d" % (base, i))
            if any(not np.array_equal(g.view(np.uint32), p.view(np.uint32))
                   for g, p in zip(got, got_plain)):
                raise Mismatch("input %d: the decomposed form's lowering differs from "
                               "the default form's" % i)
        with torch.no_grad():
            emulated = emulate_model(name, ref, xs, reduce_range)
            if torch_own is not None:
                expected = as_list(torch_own(*xs))
                worst_emu = max(worst_emu, max(rel_error(e, t) for e, t in
                                               zip(emulated, expected)))
            else:
                expected = emulated
            reference = as_list(ref(*xs))
            other = emulate_model(name, ref, xs, not reduce_range)
        if len(got) != len(expected):
            raise Mismatch("%d outputs, expected %d" % (len(got), len(expected)))
        for k, (g, e, r, o) in enumerate(zip(got, expected, reference, other)):
            if g.shape != e.shape:
                raise Mismatch("input %d output %d: shape %s, expected %s"
                               % (i, k, g.shape, e.shape))
            rel = rel_error(g, e)
            worst = max(worst, rel)
            if rel > MAX_REL:
                raise Mismatch("input %d output %d: max rel error %.3g" % (i, k, rel))
            margin = min(margin, rel_error(r, e))
            wrong_range = min(wrong_range, rel_error(o, e))
    if worst_emu > MAX_REL:
        raise Mismatch("the emulation is %.3g from PyTorch's lowered model" % worst_emu)
    if min(margin, wrong_range) < 10 * MAX_REL:
        raise Mismatch("the reference LSTM (%.3g) or the other reduce_range (%.3g) is "
                       "too close to the expected outputs: the tolerance would not catch "
                       "a wrong lowering" % (margin, wrong_range))
    return {"calls": calls, "max_rel": worst, "margin": margin, "wrong_range": wrong_range,
            "expected": "PyTorch %s" % engine if torch_own else "emulation",
            "emu": worst_emu if torch_own else None}


def _describe(label, r):
    emu = "" if r["emu"] is None else " (emulation vs PyTorch %.2g)" % r["emu"]
    return ("%-58s vs %-17s max_rel=%.2g  (reference LSTM %.2g, other reduce_range "
            "%.2g)%s" % (label, r["expected"], r["max_rel"], r["margin"], r["wrong_range"],
                         emu))


def main():
    failures, worst = run_lowering_cases("qfx-lower-lstm-", CASES, run_case, _describe)
    print("overall: %d failures, outputs max rel %.2g (bound %g)" % (failures, worst, MAX_REL))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
