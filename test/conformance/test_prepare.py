"""Conformance of --qfx-prepare with PyTorch 1.13's prepare_fx / prepare_qat_fx.

    /usr/bin/python3 test_prepare.py --qfx-opt build/bin/qfx-opt \\
        [--qfx-run build/bin/qfx-run] [--backends qnnpack onednn] [models...]

For every model, default qconfig mapping (qnnpack, onednn) and mode (PTQ on
the eval-mode model, QAT on the train-mode model), both engines prepare the
same float model with the native BackendConfig (prepare_fx's default):

* observers: every distinct observer / fake-quantize instance PyTorch
  creates (a module shared by several call sites counts once, at its first
  site) is keyed by the FX node whose value it observes and its
  configuration (class, dtype, qscheme, effective quant_min/max, ch_axis,
  averaging constant, eps, histogram bins, dynamic flag, fixed qparams).
  Module weights, which PyTorch observes inside the module (QAT:
  `weight_fake_quant`; PTQ: the `qconfig.weight()` convert will create),
  are keyed `<module>.weight`. qfx's observers are keyed the same way
  from qfx-opt's output; the two multisets must be equal.
* calibration (--qfx-run, PTQ): the same batches run through PyTorch's
  prepared model (one intra-op thread) and `qfx-run --calibrate
  --torch-threads 1`; each observer's qparams (computed by PyTorch's
  calculate_qparams from qfx's recorded state) must match as issue 6 asks:
  where qfx's recorded state (min, max, histogram) equals PyTorch's bit for
  bit, zero points exactly and scales within 1 ulp; where it does not (the
  observed values differ in float rounding upstream), min/max within 1e-5
  of the observed magnitude, zero points within 1 and scales within 1e-5
  relative. The report counts the observers whose state was identical.
"""

import argparse
import collections
import copy
import os
import re
import subprocess
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, "..", "..", "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.ao.quantization import (  # noqa: E402
    get_default_qconfig_mapping, get_default_qat_qconfig_mapping)
from torch.ao.quantization import quantize_fx  # noqa: E402
from torch.ao.quantization.fake_quantize import FakeQuantizeBase  # noqa: E402
from torch.ao.quantization.observer import ObserverBase  # noqa: E402

import harness  # noqa: E402
import models  # noqa: E402
from qfx_torch.quant_lowering import observer_literal  # noqa: E402

DEFAULT_MODELS = [
    "conv_bn_relu", "residual", "depthwise", "linear_bn1d", "cat", "pools",
    "pools3d", "conv1d", "conv_transpose", "reshapes", "fixed_qparams",
    "nested", "functional", "norms_activations", "upsample", "mean",
    "functional_forms", "train_mode", "resnet18", "mobilenet_v2",
]

_DEFAULTS = {"ch_axis": "0", "averaging_constant": "0.01",
             "eps": "1.1920928955078125e-07", "bins": "2048",
             "upsample_rate": "128", "is_dynamic": "false", "scale": "0.0",
             "zero_point": "0", "reduce_range": "false"}
_RANGES = {"quint8": (0, 255), "qint8": (-128, 127), "qint32": (-2**31, 2**31 - 1),
           "quint4x2": (0, 15)}


def _fields(literal):
    """`<kind = x, a = 1>` -> dict (flat observer literals only)."""
    body = literal.strip()[1:-1]
    out = {}
    for part in body.split(","):
        k, _, v = part.partition("=")
        out[k.strip()] = v.strip()
    return out


