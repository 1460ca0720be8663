"""`--qfx-convert="decomposed=true"` gives the integers of the reference form.

For every case a model is prepared and calibrated (or QAT-trained, or
prepared for dynamic quantization) in PyTorch 1.13, exported with qfx_torch
and converted twice by qfx: the reference form (`--qfx-convert`) and the
decomposed form (`--qfx-convert="decomposed=true"`). The test checks that

* the decomposed IR holds no `!quant` type, and its quantize_affine /
  dequantize_affine / choose_qparams ops stand one for one (same order,
  same FX provenance) for the quantize / dequantize / quantize_dynamic ops
  of the reference IR, with the same scales (bit for bit, as float32), zero
  points and storage range;
* both run under `qfx-run` with bit-identical results, on the model outputs
  and on every intermediate quantized value: each top-level dequantize
  (activations and weights) is added to the function's results, and the
  dequantized values, which determine the integers, must agree to the bit;
* the reference form's outputs stay within 1 LSB of PyTorch's
  convert_to_reference_fx (a sanity check that the cases run what
  test_convert.py checks in depth).

    python3 test_convert_decomposed.py --qfx-opt Q --qfx-run R [--workdir D]
        [--tier quick|full] [case...]

The quick tier (ctest conformance/convert-decomposed) covers every form on
small models; resnet18 on a 32x32 image runs in the full tier
(conformance/convert-decomposed/resnet18, label `full`).
"""

import argparse
import copy
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))
sys.path.insert(0, _HERE)

import qfx_torch  # noqa: E402
import test_convert  # noqa: E402
import test_convert_dynamic  # noqa: E402
from test_convert import Mismatch  # noqa: E402
from torch.ao.quantization.quantize_fx import convert_to_reference_fx  # noqa: E402



def _resnet18():
    import torchvision  # only the full tier pays for the import
    return torchvision.models.resnet18()


# resnet18 on a 32x32 image: every layer of the full model, a fraction of
# the run time.
test_convert.LOCAL["resnet18_small"] = (_resnet18, lambda: (torch.randn(1, 3, 32, 32),))

# (case, model, backend or engine, mode). The quick tier; FULL_CASES run
# under the `full` label (--tier full).
CASES = [
    ("conv_bn_relu/qnnpack", "conv_bn_relu", "qnnpack", "ptq"),
    ("residual/qnnpack", "residual", "qnnpack", "ptq"),
    ("depthwise/onednn", "depthwise", "onednn", "ptq"),
    ("linear_bn1d/qnnpack", "linear_bn1d", "qnnpack", "ptq"),
    ("cat/qnnpack", "cat", "qnnpack", "ptq"),
    ("conv_transpose2d/qnnpack", "conv_transpose2d", "qnnpack", "ptq"),
    ("fixed_qparams/qnnpack", "fixed_qparams", "qnnpack", "ptq"),
    ("shared_fixed/qnnpack", "shared_fixed", "qnnpack", "ptq"),
    ("linear_relu/onednn", "linear_relu", "onednn", "ptq"),
    ("linear_relu/qat-qnnpack", "linear_relu", "qnnpack", "qat"),
    ("conv_qat/qat-onednn", "conv_qat", "onednn", "qat"),
    ("conv_qat/qat-qnnpack", "conv_qat", "qnnpack", "qat"),
    # resnet18's remaining forms at a fraction of its cost: max / average /
    # adaptive pools and flatten (shared qparams), per-channel convs around
    # a residual add.
    ("pools/qnnpack", "pools", "qnnpack", "ptq"),
    ("residual/onednn", "residual", "onednn", "ptq"),
    ("mlp/dynamic-x86", "mlp", "x86", "dynamic"),
    ("mlp/per_channel_dynamic-qnnpack", "mlp", "qnnpack", "per_channel_dynamic"),
    ("seq_linear/float16_dynamic-onednn", "seq_linear", "onednn", "float16_dynamic"),
]
# About 7 million exposed values, three quarters of the whole run time.
FULL_CASES = [
    ("resnet18_small/onednn", "resnet18_small", "onednn", "ptq"),
]

