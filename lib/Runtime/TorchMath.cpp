//===- TorchMath.cpp - Scalar emulation of ATen float32 kernels -----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/TorchMath.h"

#include <array>
#include <cmath>

using namespace qfx::rt;

namespace {
/// A group of W float32 lanes, added lane-wise like an ATen Vectorized<float>.
template <int W> struct Lanes {
  std::array<float, W> v{};
  void add(const Lanes &o) {
    for (int i = 0; i < W; ++i)
      v[i] += o.v[i];
  }
  static Lanes load(const float *p) {
    Lanes l;
    for (int i = 0; i < W; ++i)
      l.v[i] = p[i];
    return l;
  }
};
} // namespace

/// ceil(log2(x)) with ATen's convention of 1 for x <= 2.
static int64_t ceilLog2(int64_t x) {
  if (x <= 2)
    return 1;
  int64_t bits = 0;
  for (uint64_t u = static_cast<uint64_t>(x - 1); u; u >>= 1)
    ++bits;
  return bits;
}

/// Sums `size` rows of kRows lane groups each (row r starts at
/// data + r * kRows * W) into kRows partial sums using four cascade levels.
template <int W, int kRows>
static std::array<Lanes<W>, kRows> multiRowSum(const float *data,
                                               int64_t size) {
  constexpr int kLevels = 4;
  const int64_t levelPower = std::max<int64_t>(4, ceilLog2(size) / kLevels);
  const int64_t levelStep = int64_t(1) << levelPower;
  const int64_t levelMask = levelStep - 1;
  std::array<std::array<Lanes<W>, kRows>, kLevels> acc{};
  auto rowAt = [&](int64_t i, int k) {
    return Lanes<W>::load(data + (i * kRows + k) * W);
  };

  int64_t i = 0;
  while (i + levelStep <= size) {
    for (int64_t j = 0; j < levelStep; ++j, ++i)
      for (int k = 0; k < kRows; ++k)
        acc[0][k].add(rowAt(i, k));
    for (int j = 1; j < kLevels; ++j) {
      for (int k = 0; k < kRows; ++k) {
        acc[j][k].add(acc[j - 1][k]);
        acc[j - 1][k] = Lanes<W>();
      }
      if ((i & (levelMask << (j * levelPower))) != 0)
        break;
    }
  }
  for (; i < size; ++i)
    for (int k = 0; k < kRows; ++k)
      acc[0][k].add(rowAt(i, k));
  for (int j = 1; j < kLevels; ++j)
    for (int k = 0; k < kRows; ++k)
      acc[0][k].add(acc[j][k]);
  return acc[0];
}

/// ATen's row_sum: four interleaved cascades over `size` lane groups.
template <int W> static Lanes<W> rowSum(const float *data, int64_t size) {
  constexpr int kIlp = 4;
  const int64_t sizeIlp = size / kIlp;
  auto partial = multiRowSum<W, kIlp>(data, sizeIlp);
  for (int64_t i = sizeIlp * kIlp; i < size; ++i)
    partial[0].add(Lanes<W>::load(data + i * W));
  for (int k = 1; k < kIlp; ++k)
    partial[0].add(partial[k]);
  return partial[0];
}

float qfx::rt::torchSum(const float *data, size_t n) {
  constexpr int kVecWidth = 8;
  const int64_t size = static_cast<int64_t>(n);
  if (size < kVecWidth)
    return rowSum<1>(data, size).v[0];
  const int64_t vecSize = size / kVecWidth;
  Lanes<kVecWidth> vecAcc = rowSum<kVecWidth>(data, vecSize);
  float result = 0.0f;
  for (int64_t k = vecSize * kVecWidth; k < size; ++k)
    result += data[k];
  for (int k = 0; k < kVecWidth; ++k)
    result += vecAcc.v[k];
  return result;
}

float qfx::rt::torchFloorDivide(float a, float b) {
  if (b == 0.0f)
    return a / b;
  float mod = std::fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && (b < 0.0f) != (mod < 0.0f))
    div -= 1.0f;
  if (div == 0.0f)
    return std::copysign(0.0f, a / b);
  float floorDiv = std::floor(div);
  if (div - floorDiv > 0.5f)
    floorDiv += 1.0f;
  return floorDiv;
}

float qfx::rt::roundHalfEven(float x) { return std::nearbyint(x); }

int32_t qfx::rt::castToInt32(float x) {
  // 2^31 is exactly representable; anything >= it or < -2^31 overflows.
  if (!(x >= -2147483648.0f && x < 2147483648.0f))
    return INT32_MIN;
  return static_cast<int32_t>(x);
}
