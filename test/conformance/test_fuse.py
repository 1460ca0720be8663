#!/usr/bin/env python3
"""--qfx-fuse against PyTorch 1.13's fuse_fx, model by model.

For every model of models.py (plus torchvision resnet18 / mobilenet_v2), in
eval and in train mode:

* PyTorch: torch.fx trace (harness.torch_reference) and
  `torch.ao.quantization.fx.fuse.fuse(gm, is_qat=model.training)`: fuse_fx
  in eval mode; in train mode the QAT fusion prepare_qat_fx runs (fuse_fx
  itself refuses to fold a training batch norm: "Fusion only for eval!").
* qfx: export, `qfx-opt --qfx-fuse`, re-read.

Compared: the top-level op histogram by (node kind, target), fused module
classes included; provenance (each top-level op's location names a fused
FX node of the same kind, target and module path); parameters (qfx's
`qfx.parameter`s are exactly the fused module's state_dict names, equal bit
for bit except folded float weights, whose max ulp distance is reported and
must be <= 1); in eval mode the outputs of the fused graph through qfx-run
against the PyTorch fused GraphModule. A PyTorch error (e.g. ConvTranspose
+ BatchNorm in QAT) must be a qfx-opt error with the same message.

Usage: test_fuse.py --qfx-opt build/bin/qfx-opt [--qfx-run build/bin/qfx-run]
       [--models a,b] [--modes eval,train] [--workdir DIR]
"""

import argparse
import collections
import copy
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch.ao.quantization.fx.fuse import fuse as torch_fuse

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)

import harness  # noqa: E402
import models  # noqa: E402

MAX_ULP = 1


def default_models():
    return [n for n, c in models.MODELS.items() if c.tier == "quick"]


# ---------------------------------------------------------------------------
# qfx output: top-level ops of a graph with qfx.fused regions
# ---------------------------------------------------------------------------

def top_level_ops(lines):
    """QfxOps outside any qfx.fused body. In generic form a region op opens
    with `({` and its attributes and location follow the closing `})`."""
    aliases, ops, stack = {}, [], []
    for line in lines:
        if line.startswith("#loc"):
            a = harness._LOC_ALIAS_RE.match(line)
            if a:
                aliases[a.group(1)] = harness._unescape(a.group(2))
            continue
        stripped = line.strip()
        if stripped.startswith("})") and stack:
            name, depth = stack.pop()
            if name in ("builtin.module", "func.func"):
                continue
            text = stripped
        else:
            m = harness._OP_RE.match(line)
            if not m:
                continue
            name = m.group(1)
            depth = sum(1 for n, _ in stack if n not in ("builtin.module", "func.func"))
            if line.rstrip().endswith("({"):
                stack.append((name, depth))
                continue
            text = line
        if depth:
            continue
        node = harness._NODE_RE.search(text)
        loc = harness._LOC_RE.search(text)
        where = None
        if loc:
            where = harness._unescape(loc.group(1)) if loc.group(1) is not None \
                else loc.group(2)
        ops.append(harness.QfxOp(
            name,
            node.group(1) if node else None,
            harness._unescape(node.group(2)) if node else None,
            harness._unescape(node.group(3) or "") if node else None,
            where))
    # Location aliases are printed after the module: resolve them last.
    return [o._replace(loc=aliases.get(o.loc, o.loc))
            if o.loc and o.loc.startswith("#loc") else o for o in ops]


