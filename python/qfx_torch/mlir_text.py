"""Spelling Python and torch values in MLIR's textual syntax.

Small, dependency-free helpers shared by the exporter (`exporter.py`) and
the conformance harness: tensor types, float literals that re-parse bit for
bit, string escaping and builtin attributes for `qfx.call` params.
"""

import math
import re
import struct

import torch

__all__ = [
    "ELEMENT_TYPES",
    "UnsupportedValue",
    "element_type",
    "tensor_type",
    "float_literal",
    "f32_literal",
    "string_literal",
    "attr_literal",
    "resource_key",
]

# torch dtype -> MLIR element type.
ELEMENT_TYPES = {
    torch.float32: "f32",
    torch.float64: "f64",
    torch.float16: "f16",
    torch.bfloat16: "bf16",
    torch.int64: "i64",
    torch.int32: "i32",
    torch.int16: "i16",
    torch.int8: "i8",
    torch.uint8: "ui8",
    torch.bool: "i1",
}


class UnsupportedValue(ValueError):
    """A Python value that has no MLIR spelling."""


def element_type(dtype):
    try:
        return ELEMENT_TYPES[dtype]
    except KeyError:
        raise UnsupportedValue("tensor dtype %s has no MLIR element type" % dtype)


def tensor_type(shape, dtype):
    """`tensor<1x3xf32>`; `tensor<f32>` for 0-d."""
    dims = "".join("%dx" % int(d) for d in shape)
    return "tensor<%s%s>" % (dims, element_type(dtype))


def _bits_literal(x, fmt, ifmt, width):
    (bits,) = struct.unpack(ifmt, struct.pack(fmt, x))
    return "0x%0*X" % (width, bits)


def float_literal(x):
    """A float literal that MLIR parses back to exactly the double `x`.

    `repr` is the shortest round-tripping decimal; MLIR insists on a `.` in
    float literals (`1e-05` would lex as an integer), so one is inserted.
    inf/nan are spelled by their bits, which MLIR accepts for typed floats.
    """
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return _bits_literal(x, "<d", "<Q", 16)
    text = repr(x)
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = mantissa + ".0e" + exponent
    return text


def f32_literal(x):
    """The float32 value PyTorch would use for the Python number `x`.

    Python numbers are doubles; PyTorch rounds them to float32 when it
    combines them with float32 tensors. Rounding first and printing the
    (exactly representable) result avoids any double rounding in MLIR's
    parser.
    """
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return _bits_literal(x, "<f", "<I", 8)
    (rounded,) = struct.unpack("<f", struct.pack("<f", x))
    return float_literal(rounded)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def string_literal(s):
    """A double-quoted MLIR string literal."""
    out = []
    for ch in str(s):
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\%02X" % ord(ch))
        elif ord(ch) > 0x7F:
            out.extend("\\%02X" % b for b in ch.encode("utf-8"))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def attr_literal(value, node_ref=None):
    """A builtin attribute for a Python value found in an FX node's args.

    bool -> `true`/`false`, int -> `N : i64`, float -> `F : f64`,
    str -> string, None -> `unit`, tuple/list/torch.Size -> array, slice ->
    `{slice = [start, stop, step]}`, Ellipsis -> `"..."`, torch.dtype /
    device / memory_format / layout -> their `str()` (e.g. `"torch.float16"`).
    `node_ref(value)` may return a spelling for values it recognizes (the
    exporter uses it for FX nodes); anything else raises UnsupportedValue.
    """
    if node_ref is not None:
        ref = node_ref(value)
        if ref is not None:
            return ref
    if value is None:
        return "unit"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return "%d : i64" % value
    if isinstance(value, float):
        return float_literal(value) + " : f64"
    if isinstance(value, str):
        return string_literal(value)
    if value is Ellipsis:
        return '"..."'
    if isinstance(value, slice):
        parts = [attr_literal(v, node_ref) for v in
                 (value.start, value.stop, value.step)]
        return "{slice = [%s]}" % ", ".join(parts)
    if isinstance(value, (tuple, list)):
        return "[%s]" % ", ".join(attr_literal(v, node_ref) for v in value)
    if isinstance(value, (torch.dtype, torch.device, torch.memory_format,
                          torch.layout)):
        return string_literal(str(value))
    raise UnsupportedValue("a value of type %s (%r) has no MLIR attribute "
                           "spelling" % (type(value).__name__, value))


_KEY_BAD = re.compile(r"[^A-Za-z0-9_]")


def resource_key(name, taken):
    """A unique bare-identifier resource key derived from `name`."""
    base = _KEY_BAD.sub("_", name) or "blob"
    if not (base[0].isalpha() or base[0] == "_"):
        base = "_" + base
    key, n = base, 1
    while key in taken:
        key = "%s_%d" % (base, n)
        n += 1
    taken.add(key)
    return key
