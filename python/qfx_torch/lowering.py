"""FX node -> typed qfx op: one handler per module class / function / method.

A handler gets the `Lowering` context, the FX node (and for call_module the
submodule) and returns an `OpSpec` naming the typed op, its operands in the
printed order and its inherent attributes. It raises `Generic` when the
node's arguments are outside what the typed op can express; the exporter
then emits `qfx.call` instead, so nothing is ever dropped.

Handlers do not emit anything themselves: operands may be `ParamRef`
(a module tensor, read with qfx.get_attr) or `Scalar` (a Python number,
a `qfx.constant scalar`), which the exporter materializes right before the
op, so a handler that gives up leaves no trace in the IR.
"""

import collections
import operator

import torch
import torch.nn as nn
import torch.nn.functional as F

from .mlir_text import float_literal
from .tracing import TensorInfo

__all__ = ["Generic", "OpSpec", "ParamRef", "Scalar", "MODULE_HANDLERS",
           "FUNCTION_HANDLERS", "METHOD_HANDLERS", "TUPLE_HANDLERS"]


class Generic(Exception):
    """The node cannot be expressed by a typed op; emit qfx.call."""


# pieces: list of str and operands (Value, ParamRef, Scalar) in print order.
# same_type: the op prints `: type($result)` instead of a functional type.
OpSpec = collections.namedtuple("OpSpec", ["mnemonic", "pieces", "same_type"])
ParamRef = collections.namedtuple("ParamRef", ["qualname"])
Scalar = collections.namedtuple("Scalar", ["value"])

_FLOAT_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)

MODULE_HANDLERS = {}
FUNCTION_HANDLERS = {}
METHOD_HANDLERS = {}
# Functions and methods (by name) whose tuple result is lowered to one op
# per element: the handler returns a list of OpSpecs.
TUPLE_HANDLERS = {}


def _register(table, *keys):
    def wrap(fn):
        for k in keys:
            table[k] = fn
        return fn
    return wrap


def _ints(v, n=None):
    if isinstance(v, (list, tuple)):
        out = [int(x) for x in v]
    else:
        out = [int(v)] * (n or 1)
    if n is not None and len(out) != n:
        raise Generic()
    return out


def _arr(values):
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def _farr(values):
    return "[" + ", ".join(float_literal(v) for v in values) + "]"


def _f64(v):
    return float_literal(float(v))


def bind(node, names, defaults=None, first=None):
    """Bind a call's args/kwargs to `names` (FX's call_method self included).

    Unknown keywords, excess positionals or missing required arguments
    raise Generic.
    """
    args = list(node.args)
    if len(args) > len(names):
        raise Generic()
    out = dict(defaults or {})
    out.update(zip(names, args))
    for k, v in node.kwargs.items():
        if k not in names:
            raise Generic()
        out[k] = v
    for n in names:
        if n not in out:
            raise Generic()
    return out


def bind_module(node, names, defaults=None):
    return bind(node, names, defaults)


def _result_info(ctx, node):
    info = ctx.info(node)
    if not isinstance(info, TensorInfo):
        raise Generic()
    return info


# ---------------------------------------------------------------------------
# Convolution, linear, matmul
# ---------------------------------------------------------------------------

_CONV_RANK = {nn.Conv1d: 1, nn.Conv2d: 2, nn.Conv3d: 3,
              nn.ConvTranspose1d: 1, nn.ConvTranspose2d: 2,
              nn.ConvTranspose3d: 3}


