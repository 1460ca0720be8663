"""Differential conformance harness: PyTorch 1.13 FX vs. qfx.

Pure Python on /usr/bin/python3 (torch 1.13). The float stage:

    model, inputs, case = models.build("resnet18")
    report = check_float_stage("resnet18", model, inputs, workdir, qfx_opt)

exports the model with qfx_torch, has `qfx-opt` re-read and re-print it
(`load_qfx`: the op histogram, provenance and parameter bytes all come
from qfx-opt's output, never from the exporter's own bookkeeping) and
compares it with an independent torch.fx trace of the same model
(`torch_reference`):

* histogram: ops by (node kind, canonical target) from `qfx.node` vs. FX
  nodes by (node.op, canonical target);
* parameters: every state_dict entry is a `qfx.parameter` whose
  dense_resource bytes, dtype and shape are identical;
* provenance: every `qfx.node` op's location names an FX node of the
  same kind and target, with the module path the tracer saw.

Later stages plug in through `run_torch_stage` (PyTorch's fuse_fx /
prepare_fx / convert_fx) and `run_qfx_stage` (a qfx-opt pipeline); the
comparisons above work on any stage's FX graph and qfx output.
"""

import collections
import copy
import operator
import os
import re
import shutil
import subprocess
import sys

import torch
import torch.fx
from torch.fx.passes.shape_prop import ShapeProp

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))

import qfx_torch  # noqa: E402
from qfx_torch.config_io import canonical_name  # noqa: E402
from qfx_torch.tracing import placeholder_values  # noqa: E402

__all__ = [
    "find_qfx_opt", "export_model", "load_qfx", "QfxModule", "QfxOp",
    "torch_reference", "TorchReference", "qfx_histogram", "compare_histograms",
    "check_parameters", "check_provenance", "check_float_stage",
    "run_torch_stage", "run_qfx_stage", "ConformanceError",
    "run_lowering_cases",
]


class ConformanceError(AssertionError):
    """qfx and PyTorch disagree; the message lists every difference."""


# ---------------------------------------------------------------------------
# qfx side
# ---------------------------------------------------------------------------

def find_qfx_opt(explicit=None):
    for candidate in (explicit, os.environ.get("QFX_OPT"), shutil.which("qfx-opt")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise FileNotFoundError("qfx-opt not found (pass --qfx-opt or set QFX_OPT)")


def export_model(model, example_inputs, path, **options):
    """qfx_torch.export; returns the GraphModule it traced."""
    return qfx_torch.export(model, example_inputs, path, **options)


QfxOp = collections.namedtuple("QfxOp", ["op", "kind", "target", "module", "loc"])
QfxParameter = collections.namedtuple("QfxParameter",
                                      ["kind", "type", "resource", "dense"])


class QfxModule:
    """What qfx-opt printed: ops with provenance, parameters, blobs."""

    def __init__(self):
        self.training = None
        self.ops = []          # every op (QfxOp; kind None without qfx.node)
        self.parameters = {}   # symbol -> QfxParameter
        self.blobs = {}        # resource key -> bytes (alignment stripped)

    def node_ops(self):
        return [o for o in self.ops if o.kind is not None]


_STR = r'"((?:[^"\\]|\\.)*)"'
_OP_RE = re.compile(r'^\s*(?:%[^=]*=\s*)?"([\w.]+)"')
_NODE_RE = re.compile(r'qfx\.node = #qfx\.node<(\w+), ' + _STR
                      + r'(?:, module = ' + _STR + r')?>')
_LOC_RE = re.compile(r'loc\((?:' + _STR + r'|(#loc\d*))\)\s*$')
_LOC_ALIAS_RE = re.compile(r'^(#loc\d*) = loc\(' + _STR + r'\)\s*$')
_PARAM_RE = re.compile(r'kind = #qfx<parameter_kind (\w+)>, sym_name = ' + _STR
                       + r', value = (?:dense_resource<([^>]+)>|(dense<[^>]*>))'
                       + r' : (tensor<[^>]*>)')
_TRAINING_RE = re.compile(r'qfx\.training = (true|false)')


def _unescape(s):
    out, i = bytearray(), 0
    raw = s.encode("utf-8")
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):  # backslash
            nxt = chr(raw[i + 1])
            simple = {"\\": b"\\", '"': b'"', "n": b"\n", "t": b"\t"}
            if nxt in simple:
                out += simple[nxt]
                i += 2
                continue
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
            continue
        out.append(c)
        i += 1
    return out.decode("utf-8")


