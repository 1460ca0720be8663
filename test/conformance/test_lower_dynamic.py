"""Conformance of --qfx-lower's dynamic linear against PyTorch 1.13.

For every case (model, qconfig, engine, lowering backend) PyTorch prepares
the float model with `QConfigMapping().set_global(qconfig)` and builds the
reference model with convert_to_reference_fx (test_convert_dynamic's
torch_reference: the x86 engine is emulated by setting reduce_range in the
reference graph). qfx converts the PyTorch-prepared model
(`--qfx-convert=engine=E`), lowers it (`--qfx-lower=backend=B`) and runs it
(`qfx-run --profile`) on inputs of several ranges.

Checked: every linear became a qfxk.dynamic_linear (no quantize_dynamic,
dequantize or qfx.linear left, no remark); the outputs equal the reference
model's up to float rounding (max abs error over max |output| <= MAX_REL:
the kernel sums exactly in int32 where the reference model sums
dequantized products in float32); the kernel that ran: oneDNN's u8s8s32
matmul on reduce_range activations (<= 127 cannot saturate its int16 pair
sums), qfx's exact AVX2 int16 kernel on full-range ones.

Decomposed cases convert with `decomposed=true` (choose_qparams ->
quantize_affine -> dequantize_affine) and must lower just as completely,
with outputs bit-identical to the lowered reference form's.

Also printed, not checked: PyTorch's own dynamic model (convert_fx, its
onednn / qnnpack engine) against the same reference model.

    python3 test_lower_dynamic.py --qfx-opt Q --qfx-run R [--workdir D]
"""

import copy
import os
import re
import subprocess
import sys

import numpy as np
import torch

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))
sys.path.insert(0, _HERE)

import qfx_torch  # noqa: E402
from harness import run_lowering_cases  # noqa: E402
from test_convert import Mismatch  # noqa: E402
from test_convert_dynamic import torch_reference  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_fx  # noqa: E402

MAX_REL = 1e-5

# (model, qconfig, engine at convert, lowering backend, decomposed)
CASES = [
    ("mlp", "dynamic", "x86", "x86", False),
    ("mlp", "per_channel_dynamic", "onednn", "onednn", False),
    ("mlp", "dynamic", "qnnpack", "qnnpack", False),
    ("seq_linear", "per_channel_dynamic", "x86", "fbgemm", False),
    ("seq_linear", "dynamic", "onednn", "onednn", False),
    ("conv_linear", "dynamic", "qnnpack", "qnnpack", False),
    ("conv_linear", "per_channel_dynamic", "x86", "x86", False),
    ("mlp", "per_channel_dynamic", "x86", "x86", True),
    ("seq_linear", "dynamic", "qnnpack", "qnnpack", True),
]

_PROFILE = re.compile(r"'qfxk\.dynamic_linear'.*matmul \([^)]*\) (\d+), "
                      r"qfx:gemm-u8s8-s16-avx2 (\d+) run\(s\)")


def variants(inputs):
    """The example input, a wider shifted one, one with a single outlier."""
    out = [inputs]
    out.append(tuple(t * 4.0 + 1.5 for t in inputs))
    spiky = tuple(t.clone() for t in inputs)
    spiky[0].view(-1)[3] = 40.0
    out.append(spiky)
    return out


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
    return np.load(npz_out)["0"], proc.stdout + proc.stderr


def rel_error(got, expected):
    return float(np.max(np.abs(got.astype(np.float64) - expected)) /
                 max(float(np.max(np.abs(expected))), 1e-30))


