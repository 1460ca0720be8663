"""Quantization modules of PyTorch-prepared GraphModules -> qfx ops.

`prepare_fx` / `prepare_qat_fx` insert observer and fake-quantize modules
(`activation_post_process_N`), replace fusable patterns by fused modules
(`torch.ao.nn.intrinsic.ConvReLU2d`, ...) and, for QAT, swap weighted modules
for QAT modules that fake-quantize their weight (`weight_fake_quant`). This
file spells those as qfx IR:

* observer modules -> `qfx.observer` with `#qfx.observer` (class and
  arguments) and `#qfx.observer_state` (min/max, histogram);
* fake-quantize modules -> `qfx.fake_quantize` with flags, observer config,
  observer state and `#qfx.qparams` (the scale / zero_point buffers);
* fused modules -> `qfx.fused` whose body holds one op per child module;
* QAT weighted modules -> the float op whose weight operand is
  `qfx.get_attr` -> `qfx.fake_quantize` (the module's `weight_fake_quant`);
* the node's QConfig (from the prepared model's `_qconfig_map`) ->
  `qfx.qconfig = #qfx.qconfig<...>` on the op.
"""

import collections

import torch
import torch.nn as nn
import torch.nn.intrinsic as nni
import torch.nn.intrinsic.qat as nniqat
import torch.nn.qat as nnqat
from torch.ao.quantization import fake_quantize as fq_mod
from torch.ao.quantization import observer as obs_mod

from .lowering import (MODULE_HANDLERS, Generic, OpSpec, ParamRef, _conv_spec,
                       _linear_spec, _unary, bind_module)
from .mlir_text import f32_literal, float_literal

__all__ = ["FakeQuantRef", "Region", "is_quant_module", "observer_literal",
           "qconfig_literal"]

# A module weight read through the QAT module's weight fake-quantize.
FakeQuantRef = collections.namedtuple("FakeQuantRef", ["qualname", "fq_path"])
# A fused module: its stages run in order on the single input; each stage is
# (kind, target, module, handler) for a scratch FX node.
Region = collections.namedtuple("Region", ["stages"])

_OBSERVER_KINDS = {
    obs_mod.MinMaxObserver: "min_max",
    obs_mod.MovingAverageMinMaxObserver: "moving_average_min_max",
    obs_mod.PerChannelMinMaxObserver: "per_channel_min_max",
    obs_mod.MovingAveragePerChannelMinMaxObserver:
        "moving_average_per_channel_min_max",
    obs_mod.HistogramObserver: "histogram",
    obs_mod.FixedQParamsObserver: "fixed_qparams",
    obs_mod.PlaceholderObserver: "placeholder",
    obs_mod.ReuseInputObserver: "reuse_input",
    obs_mod.NoopObserver: "noop",
}
_FAKE_QUANTIZE_KINDS = {
    fq_mod.FakeQuantize: "fake_quantize",
    fq_mod.FusedMovingAvgObsFakeQuantize: "fused_moving_avg_obs_fake_quantize",
    fq_mod.FixedQParamsFakeQuantize: "fixed_qparams_fake_quantize",
}
_DTYPES = {torch.quint8: "quint8", torch.qint8: "qint8", torch.qint32: "qint32",
           torch.quint4x2: "quint4x2", torch.float16: "float16",
           torch.float32: "float32", torch.float: "float32"}
_QSCHEMES = {
    torch.per_tensor_affine: "per_tensor_affine",
    torch.per_tensor_symmetric: "per_tensor_symmetric",
    torch.per_channel_affine: "per_channel_affine",
    torch.per_channel_symmetric: "per_channel_symmetric",
    torch.per_channel_affine_float_qparams: "per_channel_affine_float_qparams",
}


def is_quant_module(mod):
    """Observer and fake-quantize modules (kept opaque when tracing; their
    buffers are op attributes, not `qfx.parameter`s)."""
    return isinstance(mod, (obs_mod.ObserverBase, fq_mod.FakeQuantizeBase))


def _f32s(values):
    return "[" + ", ".join(f32_literal(float(v)) for v in values) + "]"


def _flat(t):
    return t.detach().reshape(-1).tolist()


