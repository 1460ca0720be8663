//===- DynamicQuant.cpp - qparams chosen per call -------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/DynamicQuant.h"
#include "qfx/Runtime/QParams.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

using namespace qfx::rt;

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
  auto [scale, zeroPoint] =
      chooseQuantizationParams(min, max, qmin, qmax, /*symmetric=*/false);
  DynamicQParams out;
  out.scale = scale;
  out.zeroPoint = zeroPoint;
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