def _conv_padding(padding, kernel, dilation, n):
    """Numeric padding; 'same' only when it is symmetric."""
    if padding == "valid":
        return [0] * n
    if padding == "same":
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            if total % 2:
                raise Generic()  # asymmetric 'same' padding
            out.append(total // 2)
        return out
    return _ints(padding, n)


def _conv_spec(x, w, b, n, stride, padding, dilation, groups, kernel,
               padding_mode="zeros"):
    stride = _ints(stride, n)
    dilation = _ints(dilation, n)
    padding = _conv_padding(padding, kernel, dilation, n)
    pieces = [x, ", ", w]
    if b is not None:
        pieces += [", ", b]
    pieces.append(" stride = %s padding = %s dilation = %s groups = %d"
                  % (_arr(stride), _arr(padding), _arr(dilation), groups))
    if padding_mode != "zeros":
        pieces.append(" padding_mode = %s" % padding_mode)
    return OpSpec("conv", pieces, False)


@_register(MODULE_HANDLERS, nn.Conv1d, nn.Conv2d, nn.Conv3d)
def _conv_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    n = _CONV_RANK[type(mod)]
    x = ctx.tensor(a["input"], float_only=True)
    b = ParamRef(ctx.sub(node, "bias")) if mod.bias is not None else None
    return _conv_spec(x, ParamRef(ctx.sub(node, "weight")), b, n, mod.stride,
                      mod.padding, mod.dilation, mod.groups, mod.kernel_size,
                      mod.padding_mode)


def _conv_transpose_spec(ctx, node, x, w, b, n, stride, padding, dilation,
                         groups, kernel):
    stride, padding, dilation = (_ints(stride, n), _ints(padding, n),
                                 _ints(dilation, n))
    # output_padding follows from the result shape: this also covers
    # forward(x, output_size=...).
    in_shape, out_shape = ctx.info(node.args[0]).shape, _result_info(ctx, node).shape
    out_pad = []
    for i in range(n):
        base = ((in_shape[i + 2] - 1) * stride[i] - 2 * padding[i]
                + dilation[i] * (kernel[i] - 1) + 1)
        out_pad.append(out_shape[i + 2] - base)
    pieces = [x, ", ", w]
    if b is not None:
        pieces += [", ", b]
    pieces.append(" stride = %s padding = %s output_padding = %s dilation = %s"
                  " groups = %d" % (_arr(stride), _arr(padding), _arr(out_pad),
                                    _arr(dilation), groups))
    return OpSpec("conv_transpose", pieces, False)


@_register(MODULE_HANDLERS, nn.ConvTranspose1d, nn.ConvTranspose2d,
           nn.ConvTranspose3d)
def _conv_transpose_module(ctx, node, mod):
    bind_module(node, ["input", "output_size"], {"output_size": None})
    if mod.padding_mode != "zeros":
        raise Generic()
    n = _CONV_RANK[type(mod)]
    x = ctx.tensor(node.args[0], float_only=True)
    b = ParamRef(ctx.sub(node, "bias")) if mod.bias is not None else None
    return _conv_transpose_spec(ctx, node, x, ParamRef(ctx.sub(node, "weight")),
                                b, n, mod.stride, mod.padding, mod.dilation,
                                mod.groups, mod.kernel_size)


def _conv_fn(n):
    def handler(ctx, node):
        a = bind(node, ["input", "weight", "bias", "stride", "padding",
                        "dilation", "groups"],
                 {"bias": None, "stride": 1, "padding": 0, "dilation": 1,
                  "groups": 1})
        x = ctx.tensor(a["input"], float_only=True)
        w = ctx.tensor(a["weight"], float_only=True)
        b = ctx.tensor(a["bias"], float_only=True) if a["bias"] is not None else None
        kernel = ctx.info(a["weight"]).shape[2:]
        return _conv_spec(x, w, b, n, ctx.const(a["stride"]),
                          ctx.const(a["padding"]), ctx.const(a["dilation"]),
                          int(ctx.const(a["groups"])), kernel)
    return handler


for _n, _fns in ((1, (F.conv1d,)), (2, (F.conv2d,)), (3, (F.conv3d,))):
    _register(FUNCTION_HANDLERS, *_fns)(_conv_fn(_n))


def _conv_transpose_fn(n):
    def handler(ctx, node):
        a = bind(node, ["input", "weight", "bias", "stride", "padding",
                        "output_padding", "groups", "dilation"],
                 {"bias": None, "stride": 1, "padding": 0,
                  "output_padding": 0, "groups": 1, "dilation": 1})
        x = ctx.tensor(a["input"], float_only=True)
        w = ctx.tensor(a["weight"], float_only=True)
        b = ctx.tensor(a["bias"], float_only=True) if a["bias"] is not None else None
        kernel = ctx.info(a["weight"]).shape[2:]
        return _conv_transpose_spec(ctx, node, x, w, b, n, ctx.const(a["stride"]),
                                    ctx.const(a["padding"]),
                                    ctx.const(a["dilation"]),
                                    int(ctx.const(a["groups"])), kernel)
    return handler


for _n, _fn in ((1, F.conv_transpose1d), (2, F.conv_transpose2d),
                (3, F.conv_transpose3d)):
    _register(FUNCTION_HANDLERS, _fn)(_conv_transpose_fn(_n))


def _linear_spec(x, w, b):
    pieces = [x, ", ", w]
    if b is not None:
        pieces += [", ", b]
    return OpSpec("linear", pieces, False)


@_register(MODULE_HANDLERS, nn.Linear)
def _linear_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    x = ctx.tensor(a["input"], float_only=True)
    b = ParamRef(ctx.sub(node, "bias")) if mod.bias is not None else None
    return _linear_spec(x, ParamRef(ctx.sub(node, "weight")), b)


@_register(FUNCTION_HANDLERS, F.linear)
def _linear_fn(ctx, node):
    a = bind(node, ["input", "weight", "bias"], {"bias": None})
    b = ctx.tensor(a["bias"], float_only=True) if a["bias"] is not None else None
    return _linear_spec(ctx.tensor(a["input"], float_only=True),
                        ctx.tensor(a["weight"], float_only=True), b)


@_register(FUNCTION_HANDLERS, torch.matmul, operator.matmul)
@_register(METHOD_HANDLERS, "matmul")
def _matmul(ctx, node):
    a = bind(node, ["input", "other"])
    return OpSpec("matmul", [ctx.tensor(a["input"], float_only=True), ", ",
                             ctx.tensor(a["other"], float_only=True)], False)


# ---------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------

def _momentum(momentum):
    """` momentum = m`, or nothing for momentum=None (cumulative moving
    average, the op's absent attribute)."""
    if momentum is None:
        return ""
    return " momentum = %s" % _f64(momentum)


def _norm_pieces(x, named):
    pieces = [x]
    for key, v in named:
        if v is not None:
            pieces += [" %s " % key, v]
    return pieces


@_register(MODULE_HANDLERS, nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
def _batch_norm_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    x = ctx.tensor(a["input"], float_only=True)
    training = mod.training or (mod.running_mean is None and mod.running_var is None)
    use_stats = not mod.training or mod.track_running_stats
    mean = ParamRef(ctx.sub(node, "running_mean")) if use_stats and mod.running_mean is not None else None
    var = ParamRef(ctx.sub(node, "running_var")) if use_stats and mod.running_var is not None else None
    w = ParamRef(ctx.sub(node, "weight")) if mod.affine else None
    b = ParamRef(ctx.sub(node, "bias")) if mod.affine else None
    pieces = _norm_pieces(x, [("weight", w), ("bias", b), ("mean", mean),
                              ("var", var)])
    pieces.append(" eps = %s%s%s" % (_f64(mod.eps), _momentum(mod.momentum),
                                      " training" if training else ""))
    return OpSpec("batch_norm", pieces, False)


@_register(FUNCTION_HANDLERS, F.batch_norm)
def _batch_norm_fn(ctx, node):
    a = bind(node, ["input", "running_mean", "running_var", "weight", "bias",
                    "training", "momentum", "eps"],
             {"weight": None, "bias": None, "training": False,
              "momentum": 0.1, "eps": 1e-5})
    x = ctx.tensor(a["input"], float_only=True)
    opt = {k: ctx.tensor(a[k], float_only=True) if a[k] is not None else None
           for k in ("running_mean", "running_var", "weight", "bias")}
    training = bool(ctx.const(a["training"]))
    momentum = ctx.const(a["momentum"])
    pieces = _norm_pieces(x, [("weight", opt["weight"]), ("bias", opt["bias"]),
                              ("mean", opt["running_mean"]),
                              ("var", opt["running_var"])])
    pieces.append(" eps = %s%s%s" % (_f64(ctx.const(a["eps"])), _momentum(momentum),
                                      " training" if training else ""))
    return OpSpec("batch_norm", pieces, False)


def _layer_norm_spec(x, w, b, shape, eps):
    pieces = _norm_pieces(x, [("weight", w), ("bias", b)])
    pieces.append(" normalized_shape = %s eps = %s" % (_arr(shape), _f64(eps)))
    return OpSpec("layer_norm", pieces, False)


@_register(MODULE_HANDLERS, nn.LayerNorm)
def _layer_norm_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    x = ctx.tensor(a["input"], float_only=True)
    w = ParamRef(ctx.sub(node, "weight")) if mod.elementwise_affine else None
    b = ParamRef(ctx.sub(node, "bias")) if mod.elementwise_affine else None
    return _layer_norm_spec(x, w, b, mod.normalized_shape, mod.eps)


@_register(FUNCTION_HANDLERS, F.layer_norm)
def _layer_norm_fn(ctx, node):
    a = bind(node, ["input", "normalized_shape", "weight", "bias", "eps"],
             {"weight": None, "bias": None, "eps": 1e-5})
    opt = {k: ctx.tensor(a[k], float_only=True) if a[k] is not None else None
           for k in ("weight", "bias")}
    return _layer_norm_spec(ctx.tensor(a["input"], float_only=True),
                            opt["weight"], opt["bias"],
                            _ints(ctx.const(a["normalized_shape"])),
                            ctx.const(a["eps"]))


def _group_norm_spec(x, w, b, groups, eps):
    pieces = _norm_pieces(x, [("weight", w), ("bias", b)])
    pieces.append(" num_groups = %d eps = %s" % (groups, _f64(eps)))
    return OpSpec("group_norm", pieces, False)


@_register(MODULE_HANDLERS, nn.GroupNorm)
def _group_norm_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    w = ParamRef(ctx.sub(node, "weight")) if mod.affine else None
    b = ParamRef(ctx.sub(node, "bias")) if mod.affine else None
    return _group_norm_spec(ctx.tensor(a["input"], float_only=True), w, b,
                            mod.num_groups, mod.eps)


@_register(FUNCTION_HANDLERS, F.group_norm)
def _group_norm_fn(ctx, node):
    a = bind(node, ["input", "num_groups", "weight", "bias", "eps"],
             {"weight": None, "bias": None, "eps": 1e-5})
    opt = {k: ctx.tensor(a[k], float_only=True) if a[k] is not None else None
           for k in ("weight", "bias")}
    return _group_norm_spec(ctx.tensor(a["input"], float_only=True),
                            opt["weight"], opt["bias"],
                            int(ctx.const(a["num_groups"])), ctx.const(a["eps"]))


def _instance_norm_spec(x, w, b, mean, var, use_input_stats, momentum, eps):
    pieces = _norm_pieces(x, [("weight", w), ("bias", b), ("mean", mean),
                              ("var", var)])
    pieces.append(" eps = %s%s%s" % (
        _f64(eps), _momentum(momentum),
        " use_input_stats" if use_input_stats else ""))
    return OpSpec("instance_norm", pieces, False)


@_register(MODULE_HANDLERS, nn.InstanceNorm1d, nn.InstanceNorm2d,
           nn.InstanceNorm3d)
def _instance_norm_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    x = ctx.tensor(a["input"], float_only=True)
    if ctx.info(a["input"]).shape and len(ctx.info(a["input"]).shape) == mod._get_no_batch_dim():
        raise Generic()  # unbatched input: PyTorch unsqueezes first
    stats = mod.track_running_stats
    w = ParamRef(ctx.sub(node, "weight")) if mod.affine else None
    b = ParamRef(ctx.sub(node, "bias")) if mod.affine else None
    mean = ParamRef(ctx.sub(node, "running_mean")) if stats else None
    var = ParamRef(ctx.sub(node, "running_var")) if stats else None
    return _instance_norm_spec(x, w, b, mean, var, mod.training or not stats,
                               mod.momentum, mod.eps)


@_register(FUNCTION_HANDLERS, F.instance_norm)
def _instance_norm_fn(ctx, node):
    a = bind(node, ["input", "running_mean", "running_var", "weight", "bias",
                    "use_input_stats", "momentum", "eps"],
             {"running_mean": None, "running_var": None, "weight": None,
              "bias": None, "use_input_stats": True, "momentum": 0.1,
              "eps": 1e-5})
    opt = {k: ctx.tensor(a[k], float_only=True) if a[k] is not None else None
           for k in ("running_mean", "running_var", "weight", "bias")}
    return _instance_norm_spec(ctx.tensor(a["input"], float_only=True),
                               opt["weight"], opt["bias"], opt["running_mean"],
                               opt["running_var"],
                               bool(ctx.const(a["use_input_stats"])),
                               ctx.const(a["momentum"]), ctx.const(a["eps"]))


# ---------------------------------------------------------------------------
# Elementwise activations
# ---------------------------------------------------------------------------

def _unary(mnemonic, x, attrs=""):
    return OpSpec(mnemonic, [x, attrs], True)


def _simple_unary(mnemonic, modules, functions, methods, extra_args=()):
    names = ["input"] + [n for n, _ in extra_args]
    defaults = dict(extra_args)

    def fn_handler(ctx, node):
        a = bind(node, names, defaults)
        return _unary(mnemonic, ctx.tensor(a["input"], float_only=True))

    def mod_handler(ctx, node, mod):
        a = bind_module(node, ["input"])
        return _unary(mnemonic, ctx.tensor(a["input"], float_only=True))

    _register(MODULE_HANDLERS, *modules)(mod_handler)
    _register(FUNCTION_HANDLERS, *functions)(fn_handler)
    _register(METHOD_HANDLERS, *methods)(fn_handler)


_simple_unary("relu", [nn.ReLU], [F.relu, torch.relu, F.relu_, torch.relu_],
              ["relu", "relu_"], [("inplace", False)])
_simple_unary("sigmoid", [nn.Sigmoid], [torch.sigmoid, F.sigmoid],
              ["sigmoid", "sigmoid_"])
_simple_unary("tanh", [nn.Tanh], [torch.tanh, F.tanh], ["tanh", "tanh_"])
_simple_unary("sqrt", [], [torch.sqrt], ["sqrt"])
_simple_unary("hardsigmoid", [nn.Hardsigmoid], [F.hardsigmoid], [],
              [("inplace", False)])
_simple_unary("hardswish", [nn.Hardswish], [F.hardswish], [],
              [("inplace", False)])
_simple_unary("identity", [nn.Identity], [], [])
_simple_unary("contiguous", [], [], ["contiguous"],
              [("memory_format", torch.contiguous_format)])


def _hardtanh(x, lo, hi):
    return _unary("hardtanh", x, " min_val = %s max_val = %s" % (_f64(lo), _f64(hi)))


@_register(MODULE_HANDLERS, nn.ReLU6, nn.Hardtanh)
def _hardtanh_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _hardtanh(ctx.tensor(a["input"], float_only=True), mod.min_val,
                     mod.max_val)


@_register(FUNCTION_HANDLERS, F.relu6)
def _relu6_fn(ctx, node):
    a = bind(node, ["input", "inplace"], {"inplace": False})
    return _hardtanh(ctx.tensor(a["input"], float_only=True), 0.0, 6.0)


@_register(FUNCTION_HANDLERS, F.hardtanh)
def _hardtanh_fn(ctx, node):
    a = bind(node, ["input", "min_val", "max_val", "inplace"],
             {"min_val": -1.0, "max_val": 1.0, "inplace": False})
    return _hardtanh(ctx.tensor(a["input"], float_only=True),
                     ctx.const(a["min_val"]), ctx.const(a["max_val"]))


@_register(FUNCTION_HANDLERS, torch.clamp, torch.clip)
@_register(METHOD_HANDLERS, "clamp", "clip")
def _clamp(ctx, node):
    a = bind(node, ["input", "min", "max"], {"min": None, "max": None})
    lo, hi = ctx.const(a["min"]), ctx.const(a["max"])
    if lo is None and hi is None:
        raise Generic()
    attrs = ""
    if lo is not None:
        attrs += " min = %s" % _f64(lo)
    if hi is not None:
        attrs += " max = %s" % _f64(hi)
    return _unary("clamp", ctx.tensor(a["input"], float_only=True), attrs)


@_register(MODULE_HANDLERS, nn.ELU)
def _elu_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _unary("elu", ctx.tensor(a["input"], float_only=True),
                  " alpha = %s" % _f64(mod.alpha))


@_register(FUNCTION_HANDLERS, F.elu)
def _elu_fn(ctx, node):
    a = bind(node, ["input", "alpha", "inplace"], {"alpha": 1.0, "inplace": False})
    return _unary("elu", ctx.tensor(a["input"], float_only=True),
                  " alpha = %s" % _f64(ctx.const(a["alpha"])))


@_register(MODULE_HANDLERS, nn.LeakyReLU)
def _leaky_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _unary("leaky_relu", ctx.tensor(a["input"], float_only=True),
                  " negative_slope = %s" % _f64(mod.negative_slope))


@_register(FUNCTION_HANDLERS, F.leaky_relu)
def _leaky_fn(ctx, node):
    a = bind(node, ["input", "negative_slope", "inplace"],
             {"negative_slope": 0.01, "inplace": False})
    return _unary("leaky_relu", ctx.tensor(a["input"], float_only=True),
                  " negative_slope = %s" % _f64(ctx.const(a["negative_slope"])))


def _gelu(x, approximate):
    if approximate not in ("none", "tanh"):
        raise Generic()
    return _unary("gelu", x, "" if approximate == "none" else " approximate = tanh")


@_register(MODULE_HANDLERS, nn.GELU)
def _gelu_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _gelu(ctx.tensor(a["input"], float_only=True), mod.approximate)


@_register(FUNCTION_HANDLERS, F.gelu)
def _gelu_fn(ctx, node):
    a = bind(node, ["input", "approximate"], {"approximate": "none"})
    return _gelu(ctx.tensor(a["input"], float_only=True), ctx.const(a["approximate"]))


def _softmax(x, dim):
    if dim is None:
        raise Generic()  # legacy implicit dim
    return _unary("softmax", x, " dim = %d" % int(dim))


@_register(MODULE_HANDLERS, nn.Softmax)
def _softmax_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _softmax(ctx.tensor(a["input"], float_only=True), mod.dim)


@_register(FUNCTION_HANDLERS, F.softmax, torch.softmax)
@_register(METHOD_HANDLERS, "softmax")
def _softmax_fn(ctx, node):
    a = bind(node, ["input", "dim", "_stacklevel", "dtype"],
             {"dim": None, "_stacklevel": 3, "dtype": None})
    if a["dtype"] is not None:
        raise Generic()
    return _softmax(ctx.tensor(a["input"], float_only=True), ctx.const(a["dim"]))


def _dropout(x, p, training):
    return _unary("dropout", x, " p = %s%s" % (_f64(p), " training" if training else ""))


@_register(MODULE_HANDLERS, nn.Dropout)
def _dropout_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _dropout(ctx.tensor(a["input"], float_only=True), mod.p, mod.training)


@_register(FUNCTION_HANDLERS, F.dropout)
def _dropout_fn(ctx, node):
    a = bind(node, ["input", "p", "training", "inplace"],
             {"p": 0.5, "training": True, "inplace": False})
    return _dropout(ctx.tensor(a["input"], float_only=True), ctx.const(a["p"]),
                    bool(ctx.const(a["training"])))


# ---------------------------------------------------------------------------
# Binary arithmetic
# ---------------------------------------------------------------------------

def _binary(mnemonic):
    def handler(ctx, node):
        a = bind(node, ["input", "other"])
        lhs, rhs = ctx.operand_or_scalar(a["input"]), ctx.operand_or_scalar(a["other"])
        if isinstance(lhs, Scalar) and isinstance(rhs, Scalar):
            raise Generic()  # number arithmetic, e.g. on sizes
        return OpSpec(mnemonic, [lhs, ", ", rhs], False)
    return handler


for _mn, _fns, _methods in (
        ("add", (operator.add, operator.iadd, torch.add), ("add", "add_")),
        ("sub", (operator.sub, operator.isub, torch.sub), ("sub", "sub_")),
        ("mul", (operator.mul, operator.imul, torch.mul), ("mul", "mul_")),
        ("div", (operator.truediv, operator.itruediv, torch.div), ("div", "div_"))):
    _h = _binary(_mn)
    _register(FUNCTION_HANDLERS, *_fns)(_h)
    _register(METHOD_HANDLERS, *_methods)(_h)


# ---------------------------------------------------------------------------
# Pooling and reductions
# ---------------------------------------------------------------------------

_POOL_RANK = {nn.MaxPool1d: 1, nn.MaxPool2d: 2, nn.MaxPool3d: 3,
              nn.AvgPool1d: 1, nn.AvgPool2d: 2, nn.AvgPool3d: 3,
              nn.AdaptiveAvgPool1d: 1, nn.AdaptiveAvgPool2d: 2,
              nn.AdaptiveAvgPool3d: 3}


def _max_pool_spec(x, n, kernel, stride, padding, dilation, ceil_mode,
                   return_indices):
    if return_indices:
        raise Generic()
    kernel = _ints(kernel, n)
    stride = _ints(stride, n) if stride not in (None, [], ()) else kernel
    attrs = " kernel_size = %s stride = %s padding = %s dilation = %s%s" % (
        _arr(kernel), _arr(stride), _arr(_ints(padding, n)),
        _arr(_ints(dilation, n)), " ceil_mode" if ceil_mode else "")
    return OpSpec("max_pool", [x, attrs], False)


@_register(MODULE_HANDLERS, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)
def _max_pool_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _max_pool_spec(ctx.tensor(a["input"], float_only=True),
                          _POOL_RANK[type(mod)], mod.kernel_size, mod.stride,
                          mod.padding, mod.dilation, mod.ceil_mode,
                          mod.return_indices)


def _max_pool_fn(n):
    def handler(ctx, node):
        a = bind(node, ["input", "kernel_size", "stride", "padding",
                        "dilation", "ceil_mode", "return_indices"],
                 {"stride": None, "padding": 0, "dilation": 1,
                  "ceil_mode": False, "return_indices": False})
        c = {k: ctx.const(v) for k, v in a.items() if k != "input"}
        return _max_pool_spec(ctx.tensor(a["input"], float_only=True), n,
                              c["kernel_size"], c["stride"], c["padding"],
                              c["dilation"], c["ceil_mode"], c["return_indices"])
    return handler


for _n, _fn in ((1, F.max_pool1d), (2, F.max_pool2d), (3, F.max_pool3d)):
    _register(FUNCTION_HANDLERS, _fn)(_max_pool_fn(_n))


def _avg_pool_spec(x, n, kernel, stride, padding, ceil_mode, count_include_pad,
                   divisor_override):
    kernel = _ints(kernel, n)
    stride = _ints(stride, n) if stride not in (None, [], ()) else kernel
    attrs = " kernel_size = %s stride = %s padding = %s" % (
        _arr(kernel), _arr(stride), _arr(_ints(padding, n)))
    if ceil_mode:
        attrs += " ceil_mode"
    if count_include_pad:
        attrs += " count_include_pad"
    if divisor_override is not None:
        attrs += " divisor_override = %d" % int(divisor_override)
    return OpSpec("avg_pool", [x, attrs], False)


@_register(MODULE_HANDLERS, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)
def _avg_pool_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _avg_pool_spec(ctx.tensor(a["input"], float_only=True),
                          _POOL_RANK[type(mod)], mod.kernel_size, mod.stride,
                          mod.padding, mod.ceil_mode, mod.count_include_pad,
                          getattr(mod, "divisor_override", None))


def _avg_pool_fn(n):
    names = ["input", "kernel_size", "stride", "padding", "ceil_mode",
             "count_include_pad"] + (["divisor_override"] if n > 1 else [])

    def handler(ctx, node):
        a = bind(node, names, {"stride": None, "padding": 0, "ceil_mode": False,
                               "count_include_pad": True,
                               "divisor_override": None})
        c = {k: ctx.const(v) for k, v in a.items() if k != "input"}
        return _avg_pool_spec(ctx.tensor(a["input"], float_only=True), n,
                              c["kernel_size"], c["stride"], c["padding"],
                              c["ceil_mode"], c["count_include_pad"],
                              c["divisor_override"])
    return handler


for _n, _fn in ((1, F.avg_pool1d), (2, F.avg_pool2d), (3, F.avg_pool3d)):
    _register(FUNCTION_HANDLERS, _fn)(_avg_pool_fn(_n))


def _adaptive_spec(ctx, node, x, n):
    # None entries in output_size keep the input size: the result shape
    # says what PyTorch computed.
    out = _result_info(ctx, node).shape[-n:]
    return OpSpec("adaptive_avg_pool", [x, " output_size = %s" % _arr(out)], False)


@_register(MODULE_HANDLERS, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d,
           nn.AdaptiveAvgPool3d)
def _adaptive_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _adaptive_spec(ctx, node, ctx.tensor(a["input"], float_only=True),
                          _POOL_RANK[type(mod)])


def _adaptive_fn(n):
    def handler(ctx, node):
        a = bind(node, ["input", "output_size"])
        return _adaptive_spec(ctx, node, ctx.tensor(a["input"], float_only=True), n)
    return handler


for _n, _fn in ((1, F.adaptive_avg_pool1d), (2, F.adaptive_avg_pool2d),
                (3, F.adaptive_avg_pool3d)):
    _register(FUNCTION_HANDLERS, _fn)(_adaptive_fn(_n))


@_register(FUNCTION_HANDLERS, torch.mean)
@_register(METHOD_HANDLERS, "mean")
def _mean(ctx, node):
    a = bind(node, ["input", "dim", "keepdim", "dtype"],
             {"dim": None, "keepdim": False, "dtype": None})
    if a["dtype"] is not None:
        raise Generic()
    dims = ctx.const(a["dim"])
    dims = [] if dims is None else _ints(dims)
    keep = " keepdim" if ctx.const(a["keepdim"]) else ""
    return OpSpec("mean", [ctx.tensor(a["input"], float_only=True),
                           " dims = %s%s" % (_arr(dims), keep)], False)


# ---------------------------------------------------------------------------
# Shape and data movement
# ---------------------------------------------------------------------------


@_register(FUNCTION_HANDLERS, F.pad)
def _pad(ctx, node):
    """F.pad in constant mode (the other modes stay generic calls)."""
    a = bind(node, ["input", "pad", "mode", "value"],
             {"mode": "constant", "value": None})
    if ctx.const(a["mode"]) != "constant":
        raise Generic()
    x = ctx.tensor(a["input"], float_only=True)
    pad = ctx.const(a["pad"])
    if not isinstance(pad, (list, tuple)) or len(pad) % 2 or \
            len(pad) > 2 * len(x.info.shape):
        raise Generic()
    value = ctx.const(a["value"])
    attrs = " pad = %s" % _arr(_ints(pad))
    if value:
        attrs += " value = %s" % _f64(value)
    return OpSpec("pad", [x, attrs], False)

@_register(FUNCTION_HANDLERS, torch.cat, torch.concat)
def _cat(ctx, node):
    a = bind(node, ["tensors", "dim"], {"dim": 0})
    tensors = a["tensors"]
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise Generic()
    pieces = []
    for i, t in enumerate(tensors):
        if i:
            pieces.append(", ")
        pieces.append(ctx.tensor(t))
    pieces.append(" dim = %d" % int(ctx.const(a["dim"])))
    return OpSpec("cat", pieces, False)


def _flatten(x, start, end):
    return OpSpec("flatten", [x, " start_dim = %d end_dim = %d" % (start, end)], False)


@_register(MODULE_HANDLERS, nn.Flatten)
def _flatten_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    return _flatten(ctx.tensor(a["input"]), mod.start_dim, mod.end_dim)


@_register(FUNCTION_HANDLERS, torch.flatten)
@_register(METHOD_HANDLERS, "flatten")
def _flatten_fn(ctx, node):
    a = bind(node, ["input", "start_dim", "end_dim"],
             {"start_dim": 0, "end_dim": -1})
    return _flatten(ctx.tensor(a["input"]), int(ctx.const(a["start_dim"])),
                    int(ctx.const(a["end_dim"])))


def _shape_varargs(ctx, node, first=1):
    """`x.view(2, -1)` and `x.view((2, -1))` alike; ints or folded nodes."""
    if node.kwargs:
        names = set(node.kwargs)
        if names != {"shape"} and names != {"size"}:
            raise Generic()
        shape = ctx.const(next(iter(node.kwargs.values())))
    elif len(node.args) == first + 1 and isinstance(
            ctx.const_or_none(node.args[first]), (list, tuple)):
        shape = ctx.const(node.args[first])
    else:
        shape = [ctx.const(s) for s in node.args[first:]]
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in shape):
        raise Generic()  # e.g. Tensor.view(dtype)
    return list(shape)


@_register(METHOD_HANDLERS, "view", "reshape")
def _view_method(ctx, node):
    x = ctx.tensor(node.args[0])
    return OpSpec("reshape", [x, " shape = %s" % _arr(_shape_varargs(ctx, node))], False)


@_register(FUNCTION_HANDLERS, torch.reshape)
def _reshape_fn(ctx, node):
    a = bind(node, ["input", "shape"])
    shape = ctx.const(a["shape"])
    return OpSpec("reshape", [ctx.tensor(a["input"]), " shape = %s" % _arr(_ints(shape))], False)


@_register(METHOD_HANDLERS, "permute")
def _permute_method(ctx, node):
    x = ctx.tensor(node.args[0])
    dims = _shape_varargs(ctx, node) if not node.kwargs else _ints(ctx.const(node.kwargs.get("dims")))
    return OpSpec("permute", [x, " dims = %s" % _arr(dims)], False)


@_register(FUNCTION_HANDLERS, torch.permute)
def _permute_fn(ctx, node):
    a = bind(node, ["input", "dims"])
    return OpSpec("permute", [ctx.tensor(a["input"]),
                              " dims = %s" % _arr(_ints(ctx.const(a["dims"])))], False)


@_register(FUNCTION_HANDLERS, torch.transpose)
@_register(METHOD_HANDLERS, "transpose")
def _transpose(ctx, node):
    a = bind(node, ["input", "dim0", "dim1"])
    return OpSpec("transpose", [ctx.tensor(a["input"]), " dim0 = %d dim1 = %d" % (
        int(ctx.const(a["dim0"])), int(ctx.const(a["dim1"])))], False)


@_register(FUNCTION_HANDLERS, torch.t)
@_register(METHOD_HANDLERS, "t")
def _t(ctx, node):
    a = bind(node, ["input"])
    x = ctx.tensor(a["input"])
    if len(x.info.shape) != 2:
        raise Generic()  # t() of a 0-d/1-d tensor is the tensor itself
    return OpSpec("transpose", [x, " dim0 = 0 dim1 = 1"], False)


@_register(FUNCTION_HANDLERS, torch.squeeze)
@_register(METHOD_HANDLERS, "squeeze")
def _squeeze(ctx, node):
    a = bind(node, ["input", "dim"], {"dim": None})
    dim = ctx.const(a["dim"])
    attrs = "" if dim is None else " dims = %s" % _arr(_ints(dim))
    return OpSpec("squeeze", [ctx.tensor(a["input"]), attrs], False)


@_register(FUNCTION_HANDLERS, torch.unsqueeze)
@_register(METHOD_HANDLERS, "unsqueeze")
def _unsqueeze(ctx, node):
    a = bind(node, ["input", "dim"])
    return OpSpec("unsqueeze", [ctx.tensor(a["input"]),
                                " dim = %d" % int(ctx.const(a["dim"]))], False)


@_register(METHOD_HANDLERS, "size")
def _size(ctx, node):
    a = bind(node, ["input", "dim"], {"dim": None})
    dim = ctx.const(a["dim"])
    attrs = "" if dim is None else " dim = %d" % int(dim)
    return OpSpec("size", [ctx.tensor(a["input"]), attrs], False)


def _index_entry(v):
    if v is None:
        return "unit"
    if v is Ellipsis:
        return '"..."'
    if isinstance(v, bool):
        raise Generic()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, slice):
        parts = []
        for p in (v.start, v.stop, v.step):
            if p is None:
                parts.append("unit")
            elif isinstance(p, int) and not isinstance(p, bool):
                parts.append(str(p))
            else:
                raise Generic()
        return "[" + ", ".join(parts) + "]"
    raise Generic()  # advanced (tensor) indexing