def parse_generic(lines):
    """Parse qfx-opt's `--mlir-print-op-generic --mlir-print-debuginfo`
    output (locations may be inline or `#locN` aliases)."""
    mod = QfxModule()
    in_resources = False
    aliases = {}
    for line in lines:
        if in_resources:
            stripped = line.strip()
            key, sep, rest = stripped.partition(': "0x')
            if sep:
                key = _unescape(key[1:-1]) if key.startswith('"') else key
                hexdata = rest.rstrip(",").rstrip('"')
                mod.blobs[key] = bytes.fromhex(hexdata)[4:]
            continue
        if line.startswith("{-#"):
            in_resources = True
            continue
        if line.startswith("#loc"):
            a = _LOC_ALIAS_RE.match(line)
            if a:
                aliases[a.group(1)] = _unescape(a.group(2))
            continue
        if line.startswith("})"):  # the end of builtin.module
            t = _TRAINING_RE.search(line)
            if t:
                mod.training = t.group(1) == "true"
            continue
        m = _OP_RE.match(line)
        if not m:
            continue
        name = m.group(1)
        if name == "builtin.module" or name == "func.func":
            continue
        if name == "qfx.parameter":
            p = _PARAM_RE.search(line)
            if not p:
                raise ConformanceError("cannot parse parameter line: " + line[:300])
            mod.parameters[_unescape(p.group(2))] = QfxParameter(
                p.group(1), p.group(5), p.group(3), p.group(4))
            continue
        node = _NODE_RE.search(line)
        loc = _LOC_RE.search(line)
        mod.ops.append(QfxOp(
            name,
            node.group(1) if node else None,
            _unescape(node.group(2)) if node else None,
            _unescape(node.group(3) or "") if node else None,
            (_unescape(loc.group(1)) if loc.group(1) is not None
             else loc.group(2)) if loc else None))
    mod.ops = [o._replace(loc=aliases.get(o.loc, o.loc)) if o.loc and o.loc.startswith("#loc")
               else o for o in mod.ops]
    return mod


def load_qfx(path, qfx_opt=None, out_path=None):
    """Run qfx-opt on `path` (verifying it) and parse what it prints."""
    out_path = out_path or path + ".generic.mlir"
    # (--mlir-print-local-scope would drop the dialect_resources section.)
    cmd = [find_qfx_opt(qfx_opt), path, "--mlir-print-op-generic",
           "--mlir-print-debuginfo", "-o", out_path]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ConformanceError("qfx-opt rejected %s:\n%s" % (path, proc.stderr[-4000:]))
    with open(out_path) as f:
        lines = f.read().split("\n")
    os.unlink(out_path)
    return parse_generic(lines)


def qfx_histogram(mod):
    return collections.Counter((o.kind, o.target) for o in mod.node_ops())


# ---------------------------------------------------------------------------
# PyTorch side
# ---------------------------------------------------------------------------

class _ReferenceTracer(torch.fx.Tracer):
    """Plain torch.fx tracing plus the module stack, kept independent of
    qfx_torch's tracer so that the two check each other."""

    def __init__(self, leaf_modules=()):
        super().__init__()
        self.leaf_modules = tuple(leaf_modules)
        self.stack = [""]
        self.module_of = {}

    def is_leaf_module(self, m, qualname):
        for leaf in self.leaf_modules:
            if leaf == qualname or (isinstance(leaf, type) and isinstance(m, leaf)):
                return True
        return super().is_leaf_module(m, qualname)

    def call_module(self, m, forward, args, kwargs):
        self.stack.append(self.path_of_module(m))
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self.stack.pop()

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        self.module_of[node.name] = self.stack[-1]
        return node


TorchReference = collections.namedtuple(
    "TorchReference", ["gm", "module_of", "histogram", "elided"])


def torch_reference(model, example_inputs, concrete_args=None, leaf_modules=()):
    """Trace a copy of `model` with torch.fx and build the expected
    histogram. getitem nodes that select from a tuple/list result are
    elided by the exporter (it selects the result directly), so they are
    listed in `elided` instead of the histogram."""
    model = copy.deepcopy(model)
    tracer = _ReferenceTracer(leaf_modules)
    graph = tracer.trace(model, concrete_args=concrete_args)
    gm = torch.fx.GraphModule(tracer.root, graph)
    args, _ = placeholder_values(gm, model, example_inputs, concrete_args)
    with torch.no_grad():
        ShapeProp(gm).propagate(*args)
    hist, elided = collections.Counter(), []
    for node in gm.graph.nodes:
        if node.op in ("placeholder", "output"):
            continue
        if (node.op == "call_function" and node.target is operator.getitem
                and isinstance(node.args[0], torch.fx.Node)):
            t = node.args[0].meta.get("type")
            if t is not None and issubclass(t, (tuple, list)) \
                    and not issubclass(t, torch.Size):
                elided.append(node.name)
                continue
        hist[_fx_key(gm, node)] += ops_per_node(node)
    return TorchReference(gm, tracer.module_of, hist, elided)