def convert_and_lower(qfx_opt, prepared_path, engine, backend, decomposed, base):
    converted, lowered = base + ".ref.mlir", base + ".lowered.mlir"
    convert = "--qfx-convert=engine=%s%s" % (engine, " decomposed=true" if decomposed else "")
    proc = subprocess.run([qfx_opt, prepared_path, convert, "-o", converted],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-opt --qfx-convert failed:\n" + proc.stderr[-3000:])
    proc = subprocess.run([qfx_opt, converted, "--qfx-lower=backend=" + backend,
                           "-o", lowered], capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-opt --qfx-lower failed:\n" + proc.stderr[-3000:])
    if "remark" in proc.stderr:
        raise Mismatch("remarks:\n" + proc.stderr[-2000:])
    return lowered


def run_case(name, qconfig, engine, backend, decomposed, qfx_opt, qfx_run, workdir):
    model, prepared, ref, _, inputs = torch_reference(name, qconfig, engine)
    base = os.path.join(workdir, "%s_%s_%s_%s%s" % (name, qconfig, engine, backend,
                                                   "_decomposed" if decomposed else ""))
    prepared_path = base + ".prepared.mlir"
    qfx_torch.export(prepared, inputs, prepared_path)
    lowered = convert_and_lower(qfx_opt, prepared_path, engine, backend, decomposed, base)
    plain = (convert_and_lower(qfx_opt, prepared_path, engine, backend, False, base + ".plain")
             if decomposed else None)
    with open(lowered) as f:
        text = f.read()
    linears = sum(isinstance(m, torch.nn.Linear) for m in model.modules())
    left = [op for op in ("qfx.quantize_dynamic", "qfx.dequantize", "qfx.linear",
                          "qfx.choose_qparams", "qfx.quantize_affine",
                          "qfx.dequantize_affine") if op + " " in text]
    if left or text.count("qfxk.dynamic_linear ") != linears:
        raise Mismatch("%d linears, %d qfxk.dynamic_linear, left: %s"
                       % (linears, text.count("qfxk.dynamic_linear "), left))
    reduce_range = engine in ("x86", "fbgemm")
    torch_own = None
    if engine in ("onednn", "qnnpack"):
        torch.backends.quantized.engine = engine
        torch_own = convert_fx(copy.deepcopy(prepared))
    worst, worst_torch, same, total = 0.0, 0.0, 0, 0
    for i, xs in enumerate(variants(inputs)):
        got, profile = run_lowered(qfx_run, lowered, xs, "%s.%d" % (base, i))
        with torch.no_grad():
            expected = ref(*xs).numpy()
            if torch_own is not None:
                worst_torch = max(worst_torch, rel_error(torch_own(*xs).numpy(), expected))
        if plain:
            got_plain, _ = run_lowered(qfx_run, plain, xs, "%s.plain.%d" % (base, i))
            if not np.array_equal(got.view(np.uint32), got_plain.view(np.uint32)):
                raise Mismatch("input %d: the decomposed form's lowering differs from the "
                               "reference form's" % i)
        rel = rel_error(got, expected)
        worst = max(worst, rel)
        same += int(np.sum(got.view(np.uint32) == expected.view(np.uint32)))
        total += expected.size
        if rel > MAX_REL:
            raise Mismatch("input %d: max rel error %.3g" % (i, rel))
        runs = _PROFILE.findall(profile)
        if len(runs) != linears:
            raise Mismatch("profile names %d dynamic linear kernels, expected %d:\n%s"
                           % (len(runs), linears, profile))
        for onednn, exact in runs:
            # reduce_range inputs stay <= 127 (oneDNN is exact); full-range
            # ones reach 255 against weights of magnitude 127 (qfx's kernel).
            want = ("1", "0") if reduce_range else ("0", "1")
            if (onednn, exact) != want:
                raise Mismatch("input %d: kernel runs (oneDNN, qfx) = %s, expected %s"
                               % (i, (onednn, exact), want))
    return {"linears": linears, "engine": engine, "max_rel": worst, "same": same, "total": total,
            "torch_own": worst_torch if torch_own else None}


def _describe(label, r):
    own = ("" if r["torch_own"] is None else
           "  (PyTorch's own %s dynamic model: max_rel=%.2g)" % (r["engine"], r["torch_own"]))
    return ("%-58s dynamic_linear=%d max_rel=%.2g bit-identical=%d/%d%s"
            % (label, r["linears"], r["max_rel"], r["same"], r["total"], own))


def main():
    failures, worst = run_lowering_cases("qfx-lower-dynamic-", CASES, run_case, _describe)
    print("overall: %d failures, outputs max rel %.2g" % (failures, worst))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
