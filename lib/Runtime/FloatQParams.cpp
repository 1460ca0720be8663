//===- FloatQParams.cpp - Float zero point quantization -------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/FloatQParams.h"

#include <algorithm>
#include <cmath>

using namespace qfx::rt;

int64_t qfx::rt::quantizeValueFloatQParams(float x, float scale,
                                           float zeroPoint, int64_t qmin,
                                           int64_t qmax) {
  const float invScale = scale == 0.0f ? 1.0f : 1.0f / scale;
  // Two float32 roundings (product, then sum), then lrintf's current
  // rounding mode (to nearest even), as ATen.
  const float product = x * invScale;
  const float t = product + zeroPoint;
  int64_t q = static_cast<int64_t>(std::lrintf(t));
  return std::max(qmin, std::min(q, qmax));
}

float qfx::rt::dequantizeValueFloatQParams(int64_t q, float scale,
                                           float zeroPoint) {
  return (static_cast<float>(q) - zeroPoint) * scale;
}

float qfx::rt::fakeQuantizeValueFloatQParams(float x, float scale,
                                             float zeroPoint, int64_t qmin,
                                             int64_t qmax) {
  const int64_t q = quantizeValueFloatQParams(x, scale, zeroPoint, qmin, qmax);
  return static_cast<float>(
      (static_cast<double>(q) - static_cast<double>(zeroPoint)) *
      static_cast<double>(scale));
}