def tensor_getitem(ctx, node):
    x = ctx.tensor(node.args[0])
    index = ctx.const(node.args[1])
    if not isinstance(index, tuple):
        index = (index,)
    entries = ", ".join(_index_entry(v) for v in index)
    return OpSpec("getitem", [x, " index = [%s]" % entries], False)


def _slices(ctx, node, x, dim):
    """One `qfx.getitem` slice along `dim` per tensor of the node's tuple
    result (torch.chunk / torch.split): the result shapes give the sizes."""
    rank = len(x.info.shape)
    if not -rank <= dim < rank:
        raise Generic()
    dim %= rank
    parts = ctx.info(node)
    if not isinstance(parts, (tuple, list)) or not all(
            isinstance(p, TensorInfo) for p in parts):
        raise Generic()
    specs, start = [], 0
    for p in parts:
        stop = start + p.shape[dim]
        entries = ["[unit, unit, unit]"] * dim + ["[%d, %d, unit]" % (start, stop)]
        specs.append(OpSpec("getitem", [x, " index = [%s]" % ", ".join(entries)],
                            False))
        start = stop
    if start != x.info.shape[dim]:
        raise Generic()
    return specs


@_register(TUPLE_HANDLERS, "chunk", torch.chunk)
def _chunk(ctx, node):
    a = bind(node, ["input", "chunks", "dim"], {"dim": 0})
    ctx.const(a["chunks"])
    return _slices(ctx, node, ctx.tensor(a["input"]), int(ctx.const(a["dim"])))