def config_key(literal, effective_range_given=False):
    """Comparable tuple for an observer literal. PyTorch's literals carry
    the effective range; qfx's carry constructor kwargs (halved here when
    reduce_range applies to a customized range)."""
    d = dict(_DEFAULTS)
    d.update(_fields(literal))
    kind, dtype = d["kind"], d["dtype"]
    reduce = d["reduce_range"] == "true"
    rng = None
    if kind not in ("placeholder", "reuse_input", "noop"):
        if "quant_min" in d:
            lo, hi = int(d["quant_min"]), int(d["quant_max"])
            if reduce and not effective_range_given:
                lo, hi = lo // 2, hi // 2
        else:
            lo, hi = _RANGES.get(dtype, (0, 0))
            if reduce:
                lo, hi = (lo // 2, hi // 2) if dtype != "quint8" else (0, 127)
        rng = (lo, hi)
    per_channel = "per_channel" in kind
    return (kind, dtype, d["qscheme"], rng,
            int(d["ch_axis"]) if per_channel else None,
            float(d["averaging_constant"]) if "moving_average" in kind else None,
            float(d["eps"]), int(d["bins"]) if kind == "histogram" else None,
            d["is_dynamic"] == "true",
            float(d["scale"]) if kind == "fixed_qparams" else None,
            int(d["zero_point"]) if kind == "fixed_qparams" else None)


# ---------------------------------------------------------------------------
# PyTorch side
# ---------------------------------------------------------------------------

def _torch_observer_key(mod):
    if isinstance(mod, FakeQuantizeBase):
        return ("fq:" + type(mod).__name__,
                config_key(observer_literal(mod.activation_post_process), True))
    return ("obs", config_key(observer_literal(mod), True))


def _has_weight_observer(mod, qconfig):
    import torch.nn as nn
    import torch.nn.intrinsic as nni
    if isinstance(mod, nni._FusedModule):
        mod = mod[0]
    if isinstance(mod, (nn.Embedding, nn.EmbeddingBag)):
        # Weight-only: convert swaps in the reference module only for the
        # embedding DTypeConfigs' weight dtypes.
        return qconfig.weight().dtype in (torch.quint8, torch.quint4x2)
    return isinstance(mod, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear,
                            nn.ConvTranspose1d, nn.ConvTranspose2d,
                            nn.ConvTranspose3d))


def torch_observers(prepared, qat, per_site=False):
    """Counter of (producer, ('obs'|'fq:<class>', config key)) and the
    first call-site node of each observer instance (per_site: every call
    site of a shared instance counted, with the instance's key)."""
    modules = dict(prepared.named_modules(remove_duplicate=False))
    seen, keys, sites = set(), collections.Counter(), {}
    qconfig_map = getattr(prepared, "_qconfig_map", {})
    observed = getattr(prepared, "_observed_node_names", set())
    for node in prepared.graph.nodes:
        if node.op != "call_module":
            continue
        mod = modules[node.target]
        if isinstance(mod, (ObserverBase, FakeQuantizeBase)):
            if id(mod) in seen and not per_site:
                continue  # a shared instance: counted at its first site
            seen.add(id(mod))
            producer = node.args[0]
            key = (producer.name, _torch_observer_key(mod))
            keys[key] += 1
            sites[key] = node.target
            continue
        wfq = getattr(mod, "weight_fake_quant", None)
        if qat and wfq is not None:
            keys[(node.name + ".weight", _torch_observer_key(wfq))] += 1
        elif not qat and node.name in observed:
            qconfig = qconfig_map.get(node.name)
            if qconfig is not None and qconfig.weight is not None and \
                    _has_weight_observer(mod, qconfig):
                w = qconfig.weight()
                if getattr(w, "dtype", torch.float) != torch.float:
                    keys[(node.name + ".weight", _torch_observer_key(w))] += 1
    return keys, sites


# ---------------------------------------------------------------------------
# qfx side
# ---------------------------------------------------------------------------

_ASSIGN_RE = re.compile(r'^\s*(%[\w.$-]+)(?::\d+)? = ([\w.]+)')
_LOC_RE = re.compile(r'loc\((?:"((?:[^"\\]|\\.)*)"|(#loc\d*))\)\s*(?:\{)?\s*$')
_LOC_ALIAS_RE = re.compile(r'^(#loc\d*) = loc\("((?:[^"\\]|\\.)*)"')
_OBS_RE = re.compile(r'= qfx\.(observer|fake_quantize) (%[\w.$-]+) config = (<[^>]*>)'
                     r'(?: observer = (<[^>]*>))?')
_GETATTR_RE = re.compile(r'= qfx\.get_attr @"?([^" ]+)"?')
_ARG_RE = re.compile(r'(%[\w.$-]+): [^{]*\{qfx\.name = "([^"]*)"\}')
_FQ_CLASSES = {"fake_quantize": "FakeQuantize",
               "fused_moving_avg_obs_fake_quantize": "FusedMovingAvgObsFakeQuantize",
               "fixed_qparams_fake_quantize": "FixedQParamsFakeQuantize"}