# Tuple-valued nodes the exporter lowers to one typed op per element
# (slices of the input).
_SPLIT_TARGETS = {("call_function", torch.chunk), ("call_function", torch.split),
                  ("call_method", "chunk"), ("call_method", "split")}


def ops_per_node(node):
    """How many qfx ops carry `node`'s provenance: one, except for
    torch.chunk / torch.split, which become one `qfx.getitem` slice per
    tensor of their (shape-propagated) tuple result."""
    try:
        split = (node.op, node.target) in _SPLIT_TARGETS
    except TypeError:  # unhashable target
        split = False
    meta = node.meta.get("tensor_meta")
    if split and isinstance(meta, (tuple, list)):
        return len(meta)
    return 1


def _fx_key(gm, node):
    if node.op == "call_module":
        return node.op, canonical_name(type(gm.get_submodule(node.target)))
    if node.op == "call_function":
        return node.op, canonical_name(node.target)
    return node.op, str(node.target)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def compare_histograms(expected, actual):
    """Differences as strings (empty when equal)."""
    diffs = []
    for key in sorted(set(expected) | set(actual), key=str):
        if expected.get(key, 0) != actual.get(key, 0):
            diffs.append("%s %s: torch.fx %d, qfx %d" % (
                key[0], key[1], expected.get(key, 0), actual.get(key, 0)))
    return diffs


_DTYPE_ELEMENT = {"f32": torch.float32, "f64": torch.float64, "f16": torch.float16,
                  "bf16": torch.bfloat16, "i64": torch.int64, "i32": torch.int32,
                  "i16": torch.int16, "i8": torch.int8, "ui8": torch.uint8,
                  "i1": torch.bool}


def _parse_tensor_type(text):
    parts = text[len("tensor<"):-1].split("x")
    return tuple(int(d) for d in parts[:-1]), _DTYPE_ELEMENT.get(parts[-1])


def check_parameters(mod, model):
    """Every named parameter / buffer is exported bit-exactly. Returns
    (number checked, total bytes, differences)."""
    diffs, checked, total = [], 0, 0
    # state_dict keeps tied duplicates; named_buffers adds non-persistent ones.
    entries = dict(model.state_dict(keep_vars=True))
    for n, b in model.named_buffers():
        entries.setdefault(n, b)
    named = [(n, "parameter" if isinstance(t, torch.nn.Parameter) else "buffer", t)
             for n, t in entries.items()]
    first_by_id = {}
    for name, kind, tensor in named:
        first_by_id.setdefault(id(tensor), name)
    for name, kind, tensor in named:
        symbol = first_by_id[id(tensor)]  # tied weights share one symbol
        p = mod.parameters.get(symbol)
        if p is None:
            diffs.append("%s '%s' is missing" % (kind, name))
            continue
        if p.kind != kind:
            diffs.append("'%s' is a %s in qfx, a %s in torch" % (name, p.kind, kind))
        shape, dtype = _parse_tensor_type(p.type)
        if shape != tuple(tensor.shape) or dtype != tensor.dtype:
            diffs.append("'%s': qfx type %s, torch %s %s" % (
                name, p.type, tuple(tensor.shape), tensor.dtype))
            continue
        t = tensor.detach().cpu().contiguous()
        expected = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        actual = mod.blobs.get(p.resource) if p.resource else b""
        if p.resource is None and t.numel():
            diffs.append("'%s' is not a dense_resource (%s)" % (name, p.dense))
        elif actual != expected:
            diffs.append("'%s': bytes differ (%s of %d bytes)" % (
                name, "missing" if actual is None else "%d" % len(actual),
                len(expected)))
        checked += 1
        total += len(expected)
    return checked, total, diffs


