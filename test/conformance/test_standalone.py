"""Standalone modules: --qfx-prepare against PyTorch 1.13's prepare_fx /
prepare_qat_fx with a PrepareCustomConfig naming standalone modules.

    /usr/bin/python3 test_standalone.py --qfx-opt build/bin/qfx-opt \
        [--qfx-run build/bin/qfx-run] [cases...]

Every case exports a model with `qfx_torch.export(...,
standalone_modules=cfg)` (each standalone module a nested function called
by `func.call`), writes `cfg` with `save_prepare_custom_config` and runs
`qfx-opt --qfx-prepare` with it. PyTorch prepares the same model with the
same PrepareCustomConfig. The observers of the parent graph and those of
each standalone module's own graph (PyTorch: the ObservedStandaloneGraphModule
at the module's path; qfx: the nested function `@"<path>.forward"`) are
compared as test_prepare.py compares them: every distinct observer by the
FX node whose value it observes and its configuration; observers are
named as their graph's submodules (`sub.activation_post_process_N`).
With --qfx-run, cases are then calibrated with the same batches in
PyTorch and `qfx-run --calibrate` (which runs the func.calls), and every
activation observer's recorded state must equal PyTorch's bit for bit.
The calibrated models are then converted (convert_to_reference_fx;
`qfx-opt --qfx-convert`, reference and decomposed=true) and run on one
input: outputs within 1 LSB, and quantized values crossing each standalone
module call where PyTorch's reference graph passes them.

Cases cover standalone modules selected by name and by class, without a
config of their own (the parent's qconfig for the call becomes the global
qconfig), with input/output_quantized_idxs, with their own qconfig mapping,
with a parent qconfig of None, with conv + batch_norm + relu inside,
standalone entries in a standalone module's own config (ignored by 1.13's
tracer), and nn.Embedding / nn.EmbeddingBag inside (QAT swaps them to
nnqat modules with the parent's float-qparams qconfig; with the default
QAT qconfig prepare_qat_fx fails). PTQ and QAT are compared (with QAT prepare_qat_fx swaps a
standalone module's conv / linear submodules to QAT modules with the
parent's qconfigs before preparing it: they take part in no fusion and no
multi-op pattern, and their weight fake-quantizes are the parent's); where
PyTorch raises (a fixed-qparams op under a plain global qconfig, an
embedding swapped with a non-float-qparams qconfig) qfx must fail too. With --qfx-run both calibrate (QAT: training mode, fake-quantize
observers, a shared fake-quantize called at each member of its group) and
convert.
"""

import argparse
import copy
import os
import re
import subprocess
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from torch.ao.quantization import (  # noqa: E402
    QConfigMapping, default_embedding_qat_qconfig, default_qconfig,
    float_qparams_weight_only_qconfig, get_default_qat_qconfig_mapping,
    get_default_qconfig_mapping)
from torch.ao.quantization.fx.custom_config import PrepareCustomConfig  # noqa: E402
from torch.ao.quantization.observer import ObserverBase  # noqa: E402
from torch.ao.quantization.quantize_fx import (  # noqa: E402
    convert_to_reference_fx, prepare_fx, prepare_qat_fx)

import qfx_torch  # noqa: E402
from qfx_torch.config_io import save_prepare_custom_config  # noqa: E402
from test_prepare import (  # noqa: E402
    _LOC_ALIAS_RE, _LOC_RE, _OBS_RE, _minmax_rel_diff, _same_state, _state_fields,
    compare, qfx_observers, run, torch_observers)
from test_convert import MAX_LSB, _LSB_SLACK, _flat, _output_scales  # noqa: E402


class Block(nn.Module):
    """conv + relu (fused), a linear and a residual add: observers on the
    input, the fused conv, the linear and the add."""

    def __init__(self, c=4):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        y = self.relu(self.conv(x))
        return self.fc(y) + x


class BnBlock(nn.Module):
    """conv + batch_norm + relu: one fused module with PTQ; with QAT the
    parent swaps the conv to nnqat.Conv2d first, so only the batch_norm +
    relu fuse (BNReLU2d) and the conv output is observed on its own."""

    def __init__(self, c=4):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc(self.relu(self.bn(self.conv(x))))


class BnParent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.sub = BnBlock()

    def forward(self, x):
        return self.sub(self.conv(x))


class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return torch.sigmoid(self.fc(x))


class Outer(nn.Module):
    """A standalone module with a standalone module of its own."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)
        self.inner = Inner()

    def forward(self, x):
        return self.inner(self.conv(x)) * 2.0


class Parent(nn.Module):
    """conv -> sub (standalone) -> linear; a second Block `other` that is
    standalone only when selected by class."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.sub = Block()
        self.other = Block()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(self.other(self.sub(self.conv(x))))