def observer_literal(obs):
    """`<kind = ..., ...>` for an observer instance."""
    kind = _OBSERVER_KINDS.get(type(obs))
    if kind is None:
        raise Generic()
    dtype = getattr(obs, "dtype", torch.float32)
    compute = getattr(obs, "compute_dtype", None)
    is_dynamic = kind == "placeholder" and compute is not None
    if is_dynamic:
        dtype = compute
    parts = ["kind = " + kind, "dtype = " + _DTYPES[dtype],
             "qscheme = " + _QSCHEMES[getattr(obs, "qscheme",
                                              torch.per_tensor_affine)]]
    if getattr(obs, "has_customized_qrange", False) or kind == "fixed_qparams":
        # PyTorch stores the effective (already reduced) range.
        parts += ["quant_min = %d" % obs.quant_min,
                  "quant_max = %d" % obs.quant_max]
    elif getattr(obs, "reduce_range", False):
        parts.append("reduce_range = true")
    if hasattr(obs, "ch_axis") and "per_channel" in kind:
        parts.append("ch_axis = %d" % obs.ch_axis)
    if hasattr(obs, "averaging_constant"):
        parts.append("averaging_constant = %s"
                     % float_literal(obs.averaging_constant))
    eps = getattr(obs, "eps", None)
    if isinstance(eps, torch.Tensor) and eps.numel() == 1:
        parts.append("eps = %s" % float_literal(float(eps)))
    if kind == "histogram":
        parts += ["bins = %d" % obs.bins, "upsample_rate = %d" % obs.upsample_rate]
    if is_dynamic:
        parts.append("is_dynamic = true")
    if kind == "fixed_qparams":
        parts += ["scale = %s" % float_literal(float(obs.scale)),
                  "zero_point = %d" % int(obs.zero_point)]
    return "<" + ", ".join(parts) + ">"


def _state_literal(obs):
    """`<min = ..., max = ...[, histogram = ...]>` or None before any data."""
    mn, mx = getattr(obs, "min_val", None), getattr(obs, "max_val", None)
    if not isinstance(mn, torch.Tensor) or mn.numel() == 0:
        return None
    if mn.dim() == 0 and float(mn) > float(mx):
        return None  # +inf / -inf: never observed
    text = "<min = %s, max = %s" % (_f32s(_flat(mn)), _f32s(_flat(mx)))
    if isinstance(obs, obs_mod.HistogramObserver):
        text += ", histogram = %s" % _f32s(_flat(obs.histogram))
    return text + ">"


def _fake_quantize_parts(fq):
    kind = _FAKE_QUANTIZE_KINDS.get(type(fq))
    if kind is None:
        raise Generic()
    config = "<kind = %s, observer_enabled = %s, fake_quant_enabled = %s>" % (
        kind, "true" if int(fq.observer_enabled[0]) else "false",
        "true" if int(fq.fake_quant_enabled[0]) else "false")
    return config, fq.activation_post_process


def fake_quantize_attrs(fq):
    """The attribute text after `qfx.fake_quantize %x`."""
    config, obs = _fake_quantize_parts(fq)
    text = "config = %s observer = %s" % (config, observer_literal(obs))
    state = _state_literal(obs)
    if state is not None and _OBSERVER_KINDS[type(obs)] != "fixed_qparams":
        text += " state = " + state
    scale = fq.scale.detach().reshape(-1)
    zp = fq.zero_point.detach().reshape(-1)
    text += " qparams = <scale = %s, zero_point = [%s]>" % (
        _f32s(scale.tolist()), ", ".join(str(int(z)) for z in zp.tolist()))
    return text


def qconfig_literal(qconfig):
    """`#qfx.qconfig<...>` for a QConfig, None for a None QConfig."""
    if qconfig is None:
        return None
    parts = []
    fqs = []
    for side in ("activation", "weight"):
        ctor = getattr(qconfig, side, None)
        if ctor is None:
            continue
        inst = ctor()
        if isinstance(inst, fq_mod.FakeQuantizeBase):
            config, inst = _fake_quantize_parts(inst)
            fqs.append("%s_fake_quantize = %s" % (side, config))
        parts.append("%s = %s" % (side, observer_literal(inst)))
    return "#qfx.qconfig<%s>" % ", ".join(parts + fqs)


# ---------------------------------------------------------------------------
# Module handlers
# ---------------------------------------------------------------------------

def _observer_module(ctx, node, mod):
    a = bind_module(node, ["x"])
    x = ctx.tensor(a["x"], float_only=True)
    text = " config = " + observer_literal(mod)
    state = _state_literal(mod)
    if state is not None and _OBSERVER_KINDS[type(mod)] in (
            "min_max", "moving_average_min_max", "per_channel_min_max",
            "moving_average_per_channel_min_max", "histogram"):
        text += " state = " + state
    return OpSpec("observer", [x, text], True)


