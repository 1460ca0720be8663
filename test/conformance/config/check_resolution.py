"""Differential test of QConfig resolution: PyTorch 1.13 vs qfx.

For small nested models and mappings with object_type / module_name_regex /
module_name / module_name_object_type_order / None rules, trace with
QuantizationTracer, run 1.13's generate_qconfig_map, and compare which nodes
get which qconfig with qfx-config-resolve. Fails (never skips) without torch.
"""

import argparse
import json
import os
import subprocess
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.ao.quantization import QConfigMapping, get_default_qconfig_mapping
from torch.ao.quantization.fx.qconfig_mapping_utils import generate_qconfig_map
from torch.ao.quantization.fx.tracer import QuantizationTracer
from torch.ao.quantization.qconfig import (default_dynamic_qconfig,
                                           default_per_channel_qconfig,
                                           default_qconfig)

from qfx_torch.config_io import (canonical_name, qconfig_mapping_to_json,
                                 qconfig_to_json)


class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.fc1 = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 4)

    def forward(self, x):
        x = self.conv(x)
        x = torch.add(x, x)
        x = torch.add(x, 1.0)
        x = self.fc2(self.fc1(x))
        return x.reshape(-1).relu()


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = Inner()
        self.block2 = Inner()
        self.conv = nn.Conv2d(3, 3, 1)

    def forward(self, x):
        x = self.conv(x)
        x = F.relu(x)
        y = self.block1(x)
        z = self.block2(x)
        return torch.add(y.view(-1), z.view(-1)).sigmoid()


MAPPINGS = {
    "global_only": QConfigMapping().set_global(default_qconfig),
    "default_fbgemm": get_default_qconfig_mapping("fbgemm"),
    "rules": QConfigMapping()
        .set_global(default_qconfig)
        .set_object_type(nn.Linear, default_per_channel_qconfig)
        .set_object_type(torch.add, None)
        .set_object_type("reshape", default_dynamic_qconfig)
        .set_module_name_regex("block.\\.fc", None)
        .set_module_name_regex("block1.*", default_dynamic_qconfig)
        .set_module_name("block2", default_per_channel_qconfig)
        .set_module_name("block2.fc2", None),
    "parent_type": QConfigMapping()
        .set_object_type(Inner, default_dynamic_qconfig)
        .set_object_type(F.relu, default_qconfig),
    "order": QConfigMapping()
        .set_global(default_qconfig)
        .set_module_name_object_type_order("block1", torch.add, 1, None)
        .set_module_name_object_type_order("block2", nn.Linear, 1, None)
        .set_module_name_object_type_order("", torch.add, 0,
                                           default_dynamic_qconfig)
        .set_module_name("block1", default_per_channel_qconfig),
}


def trace(model):
    tracer = QuantizationTracer([], [])
    graph = tracer.trace(model)
    return graph, tracer.node_name_to_scope


def node_list(model, graph, scope):
    modules = dict(model.named_modules())
    nodes = []
    for node in graph.nodes:
        path, mtype = scope.get(node.name, ("", None))
        entry = {"name": node.name, "op": node.op,
                 "module_path": path,
                 "module_type": canonical_name(mtype) if mtype else ""}
        if node.op == "call_module":
            entry["target"] = node.target
            entry["target_module_type"] = canonical_name(
                type(modules[node.target]))
        elif node.op == "get_attr":
            entry["target"] = node.target
            owner = node.target.rsplit(".", 1)[0] if "." in node.target else ""
            entry["target_module_type"] = canonical_name(type(modules[owner]))
        elif node.op in ("call_function", "call_method"):
            entry["target"] = canonical_name(node.target)
        nodes.append(entry)
    return nodes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--resolve", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    model = Outer().eval()
    graph, scope = trace(model)
    nodes = node_list(model, graph, scope)
    nodes_path = os.path.join(args.workdir, "nodes.json")
    with open(nodes_path, "w") as f:
        json.dump(nodes, f, indent=2)
    ok = True
    for label, mapping in MAPPINGS.items():
        mapping_path = os.path.join(args.workdir, label + ".mapping.json")
        with open(mapping_path, "w") as f:
            json.dump(qconfig_mapping_to_json(mapping), f, indent=2)
        modules = dict(model.named_modules())
        expected = generate_qconfig_map(model, modules, graph, mapping, scope)
        out = subprocess.run([args.resolve, mapping_path, nodes_path],
                             check=True, capture_output=True, text=True).stdout
        got = json.loads(out)
        bad = []
        for node in nodes:
            want = qconfig_to_json(expected.get(node["name"]))
            have = got[node["name"]]
            if node["op"] in ("placeholder", "output"):
                want = None
            if want != have["qconfig"]:
                bad.append("%s (%s %s): torch=%s qfx=%s via %s %s" % (
                    node["name"], node["op"], node.get("target"),
                    json.dumps(want)[:120], json.dumps(have["qconfig"])[:120],
                    have["rule"], have["key"]))
        if bad:
            ok = False
            print("MISMATCH %s:" % label)
            for line in bad:
                print("  " + line)
        else:
            print("ok %s (%d nodes)" % (label, len(nodes)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