class InputFirst(nn.Module):
    """The standalone module reads the graph input and writes the graph
    output: with input_quantized_idxs the parent observes the float input
    for it."""

    def __init__(self):
        super().__init__()
        self.sub = Block(3)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return self.pool(self.sub(x)), torch.relu(x)


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.outer = Outer()

    def forward(self, x):
        return self.outer(self.conv(x)) + 1.0


class EmbBlock(nn.Module):
    """nn.Embedding and nn.EmbeddingBag on index buffers next to a linear:
    with QAT the parent swaps both to nnqat modules with its embedding
    qconfig (a float-qparams weight fake-quantize)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 8)
        self.bag = nn.EmbeddingBag(10, 8, mode="sum")
        self.fc = nn.Linear(8, 8)
        self.register_buffer("idx", torch.tensor([
            [1, 2, 3, 4, 5, 6, 7, 8], [0, 9, 2, 4, 6, 8, 1, 3],
            [5, 5, 0, 1, 2, 3, 9, 7], [4, 3, 2, 1, 0, 9, 8, 7]]))
        self.register_buffer("bag_idx", torch.arange(24).reshape(8, 3) % 10)

    def forward(self, x):
        return self.fc(x) + self.emb(self.idx) + self.bag(self.bag_idx)


class EmbParent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.sub = EmbBlock()

    def forward(self, x):
        return self.sub(self.conv(x))


def _embedding_qconfigs(mapping, qat):
    # As PyTorch users set them: the embedding qconfigs by class.
    q = default_embedding_qat_qconfig if qat else float_qparams_weight_only_qconfig
    mapping.set_object_type(nn.Embedding, q).set_object_type(nn.EmbeddingBag, q)


def _idx(inputs=(), outputs=()):
    return PrepareCustomConfig().set_input_quantized_indexes(
        list(inputs)).set_output_quantized_indexes(list(outputs))


def _own_mapping():
    # Differs from the parent's: only the module's `fc` is quantized, with
    # default_qconfig (MinMaxObserver, reduce_range).
    return QConfigMapping().set_module_name("fc", default_qconfig)


def _cases():
    """name -> (model factory, input shape, custom config factory,
    parent mapping adjustment or None)."""
    x = (1, 3, 8, 8)
    return {
        "name_plain": (Parent, x, lambda ex: PrepareCustomConfig()
                       .set_standalone_module_name("sub", None, ex, None, None), None),
        "name_idx": (Parent, x, lambda ex: PrepareCustomConfig()
                     .set_standalone_module_name("sub", None, ex, _idx([0], [0]), None),
                     None),
        "class_own_mapping": (Parent, x, lambda ex: PrepareCustomConfig()
                              .set_standalone_module_class(Block, _own_mapping(), ex,
                                                           _idx([0]), None), None),
        "name_over_class": (Parent, x, lambda ex: PrepareCustomConfig()
                            .set_standalone_module_class(Block, _own_mapping(), ex,
                                                         _idx([0]), None)
                            .set_standalone_module_name("other", None, ex,
                                                        _idx([], [0]), None), None),
        "input_idx": (InputFirst, x, lambda ex: PrepareCustomConfig()
                      .set_standalone_module_name("sub", None, ex, _idx([0], [0]), None),
                      None),
        "name_conv_bn": (BnParent, x, lambda ex: PrepareCustomConfig()
                         .set_standalone_module_name("sub", None, ex, None, None), None),
        "parent_none": (Parent, x, lambda ex: PrepareCustomConfig()
                        .set_standalone_module_name("sub", None, ex, _idx([0]), None),
                        lambda m, qat: m.set_module_name("sub", None)),
        # prepare_qat_fx swaps the embeddings inside to nnqat modules with
        # the parent's embedding qconfig (PTQ: the module's own global
        # qconfig leaves them float).
        "name_embedding": (EmbParent, x, lambda ex: PrepareCustomConfig()
                           .set_standalone_module_name("sub", None, ex, None, None),
                           _embedding_qconfigs),
        # Its own mapping quantizes the Embedding (not the EmbeddingBag):
        # with QAT convert then uses the parent's weight fake-quantize for
        # it and keeps the bag float (its node unobserved).
        "embedding_own_mapping": (EmbParent, x, lambda ex: PrepareCustomConfig()
                                  .set_standalone_module_name(
                                      "sub", get_default_qconfig_mapping("qnnpack")
                                      .set_object_type(nn.Embedding,
                                                       float_qparams_weight_only_qconfig),
                                      ex, None, None), _embedding_qconfigs),
        # The default QAT qconfig on an embedding: nnqat.Embedding.from_float
        # asserts a float-qparams weight, so prepare_qat_fx fails.
        "embedding_default_qconfig": (EmbParent, x, lambda ex: PrepareCustomConfig()
                                      .set_standalone_module_name("sub", None, ex, None,
                                                                  None), None),
        # 1.13 traces through the standalone modules inside a standalone
        # module (its own config's standalone entries only select leaf
        # calls): `inner` is part of `outer`, its sigmoid resolves to the
        # outer call's qconfig and both prepare_fx and qfx reject it.
        "nested": (Nested, x, lambda ex: PrepareCustomConfig()
                   .set_standalone_module_name(
                       "outer", None, ex,
                       _idx([0]).set_standalone_module_name(
                           "inner", get_default_qconfig_mapping("qnnpack"), ex,
                           _idx([0], [0]), None), None), None),
        # With the default mapping as its own, the sigmoid gets its
        # fixed-qparams observer.
        "nested_own_mapping": (Nested, x, lambda ex: PrepareCustomConfig()
                               .set_standalone_module_name(
                                   "outer", get_default_qconfig_mapping("qnnpack"),
                                   ex, _idx([0], [0]), None), None),
    }


def _split_functions(text):
    """{function symbol: its text plus the location aliases}."""
    lines = text.split("\n")
    aliases = [l for l in lines if l.startswith("#loc")]
    funcs, current = {}, None
    for line in lines:
        m = re.match(r'\s*func\.func (?:private )?@"?([^"(]+)"?\(', line)
        if m:
            current = m.group(1)
            funcs[current] = []
        if current is not None:
            funcs[current].append(line)
    return {k: "\n".join(v + aliases) for k, v in funcs.items()}


def _torch_graphs(prepared, prefix=""):
    """{module path ("" for the parent): its prepared GraphModule}, the
    standalone modules' own graphs included, recursively."""
    graphs = {prefix: prepared}
    for node in prepared.graph.nodes:
        if node.op != "call_module":
            continue
        mod = prepared.get_submodule(node.target)
        if hasattr(mod, "_standalone_module_input_quantized_idxs"):
            path = prefix + "." + node.target if prefix else node.target
            graphs.update(_torch_graphs(mod, path))
    return graphs


