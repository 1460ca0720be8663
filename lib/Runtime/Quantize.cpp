//===- Quantize.cpp - Quantize, dequantize and fake-quantize --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/Quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

using namespace qfx::rt;

Expected<DType> qfx::rt::storageDType(QDType dtype) {
  switch (dtype) {
  case QDType::QUInt8:
    return DType::UInt8;
  case QDType::QInt8:
    return DType::Int8;
  case QDType::QInt32:
    return DType::Int32;
  default:
    return Status::error(std::string("quantized storage not supported for ") +
                         qdtypeName(dtype));
  }
}

/// The full range of the storage type of \p dtype.
static QRange storageRange(DType dtype) {
  switch (dtype) {
  case DType::UInt8:
    return {0, 255};
  case DType::Int8:
    return {-128, 127};
  default:
    return {std::numeric_limits<int32_t>::min(),
            std::numeric_limits<int32_t>::max()};
  }
}

/// static_cast<int64_t>(float) with the x86 result for out-of-range values.
static int64_t floatToInt64(float t) {
  if (!(t >= -9.2233720368547758e18f && t < 9.2233720368547758e18f))
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(t);
}

int64_t qfx::rt::quantizeValue(float x, float scale, int64_t zeroPoint,
                               int64_t qmin, int64_t qmax) {
  const float invScale = 1.0f / scale;
  // ATen: `zero_point + nearbyint(x * inv_scale)` adds in float32.
  float t = static_cast<float>(zeroPoint) + std::nearbyint(x * invScale);
  return std::clamp(floatToInt64(t), qmin, qmax);
}

float qfx::rt::dequantizeValue(int64_t q, float scale, int64_t zeroPoint) {
  float centered = static_cast<float>(q) - static_cast<float>(zeroPoint);
  return static_cast<float>(static_cast<double>(centered) *
                            static_cast<double>(scale));
}

float qfx::rt::fakeQuantizeValue(float x, float scale, int64_t zeroPoint,
                                 int64_t qmin, int64_t qmax) {
  int64_t q = quantizeValue(x, scale, zeroPoint, qmin, qmax);
  return static_cast<float>(
      (static_cast<double>(q) - static_cast<double>(zeroPoint)) *
      static_cast<double>(scale));
}

Status qfx::rt::splitAroundAxis(const Shape &shape, int64_t axis,
                                int64_t &outer, int64_t &channels,
                                int64_t &inner) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return Status::error("channel axis " + std::to_string(axis) +
                         " out of range for a tensor of rank " +
                         std::to_string(rank));
  outer = 1;
  inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  channels = shape[axis];
  for (int64_t i = axis + 1; i < rank; ++i)
    inner *= shape[i];
  return Status::success();
}

namespace {
/// Applies `fn(value, channel)` to every element of an (outer, C, inner)
/// decomposition, writing the results contiguously.
template <typename In, typename Out, typename Fn>
void forEachChannel(const In *in, Out *out, int64_t outer, int64_t channels,
                    int64_t inner, Fn fn) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i)
        out[base + i] = fn(in[base + i], c);
    }
}

template <typename Fn> Status dispatchStorage(DType dtype, Fn fn) {
  switch (dtype) {
  case DType::UInt8:
    return fn(uint8_t());
  case DType::Int8:
    return fn(int8_t());
  case DType::Int32:
    return fn(int32_t());
  default:
    return Status::error(std::string("not a quantized storage dtype: ") +
                         dtypeName(dtype));
  }
}

Status checkChannelParams(size_t numScales, size_t numZeroPoints,
                          int64_t channels) {
  if (numScales != static_cast<size_t>(channels) ||
      numZeroPoints != static_cast<size_t>(channels))
    return Status::error("per-channel parameters have " +
                         std::to_string(numScales) + " scales and " +
                         std::to_string(numZeroPoints) + " zero points for " +
                         std::to_string(channels) + " channels");
  return Status::success();
}
} // namespace

/// Quantizes \p x viewed as (outer, channels, inner) with per-channel params.
static Expected<Tensor> quantizeImpl(const TensorView &x, int64_t outer,
                                     int64_t channels, int64_t inner,
                                     const std::vector<float> &scales,
                                     const std::vector<int64_t> &zeroPoints,
                                     QDType dtype) {
  if (Status s = checkChannelParams(scales.size(), zeroPoints.size(), channels);
      s.failed())
    return s;
  Expected<DType> storage = storageDType(dtype);
  if (storage.failed())
    return storage.status();
  Expected<Tensor> out = Tensor::zeros(*storage, x.shape);
  if (out.failed())
    return out;
  QRange range = storageRange(*storage);
  Status s = dispatchStorage(*storage, [&](auto tag) {
    using T = decltype(tag);
    forEachChannel(x.data, out->data<T>(), outer, channels, inner,
                   [&](float v, int64_t c) {
                     return static_cast<T>(
                         quantizeValue(v, scales[c], zeroPoints[c],
                                       range.quantMin, range.quantMax));
                   });
    return Status::success();
  });
  if (s.failed())
    return s;
  return out;
}

