#!/usr/bin/env python3
"""Differential test of --qfx-annotate-qconfig / --qfx-explain against
PyTorch 1.13's prepare_fx.

For each model and QConfigMapping (qnnpack and onednn defaults, and a custom
mapping with regex / module_name None / object_type None-for-functions rules
exported with save_qconfig_mapping), compares the set of FX nodes PyTorch
observes (`GraphModule._observed_node_names` after prepare_fx with the
native BackendConfig) with the nodes qfx marks quantized on the exported,
unfused model. prepare_fx fuses first; the fused node keeps the name of the
fusion's input op (the conv of conv-bn-relu) and the other fused nodes
disappear, so the qfx set is restricted to node names that still exist in
PyTorch's prepared graph ("fused-equivalent node sets").

Usage: test_qconfig_resolution.py --qfx-opt PATH [--workdir DIR] [models...]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
from torch.ao.quantization import QConfigMapping, get_default_qconfig
from torch.ao.quantization import get_default_qconfig_mapping
from torch.ao.quantization.quantize_fx import prepare_fx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import qfx_torch  # noqa: E402
from qfx_torch.config_io import save_qconfig_mapping  # noqa: E402

DEFAULT_MODELS = ["conv_bn_relu", "residual", "depthwise", "linear_bn1d",
                  "cat", "pools", "conv1d", "reshapes", "fixed_qparams",
                  "nested", "functional", "functional_forms",
                  "norms_activations", "mean", "resnet18", "mobilenet_v2"]


def custom_mapping():
    qc = get_default_qconfig("qnnpack")
    # Starts from the default mapping: prepare_fx insists on fixed-qparams
    # observers for sigmoid/tanh/... (qfx does not repeat that check).
    return (get_default_qconfig_mapping("qnnpack")
            .set_object_type(torch.add, None)
            .set_object_type(torch.nn.functional.relu, qc)
            .set_module_name_regex(r"layer1\..*", None)
            .set_module_name_regex(r"mid.*", qc)
            .set_module_name("features.1", None)
            .set_module_name("conv", None)
            .set_module_name("fc", None))


def torch_observed(model, inputs, mapping):
    gm = prepare_fx(model, mapping, inputs)
    names = {n.name for n in gm.graph.nodes
             if not (n.op == "call_module" and "activation_post_process" in str(n.target))}
    return set(gm._observed_node_names), names


def qfx_quantized(qfx_opt, path, spec):
    out = subprocess.run(
        [qfx_opt, path, "--qfx-explain=format=json qconfig-mapping=%s" % spec,
         "-o", os.devnull], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    quantized = set()
    text = out.stdout
    # One JSON document per function.
    dec = json.JSONDecoder()
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = dec.raw_decode(text, i)
        quantized |= {n["node"] for n in doc["nodes"] if n["quantized"]}
    return quantized


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qfx-opt", default=os.environ.get("QFX_OPT", "qfx-opt"))
    ap.add_argument("--workdir", default=None)
    ap.add_argument("models", nargs="*")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="qfx-qres-")
    os.makedirs(work, exist_ok=True)
    custom_path = os.path.join(work, "custom.json")
    save_qconfig_mapping(custom_mapping(), custom_path)
    mappings = [("qnnpack", lambda: get_default_qconfig_mapping("qnnpack")),
                ("onednn", lambda: get_default_qconfig_mapping("onednn")),
                (custom_path, custom_mapping)]
    failures = 0
    checked = 0
    for name in args.models or DEFAULT_MODELS:
        model, inputs, case = models.build(name)
        model.eval()
        path = os.path.join(work, name + ".mlir")
        qfx_torch.export(model, inputs, path, concrete_args=case.concrete_args)
        for spec, make in mappings:
            label = os.path.basename(spec)
            try:
                observed, names = torch_observed(models.build(name)[0].eval(),
                                                 inputs, make())
            except Exception as e:  # noqa: BLE001
                print("SKIP %s/%s: PyTorch prepare_fx failed: %s" % (name, label, e))
                continue
            ours = qfx_quantized(args.qfx_opt, path, spec) & names
            checked += 1
            if ours != observed:
                failures += 1
                print("FAIL %s/%s: only PyTorch %s; only qfx %s" % (
                    name, label, sorted(observed - ours), sorted(ours - observed)))
            else:
                print("ok   %s/%s: %d observed nodes" % (name, label, len(observed)))
    print("%d comparisons, %d mismatches" % (checked, failures))
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
