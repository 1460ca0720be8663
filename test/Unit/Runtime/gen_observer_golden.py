#!/usr/bin/python3
# ===- gen_observer_golden.py - Golden data for the runtime observers -----=== #
#
# Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
# See LICENSE for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# ===----------------------------------------------------------------------=== #
#
# Feeds PyTorch 1.13 observers deterministic batches and records their state
# and qparams, plus quantize/dequantize/fake-quantize results, in a line-based
# text file read by GoldenTest.cpp. Inputs are not stored: they come from a
# counter-based hash and float32 arithmetic that the C++ test reproduces
# exactly (GoldenInputs.cpp); every batch carries a hash of its values so that
# a generator mismatch is caught before any observer is compared.
#
# Run with Debian's /usr/bin/python3 (torch 1.13): it fails if torch is
# missing.
#
# ===----------------------------------------------------------------------=== #

import argparse
import struct
import sys
import warnings

import numpy as np
import torch
from torch.ao.quantization import observer as obs

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

F32 = np.float32


def fhex(v):
    return "%08x" % struct.unpack("<I", struct.pack("<f", float(v)))[0]


def fnv64(arr):
    """FNV-1a over the 32-bit patterns of a float32/int array."""
    h = 0xCBF29CE484222325
    for w in np.ascontiguousarray(arr).view(np.uint32).ravel().tolist():
        h ^= w
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def hash_u32(seed, n):
    """lowbias32 of seed * 0x9e3779b9 + i, vectorised in uint32."""
    with np.errstate(over="ignore"):
        x = np.uint32(seed) * np.uint32(0x9E3779B9) + np.arange(n, dtype=np.uint32)
        x ^= x >> np.uint32(16)
        x *= np.uint32(0x7FEB352D)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x846CA68B)
        x ^= x >> np.uint32(16)
    return x


def uniforms(seed, n, k):
    """k independent float32 uniforms in [0, 1) per element."""
    h = hash_u32(seed, n * k).reshape(n, k)
    return [((h[:, j] >> np.uint32(8)).astype(F32) * F32(2.0**-24)) for j in range(k)]


