"""Symbolic tracing with module-stack tracking and shape propagation.

torch 1.13's tracer does not record `nn_module_stack`, so `QfxTracer`
tracks the stack of modules whose `forward` is running and stores the
innermost one's qualified name in `node.meta["qfx_module"]` ("" at the top
level). `record_values` runs the traced graph once (torch.fx's ShapeProp)
and keeps, for every node, a summary of its result: `TensorInfo` for
tensors, the Python value for numbers, `SizeInfo` for torch.Size, nested
tuples/lists/dicts of those for aggregates.
"""

import inspect
import os
import traceback

import torch
import torch.fx
from torch.fx.passes.shape_prop import ShapeProp

__all__ = [
    "ExportError",
    "QfxTracer",
    "TensorInfo",
    "SizeInfo",
    "trace",
    "record_values",
]


class ExportError(RuntimeError):
    """Tracing or exporting a model failed; the message says where and why."""


class TensorInfo:
    """Shape and dtype of a tensor result (deliberately not a tuple, so
    that it never looks like an aggregate)."""
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype

    def __eq__(self, other):
        return (isinstance(other, TensorInfo) and self.shape == other.shape
                and self.dtype == other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __repr__(self):
        return "TensorInfo(%s, %s)" % (list(self.shape), self.dtype)


class SizeInfo(tuple):
    """A torch.Size result (kept apart from plain tuples of ints)."""


class QfxTracer(torch.fx.Tracer):
    """torch.fx.Tracer that records the module path of every node.

    `leaf_modules` holds module classes and/or qualified module names that
    are kept as call_module nodes in addition to torch.fx's default leaves
    (everything under torch.nn except Sequential).
    """

    def __init__(self, leaf_modules=()):
        super().__init__()
        self._leaf_types = tuple(m for m in leaf_modules if isinstance(m, type))
        self._leaf_names = {m for m in leaf_modules if isinstance(m, str)}
        self._module_stack = [""]

    def is_leaf_module(self, m, module_qualified_name):
        if module_qualified_name in self._leaf_names:
            return True
        if self._leaf_types and isinstance(m, self._leaf_types):
            return True
        return super().is_leaf_module(m, module_qualified_name)

    def call_module(self, m, forward, args, kwargs):
        path = self.path_of_module(m)
        self._module_stack.append(path)
        try:
            return super().call_module(m, forward, args, kwargs)
        except Exception as e:
            # Remember the innermost module only.
            if not hasattr(e, "_qfx_module"):
                e._qfx_module = path
            raise
        finally:
            self._module_stack.pop()

    def create_node(self, kind, target, args, kwargs, name=None,
                    type_expr=None):
        node = super().create_node(kind, target, args, kwargs, name, type_expr)
        node.meta["qfx_module"] = self._module_stack[-1]
        return node


_TORCH_DIR = os.path.dirname(torch.__file__)
_INTERNAL_DIRS = (os.path.join(_TORCH_DIR, "fx"),
                  os.path.join(_TORCH_DIR, "nn", "modules", "module.py"),
                  os.path.dirname(__file__))


def _user_frame(exc):
    """The innermost traceback frame outside torch.fx and qfx_torch."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        if not frame.filename.startswith(_INTERNAL_DIRS):
            return frame
    return frames[-1] if frames else None


def _trace_error(model, exc):
    module = getattr(exc, "_qfx_module", "")
    where = "module '%s' (%s)" % (module, type(model.get_submodule(module)).__name__) \
        if module else "the top-level module (%s)" % type(model).__name__
    lines = ["symbolic tracing failed in %s: %s: %s"
             % (where, type(exc).__name__, exc)]
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, IndexError) and frames and frames[-1].name == "iter" \
            and frames[-1].filename.endswith(os.path.join("fx", "proxy.py")):
        # torch 1.13 finds `a, b = proxy` by decoding the caller's bytecode,
        # which fails on Python 3.11+.
        lines.append("  (this is tuple unpacking of a traced value, which "
                     "torch 1.13 cannot trace on Python 3.11+: index the "
                     "result instead, e.g. r = f(x); a, b = r[0], r[1])")
    frame = _user_frame(exc)
    if frame is not None:
        lines.append("  at %s:%d%s" % (frame.filename, frame.lineno,
                                       (": " + frame.line) if frame.line else ""))
    leaf = repr(module) if module else "..."
    if isinstance(exc, NotImplementedError) and "argument of type" in str(exc):
        lines.append("hint: torch.fx can only record tensors, numbers, "
                     "strings, dtypes and containers of them as arguments; "
                     "keep the code that passes this value opaque with "
                     "leaf_modules=[%s] (CLI: --leaf-module)." % leaf)
    else:
        lines.append(
            "hint: Python control flow or iteration on traced values cannot "
            "be traced. Keep the offending module opaque with "
            "leaf_modules=[%s] (CLI: --leaf-module), or fix the input that "
            "drives the control flow with concrete_args={...}." % leaf)
    return ExportError("\n".join(lines))


def _reuse_prepared_graph(model):
    """A GraphModule prepared by torch.ao.quantization (prepare_fx /
    prepare_qat_fx) is exported from its own graph, not re-traced: node
    names must match the keys of its `_qconfig_map`, and observers must stay
    call_module nodes. Module paths come from `_node_name_to_scope`."""
    import copy
    graph = copy.deepcopy(model.graph)
    scope = getattr(model, "_node_name_to_scope", {}) or {}
    for node in graph.nodes:
        if node.op == "call_module":
            node.meta["qfx_module"] = node.target
        else:
            node.meta["qfx_module"] = scope.get(node.name, ("", None))[0]
    gm = torch.fx.GraphModule(model, graph, model.__class__.__name__)
    gm._qconfig_map = model._qconfig_map
    return gm


def trace(model, concrete_args=None, leaf_modules=()):
    """Symbolically trace `model` into a GraphModule (with qfx_module meta)."""
    if isinstance(model, torch.fx.GraphModule) and \
            hasattr(model, "_qconfig_map") and not concrete_args:
        return _reuse_prepared_graph(model)
    tracer = QfxTracer(leaf_modules)
    try:
        graph = tracer.trace(model, concrete_args=concrete_args)
    except Exception as e:  # every tracing failure gets the same report
        raise _trace_error(model, e) from e
    name = model.__class__.__name__
    return torch.fx.GraphModule(tracer.root, graph, name)


def _summarize(value):
    if isinstance(value, torch.Tensor):
        return TensorInfo(tuple(value.shape), value.dtype)
    if isinstance(value, torch.Size):
        return SizeInfo(tuple(value))
    if isinstance(value, tuple):
        return tuple(_summarize(v) for v in value)
    if isinstance(value, list):
        return [_summarize(v) for v in value]
    if isinstance(value, dict):
        return {k: _summarize(v) for k, v in value.items()}
    return value


class _Recorder(ShapeProp):
    def run_node(self, n):
        result = super().run_node(n)
        n.meta["qfx_value"] = _summarize(result)
        return result


def placeholder_values(gm, model, example_inputs, concrete_args):
    """Values for every placeholder: example inputs in order, except the
    placeholders specialized by concrete_args (which keep their value)."""
    concrete_args = concrete_args or {}
    params = [p for p in inspect.signature(model.forward).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    inputs = list(example_inputs)
    values, concrete = [], {}
    for i, node in enumerate(placeholders):
        name = params[i].name if i < len(params) else node.target
        if name in concrete_args:
            values.append(concrete_args[name])
            concrete[node] = concrete_args[name]
        elif inputs:
            values.append(inputs.pop(0))
        elif node.args:
            values.append(node.args[0])
            concrete[node] = node.args[0]
        else:
            raise ExportError("no example input for placeholder '%s'"
                              % node.name)
    if inputs:
        raise ExportError("%d example inputs given for %d placeholders"
                          % (len(example_inputs), len(example_inputs) - len(inputs)))
    return values, concrete


def record_values(gm, args):
    """Run `gm` on `args` once, storing result summaries in node meta.

    Module state is left untouched: buffers updated by the run (BatchNorm
    statistics in training mode) and the RNG state are restored afterwards.
    """
    saved = [(b, b.detach().clone()) for b in gm.buffers()]
    rng = torch.random.get_rng_state()
    try:
        with torch.no_grad():
            _Recorder(gm).propagate(*args)
    except Exception as e:
        raise ExportError("running the traced graph on the example inputs "
                          "failed: %s" % e) from e
    finally:
        with torch.no_grad():
            for buf, copy in saved:
                buf.copy_(copy)
        torch.random.set_rng_state(rng)