@_register(TUPLE_HANDLERS, "split", torch.split)
def _split(ctx, node):
    a = bind(node, ["input", "split_size_or_sections", "dim"], {"dim": 0})
    if node.op == "call_method" and "split_size" in node.kwargs:
        raise Generic()
    sizes = ctx.const(a["split_size_or_sections"])
    if not isinstance(sizes, int) and not (
            isinstance(sizes, (list, tuple)) and
            all(isinstance(s, int) for s in sizes)):
        raise Generic()  # sizes must be static
    return _slices(ctx, node, ctx.tensor(a["input"]), int(ctx.const(a["dim"])))


# ---------------------------------------------------------------------------
# Resampling, embeddings, recurrent
# ---------------------------------------------------------------------------

_INTERP_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear",
                 "area", "nearest-exact")


def _interpolate_spec(ctx, node, x, size, scale, mode, align_corners):
    if mode not in _INTERP_MODES:
        raise Generic()
    n = len(ctx.info(node.args[0]).shape) - 2
    attrs = " mode = %s" % mode.replace("-", "_")
    if (size is None) == (scale is None):
        raise Generic()
    if size is not None:
        attrs += " size = %s" % _arr(_ints(size, n if not isinstance(size, (list, tuple)) else None))
    else:
        scale = list(scale) if isinstance(scale, (list, tuple)) else [scale] * n
        attrs += " scale_factor = %s" % _farr(scale)
    if align_corners is not None:
        attrs += " align_corners = %s" % ("true" if align_corners else "false")
    return OpSpec("interpolate", [x, attrs], False)


