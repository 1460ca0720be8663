//===- Quantize.h - Quantize, dequantize and fake-quantize ------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reference affine quantization kernels with PyTorch 1.13's CPU rounding:
//   q  = clamp(int64(zp + nearbyint(x * (1.0f / scale))), lo, hi)
//   x' = (float(q) - zp) * scale
// (multiplication by the float32 reciprocal, not division; ties to even).
// See docs/numerics.md for the exact formulas and why.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_QUANTIZE_H
#define QFX_RUNTIME_QUANTIZE_H

#include "qfx/Runtime/QParams.h"
#include "qfx/Runtime/Status.h"
#include "qfx/Runtime/TensorView.h"

#include <cstdint>

namespace qfx::rt {

/// Storage dtype of a quantized dtype (quint8 -> UInt8, qint8 -> Int8,
/// qint32 -> Int32). Fails for quint4x2 (packing not implemented) and floats.
Expected<DType> storageDType(QDType dtype);

/// Quantizes one value like ATen's quantize_val: the result is clamped to
/// [qmin, qmax] (the storage type's limits for torch.quantize_per_tensor).
int64_t quantizeValue(float x, float scale, int64_t zeroPoint, int64_t qmin,
                      int64_t qmax);
/// Dequantizes one value like ATen's dequantize_val.
float dequantizeValue(int64_t q, float scale, int64_t zeroPoint);
/// Fake-quantizes one value like torch.fake_quantize_per_tensor_affine.
float fakeQuantizeValue(float x, float scale, int64_t zeroPoint, int64_t qmin,
                        int64_t qmax);

/// torch.quantize_per_tensor: returns a tensor of storageDType(dtype).
Expected<Tensor> quantizePerTensor(const TensorView &x, float scale,
                                   int64_t zeroPoint, QDType dtype);
/// torch.quantize_per_channel along \p axis.
Expected<Tensor> quantizePerChannel(const TensorView &x,
                                    const std::vector<float> &scales,
                                    const std::vector<int64_t> &zeroPoints,
                                    int64_t axis, QDType dtype);
/// Tensor.dequantize() of a per-tensor quantized tensor \p q.
Expected<Tensor> dequantizePerTensor(const Tensor &q, float scale,
                                     int64_t zeroPoint);
/// Tensor.dequantize() of a per-channel quantized tensor \p q.
Expected<Tensor> dequantizePerChannel(const Tensor &q,
                                      const std::vector<float> &scales,
                                      const std::vector<int64_t> &zeroPoints,
                                      int64_t axis);
/// torch.fake_quantize_per_tensor_affine.
Expected<Tensor> fakeQuantizePerTensor(const TensorView &x, float scale,
                                       int64_t zeroPoint, int64_t quantMin,
                                       int64_t quantMax);
/// torch.fake_quantize_per_channel_affine along \p axis.
Expected<Tensor> fakeQuantizePerChannel(const TensorView &x,
                                        const std::vector<float> &scales,
                                        const std::vector<int64_t> &zeroPoints,
                                        int64_t axis, int64_t quantMin,
                                        int64_t quantMax);

/// Splits \p shape around \p axis into (outer, channels, inner) extents so
/// that element (o, c, i) lives at (o * channels + c) * inner + i. Negative
/// axes count from the end. Fails when the axis is out of range.
Status splitAroundAxis(const Shape &shape, int64_t axis, int64_t &outer,
                       int64_t &channels, int64_t &inner);

} // namespace qfx::rt

#endif // QFX_RUNTIME_QUANTIZE_H