def _states_by_name(prepared_path, calibrated_path):
    """{observer name: its state literal}: qfx-run prints the ops in order
    without locations, so the i-th observer of the calibrated model is the
    i-th of the prepared one (functions included)."""
    with open(prepared_path) as f:
        prepared = f.read().split("\n")
    with open(calibrated_path) as f:
        calibrated = [l for l in f.read().split("\n") if _OBS_RE.search(l)]
    aliases = dict(m.groups() for m in map(_LOC_ALIAS_RE.match, prepared) if m)
    states = {}
    for p_line, c_line in zip([l for l in prepared if _OBS_RE.search(l)], calibrated):
        state = re.search(r'state = (<[^>]*>)', c_line)
        loc = _LOC_RE.search(p_line)
        if state and loc:
            states[loc.group(1) or aliases.get(loc.group(2))] = state.group(1)
    return states


def check_calibration(prepared, graphs, observed, prepared_path, shape, args,
                      workdir, batches=3):
    """The same batches through PyTorch's prepared model and `qfx-run
    --calibrate`: every activation observer of the parent and of each
    standalone module must record PyTorch's min/max (and histogram) bit
    for bit."""
    torch.manual_seed(1)
    data = [torch.randn(*shape) for _ in range(batches)]
    # PyTorch's convolution algorithm depends on its thread count
    # (docs/numerics.md); qfx-run reproduces the one-thread choice.
    torch.set_num_threads(1)
    with torch.no_grad():
        for x in data:
            prepared(x)
    calib = os.path.join(workdir, "calib.npy")
    np.save(calib, np.stack([x.numpy() for x in data]))
    calibrated = prepared_path + ".calibrated.mlir"
    run([args.qfx_run, prepared_path, "--calibrate", calib, "--torch-threads", "1",
         "-o", calibrated])
    states = _states_by_name(prepared_path, calibrated)
    count, diffs = 0, []
    for path, gm in sorted(graphs.items()):
        sites, names = observed[path]
        modules = dict(gm.named_modules(remove_duplicate=False))
        for key, target in sorted(sites.items(), key=str):
            mod = modules[target]
            # A fake-quantize's statistics are its observer's.
            mod = getattr(mod, "activation_post_process", mod)
            if not isinstance(mod, ObserverBase) or not hasattr(mod, "min_val"):
                continue
            qname = names.get(key)
            if qname not in states:
                diffs.append("%s: no calibrated state for %s (qfx %s)" % (
                    path or "<parent>", target, qname))
                continue
            fields = _state_fields(states[qname])
            count += 1
            if not _same_state(mod, fields):
                diffs.append("%s (%s): state differs from PyTorch's, min/max rel "
                             "diff %.3g" % (qname, target, _minmax_rel_diff(mod, fields)))
    return count, diffs