@_register(MODULE_HANDLERS, nn.Upsample, nn.UpsamplingNearest2d,
           nn.UpsamplingBilinear2d)
def _upsample_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    if getattr(mod, "recompute_scale_factor", None):
        raise Generic()
    x = ctx.tensor(a["input"], float_only=True)
    return _interpolate_spec(ctx, node, x, mod.size, mod.scale_factor, mod.mode,
                             mod.align_corners)


@_register(FUNCTION_HANDLERS, F.interpolate)
def _interpolate_fn(ctx, node):
    a = bind(node, ["input", "size", "scale_factor", "mode", "align_corners",
                    "recompute_scale_factor", "antialias"],
             {"size": None, "scale_factor": None, "mode": "nearest",
              "align_corners": None, "recompute_scale_factor": None,
              "antialias": False})
    c = {k: ctx.const(v) for k, v in a.items() if k != "input"}
    if c["recompute_scale_factor"] or c["antialias"]:
        raise Generic()
    return _interpolate_spec(ctx, node, ctx.tensor(a["input"], float_only=True),
                             c["size"], c["scale_factor"], c["mode"],
                             c["align_corners"])


def _embedding_spec(w, idx, padding_idx):
    attrs = "" if padding_idx is None else " padding_idx = %d" % padding_idx
    return OpSpec("embedding", [w, ", ", idx, attrs], False)