def check_provenance(mod, ref):
    """Each qfx.node op names (by location) an FX node with the same kind,
    target and module path; every non-elided FX node appears once."""
    diffs = []
    nodes = {n.name: n for n in ref.gm.graph.nodes}
    seen = collections.Counter()
    for op in mod.node_ops():
        node = nodes.get(op.loc)
        if node is None:
            diffs.append("%s with provenance %s %s has location %r, not an FX "
                         "node" % (op.op, op.kind, op.target, op.loc))
            continue
        seen[op.loc] += 1
        kind, target = _fx_key(ref.gm, node)
        if (op.kind, op.target) != (kind, target):
            diffs.append("%s at %r: qfx says %s %s, FX says %s %s" % (
                op.op, op.loc, op.kind, op.target, kind, target))
        module = node.target if node.op == "call_module" else ref.module_of.get(node.name, "")
        if op.module != module:
            diffs.append("%s at %r: module %r, expected %r" % (
                op.op, op.loc, op.module, module))
    for name, node in nodes.items():
        if node.op in ("placeholder", "output") or name in ref.elided:
            continue
        if seen[name] != ops_per_node(node):
            diffs.append("FX node %r appears %d times in qfx (expected %d)"
                         % (name, seen[name], ops_per_node(node)))
    return diffs


def check_float_stage(name, model, example_inputs, workdir, qfx_opt=None,
                      concrete_args=None, leaf_modules=(), suffix=".mlir",
                      qfx_run=None):
    """Export, reload with qfx-opt, and run all checks. Returns a report
    dict; raises ConformanceError listing every difference."""
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, name + suffix)
    ref = torch_reference(model, example_inputs, concrete_args, leaf_modules)
    state_before = {k: v.clone() for k, v in model.state_dict().items()}
    export_model(model, example_inputs, path, concrete_args=concrete_args,
                 leaf_modules=leaf_modules, qfx_opt=qfx_opt)
    mod = load_qfx(path, qfx_opt)
    hist = qfx_histogram(mod)
    diffs = ["histogram: " + d for d in compare_histograms(ref.histogram, hist)]
    checked, nbytes, pdiffs = check_parameters(mod, model)
    diffs += ["parameters: " + d for d in pdiffs]
    diffs += ["provenance: " + d for d in check_provenance(mod, ref)]
    if mod.training != model.training:
        diffs.append("qfx.training is %s, model.training is %s"
                     % (mod.training, model.training))
    for k, v in model.state_dict().items():
        if not torch.equal(v, state_before[k]):
            diffs.append("export modified the model's %s" % k)
    max_error = None
    # qfx-run cannot execute qfx.call; training mode is not reproducible.
    runnable = not any(o.op == "qfx.call" for o in mod.ops)
    if qfx_run and runnable and not diffs and suffix == ".mlir" and not model.training:
        try:
            max_error = check_numerics(path, model, example_inputs, qfx_run)
        except ConformanceError as e:
            diffs.append(str(e))
    generic = collections.Counter(o.target for o in mod.node_ops() if o.op == "qfx.call")
    report = {
        "model": name,
        "fx_nodes": sum(ref.histogram.values()),
        "elided_getitems": len(ref.elided),
        "qfx_ops": len(mod.ops),
        "typed_ops": sum(1 for o in mod.node_ops() if o.op != "qfx.call"),
        "generic_calls": dict(generic),
        "parameters_checked": checked,
        "parameter_bytes": nbytes,
        "max_abs_error": max_error,
        "differences": diffs,
    }
    if diffs:
        raise ConformanceError("%s: %d differences:\n  %s" % (
            name, len(diffs), "\n  ".join(diffs)))
    os.unlink(path)
    return report