def _fake_quantize_module(ctx, node, mod):
    a = bind_module(node, ["X"])
    x = ctx.tensor(a["X"], float_only=True)
    return OpSpec("fake_quantize", [x, " " + fake_quantize_attrs(mod)], True)


for _cls in _OBSERVER_KINDS:
    MODULE_HANDLERS[_cls] = _observer_module
for _cls in _FAKE_QUANTIZE_KINDS:
    MODULE_HANDLERS[_cls] = _fake_quantize_module


def _qat_weight(ctx, node):
    return FakeQuantRef(ctx.sub(node, "weight"), ctx.sub(node, "weight_fake_quant"))


def _qat_conv(ctx, node, mod):
    a = bind_module(node, ["input"])
    n = len(mod.kernel_size)
    x = ctx.tensor(a["input"], float_only=True)
    b = ParamRef(ctx.sub(node, "bias")) if mod.bias is not None else None
    return _conv_spec(x, _qat_weight(ctx, node), b, n, mod.stride, mod.padding,
                      mod.dilation, mod.groups, mod.kernel_size, mod.padding_mode)


def _qat_linear(ctx, node, mod):
    a = bind_module(node, ["input"])
    x = ctx.tensor(a["input"], float_only=True)
    b = ParamRef(ctx.sub(node, "bias")) if mod.bias is not None else None
    return _linear_spec(x, _qat_weight(ctx, node), b)


def _relu_stage(ctx, node, mod):
    return _unary("relu", ctx.tensor(node.args[0], float_only=True))


for _cls in (nnqat.Conv1d, nnqat.Conv2d, nnqat.Conv3d):
    MODULE_HANDLERS[_cls] = _qat_conv
MODULE_HANDLERS[nnqat.Linear] = _qat_linear


def _qat_fused(weighted):
    def handler(ctx, node, mod):
        return Region([("call_module", node.target, mod, weighted),
                       ("call_function", torch.relu, None, _relu_stage)])
    return handler


for _cls in (nniqat.ConvReLU1d, nniqat.ConvReLU2d, nniqat.ConvReLU3d):
    MODULE_HANDLERS[_cls] = _qat_fused(_qat_conv)
MODULE_HANDLERS[nniqat.LinearReLU] = _qat_fused(_qat_linear)


def _qat_bn(weighted, relu):
    """nniqat ConvBn* / LinearBn1d: the QAT conv / linear (its weight through
    weight_fake_quant), its `bn` child (+ ReLU). This is the body
    --qfx-prepare builds before spelling out the BN scaling; --qfx-convert
    scales and folds it as to_float() does (docs/convert.md)."""
    def handler(ctx, node, mod):
        bn_handler = MODULE_HANDLERS.get(type(mod.bn))
        if bn_handler is None:
            raise Generic()
        stages = [("call_module", node.target, mod, weighted),
                  ("call_module", node.target + ".bn", mod.bn, bn_handler)]
        if relu:
            stages.append(("call_function", torch.relu, None, _relu_stage))
        return Region(stages)
    return handler


for _cls in (nniqat.ConvBn1d, nniqat.ConvBn2d, nniqat.ConvBn3d):
    MODULE_HANDLERS[_cls] = _qat_bn(_qat_conv, False)
for _cls in (nniqat.ConvBnReLU1d, nniqat.ConvBnReLU2d, nniqat.ConvBnReLU3d):
    MODULE_HANDLERS[_cls] = _qat_bn(_qat_conv, True)
MODULE_HANDLERS[nniqat.LinearBn1d] = _qat_bn(_qat_linear, False)


def _fused_module(ctx, node, mod):
    """Children of a torch.ao.nn.intrinsic fused module, in order."""
    stages = []
    for name, child in mod.named_children():
        handler = MODULE_HANDLERS.get(type(child))
        if handler is None:
            raise Generic()
        stages.append(("call_module", "%s.%s" % (node.target, name), child,
                       handler))
    return Region(stages)


for _cls in (nni.ConvReLU1d, nni.ConvReLU2d, nni.ConvReLU3d, nni.LinearReLU,
             nni.BNReLU2d, nni.BNReLU3d, nni.ConvBn1d, nni.ConvBn2d,
             nni.ConvBn3d, nni.ConvBnReLU1d, nni.ConvBnReLU2d,
             nni.ConvBnReLU3d, nni.LinearBn1d):
    MODULE_HANDLERS[_cls] = _fused_module