Expected<Tensor> qfx::rt::quantizePerChannel(
    const TensorView &x, const std::vector<float> &scales,
    const std::vector<int64_t> &zeroPoints, int64_t axis, QDType dtype) {
  int64_t outer, channels, inner;
  if (Status s = splitAroundAxis(x.shape, axis, outer, channels, inner);
      s.failed())
    return s;
  return quantizeImpl(x, outer, channels, inner, scales, zeroPoints, dtype);
}

Expected<Tensor> qfx::rt::quantizePerTensor(const TensorView &x, float scale,
                                            int64_t zeroPoint, QDType dtype) {
  return quantizeImpl(x, 1, 1, x.numel(), {scale}, {zeroPoint}, dtype);
}

/// Dequantizes \p q viewed as (outer, channels, inner).
static Expected<Tensor> dequantizeImpl(const Tensor &q, int64_t outer,
                                       int64_t channels, int64_t inner,
                                       const std::vector<float> &scales,
                                       const std::vector<int64_t> &zeroPoints) {
  if (Status s = checkChannelParams(scales.size(), zeroPoints.size(), channels);
      s.failed())
    return s;
  Expected<Tensor> out = Tensor::zeros(DType::Float32, q.shape());
  if (out.failed())
    return out;
  Status s = dispatchStorage(q.dtype(), [&](auto tag) {
    using T = decltype(tag);
    forEachChannel(q.data<T>(), out->data<float>(), outer, channels, inner,
                   [&](T v, int64_t c) {
                     return dequantizeValue(v, scales[c], zeroPoints[c]);
                   });
    return Status::success();
  });
  if (s.failed())
    return s;
  return out;
}

Expected<Tensor> qfx::rt::dequantizePerTensor(const Tensor &q, float scale,
                                              int64_t zeroPoint) {
  return dequantizeImpl(q, 1, 1, q.numel(), {scale}, {zeroPoint});
}

Expected<Tensor>
qfx::rt::dequantizePerChannel(const Tensor &q, const std::vector<float> &scales,
                              const std::vector<int64_t> &zeroPoints,
                              int64_t axis) {
  int64_t outer, channels, inner;
  if (Status s = splitAroundAxis(q.shape(), axis, outer, channels, inner);
      s.failed())
    return s;
  return dequantizeImpl(q, outer, channels, inner, scales, zeroPoints);
}

/// Fake-quantizes \p x viewed as (outer, channels, inner).
static Expected<Tensor> fakeQuantizeImpl(const TensorView &x, int64_t outer,
                                         int64_t channels, int64_t inner,
                                         const std::vector<float> &scales,
                                         const std::vector<int64_t> &zeroPoints,
                                         int64_t quantMin, int64_t quantMax) {
  if (Status s = checkChannelParams(scales.size(), zeroPoints.size(), channels);
      s.failed())
    return s;
  if (quantMin > quantMax)
    return Status::error("fake quantize: quant_min must be <= quant_max");
  Expected<Tensor> out = Tensor::zeros(DType::Float32, x.shape);
  if (out.failed())
    return out;
  forEachChannel(x.data, out->data<float>(), outer, channels, inner,
                 [&](float v, int64_t c) {
                   return fakeQuantizeValue(v, scales[c], zeroPoints[c],
                                            quantMin, quantMax);
                 });
  return out;
}

Expected<Tensor> qfx::rt::fakeQuantizePerTensor(const TensorView &x,
                                                float scale, int64_t zeroPoint,
                                                int64_t quantMin,
                                                int64_t quantMax) {
  return fakeQuantizeImpl(x, 1, 1, x.numel(), {scale}, {zeroPoint}, quantMin,
                          quantMax);
}

Expected<Tensor> qfx::rt::fakeQuantizePerChannel(
    const TensorView &x, const std::vector<float> &scales,
    const std::vector<int64_t> &zeroPoints, int64_t axis, int64_t quantMin,
    int64_t quantMax) {
  int64_t outer, channels, inner;
  if (Status s = splitAroundAxis(x.shape, axis, outer, channels, inner);
      s.failed())
    return s;
  return fakeQuantizeImpl(x, outer, channels, inner, scales, zeroPoints,
                          quantMin, quantMax);
}