@_register(MODULE_HANDLERS, nn.Embedding)
def _embedding_module(ctx, node, mod):
    a = bind_module(node, ["input"])
    if mod.max_norm is not None:
        raise Generic()  # renormalizes the weight in place
    return _embedding_spec(ParamRef(ctx.sub(node, "weight")),
                           ctx.tensor(a["input"], index_only=True), mod.padding_idx)


@_register(FUNCTION_HANDLERS, F.embedding)
def _embedding_fn(ctx, node):
    a = bind(node, ["input", "weight", "padding_idx", "max_norm", "norm_type",
                    "scale_grad_by_freq", "sparse"],
             {"padding_idx": None, "max_norm": None, "norm_type": 2.0,
              "scale_grad_by_freq": False, "sparse": False})
    if ctx.const(a["max_norm"]) is not None:
        raise Generic()
    pad = ctx.const(a["padding_idx"])
    if pad is not None and pad < 0:
        pad += ctx.info(a["weight"]).shape[0]
    return _embedding_spec(ctx.tensor(a["weight"], float_only=True),
                           ctx.tensor(a["input"], index_only=True), pad)


def _embedding_bag_spec(w, idx, offsets, psw, mode, include_last, padding_idx):
    if mode not in ("sum", "mean", "max"):
        raise Generic()
    pieces = [w, ", ", idx]
    if offsets is not None:
        pieces += [" offsets ", offsets]
    if psw is not None:
        pieces += [" per_sample_weights ", psw]
    attrs = " mode = %s" % mode
    if include_last:
        attrs += " include_last_offset"
    if padding_idx is not None:
        attrs += " padding_idx = %d" % padding_idx
    pieces.append(attrs)
    return OpSpec("embedding_bag", pieces, False)