_GROUP_RE = re.compile(r'qfx\.observer_group = "([^"]*)"')


def qfx_observers(text, per_site=False):
    """Counter of (producer, key) from qfx-opt's pretty output (with
    --mlir-print-debuginfo), one entry per observer group (per_site: per
    observer op), plus each entry's observer name (its location)."""
    lines = text.split("\n")
    aliases = {}
    for line in lines:
        m = _LOC_ALIAS_RE.match(line)
        if m:
            aliases[m.group(1)] = m.group(2)

    def loc_name(line):
        loc = _LOC_RE.search(line)
        if not loc:
            return None
        return loc.group(1) if loc.group(1) is not None else aliases.get(loc.group(2))

    producer_of, open_regions = {}, []
    keys, names, groups = collections.Counter(), {}, set()
    pending = []  # weight entries inside a fused body, keyed at its end

    def record(full, name):
        keys[full] += 1
        names[full] = name

    for line in lines:
        for m in _ARG_RE.finditer(line):
            producer_of[m.group(1)] = m.group(2)
        if line.strip().startswith("}") and open_regions:
            result, outer_pending = open_regions.pop()
            region = loc_name(line)
            if result and region:
                producer_of[result] = region
            for key, name in pending:
                record((region + ".weight", key), name)
            pending = outer_pending
            continue
        a = _ASSIGN_RE.match(line)
        if line.rstrip().endswith("{") and " = qfx.fused" in line:
            open_regions.append((a.group(1) if a else None, pending))
            pending = []
            continue
        if not a:
            continue
        if _GETATTR_RE.search(line):
            # Module weights (no FX node of their own) are keyed by their
            # module's node, `<node>.weight`; get_attr nodes by name.
            internal = "qfx.node" not in line
            producer_of[a.group(1)] = (None if open_regions else
                                       loc_name(line) + ".weight") \
                if internal else loc_name(line)
            continue
        m = _OBS_RE.search(line)
        if m:
            op, operand, config, observer = m.groups()
            producer = producer_of.get(operand, operand)
            producer_of[a.group(1)] = producer
            group = _GROUP_RE.search(line)
            if group and not per_site:
                if group.group(1) in groups:
                    continue  # one observer shared by several values
                groups.add(group.group(1))
            if op == "observer":
                key = ("obs", config_key(config))
            else:
                kind = _fields(config)["kind"]
                key = ("fq:" + _FQ_CLASSES[kind], config_key(observer))
            if producer is None:
                pending.append((key, loc_name(line)))
            else:
                record((producer, key), loc_name(line))
            continue
        if open_regions and "qfx.node" not in line:
            # Module-internal arithmetic (a QAT ConvBn's weight scaling):
            # what it feeds is still the module's weight.
            producer_of[a.group(1)] = None
            continue
        name = loc_name(line)
        if name:
            producer_of[a.group(1)] = name
    return keys, names


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise harness.ConformanceError("%s failed:\n%s" % (
            " ".join(cmd[:3]), proc.stderr[-3000:]))
    return proc


def qfx_prepare(path, out, backend, qat, qfx_opt):
    opts = "backend=native qconfig-mapping=%s qat=%s" % (backend, "true" if qat else "false")
    run([qfx_opt, path, "--qfx-prepare=" + opts, "--mlir-print-debuginfo",
         "-o", out])
    with open(out) as f:
        return f.read()


def compare(expected, actual):
    diffs = []
    for key in sorted(set(expected) | set(actual), key=str):
        e, a = expected.get(key, 0), actual.get(key, 0)
        if e != a:
            diffs.append("%s on %r: torch %d, qfx %d" % (key[1], key[0], e, a))
    return diffs


# ---------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------

def _state_fields(state_text):
    fields = {}
    for name in ("min", "max", "histogram"):
        m = re.search(name + r" = \[([^\]]*)\]", state_text)
        if m:
            vals = [float.fromhex(v) if v.startswith("0x") else float(v)
                    for v in m.group(1).replace(" ", "").split(",") if v]
            fields[name] = torch.tensor(vals, dtype=torch.float32)
    return fields