_OP = re.compile(r'^(\s*)(%[\w.#]+) = (qfx\.(?:quantize|dequantize|quantize_dynamic|'
                 r'quantize_affine|dequantize_affine|choose_qparams))\b(.*)$')
_NODE = re.compile(r'qfx\.node = #qfx\.node<[^>]*>')
_UNIFORM = re.compile(r'!quant\.uniform<([iu])(\d+):f32(?::(\d+))?, ([^>]*)>')
_SCALES = re.compile(r'scales = array<f32: ([^>]*)>')
_ZPS = re.compile(r'zero_points = array<i64: ([^>]*)>')
_AXIS = re.compile(r' axis = (-?\d+)')
_RANGE = re.compile(r'quant_min = (-?\d+) quant_max = (-?\d+)')


def _f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", float(x)))[0]


def _qdq_ops(text):
    """(op, provenance, qparams) of every Q/DQ op of the forward function,
    in order. qparams: (scale bits, zero points, axis, qmin, qmax) or None
    for run-time qparams and float16."""
    ops = []
    for line in text.split("\n"):
        m = _OP.match(line)
        if not m:
            continue
        op, rest = m.group(3), m.group(4)
        node = _NODE.search(rest)
        qp = None
        if op in ("qfx.quantize", "qfx.dequantize"):
            u = _UNIFORM.search(rest)
            if u:
                signed, bits = u.group(1) == "i", int(u.group(2))
                qmin = -(1 << (bits - 1)) if signed else 0
                qmax = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
                body = u.group(4)
                pairs = re.search(r'\{([^}]*)\}', body)
                pairs = pairs.group(1).split(",") if pairs else [body]
                scales, zps = [], []
                for p in pairs:
                    s, _, z = p.strip().partition(":")
                    scales.append(_f32_bits(s))
                    zps.append(int(z) if z else 0)
                axis = int(u.group(3)) if u.group(3) else None
                qp = (scales, zps, axis, qmin, qmax)
        elif op in ("qfx.quantize_affine", "qfx.dequantize_affine") and _SCALES.search(rest):
            scales = [_f32_bits(s) for s in _SCALES.search(rest).group(1).split(",")]
            zps = [int(z) for z in _ZPS.search(rest).group(1).split(",")]
            a = _AXIS.search(rest)
            r = _RANGE.search(rest)
            qp = (scales, zps, int(a.group(1)) if a else None, int(r.group(1)), int(r.group(2)))
        ops.append((op, node.group(0) if node else None, qp))
    return ops


_COUNTERPART = {"qfx.quantize": "qfx.quantize_affine",
                "qfx.dequantize": "qfx.dequantize_affine",
                "qfx.quantize_dynamic": "qfx.quantize_affine"}