_CALL_RE = re.compile(r'call @"?([^"(]+)\.forward"?\(.* : \((.*)\) -> (.*)$')
_TENSOR_RE = re.compile(r'tensor<[^<>]*(?:<[^<>]*>)?>')


def _torch_boundaries(ref, paths):
    """{standalone module path: (indices of the arguments the parent passes
    quantized, whether its result is dequantized)} in the parent's graph of
    PyTorch's reference model."""
    bounds = {}
    for node in ref.graph.nodes:
        if node.op != "call_module" or node.target not in paths:
            continue
        ins = tuple(i for i, a in enumerate(node.args)
                    if isinstance(a, torch.fx.Node) and a.op == "call_function"
                    and "quantize_per" in str(a.target))
        out = any(u.op == "call_method" and u.target == "dequantize" for u in node.users)
        bounds[node.target] = (ins, out)
    return bounds


def _qfx_boundaries(text):
    """The same from qfx's converted parent function: the `!quant` types
    of the calls' operands and results."""
    bounds = {}
    for line in _split_functions(text).get("forward", "").split("\n"):
        m = _CALL_RE.search(line)
        if not m:
            continue
        ins = tuple(i for i, t in enumerate(_TENSOR_RE.findall(m.group(2)))
                    if "!quant" in t)
        bounds[m.group(1)] = (ins, "!quant" in m.group(3))
    return bounds


def check_convert(prepared, calibrated_path, shape, args, workdir):
    """convert_to_reference_fx of the calibrated model against `qfx-opt
    --qfx-convert` (reference and decomposed=true) of qfx's calibrated
    model, both run on one input: outputs within MAX_LSB of the output
    quantize's scale. The reference form must also pass quantized values
    across each standalone module call exactly where PyTorch's does."""
    torch.manual_seed(2)
    x = torch.randn(*shape)
    ref = convert_to_reference_fx(copy.deepcopy(prepared))
    with torch.no_grad():
        expected = _flat(ref(x))
    scales = _output_scales(ref, len(expected))
    npz_in = os.path.join(workdir, "convert.in.npz")
    np.savez(npz_in, x=x.numpy())
    worst, diffs = 0.0, []
    for decomposed in ("false", "true"):
        converted = "%s.reference%s.mlir" % (
            calibrated_path, "-decomposed" if decomposed == "true" else "")
        run([args.qfx_opt, calibrated_path, "--qfx-convert=decomposed=" + decomposed,
             "-o", converted])
        if decomposed == "false":
            with open(converted) as f:
                got_bounds = _qfx_boundaries(f.read())
            want_bounds = _torch_boundaries(ref, set(got_bounds) | set(
                n.target for n in prepared.graph.nodes if n.op == "call_module" and
                hasattr(prepared.get_submodule(n.target),
                        "_standalone_module_input_quantized_idxs")))
            if got_bounds != want_bounds:
                diffs.append("quantized call boundaries (inputs, output): qfx %s, "
                             "PyTorch %s" % (got_bounds, want_bounds))
        npz_out = converted + ".out.npz"
        run([args.qfx_run, converted, "--input", npz_in, "-o", npz_out])
        got = np.load(npz_out)
        for i, e in enumerate(expected):
            err = float(np.max(np.abs(got[str(i)].astype(np.float64) - e.numpy())))
            lsb = err / scales[i] if scales[i] else err
            worst = max(worst, lsb)
            if lsb > MAX_LSB + _LSB_SLACK:
                diffs.append("convert (decomposed=%s) output %d: %.3f LSB (abs %.3g)" % (
                    decomposed, i, lsb, err))
    return worst, diffs


