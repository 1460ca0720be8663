//===- TorchMathTest.cpp - Tests of the ATen float32 emulation ------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/TorchMath.h"
#include "qfx/Runtime/Reductions.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace qfx::rt;

TEST_CASE("torchSum of integers is exact", "[torchmath]") {
  for (size_t n : {0u, 1u, 5u, 7u, 8u, 9u, 100u, 2048u, 4099u}) {
    std::vector<float> xs(n);
    double want = 0;
    for (size_t i = 0; i < n; ++i) {
      xs[i] = static_cast<float>(i % 17);
      want += xs[i];
    }
    CHECK(torchSum(xs.data(), n) == static_cast<float>(want));
  }
}

TEST_CASE("torchSum uses ATen's association order", "[torchmath]") {
  // 2^24 followed by 63 ones: a sequential float32 sum absorbs every one; the
  // eight-lane cascade absorbs only the one sharing 2^24's partial sum.
  // torch.sum gives 2^24 + 62 here (checked with torch 1.13).
  std::vector<float> xs(64, 1.0f);
  xs[0] = 16777216.0f;
  float sequential = 0.0f;
  for (float v : xs)
    sequential += v;
  CHECK(sequential == 16777216.0f);
  CHECK(torchSum(xs.data(), xs.size()) == 16777216.0f + 62.0f);
}

TEST_CASE("floor division follows Python", "[torchmath]") {
  CHECK(torchFloorDivide(7.0f, 2.0f) == 3.0f);
  CHECK(torchFloorDivide(-7.0f, 2.0f) == -4.0f);
  CHECK(torchFloorDivide(-4.0f, 2.0f) == -2.0f);
  CHECK(torchFloorDivide(0.0f, 3.0f) == 0.0f);
  CHECK(std::signbit(torchFloorDivide(-0.0f, 3.0f)));
  CHECK(std::isinf(torchFloorDivide(1.0f, 0.0f)));
}

TEST_CASE("round half to even and int32 casts", "[torchmath]") {
  CHECK(roundHalfEven(2.5f) == 2.0f);
  CHECK(roundHalfEven(3.5f) == 4.0f);
  CHECK(roundHalfEven(-2.5f) == -2.0f);
  CHECK(castToInt32(-3.0f) == -3);
  CHECK(castToInt32(2147483648.0f) == INT32_MIN);
  CHECK(castToInt32(-2147483648.0f) == INT32_MIN);
  CHECK(castToInt32(std::numeric_limits<float>::quiet_NaN()) == INT32_MIN);
}

TEST_CASE("computeMinMax over lanes and tails", "[reductions]") {
  for (int n : {1, 3, 16, 17, 33, 1000}) {
    std::vector<float> xs(n);
    for (int i = 0; i < n; ++i)
      xs[i] = static_cast<float>((i * 37) % 101) - 50.0f;
    xs[n / 2] = -1000.0f;
    xs[n - 1] = 999.0f;
    MinMax mm = computeMinMax(xs.data(), n);
    CHECK(mm.allFinite);
    CHECK(mm.min == (n == 1 ? 999.0f : -1000.0f));
    CHECK(mm.max == 999.0f);
  }
}

TEST_CASE("computeMinMax flags NaN and Inf anywhere", "[reductions]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (int pos : {0, 5, 16, 40}) {
    std::vector<float> xs(41, 1.0f);
    xs[pos] = nan;
    CHECK_FALSE(computeMinMax(xs.data(), 41).allFinite);
    xs[pos] = -inf;
    CHECK_FALSE(computeMinMax(xs.data(), 41).allFinite);
  }
}

TEST_CASE("per-channel min/max for every axis position", "[reductions]") {
  // Shape [2, 3, 4], value = 100 * a + 10 * b + c.
  std::vector<float> xs;
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 3; ++b)
      for (int c = 0; c < 4; ++c)
        xs.push_back(100.0f * a + 10.0f * b + c);
  TensorView x(xs.data(), {2, 3, 4});
  std::vector<float> mins, maxs;
  bool finite = false;
  REQUIRE(computePerChannelMinMax(x, 0, mins, maxs, finite).ok());
  CHECK(finite);
  CHECK(mins == std::vector<float>{0, 100});
  CHECK(maxs == std::vector<float>{23, 123});
  REQUIRE(computePerChannelMinMax(x, 1, mins, maxs, finite).ok());
  CHECK(mins == std::vector<float>{0, 10, 20});
  CHECK(maxs == std::vector<float>{103, 113, 123});
  REQUIRE(computePerChannelMinMax(x, -1, mins, maxs, finite).ok());
  CHECK(mins == std::vector<float>{0, 1, 2, 3});
  CHECK(maxs == std::vector<float>{120, 121, 122, 123});
  CHECK(computePerChannelMinMax(x, 3, mins, maxs, finite).failed());
}