def read_fused(path, qfx_opt):
    out = path + ".generic.mlir"
    proc = subprocess.run([qfx_opt, path, "--mlir-print-op-generic",
                           "--mlir-print-debuginfo", "-o", out],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise harness.ConformanceError("qfx-opt rejected %s:\n%s" % (path, proc.stderr[-3000:]))
    with open(out) as f:
        lines = f.read().split("\n")
    os.unlink(out)
    return harness.parse_generic(lines), top_level_ops(lines)


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------

def torch_histogram(gm, elided):
    hist = collections.Counter()
    for node in gm.graph.nodes:
        if node.op in ("placeholder", "output") or node.name in elided:
            continue
        # torch.chunk / torch.split are one qfx.getitem per result tensor.
        hist[harness._fx_key(gm, node)] += harness.ops_per_node(node)
    return hist


def ulp_distance(a, b):
    ia = a.view(np.int32).astype(np.int64)
    ib = b.view(np.int32).astype(np.int64)
    ka = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    kb = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return int(np.max(np.abs(ka - kb))) if ka.size else 0


def compare_parameters(mod, gm):
    """Names must be the fused state_dict's; returns (max ulp, #float
    parameters compared, #not bit-equal, diffs)."""
    diffs, max_ulp, changed, compared = [], 0, 0, 0
    entries = dict(gm.state_dict(keep_vars=True))
    for n, b in gm.named_buffers():
        entries.setdefault(n, b)
    first = {}
    for name, t in entries.items():
        first.setdefault(id(t), name)
    expected = {first[id(t)]: t for t in entries.values()}
    for name in sorted(set(mod.parameters) - set(expected)):
        diffs.append("qfx has parameter '%s', torch does not" % name)
    for name, tensor in expected.items():
        p = mod.parameters.get(name)
        if p is None:
            diffs.append("parameter '%s' is missing" % name)
            continue
        t = tensor.detach().contiguous().reshape(-1)
        want = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        got = mod.blobs.get(p.resource, b"") if p.resource else b""
        compared += tensor.dtype == torch.float32
        if got == want:
            continue
        if tensor.dtype != torch.float32 or len(got) != len(want):
            diffs.append("'%s': bytes differ" % name)
            continue
        changed += 1
        d = ulp_distance(np.frombuffer(got, np.float32), t.numpy())
        max_ulp = max(max_ulp, d)
        if d > MAX_ULP:
            diffs.append("'%s': %d ulp from torch" % (name, d))
    return max_ulp, compared, changed, diffs


def check_provenance(ops, gm, module_of):
    diffs = []
    nodes = {n.name: n for n in gm.graph.nodes}
    for op in ops:
        if op.kind is None:
            continue
        node = nodes.get(op.loc)
        if node is None:
            diffs.append("%s %s at %r is no fused FX node" % (op.op, op.target, op.loc))
            continue
        if (op.kind, op.target) != harness._fx_key(gm, node):
            diffs.append("%r: qfx %s %s, torch %s %s" % (
                op.loc, op.kind, op.target, *harness._fx_key(gm, node)))
        module = node.target if node.op == "call_module" else module_of.get(node.name, "")
        if op.module != module:
            diffs.append("%r: module %r, torch %r" % (op.loc, op.module, module))
    return diffs


def fused_classes(hist):
    return {t.rsplit(".", 1)[-1]: n for (k, t), n in sorted(hist.items())
            if k == "call_module" and (".intrinsic." in t)}


def run_case(name, train, args):
    model, inputs, case = models.build(name)
    model.train(train)
    workdir = os.path.join(args.workdir, "%s-%s" % (name, "train" if train else "eval"))
    os.makedirs(workdir, exist_ok=True)
    ref = harness.torch_reference(model, inputs, case.concrete_args, case.leaf_modules)
    # torch_reference's shape propagation ran the graph: in training mode it
    # updated the batch norm statistics. Fuse the model's own state, which
    # is what the exporter writes.
    state = model.state_dict()
    with torch.no_grad():
        for n, b in ref.gm.named_buffers():
            b.copy_(state[n])
    torch_error = None
    try:
        fused_gm = torch_fuse(ref.gm, is_qat=train)
    except Exception as e:  # PyTorch refuses the fusion: qfx must too.
        torch_error = str(e)
    src = os.path.join(workdir, name + ".mlir")
    dst = os.path.join(workdir, name + ".fused.mlir")
    harness.export_model(model, inputs, src, concrete_args=case.concrete_args,
                         leaf_modules=case.leaf_modules, qfx_opt=args.qfx_opt)
    # Debug info keeps the FX node names (NameLocs) for the provenance check.
    proc = subprocess.run([args.qfx_opt, src, "--qfx-fuse", "--mlir-print-debuginfo",
                           "-o", dst],
                          capture_output=True, text=True)
    report = {"model": name, "mode": "train" if train else "eval"}
    if torch_error is not None:
        if proc.returncode == 0 or torch_error not in proc.stderr:
            raise harness.ConformanceError(
                "torch fails with %r; qfx-opt: rc %d %s" % (
                    torch_error, proc.returncode, proc.stderr[-500:]))
        report["error"] = torch_error
        return report
    if proc.returncode != 0:
        raise harness.ConformanceError("qfx-opt --qfx-fuse failed:\n" + proc.stderr[-3000:])
    mod, ops = read_fused(dst, args.qfx_opt)
    expected = torch_histogram(fused_gm, set(ref.elided))
    actual = collections.Counter((o.kind, o.target) for o in ops if o.kind is not None)
    diffs = ["histogram: " + d for d in harness.compare_histograms(expected, actual)]
    diffs += ["provenance: " + d for d in check_provenance(ops, fused_gm, ref.module_of)]
    max_ulp, compared, folded, pdiffs = compare_parameters(mod, fused_gm)
    diffs += ["parameters: " + d for d in pdiffs]
    report.update(fused=fused_classes(expected), ops=sum(actual.values()),
                  max_ulp=max_ulp, compared_params=compared, changed_params=folded, max_abs_error=None)
    runnable = not any(o.op == "qfx.call" for o in mod.ops)
    if args.qfx_run and not train and runnable and not diffs:
        try:
            err = harness.check_numerics(dst, fused_gm, inputs, args.qfx_run)
            # check_numerics' atol (1e-5) says nothing about tiny outputs
            # (mobilenet_v2's are ~1e-9): also bound the error relative to
            # the largest output magnitude.
            with torch.no_grad():
                outs = harness._flat_outputs(copy.deepcopy(fused_gm)(*inputs))
            mag = max([float(o.abs().max()) for o in outs
                       if o.is_floating_point() and o.numel()] or [0.0])
            report["max_abs_error"], report["max_rel_error"] = err, err / mag if mag else err
            if err > 1e-4 * mag:
                diffs.append("outputs: max abs error %g > 1e-4 * max |output| %g"
                             % (err, mag))
        except harness.ConformanceError as e:
            diffs.append(str(e))
    if diffs:
        raise harness.ConformanceError("%d differences:\n  %s" % (len(diffs), "\n  ".join(diffs)))
    return report


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--qfx-opt", default=None)
    p.add_argument("--qfx-run", default=None)
    p.add_argument("--models", default=None, help="comma-separated (default: all quick models)")
    p.add_argument("--modes", default="eval,train")
    p.add_argument("--workdir", default=None)
    args = p.parse_args()
    args.qfx_opt = harness.find_qfx_opt(args.qfx_opt)
    args.workdir = args.workdir or tempfile.mkdtemp(prefix="qfx-fuse-")
    names = args.models.split(",") if args.models else default_models()
    failures, worst_ulp = [], 0
    for name in names:
        for mode in args.modes.split(","):
            try:
                r = run_case(name, mode == "train", args)
            except Exception as e:  # report every model, then fail
                failures.append("%s/%s" % (name, mode))
                print("FAIL %-22s %-5s %s" % (name, mode, e), flush=True)
                continue
            if "error" in r:
                print("ok   %-22s %-5s both refuse: %s" % (name, mode, r["error"]), flush=True)
                continue
            worst_ulp = max(worst_ulp, r["max_ulp"])
            err = r["max_abs_error"]
            print("ok   %-22s %-5s ops %4d  max_ulp %d (%d f32 params, %d not bit-equal)"
                  "  out_err %s (rel %s)  fused %s"
                  % (name, mode, r["ops"], r["max_ulp"], r["compared_params"],
                     r["changed_params"],
                     "-" if err is None else "%.2e" % err,
                     "-" if err is None else "%.1e" % r["max_rel_error"], r["fused"]),
                  flush=True)
    print("%d cases, %d failed; max ulp distance of folded weights: %d"
          % (len(names) * len(args.modes.split(",")), len(failures), worst_ulp))
    if failures:
        print("failed: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