def _flat_outputs(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat_outputs(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _flat_outputs(o)]
    return []


def check_numerics(path, model, example_inputs, qfx_run, rtol=1e-4, atol=1e-5):
    """Run the exported graph with qfx-run on the example inputs and
    compare every output with the model's (eval mode only: training-mode
    dropout and batch statistics are not reproducible). Returns the
    largest absolute difference; raises ConformanceError on a mismatch."""
    import numpy as np
    names = [n for n in _placeholder_names(path)]
    arrays = {name: t.numpy() for name, t in zip(names, example_inputs)}
    inputs = path + ".inputs.npz"
    outputs = path + ".outputs.npz"
    np.savez(inputs, **arrays)
    try:
        proc = subprocess.run([qfx_run, path, "--input", inputs, "-o", outputs],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise ConformanceError("qfx-run failed on %s:\n%s"
                                   % (path, proc.stderr[-4000:]))
        got = np.load(outputs)
        with torch.no_grad():
            expected = _flat_outputs(copy.deepcopy(model)(*example_inputs))
        worst, diffs = 0.0, []
        for i, e in enumerate(expected):
            g = got[str(i)]
            e = e.numpy()
            if g.shape != e.shape:
                diffs.append("output %d: shape %s vs %s" % (i, g.shape, e.shape))
                continue
            if e.dtype.kind == "f":
                err = float(np.max(np.abs(g.astype(np.float64) - e))) if e.size else 0.0
                worst = max(worst, err)
                if not np.allclose(g, e, rtol=rtol, atol=atol):
                    diffs.append("output %d: max abs difference %g" % (i, err))
            elif not np.array_equal(g, e):
                diffs.append("output %d: integer values differ" % i)
        if diffs:
            raise ConformanceError("numerics of %s:\n  %s" % (path, "\n  ".join(diffs)))
        return worst
    finally:
        for f in (inputs, outputs):
            if os.path.exists(f):
                os.unlink(f)


def _placeholder_names(path):
    """qfx.name of each @forward argument, in order (from the text)."""
    with open(path) as f:
        for line in f:
            if "func.func @forward(" in line:
                return re.findall(r'\{qfx\.name = ' + _STR + r'\}', line)
    raise ConformanceError("no func.func @forward in " + path)


# ---------------------------------------------------------------------------
# Later-stage extension points
# ---------------------------------------------------------------------------

def run_torch_stage(model, stage, example_inputs, qconfig_mapping=None,
                    backend_config=None, calibrate=None):
    """PyTorch's result for one FX quantization stage (the reference that
    later stages compare qfx against with the checks above).

    stage: "float" (symbolic_trace), "fuse" (fuse_fx), "prepare" / "qat"
    (prepare_fx / prepare_qat_fx) or "convert" (prepare, `calibrate(m)`,
    convert_fx). Works on a deep copy; the caller's model is untouched.
    """
    from torch.ao.quantization import quantize_fx
    model = copy.deepcopy(model)
    if stage == "float":
        return torch.fx.symbolic_trace(model)
    if stage == "fuse":
        return quantize_fx.fuse_fx(model, backend_config=backend_config)
    if stage in ("prepare", "qat", "convert"):
        if qconfig_mapping is None:
            raise ValueError("stage %r needs a qconfig_mapping" % stage)
        prepare = quantize_fx.prepare_qat_fx if stage == "qat" else quantize_fx.prepare_fx
        prepared = prepare(model, qconfig_mapping, example_inputs,
                           backend_config=backend_config)
        if stage != "convert":
            return prepared
        if calibrate is not None:
            calibrate(prepared)
        return quantize_fx.convert_fx(prepared, backend_config=backend_config)
    raise ValueError("unknown stage %r" % stage)


def run_qfx_stage(path, pipeline, out_path, qfx_opt=None, extra_args=()):
    """Run a qfx-opt pass pipeline (e.g. "builtin.module(func.func(qfx-fuse))")
    on `path`, writing `out_path`. The qfx passes themselves arrive with
    later stages; this only drives qfx-opt."""
    cmd = [find_qfx_opt(qfx_opt), path, "--pass-pipeline=" + pipeline,
           "-o", out_path] + list(extra_args)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ConformanceError("qfx-opt %s failed:\n%s" % (pipeline, proc.stderr[-4000:]))
    return out_path


def run_lowering_cases(workdir_prefix, cases, run_case, describe):
    """The body of a lowering conformance script's main(): parses --qfx-opt,
    --qfx-run and --workdir, runs run_case(name, qconfig, engine, backend,
    decomposed, qfx_opt, qfx_run, workdir) for every such tuple of `cases`,
    printing FAIL with the error (every case is reported) or PASS with
    describe(label, result). Returns (failures, largest result["max_rel"])."""
    import argparse
    import tempfile
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", required=True)
    ap.add_argument("--qfx-run", required=True)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix=workdir_prefix)
    os.makedirs(workdir, exist_ok=True)
    failures, worst = 0, 0.0
    for name, qconfig, engine, backend, decomposed in cases:
        label = "%s/%s/%s->%s%s" % (name, qconfig, engine, backend,
                                    " (decomposed)" if decomposed else "")
        try:
            r = run_case(name, qconfig, engine, backend, decomposed, args.qfx_opt,
                         args.qfx_run, workdir)
        except Exception as e:  # report every case
            failures += 1
            print("FAIL %s\n  %s" % (label, e), flush=True)
            continue
        worst = max(worst, r["max_rel"])
        print("PASS " + describe(label, r), flush=True)
    return failures, worst