@_register(MODULE_HANDLERS, nn.EmbeddingBag)
def _embedding_bag_module(ctx, node, mod):
    a = bind_module(node, ["input", "offsets", "per_sample_weights"],
                    {"offsets": None, "per_sample_weights": None})
    if mod.max_norm is not None:
        raise Generic()
    offsets = ctx.tensor(a["offsets"], index_only=True) if a["offsets"] is not None else None
    psw = ctx.tensor(a["per_sample_weights"], float_only=True) \
        if a["per_sample_weights"] is not None else None
    return _embedding_bag_spec(ParamRef(ctx.sub(node, "weight")),
                               ctx.tensor(a["input"], index_only=True), offsets,
                               psw, mod.mode, mod.include_last_offset,
                               mod.padding_idx)


@_register(FUNCTION_HANDLERS, F.embedding_bag)
def _embedding_bag_fn(ctx, node):
    a = bind(node, ["input", "weight", "offsets", "max_norm", "norm_type",
                    "scale_grad_by_freq", "mode", "sparse", "per_sample_weights",
                    "include_last_offset", "padding_idx"],
             {"offsets": None, "max_norm": None, "norm_type": 2,
              "scale_grad_by_freq": False, "mode": "mean", "sparse": False,
              "per_sample_weights": None, "include_last_offset": False,
              "padding_idx": None})
    if ctx.const(a["max_norm"]) is not None:
        raise Generic()
    offsets = ctx.tensor(a["offsets"], index_only=True) if a["offsets"] is not None else None
    psw = ctx.tensor(a["per_sample_weights"], float_only=True) \
        if a["per_sample_weights"] is not None else None
    pad = ctx.const(a["padding_idx"])
    if pad is not None and pad < 0:
        pad += ctx.info(a["weight"]).shape[0]
    return _embedding_bag_spec(ctx.tensor(a["weight"], float_only=True),
                               ctx.tensor(a["input"], index_only=True), offsets,
                               psw, ctx.const(a["mode"]),
                               bool(ctx.const(a["include_last_offset"])), pad)


