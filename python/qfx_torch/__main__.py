"""Command line: export a model built by a factory to qfx IR.

    python3 -m qfx_torch --model torchvision.models:resnet18 \\
        --input-shape 1,3,224,224 -o resnet18.mlir
"""

import argparse
import importlib
import json
import sys

import torch

from .exporter import ExportError, export


def _parse_shape(text):
    try:
        return [int(d) for d in text.split(",") if d.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("bad shape %r (want e.g. 1,3,224,224)" % text)


_DTYPES = {"float32": torch.float32, "float64": torch.float64,
           "float16": torch.float16, "int64": torch.int64,
           "int32": torch.int32, "bool": torch.bool}


def build_parser():
    p = argparse.ArgumentParser(prog="python3 -m qfx_torch",
                                description="Export a PyTorch model to qfx IR.")
    p.add_argument("--model", required=True,
                   help="factory as package.module:callable")
    p.add_argument("--factory-kwargs", default="{}",
                   help="JSON object of keyword arguments for the factory")
    p.add_argument("--input-shape", action="append", type=_parse_shape,
                   required=True, help="one per model input, e.g. 1,3,224,224")
    p.add_argument("--input-dtype", action="append", choices=sorted(_DTYPES),
                   help="one per input (default float32); integer inputs are "
                        "drawn from [0, --int-high)")
    p.add_argument("--int-high", type=int, default=10,
                   help="exclusive upper bound of random integer inputs")
    p.add_argument("--train", action="store_true",
                   help="export in training mode (default: eval)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed for weights and example inputs")
    p.add_argument("--leaf-module", action="append", default=[],
                   help="qualified submodule name to keep as call_module")
    p.add_argument("--qfx-opt", help="qfx-opt binary (for .mlirbc output); "
                                     "default $QFX_OPT or PATH")
    p.add_argument("-o", "--output", required=True,
                   help="output path (.mlir text or .mlirbc bytecode)")
    return p


def load_factory(spec):
    module_name, sep, attr = spec.partition(":")
    if not sep or not attr:
        raise ExportError("--model must look like package.module:factory, got %r"
                          % spec)
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def make_inputs(shapes, dtypes, int_high):
    dtypes = dtypes or []
    if dtypes and len(dtypes) not in (1, len(shapes)):
        raise ExportError("give one --input-dtype, or one per --input-shape")
    inputs = []
    for i, shape in enumerate(shapes):
        name = dtypes[i] if len(dtypes) > 1 else (dtypes[0] if dtypes else "float32")
        dtype = _DTYPES[name]
        if dtype.is_floating_point:
            inputs.append(torch.randn(shape, dtype=dtype))
        elif dtype == torch.bool:
            inputs.append(torch.rand(shape) > 0.5)
        else:
            inputs.append(torch.randint(0, int_high, shape, dtype=dtype))
    return tuple(inputs)


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        kwargs = json.loads(args.factory_kwargs)
        if not isinstance(kwargs, dict):
            raise ExportError("--factory-kwargs must be a JSON object")
        torch.manual_seed(args.seed)
        model = load_factory(args.model)(**kwargs)
        if not isinstance(model, torch.nn.Module):
            raise ExportError("%s returned a %s, not an nn.Module"
                              % (args.model, type(model).__name__))
        model.train(args.train)
        inputs = make_inputs(args.input_shape, args.input_dtype, args.int_high)
        export(model, inputs, args.output, leaf_modules=args.leaf_module,
               qfx_opt=args.qfx_opt)
    except (ExportError, ImportError, AttributeError, ValueError, TypeError) as e:
        print("qfx_torch: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
