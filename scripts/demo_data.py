"""Data and reporting for scripts/demo: the ONNX export of the example, seeded
input batches, and the final comparison of qfx's outputs with PyTorch's."""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from examples.tiny_convnet import build  # noqa: E402

SHAPE = (1, 3, 32, 32)


def export_onnx(path):
    model = build()
    torch.onnx.export(model, torch.randn(*SHAPE), path, opset_version=13,
                      input_names=["x"], output_names=["logits"])


def make_inputs(work):
    rng = np.random.default_rng(0)
    for name, batches in (("calib", 8), ("eval", 16)):
        data = rng.standard_normal((batches, *SHAPE)).astype(np.float32)
        np.save(os.path.join(work, name + ".npy"), data)


def sqnr_db(reference, test):
    noise = np.sum((reference - test) ** 2)
    return float("inf") if noise == 0 else 10 * np.log10(np.sum(reference ** 2) / noise)


def torch_reference_int8(model, work, backend, inputs):
    """PyTorch's own path on the same data: prepare_fx with the backend's
    default mapping, the same calibration batches, convert_to_reference_fx."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import (convert_to_reference_fx,
                                                   prepare_fx)
    example = torch.randn(*SHAPE)
    prepared = prepare_fx(model, get_default_qconfig_mapping(backend), (example,))
    with torch.no_grad():
        for batch in np.load(os.path.join(work, "calib.npy")):
            prepared(torch.from_numpy(batch))
        reference = convert_to_reference_fx(prepared)
        return np.stack([reference(torch.from_numpy(x)).numpy() for x in inputs])


def report(work, quantized, backend):
    model = build()
    inputs = np.load(os.path.join(work, "eval.npy"))
    with torch.no_grad():
        torch_out = np.stack([model(torch.from_numpy(x)).numpy() for x in inputs])
    float_out = np.load(os.path.join(work, "float_out.npy"))
    scale = np.abs(torch_out).max()
    print(f"qfx float vs PyTorch float: max |diff| = "
          f"{np.abs(float_out - torch_out).max():.3g} "
          f"({np.abs(float_out - torch_out).max() / scale:.2g} of max |output|)")
    if quantized:
        quant_out = np.load(quantized)
        torch_int8 = torch_reference_int8(build(), work, backend, inputs)
        reference_out = np.load(os.path.join(work, "reference_out.npy"))
        print(f"PyTorch convert_to_reference_fx ({backend}) vs float: "
              f"SQNR {sqnr_db(torch_out, torch_int8):.1f} dB")
        print(f"qfx reference model vs PyTorch's: max |diff| = "
              f"{np.abs(reference_out - torch_int8).max():.3g}; "
              f"qfx lowered vs qfx reference: max |diff| = "
              f"{np.abs(quant_out - reference_out).max():.3g}")
        top1 = np.mean(quant_out.argmax(-1) == torch_out.argmax(-1))
        print(f"qfx int8 vs float: SQNR {sqnr_db(torch_out, quant_out):.1f} dB, "
              f"max |diff| {np.abs(quant_out - torch_out).max():.3g}, "
              f"top-1 agreement {top1:.0%} over {len(inputs)} inputs")
    else:
        print("int8 result: pending (prepare/convert/lower not landed yet)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["onnx", "inputs", "report"])
    parser.add_argument("path")
    parser.add_argument("--quantized")
    parser.add_argument("--backend", default="x86")
    args = parser.parse_args()
    if args.what == "onnx":
        export_onnx(args.path)
    elif args.what == "inputs":
        make_inputs(args.path)
    else:
        report(args.path, args.quantized, args.backend)


if __name__ == "__main__":
    main()