@_register(MODULE_HANDLERS, nn.LSTM, nn.GRU)
def _recurrent_module(ctx, node, mod):
    a = bind_module(node, ["input", "hx"], {"hx": None})
    if getattr(mod, "proj_size", 0) or mod.mode not in ("LSTM", "GRU"):
        raise Generic()
    x = ctx.tensor(a["input"], float_only=True)
    if len(ctx.info(a["input"]).shape) != 3:
        raise Generic()  # unbatched input
    pieces = [x]
    if a["hx"] is not None:
        states = ctx.tensors(a["hx"])
        if len(states) != (2 if mod.mode == "LSTM" else 1):
            raise Generic()
        pieces.append(" initial(")
        for i, s in enumerate(states):
            pieces += ([", "] if i else []) + [s]
        pieces.append(")")
    pieces.append(" weights(")
    for i, name in enumerate(mod._flat_weights_names):
        pieces += ([", "] if i else []) + [ParamRef(ctx.sub(node, name))]
    attrs = ") hidden_size = %d num_layers = %d" % (mod.hidden_size, mod.num_layers)
    if mod.bias:
        attrs += " has_biases"
    if mod.batch_first:
        attrs += " batch_first"
    if mod.bidirectional:
        attrs += " bidirectional"
    attrs += " dropout = %s" % _f64(mod.dropout)
    pieces.append(attrs)
    return OpSpec(mod.mode.lower(), pieces, False)
