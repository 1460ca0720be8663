"""Export a PyTorch model, traced with torch.fx, as qfx IR text.

    qfx_torch.export(model, example_inputs, "model.mlir")

Every FX node becomes one op carrying `qfx.node` provenance and
`loc("<node name>")`: a typed qfx op where one exists (`lowering.py`),
otherwise `qfx.call`. Parameters and buffers become `qfx.parameter`
symbols whose bytes are stored bit for bit in `dense_resource` blobs.
See docs/exporter.md for the mapping.
"""

import os
import struct
import subprocess
import tempfile

import torch
import torch.fx

import copy

from .config_io import canonical_name
from .lowering import (FUNCTION_HANDLERS, METHOD_HANDLERS, MODULE_HANDLERS,
                       TUPLE_HANDLERS, Generic, ParamRef, Scalar,
                       tensor_getitem)
from .quant_lowering import (FakeQuantRef, Region, fake_quantize_attrs,
                             is_quant_module, qconfig_literal)
from .mlir_text import (UnsupportedValue, attr_literal, element_type,
                        f32_literal, resource_key, string_literal, tensor_type)
from .tracing import (ExportError, SizeInfo, TensorInfo, placeholder_values,
                      record_values, trace)

__all__ = ["export", "export_text", "ExportError", "node_target",
           "is_elided_getitem"]

_FLOAT_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
_INDEX_DTYPES = (torch.int32, torch.int64)


class _Value:
    """An SSA value: its name (`%x`, `%lstm#1`) and MLIR type."""
    __slots__ = ("name", "type", "info")

    def __init__(self, name, type_, info):
        self.name, self.type, self.info = name, type_, info