def generate(gen, seed, shape, p):
    n = int(np.prod(shape)) if shape else 1
    p = [F32(v) for v in p] + [F32(0)] * (3 - len(p))
    if gen == "uniform":
        (u,) = uniforms(seed, n, 1)
        x = p[0] + (p[1] - p[0]) * u
    elif gen in ("normal", "relu", "outlier"):
        u0, u1, u2, u3 = uniforms(seed, n, 4)
        s = ((u0 + u1) + u2) + u3
        s = s - F32(2.0)
        x = s * p[1] + p[0]
        if gen == "relu":
            x = np.maximum(x, F32(0.0))
        if gen == "outlier":
            x[n // 2] = p[2]
    elif gen == "heavy":
        u0, u1 = uniforms(seed, n, 2)
        x = ((u0 - F32(0.5)) / (u1 + F32(2.0**-10))) * p[0]
        x = np.clip(x, -p[1], p[1])
    elif gen == "const":
        x = np.full(n, p[0], dtype=F32)
    elif gen == "grid":
        x = p[0] + np.arange(n, dtype=np.int64).astype(F32) * p[1]
    else:
        raise ValueError(gen)
    return np.ascontiguousarray(x.astype(F32).reshape(shape))


class Batch:
    def __init__(self, gen, seed, shape, *p):
        self.gen, self.seed, self.shape, self.p = gen, seed, list(shape), list(p)

    def array(self):
        return generate(self.gen, self.seed, self.shape, self.p)

    def line(self):
        ps = [fhex(v) for v in self.p] + ["00000000"] * (3 - len(self.p))
        return "batch %s %d %s %s %s" % (self.gen, self.seed,
                                         ",".join(map(str, self.shape)) or "-",
                                         " ".join(ps), fnv64(self.array()))


def sequences(shape):
    """Named batch sequences exercising the observer branches."""
    return {
        "normal": [Batch("normal", 1, shape, 0.1, 1.0),
                   Batch("normal", 2, shape, 0.1, 1.0),
                   Batch("normal", 3, shape, 0.1, 1.0)],
        "uniform": [Batch("uniform", 4, shape, -3.0, 5.0),
                    Batch("uniform", 5, shape, -3.0, 5.0)],
        "heavy": [Batch("heavy", 6, shape, 0.5, 1000.0),
                  Batch("heavy", 7, shape, 0.5, 1000.0),
                  Batch("heavy", 8, shape, 0.5, 1000.0)],
        "const": [Batch("const", 0, shape, 0.7), Batch("const", 0, shape, 0.7),
                  Batch("normal", 9, shape, 0.0, 0.25)],
        "zeros": [Batch("const", 0, shape, 0.0), Batch("const", 0, shape, 0.0)],
        "outlier": [Batch("outlier", 10, shape, 0.0, 1.0, 50.0),
                    Batch("normal", 11, shape, 0.0, 1.0)],
        "growing": [Batch("normal", 12, shape, 0.0, 0.5),
                    Batch("normal", 13, shape, 0.0, 2.0),
                    Batch("normal", 14, shape, 0.5, 8.0)],
        "shrinking": [Batch("normal", 15, shape, 0.0, 4.0),
                      Batch("normal", 16, shape, 0.0, 1.0),
                      Batch("normal", 17, shape, 0.0, 0.25)],
        "relu": [Batch("relu", 18, shape, 0.3, 1.0),
                 Batch("relu", 19, shape, 0.3, 1.0),
                 Batch("relu", 20, shape, 0.3, 1.5)],
        "subunit": [Batch("uniform", 21, shape, 0.1, 0.9),
                    Batch("uniform", 22, shape, 0.05, 0.95)],
        "negative": [Batch("uniform", 23, shape, -7.5, -2.25),
                     Batch("uniform", 24, shape, -9.0, -1.0)],
    }


def qp_lines(scale, zp):
    scale = scale.reshape(-1)
    zp = zp.reshape(-1)
    out = ["scale " + " ".join(fhex(v) for v in scale.tolist())]
    if zp.dtype.is_floating_point:
        out.append("fzp " + " ".join(fhex(v) for v in zp.tolist()))
    else:
        out.append("zp " + " ".join(str(int(v)) for v in zp.tolist()))
    return out


DTYPES = {"quint8": torch.quint8, "qint8": torch.qint8,
          "qint32": torch.qint32, "quint4x2": torch.quint4x2}
QSCHEMES = {n: getattr(torch, n) for n in (
    "per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
    "per_channel_symmetric", "per_channel_affine_float_qparams")}


def observer_case(out, name, kind, cfg, batches):
    kwargs = {"dtype": DTYPES[cfg["dtype"]], "qscheme": QSCHEMES[cfg["qscheme"]],
              "reduce_range": cfg.get("reduce_range", False)}
    if "quant_min" in cfg:
        kwargs["quant_min"], kwargs["quant_max"] = cfg["quant_min"], cfg["quant_max"]
    for key in ("ch_axis", "averaging_constant", "bins", "upsample_rate"):
        if key in cfg:
            kwargs[key] = cfg[key]
    o = getattr(obs, kind)(**kwargs)
    for b in batches:
        o(torch.from_numpy(b.array()))
    scale, zp = o.calculate_qparams()

    fields = ["kind=" + kind]
    for key in ("dtype", "qscheme", "reduce_range", "quant_min", "quant_max",
                "ch_axis", "averaging_constant", "bins", "upsample_rate"):
        if key in cfg:
            v = cfg[key]
            fields.append("%s=%s" % (key, fhex(v) if isinstance(v, float)
                                     else int(v) if isinstance(v, bool) else v))
    out.append("case " + name)
    out.append("config " + " ".join(fields))
    out.extend(b.line() for b in batches)
    out.append("min " + " ".join(fhex(v) for v in o.min_val.reshape(-1).tolist()))
    out.append("max " + " ".join(fhex(v) for v in o.max_val.reshape(-1).tolist()))
    if kind == "HistogramObserver":
        h = o.histogram.numpy()
        line = "hist %d %s" % (h.size, fnv64(h))
        if h.size <= 256:
            line += " " + " ".join(fhex(v) for v in h.tolist())
        out.append(line)
    out.extend(qp_lines(scale, zp))
    out.append("end")


def observer_cases(out, quick):
    seqs = sequences([4, 8, 16])
    seq_names = list(seqs)
    # Per-tensor min/max configurations.
    pt = [dict(dtype="quint8", qscheme="per_tensor_affine"),
          dict(dtype="quint8", qscheme="per_tensor_affine", reduce_range=True),
          dict(dtype="quint8", qscheme="per_tensor_symmetric"),
          dict(dtype="qint8", qscheme="per_tensor_affine"),
          dict(dtype="qint8", qscheme="per_tensor_symmetric"),
          dict(dtype="qint8", qscheme="per_tensor_symmetric", reduce_range=True),
          dict(dtype="quint8", qscheme="per_tensor_affine", quant_min=0, quant_max=15),
          dict(dtype="quint8", qscheme="per_tensor_symmetric", quant_min=0, quant_max=31),
          dict(dtype="qint8", qscheme="per_tensor_affine", quant_min=-8, quant_max=7,
               reduce_range=True),
          dict(dtype="qint32", qscheme="per_tensor_affine"),
          dict(dtype="qint32", qscheme="per_tensor_symmetric"),
          dict(dtype="quint4x2", qscheme="per_tensor_affine")]
    for i, cfg in enumerate(pt):
        for s in seq_names:
            observer_case(out, "minmax_%d_%s" % (i, s), "MinMaxObserver", cfg, seqs[s])
    for i, cfg in enumerate(pt[:5]):
        for c in (0.01, 0.3):
            cfg2 = dict(cfg, averaging_constant=c)
            for s in seq_names:
                observer_case(out, "mavg_%d_%g_%s" % (i, c, s),
                              "MovingAverageMinMaxObserver", cfg2, seqs[s])
    # Per-channel configurations over several channel axes.
    pc = [dict(dtype="quint8", qscheme="per_channel_affine"),
          dict(dtype="qint8", qscheme="per_channel_symmetric"),
          dict(dtype="qint8", qscheme="per_channel_affine", reduce_range=True),
          dict(dtype="quint8", qscheme="per_channel_affine_float_qparams"),
          dict(dtype="quint8", qscheme="per_channel_symmetric", quant_min=0,
               quant_max=15)]
    pc_seqs = sequences([6, 5, 7])
    for i, cfg in enumerate(pc):
        for axis in (0, 1, -1):
            for s in ("normal", "heavy", "const", "zeros", "growing", "relu",
                      "negative"):
                cfg2 = dict(cfg, ch_axis=axis)
                observer_case(out, "perch_%d_ax%d_%s" % (i, axis, s),
                              "PerChannelMinMaxObserver", cfg2, pc_seqs[s])
                if axis in (0, -1):
                    observer_case(out, "mavgperch_%d_ax%d_%s" % (i, axis, s),
                                  "MovingAveragePerChannelMinMaxObserver",
                                  dict(cfg2, averaging_constant=0.25), pc_seqs[s])
    # Histogram observer: 2048 bins on realistic batches, small bins widely.
    hseqs = sequences([16, 256])
    hist_cfgs = [dict(dtype="quint8", qscheme="per_tensor_affine"),
                 dict(dtype="qint8", qscheme="per_tensor_symmetric"),
                 dict(dtype="quint8", qscheme="per_tensor_affine", reduce_range=True)]
    big = seq_names if not quick else ["normal", "relu"]
    for i, cfg in enumerate(hist_cfgs):
        for s in big:
            observer_case(out, "hist_%d_%s" % (i, s), "HistogramObserver", cfg,
                          hseqs[s])
    small_cfgs = [dict(dtype="quint8", qscheme="per_tensor_affine", bins=64,
                       upsample_rate=16),
                  dict(dtype="qint8", qscheme="per_tensor_symmetric", bins=256,
                       upsample_rate=8),
                  dict(dtype="qint8", qscheme="per_tensor_affine", bins=100,
                       upsample_rate=128),
                  dict(dtype="quint4x2", qscheme="per_tensor_affine", bins=128,
                       upsample_rate=32),
                  dict(dtype="quint8", qscheme="per_tensor_affine", bins=37,
                       upsample_rate=3, quant_min=0, quant_max=15)]
    sseqs = sequences([3, 100])
    for i, cfg in enumerate(small_cfgs):
        for s in seq_names:
            observer_case(out, "histsmall_%d_%s" % (i, s), "HistogramObserver",
                          cfg, sseqs[s])


def quantize_cases(out):
    """Quantize, dequantize and fake-quantize against torch's kernels."""
    inputs = [Batch("normal", 31, [8, 64], 0.0, 2.0),
              Batch("heavy", 32, [8, 64], 0.5, 300.0),
              Batch("grid", 0, [8, 64], -3.0, 0.0625),
              Batch("uniform", 33, [8, 64], -1.0, 1.0)]
    params = [(0.0625, 128, "quint8"), (0.0123456, 37, "quint8"),
              (0.03, 0, "qint8"), (0.125, -5, "qint8"), (1e-3, 3, "qint32"),
              (0.1, 0, "qint32")]
    for bi, b in enumerate(inputs):
        x = torch.from_numpy(b.array())
        for pi, (s, z, dt) in enumerate(params):
            s32 = float(F32(s))
            q = torch.quantize_per_tensor(x, s32, z, DTYPES[dt])
            info = torch.iinfo(torch.uint8 if dt == "quint8" else
                               torch.int8 if dt == "qint8" else torch.int32)
            fq = torch.fake_quantize_per_tensor_affine(x, s32, z, info.min, info.max)
            out.append("qcase pt_%d_%d" % (bi, pi))
            out.append(b.line())
            out.append("qparams %s %s %d" % (dt, fhex(s32), z))
            out.append("q " + fnv64(q.int_repr().to(torch.int32).numpy()))
            out.append("dq " + fnv64(q.dequantize().numpy()))
            out.append("fq %d %d %s" % (info.min, info.max, fnv64(fq.numpy())))
            out.append("end")
        for axis in (0, 1):
            c = x.shape[axis]
            scales = torch.tensor([float(F32(0.01 * (i + 1))) for i in range(c)],
                                  dtype=torch.float64)
            zps = torch.tensor([(i * 7) % 50 - 10 for i in range(c)],
                               dtype=torch.int64)
            q = torch.quantize_per_channel(x, scales, zps, axis, torch.qint8)
            fq = torch.fake_quantize_per_channel_affine(
                x, scales.float(), zps.int(), axis, -128, 127)
            out.append("qcase pc_%d_ax%d" % (bi, axis))
            out.append(b.line())
            out.append("pcparams qint8 %d %s %s" % (
                axis, " ".join(fhex(v) for v in scales.tolist()),
                " ".join(str(v) for v in zps.tolist())))
            out.append("q " + fnv64(q.int_repr().to(torch.int32).numpy()))
            out.append("dq " + fnv64(q.dequantize().numpy()))
            out.append("fq -128 127 " + fnv64(fq.numpy()))
            out.append("end")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true",
                    help="fewer 2048-bin histogram cases (smaller file)")
    args = ap.parse_args()
    out = ["# qfx observer golden v1, torch " + torch.__version__]
    observer_cases(out, args.quick)
    quantize_cases(out)
    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
