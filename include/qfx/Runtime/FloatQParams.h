//===- FloatQParams.h - Float zero point quantization -----------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// per_channel_affine_float_qparams (weight-only embeddings), bit for bit as
// ATen 1.13 on CPU:
//   q  = clamp(lrintf(x * (1.0f / scale) + zero_point), 0, qmax)
//   x' = (float(q) - zero_point) * scale
// in float32, every operation rounded on its own (no FMA); qmax is 255 for
// quint8 and 15 for quint4x2 (values stored unpacked, one per byte).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_FLOATQPARAMS_H
#define QFX_RUNTIME_FLOATQPARAMS_H

#include <cstdint>

namespace qfx::rt {

/// ATen's quantize_val_float_qparams (a zero scale counts as 1).
int64_t quantizeValueFloatQParams(float x, float scale, float zeroPoint,
                                  int64_t qmin, int64_t qmax);
/// One element of dequantize_tensor_per_channel_float_qparams_cpu.
float dequantizeValueFloatQParams(int64_t q, float scale, float zeroPoint);
/// One element of torch.fake_quantize_per_channel_affine with a float
/// zero point (a QAT embedding's weight_fake_quant): quantized as above,
/// dequantized as (q - zero_point) * scale in double (ATen clamps with
/// std::fmin / std::fmax on integers, which promote to double), then
/// rounded to float32 once.
float fakeQuantizeValueFloatQParams(float x, float scale, float zeroPoint,
                                    int64_t qmin, int64_t qmax);

} // namespace qfx::rt

#endif // QFX_RUNTIME_FLOATQPARAMS_H
