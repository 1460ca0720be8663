//===- DynamicQuant.cpp - qparams chosen per call -------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/DynamicQuant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

using namespace qfx::rt;

/// ATen's SMALL_SCALE_THRESHOLD (the smallest normal float16).
static constexpr float kSmallScale = 6.1e-5f;

Expected<DynamicQParams> qfx::rt::chooseDynamicQParams(float min, float max,
                                                       int64_t qmin,
                                                       int64_t qmax,
                                                       bool reduceRange) {
  if (!std::isfinite(min) || !std::isfinite(max))
    return Status::error("dynamic quantization of a tensor holding "
                         "non-finite values");
  if (min > max)
    return Status::error("dynamic quantization: min is greater than max");
  // ATen keeps qmin/qmax as int32_t and halves them with C++ division
  // (truncation towards zero: [-128, 127] becomes [-64, 63]).
  if (reduceRange) {
    qmin /= 2;
    qmax /= 2;
  }
  if (qmin >= qmax)
    return Status::error("dynamic quantization: qmin must be below qmax");
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  const double range = static_cast<double>(qmax - qmin);
  double scale = (static_cast<double>(max) - min) / range;
  if (static_cast<float>(scale) == 0.0f ||
      std::isinf(1.0f / static_cast<float>(scale)))
    scale = 0.1;
  if (scale < kSmallScale) {
    // ATen narrows the original scale to float before amplifying.
    float original = static_cast<float>(scale);
    scale = kSmallScale;
    if (min == 0.0f) {
      max = kSmallScale * static_cast<float>(qmax - qmin);
    } else if (max == 0.0f) {
      min = -kSmallScale * static_cast<float>(qmax - qmin);
    } else {
      float amplifier = kSmallScale / original;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const double fromMin = static_cast<double>(qmin) - min / scale;
  const double fromMax = static_cast<double>(qmax) - max / scale;
  const double errMin =
      std::abs(static_cast<double>(qmin)) - std::abs(min / scale);
  const double errMax =
      std::abs(static_cast<double>(qmax)) - std::abs(max / scale);
  const double initial = errMin < errMax ? fromMin : fromMax;
  DynamicQParams out;
  out.scale = scale;
  if (initial < static_cast<double>(qmin))
    out.zeroPoint = qmin;
  else if (initial > static_cast<double>(qmax))
    out.zeroPoint = qmax;
  else
    out.zeroPoint = static_cast<int64_t>(std::nearbyint(initial));
  return out;
}

Status qfx::rt::tensorMinMax(const float *x, int64_t n, float &min,
                             float &max) {
  if (n <= 0)
    return Status::error("dynamic quantization of an empty tensor");
  min = x[0];
  max = x[0];
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(x[i]))
      return Status::error("dynamic quantization of a tensor holding NaN");
    min = std::min(min, x[i]);
    max = std::max(max, x[i]);
  }
  return Status::success();
}

float qfx::rt::roundToFloat16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  const uint32_t sign = bits & 0x80000000u, mag = bits ^ sign;
  if (mag >= 0x7f800000u) // inf, NaN
    return x;
  float out;
  if (mag >= 0x477ff000u) { // >= 65520: rounds past 65504 (ties to even)
    out = std::numeric_limits<float>::infinity();
  } else if (mag < 0x38800000u) {
    // Below 2^-14 float16 is subnormal with a fixed step of 2^-24; scaling
    // by a power of two is exact, nearbyint rounds ties to even.
    float a;
    std::memcpy(&a, &mag, sizeof(a));
    out = std::ldexp(std::nearbyint(std::ldexp(a, 24)), -24);
  } else {
    // Normal: keep 10 of the 23 mantissa bits, ties to even; a carry into
    // the exponent is the correct rounding.
    uint32_t r = mag + 0xfffu + ((mag >> 13) & 1u);
    r &= ~0x1fffu;
    std::memcpy(&out, &r, sizeof(out));
  }
  return sign ? -out : out;
}