def compare_ir(ref_text, dec_text):
    if "!quant" in dec_text.split("{-#")[0]:
        raise Mismatch("the decomposed IR still holds !quant types")
    ref_ops = _qdq_ops(ref_text)
    # A float16 quantize_dynamic / dequantize stays as it is (no !quant type).
    dec_ops = [o for o in _qdq_ops(dec_text) if o[0] != "qfx.choose_qparams"]
    n_choose = sum(1 for o in _qdq_ops(dec_text) if o[0] == "qfx.choose_qparams")
    n_dynamic = sum(1 for o in ref_ops if o[0] == "qfx.quantize_dynamic")
    if len(ref_ops) != len(dec_ops):
        raise Mismatch("%d Q/DQ ops in the reference form, %d decomposed"
                       % (len(ref_ops), len(dec_ops)))
    float16 = 0
    for i, (r, d) in enumerate(zip(ref_ops, dec_ops)):
        if r[0] == d[0] and r[2] is None and d[2] is None:
            float16 += 1  # float16 dynamic quantization is already decomposed
            continue
        if _COUNTERPART[r[0]] != d[0]:
            raise Mismatch("Q/DQ op %d: %s became %s" % (i, r[0], d[0]))
        if r[1] != d[1]:
            raise Mismatch("Q/DQ op %d: provenance %s vs %s" % (i, r[1], d[1]))
        if r[2] != d[2]:
            raise Mismatch("Q/DQ op %d (%s): qparams %s vs %s" % (i, r[0], r[2], d[2]))
    if n_choose != n_dynamic - float16 // 2:
        raise Mismatch("%d choose_qparams for %d integer quantize_dynamic"
                       % (n_choose, n_dynamic - float16 // 2))
    return len(ref_ops), n_choose


def expose_dequantized(text):
    """The IR with every top-level dequantize result of @forward appended
    to the function's results."""
    lines = text.split("\n")
    start = next(i for i, l in enumerate(lines) if "func.func @forward(" in l)
    body_indent = None
    extra = []
    ret = None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if body_indent is None and line.strip():
            body_indent = indent
        if indent == body_indent and re.match(r'\s*(func\.)?return\b', line):
            ret = i
            break
        m = _OP.match(line)
        if m and indent == body_indent and m.group(3) in ("qfx.dequantize", "qfx.dequantize_affine"):
            extra.append((m.group(2), line.rsplit("-> ", 1)[1].strip()))
    if ret is None or not extra:
        return text, 0
    rline = lines[ret]
    values, _, types = rline.strip().partition(" : ")
    kw, _, values = values.partition(" ")
    names = [v.strip() for v in values.split(",") if v.strip()]
    tys = [t.strip() for t in re.split(r',\s*(?=tensor<)', types) if t.strip()]
    names += [n for n, _ in extra]
    tys += [t for _, t in extra]
    lines[ret] = "%s%s %s : %s" % (rline[:len(rline) - len(rline.lstrip())], kw,
                                    ", ".join(names), ", ".join(tys))
    # The signature's result list: everything after the last ") -> ".
    sig = lines[start]
    head, arrow, results = sig.rpartition(") -> ")
    brace = results.endswith("{")
    results = results[:-1].rstrip() if brace else results
    if results.startswith("("):
        results = results[1:-1]
    res = [r.strip() for r in re.split(r',\s*(?=tensor<)', results) if r.strip()]
    res += [t for _, t in extra]
    lines[start] = "%s%s(%s)%s" % (head, arrow, ", ".join(res), " {" if brace else "")
    return "\n".join(lines), len(extra)


def run_qfx(qfx_run, path, npz_in, npz_out):
    proc = subprocess.run([qfx_run, path, "--input", npz_in, "-o", npz_out],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Mismatch("qfx-run %s failed:\n%s" % (path, proc.stderr[-2000:]))
    return np.load(npz_out)


def prepare(model, backend, mode):
    if mode in ("ptq", "qat"):
        prepared, inputs = test_convert.prepare(model, backend, mode)
        return prepared, inputs, []
    _, prepared, _, _, inputs = test_convert_dynamic.torch_reference(model, mode, backend)
    return prepared, inputs, ["engine=" + backend]


def run_case(case, model, backend, mode, qfx_opt, qfx_run, workdir):
    prepared, inputs, options = prepare(model, backend, mode)
    base = os.path.join(workdir, case.replace("/", "_"))
    qfx_torch.export(prepared, inputs, base + ".prepared.mlir")
    texts = {}
    for form, extra in (("reference", []), ("decomposed", ["decomposed=true"])):
        path = "%s.%s.mlir" % (base, form)
        opt = "--qfx-convert=" + " ".join(options + extra) if options + extra else "--qfx-convert"
        proc = subprocess.run([qfx_opt, base + ".prepared.mlir", opt, "-o", path],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise Mismatch("qfx-opt %s failed:\n%s" % (opt, proc.stderr[-3000:]))
        with open(path) as f:
            texts[form] = f.read()
    n_qdq, n_choose = compare_ir(texts["reference"], texts["decomposed"])
    header = next(l for l in texts["reference"].split("\n") if "func.func @forward(" in l)
    names = re.findall(r'\{qfx\.name = "([^"]*)"\}', header)
    npz_in = base + ".in.npz"
    np.savez(npz_in, **{n: t.numpy() for n, t in zip(names, inputs)})
    results, exposed = {}, {}
    for form, text in texts.items():
        text, exposed[form] = expose_dequantized(text)
        path = "%s.%s.exposed.mlir" % (base, form)
        with open(path, "w") as f:
            f.write(text)
        results[form] = run_qfx(qfx_run, path, npz_in, "%s.%s.out.npz" % (base, form))
    if exposed["reference"] != exposed["decomposed"]:
        raise Mismatch("%d vs %d exposed dequantizes" % (exposed["reference"], exposed["decomposed"]))
    ref, dec = results["reference"], results["decomposed"]
    if sorted(ref.files) != sorted(dec.files):
        raise Mismatch("result names differ: %s vs %s" % (ref.files, dec.files))
    values = 0
    for k in ref.files:
        a, b = ref[k], dec[k]
        if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
            diff = np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))
            raise Mismatch("result %s differs (max abs %g)" % (k, diff))
        values += a.size
    # Sanity: the reference form still matches PyTorch on the model outputs.
    torch_ref = convert_to_reference_fx(copy.deepcopy(prepared))
    if mode in ("dynamic", "per_channel_dynamic", "float16_dynamic") and backend == "x86":
        for node in torch_ref.graph.nodes:
            if node.op == "call_function" and node.target == torch.quantize_per_tensor_dynamic:
                node.args = (node.args[0], node.args[1], True)
        torch_ref.recompile()
    with torch.no_grad():
        expected = test_convert._flat(torch_ref(*inputs))
    scales = test_convert._output_scales(torch_ref, len(expected))
    worst = 0.0
    for i, e in enumerate(expected):
        err = float(np.max(np.abs(ref[str(i)].astype(np.float64) - e.numpy()))) if e.numel() else 0.0
        # Float outputs (dynamic quantization): relative to their magnitude.
        unit = scales[i] if scales[i] != 1.0 else max(float(e.abs().max()), 1e-30) * 1e-5
        worst = max(worst, err / unit)
    if worst > test_convert.MAX_LSB + test_convert._LSB_SLACK:
        raise Mismatch("reference form vs PyTorch: %.3f LSB" % worst)
    return {"case": case, "qdq": n_qdq, "choose_qparams": n_choose,
            "exposed": exposed["reference"], "values": values, "torch_lsb": worst}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--workdir")
    ap.add_argument("--tier", choices=("quick", "full"), default="quick",
                    help="quick: CASES; full: the heavy FULL_CASES only")
    ap.add_argument("cases", nargs="*", help="case or model names (any tier)")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="qfx-decomposed-")
    os.makedirs(workdir, exist_ok=True)
    if args.cases:
        selected = [c for c in CASES + FULL_CASES
                    if c[0] in args.cases or c[1] in args.cases]
    else:
        selected = CASES if args.tier == "quick" else FULL_CASES
    failures, total = [], 0
    for case, model, backend, mode in selected:
        try:
            r = run_case(case, model, backend, mode, args.qfx_opt, args.qfx_run, workdir)
            total += r["values"]
            print("PASS %-36s qdq=%-4d choose_qparams=%-2d exposed=%-3d values=%-8d torch=%.3f"
                  % (case, r["qdq"], r["choose_qparams"], r["exposed"], r["values"],
                     r["torch_lsb"]), flush=True)
        except Exception as e:  # report every case
            failures.append(case)
            print("FAIL %s\n  %s" % (case, e), flush=True)
    print("overall: %d/%d cases, %d values bit-identical between the reference "
          "and the decomposed form" % (len(selected) - len(failures), len(selected), total))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