class _Const:
    """A Python value standing for a node (a concrete_args placeholder)."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def node_target(gm, node):
    """(kind, canonical target) of an FX node as qfx spells them."""
    if node.op == "call_module":
        return node.op, canonical_name(type(gm.get_submodule(node.target)))
    if node.op == "call_function":
        return node.op, canonical_name(node.target)
    return node.op, str(node.target)


def is_elided_getitem(node):
    """getitem on a tuple/list value: the exporter selects the result
    directly instead of emitting an op (needs record_values' meta)."""
    import operator
    if node.op != "call_function" or node.target is not operator.getitem:
        return False
    src = node.args[0]
    return (isinstance(src, torch.fx.Node)
            and isinstance(src.meta.get("qfx_value"), (tuple, list, dict))
            and not isinstance(src.meta.get("qfx_value"), SizeInfo))


def _type_of(info, node):
    """MLIR types for a result summary, flattened in order."""
    if isinstance(info, TensorInfo):
        return [tensor_type(info.shape, info.dtype)]
    if isinstance(info, SizeInfo):
        return ["tensor<%dxi64>" % len(info)]
    if isinstance(info, bool):
        return ["i1"]
    if isinstance(info, int):
        return ["i64"]
    if isinstance(info, float):
        return ["f64"]
    if isinstance(info, (tuple, list)):
        return [t for v in info for t in _type_of(v, node)]
    if isinstance(info, dict):
        return [t for v in info.values() for t in _type_of(v, node)]
    raise ExportError("node '%s' (%s) produces a %s, which qfx cannot "
                      "represent" % (node.name, node.format_node(),
                                     type(info).__name__))


def _rebuild(info, values):
    """The result tree of `info` over the flat `values` iterator."""
    if isinstance(info, (tuple, list)) and not isinstance(info, SizeInfo):
        return type(info)(_rebuild(v, values) for v in info)
    if isinstance(info, dict):
        return {k: _rebuild(v, values) for k, v in info.items()}
    return next(values)


def _leaves(tree):
    if isinstance(tree, _Value):
        return [tree]
    if isinstance(tree, (tuple, list)):
        return [v for t in tree for v in _leaves(t)]
    if isinstance(tree, dict):
        return [v for t in tree.values() for v in _leaves(t)]
    return []


class _Parameters:
    """Module tensors by identity, each under one qualified symbol name."""

    def __init__(self, model):
        self.entries = []  # (symbol, kind, tensor)
        self._by_id = {}
        # Observer / fake-quantize state is exported as op attributes.
        quant = tuple(n + "." for n, m in model.named_modules()
                      if is_quant_module(m))
        for name, p in model.named_parameters():
            if not name.startswith(quant):
                self._add(name, "parameter", p)
        for name, b in model.named_buffers():
            if not name.startswith(quant):
                self._add(name, "buffer", b)

    def _add(self, name, kind, tensor):
        if id(tensor) not in self._by_id:
            self._by_id[id(tensor)] = name
            self.entries.append((name, kind, tensor))
        return self._by_id[id(tensor)]

    def symbol(self, name, tensor):
        """The symbol for `tensor`, registering it as a buffer if it is a
        plain tensor attribute (e.g. FX's `_tensor_constant0`)."""
        return self._add(name, "buffer", tensor)


def _join_path(prefix, path):
    if not prefix:
        return path
    return prefix + "." + path if path else prefix


def standalone_symbol(path):
    """The nested function of the standalone module at `path`."""
    return path + ".forward"


class _Lowering:
    def __init__(self, gm, params, concrete, prefix="", standalone=()):
        self.gm = gm
        self.params = params
        self.env = {n: _Const(v) for n, v in concrete.items()}
        self.lines = []
        self._names = set()
        self._node = None
        # The module path of gm's root in the exported model (a standalone
        # module's nested function): module paths and symbols are the
        # model's, node targets are gm's.
        self.prefix = prefix
        # gm-relative names of the standalone submodules called by gm.
        self.standalone = set(standalone)
        self.standalone_calls = []

    # -- naming ------------------------------------------------------------
    def fresh(self, hint):
        base = "".join(c if c.isalnum() or c in "_." else "_" for c in hint) or "v"
        name, n = base, 0
        while name in self._names:
            n += 1
            name = "%s_%d" % (base, n)
        self._names.add(name)
        return "%" + name

    # -- queries used by handlers -----------------------------------------
    def info(self, arg):
        if isinstance(arg, torch.fx.Node):
            if isinstance(self.env.get(arg), _Const):
                return self.env[arg].value
            return arg.meta.get("qfx_value")
        return arg

    def _single(self, arg):
        if not isinstance(arg, torch.fx.Node):
            raise Generic()
        v = self.env[arg]
        if not isinstance(v, _Value):
            raise Generic()
        return v

    def tensor(self, arg, float_only=False, index_only=False):
        v = self._single(arg)
        if not isinstance(v.info, TensorInfo):
            raise Generic()
        if float_only and v.info.dtype not in _FLOAT_DTYPES:
            raise Generic()
        if index_only and v.info.dtype not in _INDEX_DTYPES:
            raise Generic()
        return v

    def tensors(self, arg):
        if isinstance(arg, (tuple, list)):
            return [self.tensor(a, float_only=True) for a in arg]
        tree = self.env.get(arg) if isinstance(arg, torch.fx.Node) else None
        if isinstance(tree, (tuple, list)):
            return [t if isinstance(t, _Value) and isinstance(t.info, TensorInfo)
                    and t.info.dtype in _FLOAT_DTYPES else self._raise()
                    for t in tree]
        return [self.tensor(arg, float_only=True)]

    @staticmethod
    def _raise():
        raise Generic()

    def const(self, arg):
        """The Python value of an argument; nodes fold to the value they
        had on the example inputs (sizes), tensors cannot fold."""
        if isinstance(arg, torch.fx.Node):
            value = self.info(arg)
            if _contains_tensor(value):
                raise Generic()
            return tuple(value) if isinstance(value, SizeInfo) else value
        if isinstance(arg, (list, tuple)):
            return type(arg)(self.const(a) for a in arg)
        return arg

    def const_or_none(self, arg):
        try:
            return self.const(arg)
        except Generic:
            return None

    def operand_or_scalar(self, arg):
        if isinstance(arg, torch.fx.Node) and isinstance(self.info(arg), TensorInfo):
            return self.tensor(arg, float_only=True)
        value = self.const(arg)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Generic()
        return Scalar(value)

    def sub(self, node, name):
        return node.target + "." + name

    # -- emission ----------------------------------------------------------
    def provenance(self, node):
        kind, target = node_target(self.gm, node)
        module = node.target if node.op == "call_module" else node.meta.get("qfx_module", "")
        module = _join_path(self.prefix, module)
        text = "#qfx.node<%s, %s" % (kind, string_literal(target))
        if module:
            text += ", module = %s" % string_literal(module)
        qconfig = None if node.meta.get("qfx_in_region") else qconfig_literal(
            getattr(self.gm, "_qconfig_map", {}).get(node.name))
        if qconfig is not None and node.op not in ("placeholder", "get_attr") \
                and not (node.op == "call_module" and is_quant_module(
                    self.gm.get_submodule(node.target))):
            return "{qfx.node = %s>, qfx.qconfig = %s}" % (text, qconfig)
        return "{qfx.node = %s>}" % text

    def loc(self, node):
        return "loc(%s)" % string_literal(node.name)

    def get_attr(self, qualname, node, provenance=""):
        try:
            tensor = self.gm.get_parameter(qualname)
        except AttributeError:
            try:
                tensor = self.gm.get_buffer(qualname)
            except AttributeError:
                module, _, attr = qualname.rpartition(".")
                tensor = getattr(self.gm.get_submodule(module), attr, None)
        if not isinstance(tensor, torch.Tensor):
            raise ExportError("node '%s': get_attr target '%s' is a %s, not a "
                              "tensor" % (node.name, qualname,
                                          type(tensor).__name__))
        symbol = self.params.symbol(_join_path(self.prefix, qualname), tensor)
        info = TensorInfo(tuple(tensor.shape), tensor.dtype)
        ty = tensor_type(info.shape, info.dtype)
        name = self.fresh(qualname.replace(".", "_"))
        self.lines.append("%s = qfx.get_attr @%s %s: %s %s" % (
            name, string_literal(symbol), provenance + " " if provenance else "",
            ty, self.loc(node)))
        return _Value(name, ty, info)

    def materialize(self, piece, node):
        if isinstance(piece, ParamRef):
            return self.get_attr(piece.qualname, node)
        if isinstance(piece, FakeQuantRef):
            w = self.get_attr(piece.qualname, node)
            fq = self.gm.get_submodule(piece.fq_path)
            name = self.fresh(piece.fq_path.replace(".", "_"))
            # Not an FX node (the QAT module calls it): no qfx.node.
            self.lines.append("%s = qfx.fake_quantize %s %s : %s %s" % (
                name, w.name, fake_quantize_attrs(fq), w.type, self.loc(node)))
            return _Value(name, w.type, w.info)
        if isinstance(piece, Scalar):
            name = self.fresh(node.name + "_scalar")
            self.lines.append("%s = qfx.constant scalar dense<%s> : tensor<f32> %s"
                              % (name, f32_literal(piece.value), self.loc(node)))
            return _Value(name, "tensor<f32>", TensorInfo((), torch.float32))
        return piece

    def results(self, node):
        info = self.info(node)
        if info is None:
            return [], None
        types = _type_of(info, node)
        if not types:
            return [], info
        return types, info

    def bind_results(self, node, types, info):
        if not types:
            self.env[node] = None
            return ""
        name = self.fresh(node.name)
        if len(types) == 1 and not isinstance(info, (tuple, list, dict)) or \
                isinstance(info, SizeInfo):
            self.env[node] = _Value(name, types[0], info)
            return name
        flat = [_Value("%s#%d" % (name, i), t, None) for i, t in enumerate(types)]
        leaf_infos = _flat_infos(info)
        for v, li in zip(flat, leaf_infos):
            v.info = li
        self.env[node] = _rebuild(info, iter(flat))
        return "%s:%d" % (name, len(types))

    def emit_typed(self, node, spec):
        types, info = self.results(node)
        if not all(isinstance(i, TensorInfo) for i in _flat_infos(info)) and \
                spec.mnemonic != "size":
            raise Generic()
        pieces = [self.materialize(p, node) for p in spec.pieces]
        operands = [p for p in pieces if isinstance(p, _Value)]
        body = "".join(p.name if isinstance(p, _Value) else p for p in pieces)
        result = self.bind_results(node, types, info)
        if spec.same_type:
            sig = types[0]
        else:
            sig = "(%s) -> %s" % (", ".join(o.type for o in operands),
                                  types[0] if len(types) == 1 else
                                  "(%s)" % ", ".join(types))
        self.lines.append("%s = qfx.%s %s %s : %s %s" % (
            result, spec.mnemonic, body, self.provenance(node), sig,
            self.loc(node)))

    def emit_typed_tuple(self, node, specs):
        """A tuple-valued node (torch.chunk, torch.split) as one typed op
        per element, each with the node's provenance and location; the
        node's value is the tuple of their results."""
        infos = self.info(node)
        values = []
        for spec, info in zip(specs, infos):
            pieces = [self.materialize(p, node) for p in spec.pieces]
            operands = [p for p in pieces if isinstance(p, _Value)]
            body = "".join(p.name if isinstance(p, _Value) else p for p in pieces)
            ty = tensor_type(info.shape, info.dtype)
            value = _Value(self.fresh(node.name), ty, info)
            self.lines.append("%s = qfx.%s %s %s : (%s) -> %s %s" % (
                value.name, spec.mnemonic, body, self.provenance(node),
                ", ".join(o.type for o in operands), ty, self.loc(node)))
            values.append(value)
        self.env[node] = type(infos)(values)

    def emit_generic(self, node):
        operands = []

        def ref(value):
            if not isinstance(value, torch.fx.Node):
                return None
            tree = self.env.get(value)
            if isinstance(tree, _Const):
                return attr_literal(tree.value)
            leaves = _leaves(tree)
            refs = []
            for leaf in leaves:
                operands.append(leaf)
                refs.append("{operand = %d : i64}" % (len(operands) - 1))
            if isinstance(tree, _Value):
                return refs[0]
            if tree is None:
                return "unit"
            return "[%s]" % ", ".join(refs)

        params = []
        try:
            for i, a in enumerate(node.args):
                if isinstance(a, torch.fx.Node) and isinstance(self.env.get(a), _Value):
                    operands.append(self.env[a])  # positional operand: implied
                    continue
                params.append("%s = %s" % (string_literal(str(i)), attr_literal(a, ref)))
            for k, a in node.kwargs.items():
                params.append("%s = %s" % (string_literal(k), attr_literal(a, ref)))
        except UnsupportedValue as e:
            raise ExportError("node '%s' (%s): argument %s" % (
                node.name, node.format_node(), e)) from e
        types, info = self.results(node)
        result = self.bind_results(node, types, info)
        kind, target = node_target(self.gm, node)
        text = "qfx.call %s %s(%s)" % (kind, string_literal(target),
                                      ", ".join(o.name for o in operands))
        if params:
            text += " params {%s}" % ", ".join(params)
        sig = "(%s) -> (%s)" % (", ".join(o.type for o in operands), ", ".join(types))
        self.lines.append("%s%s %s : %s %s" % (
            result + " = " if result else "", text, self.provenance(node), sig,
            self.loc(node)))

    def emit_standalone_call(self, node):
        """A standalone module: `func.call` of its nested function, with
        the call_module provenance of the node."""
        if node.kwargs:
            raise ExportError("standalone module '%s' is called with keyword "
                              "arguments; pass its inputs positionally"
                              % node.target)
        operands = []
        for a in node.args:
            v = self.env.get(a) if isinstance(a, torch.fx.Node) else None
            if not isinstance(v, _Value) or not isinstance(v.info, TensorInfo):
                raise ExportError("standalone module '%s': argument %r is not "
                                  "a tensor (a standalone module's inputs "
                                  "must all be tensors)" % (node.target, a))
            operands.append(v)
        types, info = self.results(node)
        if not all(isinstance(i, TensorInfo) for i in _flat_infos(info)):
            raise ExportError("standalone module '%s' returns non-tensor "
                              "values" % node.target)
        result = self.bind_results(node, types, info)
        callee = standalone_symbol(_join_path(self.prefix, node.target))
        self.lines.append("%s%s %s : (%s) -> (%s) %s" % (
            result + " = " if result else "",
            "func.call @%s(%s)" % (string_literal(callee),
                                   ", ".join(o.name for o in operands)),
            self.provenance(node), ", ".join(o.type for o in operands),
            ", ".join(types), self.loc(node)))
        if node.target not in self.standalone_calls:
            self.standalone_calls.append(node.target)

    # -- nodes -------------------------------------------------------------
    def lower(self, node):
        import operator
        if node.op == "call_module" and node.target in self.standalone:
            self.emit_standalone_call(node)
            return
        if node.op == "get_attr":
            value = self.get_attr(node.target, node, self.provenance(node))
            # Name the SSA value after the node.
            self.env[node] = value
            return
        if is_elided_getitem(node):
            tree = self.env[node.args[0]]
            index = self.const(node.args[1])
            try:
                self.env[node] = tree[index]
            except (TypeError, KeyError, IndexError) as e:
                raise ExportError("node '%s': cannot select %r from a tuple "
                                  "result" % (node.name, index)) from e
            return
        handler, extra = None, ()
        tuple_handler = None
        if node.op in ("call_function", "call_method"):
            tuple_handler = _lookup(TUPLE_HANDLERS, node.target)
        if tuple_handler is not None:
            start = len(self.lines)
            try:
                self.emit_typed_tuple(node, tuple_handler(self, node))
                return
            except Generic:
                del self.lines[start:]
        if node.op == "call_module":
            mod = self.gm.get_submodule(node.target)
            handler, extra = MODULE_HANDLERS.get(type(mod)), (mod,)
        elif node.op == "call_function":
            if node.target is operator.getitem and isinstance(
                    self.info(node.args[0]), TensorInfo):
                handler = tensor_getitem
            else:
                handler = _lookup(FUNCTION_HANDLERS, node.target)
        elif node.op == "call_method":
            handler = METHOD_HANDLERS.get(node.target)
        if handler is not None:
            mark = len(self.lines)
            try:
                spec = handler(self, node, *extra)
                if isinstance(spec, Region):
                    self.emit_region(node, spec)
                else:
                    self.emit_typed(node, spec)
                return
            except Generic:
                del self.lines[mark:]
        self.emit_generic(node)

    def emit_region(self, node, region):
        """A fused module as `qfx.fused` whose body runs its stages."""
        types, info = self.results(node)
        if len(types) != 1 or len(node.args) != 1 or node.kwargs:
            raise Generic()
        x = self.tensor(node.args[0], float_only=True)
        scratch = torch.fx.Graph()
        cur = scratch.placeholder(node.name + "_in")
        cur.meta["qfx_value"] = x.info
        self.env[cur] = _Value(self.fresh(node.name + "_in"), x.type, x.info)
        arg = self.env[cur]
        saved, self.lines = self.lines, []
        try:
            for kind, target, mod, handler in region.stages:
                stage = scratch.create_node(kind, target, (cur,), {})
                stage.meta["qfx_value"] = info
                stage.meta["qfx_module"] = node.target
                stage.meta["qfx_in_region"] = True
                self.emit_typed(stage, handler(self, stage, mod))
                cur = stage
        finally:
            body, self.lines = self.lines, saved
        result = self.bind_results(node, types, info)
        self.lines.append("%s = qfx.fused %s : (%s) -> %s {" % (
            result, x.name, x.type, types[0]))
        self.lines.append("^bb0(%s: %s):" % (arg.name, x.type))
        self.lines += ["  " + l for l in body]
        self.lines.append("  qfx.yield %s : %s" % (self.env[cur].name, types[0]))
        self.lines.append("} %s %s" % (self.provenance(node), self.loc(node)))


def _lookup(table, target):
    try:
        return table.get(target)
    except TypeError:  # unhashable target
        return None


def _flat_infos(info):
    if isinstance(info, (tuple, list)) and not isinstance(info, SizeInfo):
        return [i for v in info for i in _flat_infos(v)]
    if isinstance(info, dict):
        return [i for v in info.values() for i in _flat_infos(v)]
    return [info]


def _contains_tensor(value):
    if isinstance(value, TensorInfo):
        return True
    if isinstance(value, (tuple, list)) and not isinstance(value, SizeInfo):
        return any(_contains_tensor(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_tensor(v) for v in value.values())
    return False


def _tensor_bytes(t):
    t = t.detach().cpu().contiguous()
    if t.numel() == 0:
        return b""
    return t.reshape(-1).view(torch.uint8).numpy().tobytes()


def _module_types(model):
    """`qfx.module_types`: every named submodule's class (canonical name),
    so QConfigMapping object_type rules on enclosing (traced-through)
    modules can be resolved. The root ("") is left out: 1.13's tracer
    records no class for the top-level scope, and MLIR has no empty keys."""
    entries = sorted((path, canonical_name(type(m)))
                     for path, m in model.named_modules() if path)
    return ", ".join("%s = %s" % (string_literal(p), string_literal(c))
                     for p, c in entries)


def _write_module(f, name, training, params, func_lines, module_types="",
                  blob_file=None):
    """Writes the module text. The `dense_resource` bytes go into the
    text's `dialect_resources` section as hex, or with `blob_file` (a binary
    file object) into that side file (_write_blobs) and not into the text."""
    types = (", qfx.module_types = {%s}" % module_types) if module_types else ""
    f.write("module attributes {qfx.training = %s%s} {\n"
            % ("true" if training else "false", types))
    keys = set()
    blobs = []
    for symbol, kind, tensor in params.entries:
        ty = tensor_type(tuple(tensor.shape), tensor.dtype)
        if tensor.numel() == 0:
            value = "dense<>"
        else:
            key = resource_key(symbol, keys)
            blobs.append((key, tensor))
            value = "dense_resource<%s>" % key
        f.write("  qfx.parameter @%s %s = %s : %s loc(%s)\n"
                % (string_literal(symbol), kind, value, ty, string_literal(symbol)))
    for line in func_lines:
        f.write(line)
        f.write("\n")
    f.write("} loc(%s)\n" % string_literal(name))
    if blob_file is not None:
        _write_blobs(blob_file, blobs)
    elif blobs:
        f.write("\n{-#\n  dialect_resources: {\n    builtin: {\n")
        for i, (key, tensor) in enumerate(blobs):
            align = max(tensor.element_size(), 1)
            f.write('      %s: "0x%02X000000' % (key, align))
            f.write(_tensor_bytes(tensor).hex().upper())
            f.write('"%s\n' % ("," if i + 1 < len(blobs) else ""))
        f.write("    }\n  }\n#-}\n")


_BLOB_ALIGN = 64


def _write_blobs(f, blobs):
    """The blob file `qfx-translate --import-qfx-blobs` attaches to the text
    (layout in include/qfx/Import/BlobFile.h): an index of (key, alignment,
    offset, size), then every tensor's bytes at a 64-byte aligned offset,
    written straight from the tensor's memory."""
    keys = [k.encode() for k, _ in blobs]
    offset = 16 + sum(4 + len(k) + 20 for k in keys)
    index, layout = [b"QFXBLOBS", struct.pack("<II", 1, len(blobs))], []
    for k, (_, t) in zip(keys, blobs):
        offset = -(-offset // _BLOB_ALIGN) * _BLOB_ALIGN
        size = t.numel() * t.element_size()
        index.append(struct.pack("<I", len(k)) + k +
                     struct.pack("<IQQ", max(t.element_size(), 1), offset, size))
        layout.append(offset)
        offset += size
    f.write(b"".join(index))
    pos = 16 + sum(4 + len(k) + 20 for k in keys)
    for (_, t), start in zip(blobs, layout):
        f.write(b"\0" * (start - pos))
        data = t.detach().cpu().contiguous().reshape(-1).view(torch.uint8)
        f.write(memoryview(data.numpy()))
        pos = start + data.numel()


def _lower_graph(model, gm, example_inputs, concrete_args, standalone=(),
                 leaf_modules=()):
    args, concrete = placeholder_values(gm, model, example_inputs, concrete_args)
    params = _Parameters(model)
    lines = []
    _lower_function(gm, args, concrete, params, "", standalone, leaf_modules,
                    lines)
    return params, lines


def _relative_standalone(prefix, standalone):
    """Names of the standalone modules (full paths) inside `prefix`,
    relative to it."""
    if not prefix:
        return [p for p in standalone if p]
    return [p[len(prefix) + 1:] for p in standalone
            if p.startswith(prefix + ".")]


def _lower_function(gm, args, concrete, params, prefix, standalone,
                    leaf_modules, out):
    """Lowers `gm` (the model, or the standalone module at `prefix`) into
    a func.func appended to `out`, then the nested functions of the
    standalone modules it calls, each traced on its own as prepare_fx
    does (_prepare_standalone_module_fx), on the inputs it received."""
    local = set(_relative_standalone(prefix, standalone))
    inputs, hooks = {}, []
    for node in gm.graph.nodes:
        if node.op == "call_module" and node.target in local:
            def capture(mod, margs, target=node.target):
                inputs.setdefault(target, tuple(margs))
            hooks.append(gm.get_submodule(node.target)
                         .register_forward_pre_hook(capture))
    try:
        record_values(gm, args)
    finally:
        for h in hooks:
            h.remove()
    low = _Lowering(gm, params, concrete, prefix, local)
    arg_decls, results = [], []
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            if node in concrete:
                continue
            info = node.meta.get("qfx_value")
            if not isinstance(info, TensorInfo):
                raise ExportError("placeholder '%s' is a %s; only tensors can "
                                  "be graph inputs (fix it with concrete_args)"
                                  % (node.name, type(info).__name__))
            value = _Value(low.fresh(node.name), tensor_type(info.shape, info.dtype), info)
            low.env[node] = value
            arg_decls.append("%s: %s {qfx.name = %s} loc(%s)" % (
                value.name, value.type, string_literal(node.target),
                string_literal(node.name)))
        elif node.op == "output":
            out_node = node.args[0]
            results = _output_leaves(low, out_node)
        else:
            low.lower(node)
    res_types = ", ".join(v.type for v in results)
    symbol = standalone_symbol(prefix) if prefix else "forward"
    out.append("  func.func %s@%s(%s) -> (%s) {" % (
        "private " if prefix else "",
        string_literal(symbol) if prefix else symbol,
        ", ".join(arg_decls), res_types))
    out.extend("    " + l for l in low.lines)
    out.append("    return%s loc(\"output\")" % (
        (" " + ", ".join(v.name for v in results) + " : " + res_types)
        if results else ""))
    out.append("  } loc(%s)" % string_literal(symbol))
    for target in low.standalone_calls:
        path = _join_path(prefix, target)
        sub = gm.get_submodule(target)
        leaves = [m for m in leaf_modules if isinstance(m, type)]
        leaves += _relative_standalone(path, standalone)
        sub_gm = trace(sub, None, leaves)
        sub_args, sub_concrete = placeholder_values(sub_gm, sub, inputs[target],
                                                    None)
        _lower_function(sub_gm, sub_args, sub_concrete, params, path,
                        standalone, leaf_modules, out)


def _output_leaves(low, out):
    """Flatten the FX output (nested tuples/lists/dicts) in order."""
    if isinstance(out, torch.fx.Node):
        tree = low.env.get(out)
        if isinstance(tree, _Const):
            raise ExportError("output '%s' is a constant" % out.name)
        return _leaves(tree)
    if isinstance(out, (tuple, list)):
        return [v for o in out for v in _output_leaves(low, o)]
    if isinstance(out, dict):
        return [v for o in out.values() for v in _output_leaves(low, o)]
    if out is None:
        return []
    raise ExportError("the model returns a %s; outputs must be tensors or "
                      "(nested) tuples/lists/dicts of tensors"
                      % type(out).__name__)


def standalone_module_paths(model, standalone_modules):
    """Qualified names of the standalone modules of `model`:
    `standalone_modules` holds qualified names, module classes (exact
    type, as prepare_fx's tracer skips them) or a PrepareCustomConfig
    (its standalone_module_names / _classes). As in 1.13, a standalone
    module's own config does not make standalone modules inside it (its
    tracer skips only non-traceable modules)."""
    from torch.ao.quantization.fx.custom_config import PrepareCustomConfig
    names, classes = set(), set()
    items = [standalone_modules] if isinstance(
        standalone_modules, PrepareCustomConfig) else list(standalone_modules)
    for item in items:
        if isinstance(item, PrepareCustomConfig):
            names.update(item.standalone_module_names)
            classes.update(item.standalone_module_classes)
        elif isinstance(item, type):
            classes.add(item)
        else:
            names.add(item)
    modules = dict(model.named_modules())
    for name in names:
        if name not in modules or not name:
            raise ExportError("standalone module '%s' is not a submodule of "
                              "the model" % name)
    return sorted(p for p, m in modules.items()
                  if p and (p in names or type(m) in classes))


def export_text(model, example_inputs, f, *, concrete_args=None,
                leaf_modules=(), standalone_modules=(), blob_file=None):
    """Trace `model` and write the qfx IR text to the file object `f`
    (parameter bytes into the binary file object `blob_file` if given).

    standalone_modules: qualified names, classes or a PrepareCustomConfig
    (see standalone_module_paths): each becomes a nested function, called
    from its parent by `func.call` (docs/exporter.md).

    Returns the traced GraphModule (with `qfx_value` / `qfx_module` meta).
    """
    if not isinstance(example_inputs, (tuple, list)):
        example_inputs = (example_inputs,)
    standalone = standalone_module_paths(model, standalone_modules)
    gm = trace(model, concrete_args, tuple(leaf_modules) + tuple(standalone))
    params, lines = _lower_graph(model, gm, example_inputs, concrete_args,
                                 standalone, leaf_modules)
    _write_module(f, type(model).__name__, model.training, params, lines,
                  _module_types(model), blob_file)
    return gm


def find_qfx_opt(explicit=None):
    """qfx-opt from the argument, $QFX_OPT or PATH."""
    import shutil
    for candidate in (explicit, os.environ.get("QFX_OPT"), shutil.which("qfx-opt")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise ExportError("qfx-opt not found: pass --qfx-opt PATH or set QFX_OPT")


def find_qfx_translate(qfx_opt=None):
    """qfx-translate from $QFX_TRANSLATE (set but empty: none), else next to
    qfx-opt or on PATH; None when there is none."""
    import shutil
    explicit = os.environ.get("QFX_TRANSLATE")
    if explicit is not None:
        return explicit if explicit and os.path.exists(explicit) else None
    candidates = []
    try:
        candidates.append(os.path.join(os.path.dirname(find_qfx_opt(qfx_opt)),
                                       "qfx-translate"))
    except ExportError:
        pass
    candidates.append(shutil.which("qfx-translate"))
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def export(model, example_inputs, path, *, concrete_args=None, leaf_modules=(),
           standalone_modules=(), qfx_opt=None):
    """Export `model` traced on `example_inputs` to `path` (.mlir text, or
    .mlirbc bytecode through qfx-opt). The file appears atomically: on any
    error no file is left at `path`.

    concrete_args: forwarded to torch.fx (specializes Python arguments).
    leaf_modules: module classes or qualified names to keep opaque.
    standalone_modules: modules traced as nested functions (prepare_fx's
    standalone modules; names, classes or a PrepareCustomConfig).
    Returns the traced GraphModule.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temps = []

    def temp(suffix):
        fd, name = tempfile.mkstemp(prefix=".qfx-export-", suffix=suffix,
                                    dir=directory)
        os.close(fd)
        temps.append(name)
        return name

    try:
        text = temp(".mlir")
        final = text
        options = dict(concrete_args=concrete_args, leaf_modules=leaf_modules,
                       standalone_modules=standalone_modules)
        translate = (find_qfx_translate(qfx_opt) if path.endswith(".mlirbc")
                     else None)
        if translate:
            # Weights go to a side file as raw bytes; qfx-translate maps it
            # and writes bytecode (no hex text to encode and parse).
            blobs = temp(".blobs")
            with open(text, "w") as f, open(blobs, "wb") as b:
                gm = export_text(model, example_inputs, f, blob_file=b,
                                 **options)
            final = temp(".mlirbc")
            _run_tool([translate, "--import-qfx-blobs", text, "--blobs", blobs,
                       "-o", final], "qfx-translate")
        else:
            with open(text, "w") as f:
                gm = export_text(model, example_inputs, f, **options)
            if path.endswith(".mlirbc"):
                final = temp(".mlirbc")
                _run_tool([find_qfx_opt(qfx_opt), text, "--emit-bytecode",
                           "-o", final], "qfx-opt")
        os.replace(final, path)
        return gm
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)  # never leave a stale result behind
        raise
    finally:
        for t in temps:
            if os.path.exists(t):
                os.unlink(t)


def _run_tool(cmd, name):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ExportError("%s rejected the exported IR:\n%s" % (name, proc.stderr))
