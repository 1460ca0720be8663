"""Write live PyTorch QConfigMapping / BackendConfig objects as qfx JSON.

The JSON schema is documented in docs/configs.md. Every class and function is
written in qfx's canonical spelling (see `canonical_name`), observers as
``{"class": ..., "kwargs": {...}}`` holding only the keyword arguments that
were bound with ``with_args`` (absent kwargs mean "constructor default").
"""

import enum
import functools
import json
import operator

import torch

__all__ = [
    "canonical_name",
    "observer_to_json",
    "qconfig_to_json",
    "qconfig_mapping_to_json",
    "backend_config_to_json",
    "save_qconfig_mapping",
    "save_backend_config",
    "prepare_custom_config_to_json",
    "save_prepare_custom_config",
]

# Public namespaces searched, in order, for a function object. The first one
# that exposes the very same object under the function's __name__ names it.
_FUNCTION_NAMESPACES = [
    ("torch.nn.functional", torch.nn.functional),
    ("torch", torch),
    ("operator", operator),
    ("torch._C._nn", torch._C._nn),
]

_DTYPE_NAMES = {
    torch.quint8: "quint8",
    torch.qint8: "qint8",
    torch.qint32: "qint32",
    torch.quint4x2: "quint4x2",
    torch.float16: "float16",
    torch.float32: "float32",
}

_QSCHEME_NAMES = {
    torch.per_tensor_affine: "per_tensor_affine",
    torch.per_tensor_symmetric: "per_tensor_symmetric",
    torch.per_channel_affine: "per_channel_affine",
    torch.per_channel_symmetric: "per_channel_symmetric",
    torch.per_channel_affine_float_qparams: "per_channel_affine_float_qparams",
}

# Observer keyword arguments whose values are dtypes.
_DTYPE_KWARGS = ("dtype", "compute_dtype")


def canonical_name(obj):
    """Return qfx's canonical spelling of a class, function or method name.

    * str (a method name such as "relu"): returned unchanged.
    * class: ``__module__ + "." + __qualname__``.
    * function: ``<namespace>.<name>`` for the first public namespace among
      torch.nn.functional, torch, operator that holds the same object, so
      that F.conv2d, torch.add and operator.add keep their familiar names.
    * closure returned by a factory (e.g. reverse2(fuse_conv_bn)):
      ``<module>.<factory>(<canonical names of the captured values>)``.
    """
    if isinstance(obj, str):
        return obj
    if isinstance(obj, type):
        return obj.__module__ + "." + obj.__qualname__
    if isinstance(obj, functools.partial):
        args = [canonical_name(a) for a in obj.args]
        return canonical_name(obj.func) + "(" + ", ".join(args) + ")"
    name = getattr(obj, "__name__", None)
    if name is not None:
        for ns_name, ns in _FUNCTION_NAMESPACES:
            if getattr(ns, name, None) is obj:
                return ns_name + "." + name
    qualname = getattr(obj, "__qualname__", None) or ""
    if "<locals>" in qualname and getattr(obj, "__closure__", None):
        outer = qualname.split(".<locals>")[0]
        captured = [canonical_name(c.cell_contents) for c in obj.__closure__]
        return obj.__module__ + "." + outer + "(" + ", ".join(captured) + ")"
    module = getattr(obj, "__module__", None)
    if module and qualname:
        return module + "." + qualname
    raise ValueError("cannot name %r canonically" % (obj,))