def _same_state(torch_obs, fields):
    """qfx's recorded min/max (and histogram) equal PyTorch's bit for bit."""
    same = torch.equal(fields["min"], torch_obs.min_val.reshape(-1)) and \
        torch.equal(fields["max"], torch_obs.max_val.reshape(-1))
    if "histogram" in fields:
        same = same and torch.equal(fields["histogram"], torch_obs.histogram)
    return same


def _minmax_rel_diff(torch_obs, fields):
    """Largest min/max difference relative to the observed magnitude."""
    t = torch.cat([torch_obs.min_val.reshape(-1), torch_obs.max_val.reshape(-1)])
    q = torch.cat([fields["min"], fields["max"]])
    return float((q - t).abs().max() / t.abs().max().clamp_min(1e-30))


def _qparams_from_state(torch_obs, fields):
    """Load qfx's recorded state into a copy of PyTorch's observer and
    let PyTorch compute the qparams."""
    obs = copy.deepcopy(torch_obs)
    shape = obs.min_val.shape
    obs.min_val = fields["min"].reshape(shape) if len(shape) else fields["min"][0]
    obs.max_val = fields["max"].reshape(shape) if len(shape) else fields["max"][0]
    if "histogram" in fields:
        obs.histogram = fields["histogram"]
    return obs.calculate_qparams()


def check_calibration(prepared, qfx_prepared_path, inputs, sites, names,
                      qfx_run, workdir, batches=4):
    torch.manual_seed(1)
    data = [torch.randn_like(inputs[0]) for _ in range(batches)]
    # PyTorch's convolution algorithm depends on its thread count
    # (docs/numerics.md); qfx-run reproduces the one-thread choice.
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            for x in data:
                prepared(x)
    except (IndexError, RuntimeError) as e:
        # e.g. onednn's per-channel observer on F.group_norm's 1-d weight:
        # PyTorch's own prepared model cannot run.
        return {"skipped": "PyTorch's prepared model fails: %s" % str(e).split("\n")[0]}
    calib = os.path.join(workdir, "calib.npy")
    np.save(calib, np.stack([x.numpy() for x in data]))
    out = qfx_prepared_path + ".calibrated.mlir"
    run([qfx_run, qfx_prepared_path, "--calibrate", calib, "--torch-threads", "1",
         "-o", out])
    with open(out) as f:
        text = f.read()
    # qfx-run keeps the ops in order (without locations): pair the i-th
    # observer of the calibrated model with the i-th of the prepared one.
    with open(qfx_prepared_path) as f:
        prepared_lines = [l for l in f.read().split("\n") if _OBS_RE.search(l)]
    calibrated_lines = [l for l in text.split("\n") if _OBS_RE.search(l)]
    aliases = dict(m.groups() for m in map(_LOC_ALIAS_RE.match, open(
        qfx_prepared_path).read().split("\n")) if m)
    states = {}
    for p_line, c_line in zip(prepared_lines, calibrated_lines):
        m = re.search(r'state = (<[^>]*>)', c_line)
        loc = _LOC_RE.search(p_line)
        if m and loc:
            states[loc.group(1) or aliases.get(loc.group(2))] = m.group(1)
    modules = dict(prepared.named_modules(remove_duplicate=False))
    stats = {"observers": 0, "zp_exact": 0, "same_state": 0, "max_scale_rel": 0.0,
             "diffs": []}
    for key, target in sites.items():
        qname = names.get(key)
        mod = modules[target]
        if qname is None or qname not in states or not isinstance(mod, ObserverBase):
            continue
        if not hasattr(mod, "min_val"):
            continue
        ts, tz = mod.calculate_qparams()
        fields = _state_fields(states[qname])
        qs, qz = _qparams_from_state(mod, fields)
        stats["observers"] += 1
        rel = float(((qs - ts).abs() / ts.abs().clamp_min(1e-30)).max())
        ulps = float(((qs - ts).abs() / _ulp(ts)).max())
        zd = int((qz.long() - tz.long()).abs().max())
        stats["max_scale_rel"] = max(stats["max_scale_rel"], rel)
        if zd == 0:
            stats["zp_exact"] += 1
        if _same_state(mod, fields):
            stats["same_state"] += 1
            bad = zd != 0 or ulps > 1
            why = "identical state"
        else:
            mm = _minmax_rel_diff(mod, fields)
            bad = zd > 1 or rel > 1e-5 or mm > 1e-5
            why = "state differs, min/max rel diff %.3g" % mm
        if bad:
            stats["diffs"].append("%s (%s): %s: scale rel diff %.3g (%.3g ulp), zp diff %d" % (
                qname, target, why, rel, ulps, zd))
    return stats


