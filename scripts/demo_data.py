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


def report(work, quantized):
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
    args = parser.parse_args()
    if args.what == "onnx":
        export_onnx(args.path)
    elif args.what == "inputs":
        make_inputs(args.path)
    else:
        report(args.path, args.quantized)


if __name__ == "__main__":
    main()