def check_case(name, qat, args):
    factory, shape, make_cfg, adjust = _cases()[name]
    torch.manual_seed(0)
    model = factory().train(qat)
    ex = (torch.randn(*shape),)
    cfg = make_cfg(ex)
    mapping = (get_default_qat_qconfig_mapping if qat
               else get_default_qconfig_mapping)("qnnpack")
    if adjust:
        adjust(mapping, qat)
    prepare = prepare_qat_fx if qat else prepare_fx
    try:
        prepared = prepare(copy.deepcopy(model), mapping, ex,
                           prepare_custom_config=cfg)
    except (ValueError, AssertionError) as e:
        prepared, torch_error = None, str(e).split("\n")[0]
        # What qfx's diagnostic must say for each of PyTorch's errors.
        want = ("fixed-qparams op" if isinstance(e, ValueError)
                else "per_channel_affine_float_qparams")
    workdir = os.path.join(args.workdir, "%s-%s" % (name, "qat" if qat else "ptq"))
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, name + ".mlir")
    cfg_path = os.path.join(workdir, "custom.json")
    mapping_path = os.path.join(workdir, "mapping.json")
    save_prepare_custom_config(cfg, cfg_path)
    qfx_torch.config_io.save_qconfig_mapping(mapping, mapping_path)
    qfx_torch.export(model, ex, path, standalone_modules=cfg, qfx_opt=args.qfx_opt)
    out = os.path.join(workdir, name + ".prepared.mlir")
    cmd = [args.qfx_opt, path, "--qfx-prepare=backend=native qconfig-mapping=%s "
           "qat=%s prepare-custom-config=%s" % (mapping_path, "true" if qat else "false",
                                                cfg_path),
           "--mlir-print-debuginfo", "-o", out]
    if prepared is None:
        # Where PyTorch raises, qfx must reject the model too.
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode == 0 or want not in proc.stderr:
            return 0, ["expected qfx-opt to fail with %r (PyTorch: %s), got "
                       "status %d: %s" % (want, "accepts" if prepared else torch_error,
                                          proc.returncode, proc.stderr[-500:])]
        return 0, []
    run(cmd)
    with open(out) as f:
        funcs = _split_functions(f.read())
    diffs, total = [], 0
    graphs = _torch_graphs(prepared)
    symbols = {"": "forward"}
    symbols.update({p: p + ".forward" for p in graphs if p})
    if set(funcs) != set(symbols.values()):
        diffs.append("functions: qfx %s, expected %s" % (sorted(funcs),
                                                         sorted(symbols.values())))
    observed = {}
    for path, gm in sorted(graphs.items()):
        expected, sites = torch_observers(gm, qat)
        actual, names = qfx_observers(funcs.get(symbols[path], ""))
        observed[path] = (sites, names)
        total += sum(expected.values())
        diffs += ["%s: %s" % (path or "<parent>", d) for d in compare(expected, actual)]
        # Every call site of a shared observer is the shared instance's kind
        # and configuration (a group member takes its owner's).
        site_diffs = compare(torch_observers(gm, qat, per_site=True)[0],
                             qfx_observers(funcs.get(symbols[path], ""), per_site=True)[0])
        diffs += ["%s: per site: %s" % (path or "<parent>", d) for d in site_diffs]
        # Observers are submodules of their graph's module.
        prefix = path + ".activation_post_process_" if path else "activation_post_process_"
        bad = sorted(n for n in names.values() if not n.startswith(prefix) or
                     not n[len(prefix):].isdigit())
        if bad:
            diffs.append("%s: observer names %s, expected %s<N>" % (
                path or "<parent>", bad, prefix))
    if args.qfx_run and not diffs:
        calibrated, cal_diffs = check_calibration(prepared, graphs, observed, out,
                                                  shape, args, workdir)
        diffs += cal_diffs
        print("    %s: %d calibrated observer states identical to PyTorch's" % (
            name, calibrated - len(cal_diffs)))
        if not cal_diffs:
            worst, conv_diffs = check_convert(prepared, out + ".calibrated.mlir",
                                              shape, args, workdir)
            diffs += conv_diffs
            print("    %s: converted outputs within %.3g LSB of "
                  "convert_to_reference_fx's" % (name, worst))
    return total, diffs


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("cases", nargs="*")
    p.add_argument("--qfx-opt", required=True)
    p.add_argument("--qfx-run", help="also calibrate (PTQ) and compare the "
                   "observers' state with PyTorch's")
    p.add_argument("--workdir", default=os.path.join(os.getcwd(), "standalone-work"))
    args = p.parse_args(argv)
    failed = 0
    for name in args.cases or list(_cases()):
        for qat in (False, True):
            label = "%s/%s" % (name, "qat" if qat else "ptq")
            try:
                total, diffs = check_case(name, qat, args)
            except Exception as e:  # report and go on with the next case
                print("FAIL %s\n  %s: %s" % (label, type(e).__name__, str(e)[:2000]))
                failed += 1
                continue
            print("%s %-28s observers %d" % ("FAIL" if diffs else "PASS", label, total))
            for d in diffs:
                print("    " + d)
            failed += bool(diffs)
    print("%d failures" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