def _ulp(t):
    """Spacing of float32 at each element of t."""
    t = t.to(torch.float32).abs()
    return (torch.nextafter(t, torch.full_like(t, float("inf"))) - t).clamp_min(1e-45)


# ---------------------------------------------------------------------------

def check_model(name, backend, qat, args):
    model, inputs, case = models.build(name)
    model.train(qat)
    workdir = os.path.join(args.workdir, "%s-%s-%s" % (name, backend, "qat" if qat else "ptq"))
    os.makedirs(workdir, exist_ok=True)
    mapping = (get_default_qat_qconfig_mapping if qat else get_default_qconfig_mapping)(backend)
    prepare = quantize_fx.prepare_qat_fx if qat else quantize_fx.prepare_fx
    try:
        prepared = prepare(copy.deepcopy(model), mapping, inputs)
    except (AssertionError, RuntimeError, ValueError) as e:
        return {"torch_rejects": str(e).split("\n")[0]}
    expected, sites = torch_observers(prepared, qat)
    path = os.path.join(workdir, name + ".mlir")
    harness.export_model(model, inputs, path, concrete_args=case.concrete_args,
                         leaf_modules=case.leaf_modules, qfx_opt=args.qfx_opt)
    out = os.path.join(workdir, name + ".prepared.mlir")
    start = time.time()
    text = qfx_prepare(path, out, backend, qat, args.qfx_opt)
    seconds = time.time() - start
    actual, names = qfx_observers(text)
    diffs = compare(expected, actual)
    report = {"observers": sum(expected.values()), "qfx_observers": sum(actual.values()),
              "diffs": diffs, "seconds": seconds}
    # qfx-run cannot execute generic qfx.call ops (e.g. getitem on a size).
    if args.qfx_run and not qat and not diffs and len(inputs) == 1 \
            and "qfx.call" not in text:
        report["calibration"] = check_calibration(
            prepared, out, inputs, sites, names, args.qfx_run, workdir)
    return report


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="*")
    p.add_argument("--qfx-opt", required=True)
    p.add_argument("--qfx-run")
    p.add_argument("--backends", action="append", choices=["qnnpack", "onednn", "fbgemm", "x86"])
    p.add_argument("--modes", action="append", choices=["ptq", "qat"])
    p.add_argument("--workdir", default=os.path.join(os.getcwd(), "prepare-work"))
    p.add_argument("--exclude", action="append", default=[],
                   help="leave a model of the default list out (it has its own test)")
    args = p.parse_args(argv)
    failed = 0
    for name in [m for m in args.models or DEFAULT_MODELS if m not in args.exclude]:
        for backend in args.backends or ["qnnpack", "onednn"]:
            for mode in args.modes or ["ptq", "qat"]:
                label = "%s/%s/%s" % (name, backend, mode)
                try:
                    r = check_model(name, backend, mode == "qat", args)
                except harness.ConformanceError as e:
                    print("FAIL %s\n  %s" % (label, str(e)[:2000]))
                    failed += 1
                    continue
                if "torch_rejects" in r:
                    print("SKIP %-36s PyTorch rejects it: %s" % (label, r["torch_rejects"]))
                    continue
                cal = r.get("calibration")
                bad = r["diffs"] or (cal and cal.get("diffs"))
                extra = ""
                if cal and "skipped" in cal:
                    extra = ", calibration skipped (%s)" % cal["skipped"]
                    cal = None
                elif cal:
                    extra = (", calibration: %d observers, state identical %d, zp exact %d, "
                             "max scale rel diff %.2g") % (
                        cal["observers"], cal["same_state"], cal["zp_exact"],
                        cal["max_scale_rel"])
                print("%s %-36s observers torch %3d qfx %3d%s" % (
                    "FAIL" if bad else "PASS", label, r["observers"],
                    r["qfx_observers"], extra))
                for d in r["diffs"] + (cal["diffs"] if cal else []):
                    print("    " + d)
                failed += bool(bad)
    print("%d failures" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
