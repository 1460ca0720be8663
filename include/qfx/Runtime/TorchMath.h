//===- TorchMath.h - Scalar emulation of ATen float32 kernels ---*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Small helpers reproducing the exact float32 results of the ATen CPU kernels
// that PyTorch 1.13's observers rely on: the cascade summation of torch.sum,
// Python-style floor division, float-to-int32 conversion, round half to even.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_TORCHMATH_H
#define QFX_RUNTIME_TORCHMATH_H

#include <cstddef>
#include <cstdint>

namespace qfx::rt {

/// torch.sum of a contiguous float32 array on a CPU with 8-lane float vectors
/// (AVX2 and the default capability): ATen's multi-level cascade sum, with the
/// same association order, accumulated in float32.
float torchSum(const float *data, size_t n);

/// torch.div(a, b, rounding_mode='floor') for float32 (Python semantics).
float torchFloorDivide(float a, float b);

/// torch.round: round half to even.
float roundHalfEven(float x);

/// Tensor.to(torch.int) of a float32 as executed on x86: values outside the
/// int32 range and NaN become INT32_MIN (the cvttss2si "indefinite" result).
int32_t castToInt32(float x);

} // namespace qfx::rt

#endif // QFX_RUNTIME_TORCHMATH_H