def _kwarg_to_json(key, value):
    if key == "observer":
        return observer_to_json(value)
    if isinstance(value, torch.dtype):
        return _DTYPE_NAMES[value]
    if isinstance(value, torch.qscheme):
        return _QSCHEME_NAMES[value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    raise ValueError("unsupported observer kwarg %s=%r" % (key, value))


def observer_to_json(ctor):
    """Encode an observer/fake-quantize class or `with_args` partial."""
    if ctor is None:
        return None
    kwargs = {}
    # _PartialWrapper stores a functools.partial in `.p`; nested with_args
    # calls compose into one partial.
    while hasattr(ctor, "p") and isinstance(ctor.p, functools.partial):
        for k, v in ctor.p.keywords.items():
            kwargs.setdefault(k, v)
        ctor = ctor.p.func
    if hasattr(ctor, "callable_args") and ctor.callable_args:
        raise ValueError("with_callable_args is not representable in qfx JSON")
    return {
        "class": canonical_name(ctor),
        "kwargs": {k: _kwarg_to_json(k, v) for k, v in sorted(kwargs.items())
                   if k != "factory_kwargs"},
    }


def qconfig_to_json(qconfig):
    if qconfig is None:
        return None
    return {
        "activation": observer_to_json(qconfig.activation),
        "weight": observer_to_json(qconfig.weight),
    }


def qconfig_mapping_to_json(mapping):
    """Encode a torch.ao.quantization.QConfigMapping as a qfx JSON object."""
    return {
        "global": qconfig_to_json(mapping.global_qconfig),
        "object_type": [
            {"object_type": canonical_name(k), "qconfig": qconfig_to_json(v)}
            for k, v in mapping.object_type_qconfigs.items()],
        "module_name_regex": [
            {"module_name_regex": k, "qconfig": qconfig_to_json(v)}
            for k, v in mapping.module_name_regex_qconfigs.items()],
        "module_name": [
            {"module_name": k, "qconfig": qconfig_to_json(v)}
            for k, v in mapping.module_name_qconfigs.items()],
        "module_name_object_type_order": [
            {"module_name": m, "object_type": canonical_name(t), "index": i,
             "qconfig": qconfig_to_json(v)}
            for (m, t, i), v in
            mapping.module_name_object_type_order_qconfigs.items()],
    }


def _pattern_to_json(pattern):
    if isinstance(pattern, tuple):
        return [_pattern_to_json(p) for p in pattern]
    return canonical_name(pattern)


def _dtype_with_constraints_to_json(dwc):
    constraints = {}
    for field in ("quant_min_lower_bound", "quant_max_upper_bound",
                  "scale_min_lower_bound", "scale_max_upper_bound"):
        value = getattr(dwc, field, None)
        if value is not None:
            constraints[field] = value
    if not constraints:
        return _DTYPE_NAMES[dwc.dtype]
    constraints["dtype"] = _DTYPE_NAMES[dwc.dtype]
    return constraints


def _dtype_config_to_json(dc):
    out = {}
    for key in ("input", "output", "weight"):
        dwc = getattr(dc, key + "_dtype_with_constraints")
        if dwc.dtype is not None:
            out[key + "_dtype"] = _dtype_with_constraints_to_json(dwc)
    if dc.bias_dtype is not None:
        out["bias_dtype"] = _DTYPE_NAMES[dc.bias_dtype]
    if dc.is_dynamic is not None:
        out["is_dynamic"] = dc.is_dynamic
    return out


def _enum_name(value):
    return value.name if isinstance(value, enum.Enum) else str(value)


def _pattern_config_to_json(conf):
    out = {
        "pattern": _pattern_to_json(conf.pattern),
        "observation_type": _enum_name(conf.observation_type),
        "dtype_configs": [_dtype_config_to_json(d) for d in conf.dtype_configs],
    }
    optional_types = (
        ("root_module", conf.root_module),
        ("qat_module", conf.qat_module),
        ("reference_quantized_module_for_root",
         conf.reference_quantized_module),
        ("fused_module", conf.fused_module),
        ("fuser_method", conf.fuser_method),
        ("root_node_getter", conf._root_node_getter),
        ("extra_inputs_getter", conf._extra_inputs_getter),
    )
    for key, value in optional_types:
        if value is not None:
            out[key] = canonical_name(value)
    if conf._num_tensor_args_to_observation_type:
        out["num_tensor_args_to_observation_type"] = {
            str(k): _enum_name(v)
            for k, v in conf._num_tensor_args_to_observation_type.items()}
    if conf._input_type_to_index:
        out["input_type_to_index"] = dict(conf._input_type_to_index)
    if conf._input_output_observed is not None:
        out["input_output_observed"] = conf._input_output_observed
    if conf._overwrite_output_fake_quantize is not None:
        out["overwrite_output_fake_quantize"] = observer_to_json(
            conf._overwrite_output_fake_quantize)
    if conf._overwrite_output_observer is not None:
        out["overwrite_output_observer"] = observer_to_json(
            conf._overwrite_output_observer)
    return out


def backend_config_to_json(config):
    """Encode a torch.ao.quantization.backend_config.BackendConfig."""
    return {
        "name": config.name,
        "configs": [_pattern_config_to_json(c) for c in config.configs.values()],
    }


def _dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def save_qconfig_mapping(mapping, path):
    """Write `mapping` (a QConfigMapping) to `path` as qfx JSON."""
    _dump(qconfig_mapping_to_json(mapping), path)


def save_backend_config(config, path):
    """Write `config` (a BackendConfig) to `path` as qfx JSON."""
    _dump(backend_config_to_json(config), path)


def _standalone_entry_to_json(key, entry):
    """(key, qconfig_mapping, example_inputs, prepare_custom_config,
    backend_config) as PrepareCustomConfig.to_dict() lists it; example
    inputs are not serialized (qfx has the traced shapes)."""
    return [
        key if isinstance(key, str) else canonical_name(key),
        qconfig_mapping_to_json(entry.qconfig_mapping) if entry.qconfig_mapping else None,
        None,
        prepare_custom_config_to_json(entry.prepare_custom_config)
        if entry.prepare_custom_config else None,
        backend_config_to_json(entry.backend_config) if entry.backend_config else None,
    ]


def prepare_custom_config_to_json(cfg):
    """Encode a torch.ao.quantization.fx.custom_config.PrepareCustomConfig
    with the keys of its to_dict(); classes by canonical name."""
    from torch.ao.quantization.quant_type import _quant_type_to_str
    d = {}
    if cfg.standalone_module_names:
        d["standalone_module_name"] = [
            _standalone_entry_to_json(k, e) for k, e in cfg.standalone_module_names.items()]
    if cfg.standalone_module_classes:
        d["standalone_module_class"] = [
            _standalone_entry_to_json(k, e) for k, e in cfg.standalone_module_classes.items()]
    if cfg.float_to_observed_mapping:
        d["float_to_observed_custom_module_class"] = {
            _quant_type_to_str(qt): {canonical_name(f): canonical_name(o) for f, o in m.items()}
            for qt, m in cfg.float_to_observed_mapping.items()}
    if cfg.non_traceable_module_names:
        d["non_traceable_module_name"] = list(cfg.non_traceable_module_names)
    if cfg.non_traceable_module_classes:
        d["non_traceable_module_class"] = [canonical_name(c) for c in cfg.non_traceable_module_classes]
    if cfg.input_quantized_indexes:
        d["input_quantized_idxs"] = list(cfg.input_quantized_indexes)
    if cfg.output_quantized_indexes:
        d["output_quantized_idxs"] = list(cfg.output_quantized_indexes)
    if cfg.preserved_attributes:
        d["preserved_attributes"] = list(cfg.preserved_attributes)
    return d


def save_prepare_custom_config(cfg, path):
    """Write `cfg` (a PrepareCustomConfig) to `path` as JSON for
    `qfx-opt --qfx-prepare="prepare-custom-config=<path>"`."""
    _dump(prepare_custom_config_to_json(cfg), path)
