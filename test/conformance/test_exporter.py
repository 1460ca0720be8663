"""Exporter behaviour beyond model comparison: errors, CLI, atomic output.

    /usr/bin/python3 test_exporter.py --qfx-opt build/bin/qfx-opt \\
        [--registered "name;name;..."]
"""

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import torch
import torch.fx
import torch.nn as nn

_HERE = os.path.dirname(os.path.abspath(__file__))
_PYTHON_DIR = os.path.normpath(os.path.join(_HERE, "..", "..", "python"))
sys.path.insert(0, _HERE)
sys.path.insert(0, _PYTHON_DIR)

import models  # noqa: E402
import qfx_torch  # noqa: E402
from qfx_torch import mlir_text  # noqa: E402

QFX_OPT = None
REGISTERED = None


class ControlFlowBlock(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x * 2
        return x


class ControlFlow(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.block = ControlFlowBlock()

    def forward(self, x):
        return self.block(self.conv(x))


class Iterates(nn.Module):
    def forward(self, x):
        return sum(t for t in x)


class Opaque:
    pass


@torch.fx.wrap
def takes_object(x, obj):
    return x


class ObjectArg(nn.Module):
    def forward(self, x):
        return takes_object(x, Opaque())


class Scale(nn.Module):
    def forward(self, x, s):
        return x * s


class ScaledCall(nn.Module):
    def __init__(self):
        super().__init__()
        self.sub = Scale()

    def forward(self, x):
        return self.sub(x, 2.0)


class DtypeResult(nn.Module):
    def forward(self, x):
        return x.to(x.dtype)


def _run_cli(*args, env_extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([_PYTHON_DIR, _HERE])
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "qfx_torch"] + list(args),
                          capture_output=True, text=True, env=env)


class TracingErrors(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "out.mlir")

    def tearDown(self):
        self.dir.cleanup()

    def assertNoOutput(self):
        self.assertEqual(os.listdir(self.dir.name), [])

    def test_control_flow_names_module_line_and_hint(self):
        with open(self.path, "w") as f:
            f.write("stale")  # a failed export must not leave it behind
        with self.assertRaises(qfx_torch.ExportError) as cm:
            qfx_torch.export(ControlFlow(), (torch.randn(1, 3, 4, 4),), self.path)
        msg = str(cm.exception)
        self.assertIn("cannot be used as inputs to control flow", msg)
        self.assertIn("module 'block' (ControlFlowBlock)", msg)
        self.assertIn("test_exporter.py:", msg)
        self.assertIn("if x.sum() > 0:", msg)
        self.assertIn("leaf_modules=['block']", msg)
        self.assertIn("concrete_args", msg)
        self.assertNoOutput()

    def test_leaf_module_hint_works(self):
        qfx_torch.export(ControlFlow(), (torch.randn(1, 3, 4, 4),), self.path,
                         leaf_modules=["block"])
        with open(self.path) as f:
            text = f.read()
        self.assertIn('qfx.call call_module "test_exporter.ControlFlowBlock"'
                      if __name__ != "__main__" else
                      'qfx.call call_module "__main__.ControlFlowBlock"', text)

    def test_standalone_module_is_a_nested_function(self):
        # A standalone module's control flow is not traced by the parent;
        # the module itself is traced on the input it received.
        model = nn.Sequential(nn.Conv2d(3, 3, 1), nn.Sequential(nn.ReLU(), nn.Flatten()))
        qfx_torch.export(model, (torch.randn(1, 3, 4, 4),), self.path,
                         standalone_modules=["1"])
        with open(self.path) as f:
            text = f.read()
        self.assertIn('func.call @"1.forward"(%_0) {qfx.node = #qfx.node<call_module, '
                      '"torch.nn.modules.container.Sequential", module = "1">} : '
                      '(tensor<1x3x4x4xf32>) -> (tensor<1x48xf32>) loc("_1")', text)
        self.assertIn('func.func private @"1.forward"(%input_1: tensor<1x3x4x4xf32>', text)
        self.assertIn('module = "1.0">', text)  # the model's module paths

    def test_standalone_module_errors(self):
        with self.assertRaises(qfx_torch.ExportError) as cm:
            qfx_torch.export(nn.Sequential(nn.ReLU()), (torch.randn(2),), self.path,
                             standalone_modules=["missing"])
        self.assertIn("standalone module 'missing' is not a submodule", str(cm.exception))
        self.assertNoOutput()
        with self.assertRaises(qfx_torch.ExportError) as cm:
            qfx_torch.export(ScaledCall(), (torch.randn(2),), self.path,
                             standalone_modules=[Scale])
        self.assertIn("standalone module 'sub': argument 2.0 is not a tensor",
                      str(cm.exception))
        self.assertNoOutput()

    def test_iteration(self):
        with self.assertRaises(qfx_torch.ExportError) as cm:
            qfx_torch.export(Iterates(), (torch.randn(3, 2),), self.path)
        msg = str(cm.exception)
        self.assertIn("the top-level module (Iterates)", msg)
        self.assertIn("cannot be iterated", msg)
        self.assertIn("sum(t for t in x)", msg)
        self.assertNoOutput()

    def test_unsupported_argument(self):
        # torch.fx itself refuses to record the object while tracing.
        with self.assertRaises(qfx_torch.ExportError) as cm:
            qfx_torch.export(ObjectArg(), (torch.randn(2),), self.path)
        self.assertIn("Opaque", str(cm.exception))
        self.assertIn("return takes_object(x, Opaque())", str(cm.exception))
        self.assertIn("can only record tensors", str(cm.exception))
        self.assertNoOutput()

    def test_non_tensor_input_names_placeholder(self):
        class Scaled(nn.Module):
            def forward(self, x, k):
                return torch.mul(x, k)
        with self.assertRaises(qfx_torch.ExportError) as cm:
            qfx_torch.export(Scaled(), (torch.randn(2), 3), self.path)
        self.assertIn("placeholder 'k' is a int", str(cm.exception))
        self.assertIn("concrete_args", str(cm.exception))
        self.assertNoOutput()

    def test_unsupported_result_names_node(self):
        with self.assertRaises(qfx_torch.ExportError) as cm:
            qfx_torch.export(DtypeResult(), (torch.randn(2),), self.path)
        self.assertIn("node 'getattr_1'", str(cm.exception))
        self.assertIn("dtype", str(cm.exception))
        self.assertNoOutput()

    def test_wrong_input_count(self):
        with self.assertRaises(qfx_torch.ExportError):
            qfx_torch.export(ControlFlowBlock(), (), self.path)
        self.assertNoOutput()


class Cli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def _verify(self, path):
        proc = subprocess.run([QFX_OPT, path, "-o", os.devnull],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_failure_exits_non_zero_without_output(self):
        out = os.path.join(self.dir.name, "cf.mlir")
        proc = _run_cli("--model", "test_exporter:ControlFlow",
                        "--input-shape", "1,3,4,4", "-o", out)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("control flow", proc.stderr)
        self.assertIn("hint:", proc.stderr)
        self.assertEqual(os.listdir(self.dir.name), [])

    def test_bad_factory(self):
        out = os.path.join(self.dir.name, "x.mlir")
        proc = _run_cli("--model", "no_such_module:f", "--input-shape", "1", "-o", out)
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(os.listdir(self.dir.name), [])

    def test_small_model_text_and_kwargs_and_dtype(self):
        out = os.path.join(self.dir.name, "lstm.mlir")
        proc = _run_cli("--model", "models:Lstm", "--input-shape", "2,5",
                        "--input-dtype", "int64", "--seed", "3", "-o", out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self._verify(out)
        with open(out) as f:
            text = f.read()
        self.assertIn("tensor<2x5xi64> {qfx.name = \"idx\"}", text)
        self.assertIn("qfx.lstm", text)

    def test_train_flag(self):
        out = os.path.join(self.dir.name, "t.mlir")
        proc = _run_cli("--model", "models:ConvBnRelu", "--input-shape", "2,3,8,8",
                        "--train", "-o", out)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out) as f:
            text = f.read()
        self.assertIn("qfx.training = true", text)
        self.assertIn(" training {qfx.node", text)

    def test_resnet18_bytecode(self):
        out = os.path.join(self.dir.name, "r.mlirbc")
        proc = _run_cli("--model", "torchvision.models:resnet18",
                        "--factory-kwargs", '{"num_classes": 10}',
                        "--input-shape", "1,3,64,64", "--seed", "7", "-o", out,
                        env_extra={"QFX_OPT": QFX_OPT})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self._verify(out)
        self.assertEqual(os.listdir(self.dir.name), ["r.mlirbc"])

    def test_bytecode_through_blob_file_matches_text(self):
        """.mlirbc goes through a raw blob file and qfx-translate; read
        back, it is the same IR (every parameter byte) as the text export;
        without qfx-translate the exporter falls back to qfx-opt."""
        import models
        torch.manual_seed(3)
        model = models.Residual().eval()
        x = torch.randn(1, 3, 8, 8)
        printed = []
        for name, env in (("m.mlir", {}), ("m.mlirbc", {}),
                          ("f.mlirbc", {"QFX_TRANSLATE": ""})):
            out = os.path.join(self.dir.name, name)
            saved = os.environ.copy()
            os.environ.update(env)
            try:
                qfx_torch.export(model, (x,), out, qfx_opt=QFX_OPT)
            finally:
                os.environ.clear()
                os.environ.update(saved)
            proc = subprocess.run([QFX_OPT, out], capture_output=True, text=True)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            printed.append(proc.stdout)
        self.assertIn("dense_resource<", printed[0])
        self.assertEqual(printed[0], printed[1])
        self.assertEqual(printed[0], printed[2])
        self.assertEqual(sorted(os.listdir(self.dir.name)),
                         ["f.mlirbc", "m.mlir", "m.mlirbc"])

    def test_seeded_output_is_reproducible(self):
        outs = []
        for i in range(2):
            out = os.path.join(self.dir.name, "m%d.mlirbc" % i)
            proc = _run_cli("--model", "models:Residual", "--input-shape", "1,3,8,8",
                            "--seed", "5", "--qfx-opt", QFX_OPT, "-o", out)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            outs.append(out)
        with open(outs[0], "rb") as a, open(outs[1], "rb") as b:
            self.assertEqual(a.read(), b.read())


class MlirText(unittest.TestCase):
    def test_float_literals(self):
        self.assertEqual(mlir_text.float_literal(1e-05), "1.0e-05")
        self.assertEqual(mlir_text.float_literal(0.1), "0.1")
        self.assertEqual(mlir_text.float_literal(3), "3.0")
        self.assertEqual(mlir_text.float_literal(float("inf")), "0x7FF0000000000000")
        # f32_literal prints the float32 value PyTorch uses, exactly.
        (f,) = struct.unpack("<f", struct.pack("<f", 0.1))
        self.assertEqual(float(mlir_text.f32_literal(0.1)), f)

    def test_attr_literals(self):
        self.assertEqual(mlir_text.attr_literal([1, None, True]), "[1 : i64, unit, true]")
        self.assertEqual(mlir_text.attr_literal(torch.float16), '"torch.float16"')
        self.assertEqual(mlir_text.attr_literal(slice(None, 2)), "{slice = [unit, 2 : i64, unit]}")
        with self.assertRaises(mlir_text.UnsupportedValue):
            mlir_text.attr_literal(Opaque())

    def test_strings_and_keys(self):
        self.assertEqual(mlir_text.string_literal('a"b\\'), '"a\\"b\\\\"')
        taken = set()
        self.assertEqual(mlir_text.resource_key("layer1.0.conv1.weight", taken),
                         "layer1_0_conv1_weight")
        self.assertEqual(mlir_text.resource_key("layer1_0.conv1.weight", taken),
                         "layer1_0_conv1_weight_1")


class Registry(unittest.TestCase):
    def test_suite_lists_every_model(self):
        if REGISTERED is None:
            self.skipTest("no --registered list given")
        self.assertEqual(sorted(REGISTERED), sorted(models.MODELS))


def main():
    global QFX_OPT, REGISTERED
    p = argparse.ArgumentParser()
    p.add_argument("--qfx-opt", default=os.environ.get("QFX_OPT"))
    p.add_argument("--registered")
    args, rest = p.parse_known_args()
    QFX_OPT = args.qfx_opt
    if not QFX_OPT:
        sys.exit("test_exporter.py needs --qfx-opt or QFX_OPT")
    if args.registered:
        REGISTERED = [m for m in args.registered.split(";") if m]
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
