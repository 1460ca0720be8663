//===- LstmCellTest.cpp - The LSTM cell's gate math against libm ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// kern::lstmCell's vector expf / tanhf must equal std::exp / std::tanh bit
// for bit (docs/kernels.md, "Dynamic LSTM"): checked on a million inputs
// spread over every float bit pattern (signs, subnormals, both functions'
// thresholds, infinities, NaNs), and on all 2^32 with the hidden
// "[exhaustive]" case (about a minute). The cell against its scalar
// definition on random gates.
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/LstmCell.h"
#include "qfx/Kernels/QuantizedKernels.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace qfx::kern;

namespace {

/// Every \p stride-th float bit pattern from \p first, \p count of them.
std::vector<float> bitPatterns(uint64_t first, uint64_t stride,
                               uint64_t count) {
  std::vector<float> x(count);
  for (uint64_t i = 0; i < count; ++i) {
    const uint32_t bits = static_cast<uint32_t>(first + i * stride);
    std::memcpy(&x[i], &bits, sizeof(float));
  }
  return x;
}

/// The first input where \p vec and \p scalar differ in any bit, or -1.
template <typename Scalar>
int64_t firstDifference(const std::vector<float> &x,
                        void (*vec)(const float *, float *, int64_t),
                        Scalar scalar) {
  std::vector<float> y(x.size());
  vec(x.data(), y.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i < x.size(); ++i) {
    const float want = scalar(x[i]);
    if (std::memcmp(&want, &y[i], sizeof(float)) != 0)
      return static_cast<int64_t>(i);
  }
  return -1;
}

float libmExp(float v) { return std::exp(v); }
float libmTanh(float v) { return std::tanh(v); }

} // namespace

TEST_CASE("lstm gate math equals libm's expf and tanhf bit for bit",
          "[kernels][lstm]") {
  INFO("vectorised: " << lstmCellVectorised());
  if (cpuHasAvx2() && __builtin_cpu_supports("fma"))
    // glibc on x86-64 (CI's Debian): the self-check must pass here.
    CHECK(lstmCellVectorised());
  // 2^20 patterns, a prime stride: every exponent, both signs.
  const std::vector<float> x = bitPatterns(12345, 4093, 1u << 20);
  const int64_t e = firstDifference(x, expArray, libmExp);
  const int64_t t = firstDifference(x, tanhArray, libmTanh);
  CAPTURE(e, t);
  CHECK(e == -1);
  CHECK(t == -1);
  // Branch edges: the neighbours of each threshold.
  std::vector<float> edges;
  for (float v :
       {0.0f, 1.0f, 22.0f, 0.34657359f, 1.03972077f, 18.714973f, 88.0f,
        0x1.62e42ep6f, 0x1.9fe368p6f, 0x1p-25f, 0x1p-55f, INFINITY, NAN})
    for (float s : {1.0f, -1.0f}) {
      float w = s * v;
      for (int i = 0; i < 64; ++i)
        w = std::nextafter(w, 0.0f);
      for (int i = 0; i < 128; ++i, w = std::nextafter(w, s * INFINITY))
        edges.push_back(w);
    }
  CHECK(firstDifference(edges, expArray, libmExp) == -1);
  CHECK(firstDifference(edges, tanhArray, libmTanh) == -1);
}

TEST_CASE("lstm gate math equals libm on every float", "[.][exhaustive]") {
  const uint64_t chunk = 1u << 24;
  for (uint64_t first = 0; first < (1ull << 32); first += chunk) {
    const std::vector<float> x = bitPatterns(first, 1, chunk);
    CAPTURE(first);
    REQUIRE(firstDifference(x, expArray, libmExp) == -1);
    REQUIRE(firstDifference(x, tanhArray, libmTanh) == -1);
  }
}

TEST_CASE("lstm cell equals its scalar definition", "[kernels][lstm]") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-12.0f, 12.0f);
  for (int64_t n : {1, 7, 8, 37, 256}) {
    CAPTURE(n);
    std::vector<float> ghh(4 * n), gih(4 * n), c(n), h(n), out(n);
    for (float &v : ghh)
      v = u(rng);
    for (float &v : gih)
      v = u(rng);
    for (float &v : c)
      v = 0.5f * u(rng);
    std::vector<float> c0 = c, cWant(n), hWant(n);
    auto sig = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
    for (int64_t j = 0; j < n; ++j) {
      const float i = sig(ghh[j] + gih[j]);
      const float f = sig(ghh[n + j] + gih[n + j]);
      const float g = std::tanh(ghh[2 * n + j] + gih[2 * n + j]);
      const float o = sig(ghh[3 * n + j] + gih[3 * n + j]);
      const float fc = f * c0[j];
      const float ig = i * g;
      cWant[j] = fc + ig;
      hWant[j] = o * std::tanh(cWant[j]);
    }
    lstmCell(ghh.data(), gih.data(), h.data(), c.data(), out.data(), n);
    CHECK(std::memcmp(c.data(), cWant.data(), n * sizeof(float)) == 0);
    CHECK(std::memcmp(h.data(), hWant.data(), n * sizeof(float)) == 0);
    CHECK(std::memcmp(out.data(), hWant.data(), n * sizeof(float)) == 0);
  }
}
