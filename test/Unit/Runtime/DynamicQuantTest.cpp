//===- DynamicQuantTest.cpp - Tests of per-call dynamic qparams -----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/DynamicQuant.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace qfx::rt;

namespace {
struct Case {
  float min, max;
  int64_t qmin, qmax;
  bool reduceRange;
  double scale;
  int64_t zeroPoint;
};
} // namespace

// Expected values are PyTorch 1.13's: torch.quantize_per_tensor_dynamic(
// torch.tensor([min, max]), dtype, reduce_range) -> q_scale(), q_zero_point()
// (engine onednn, so reduce_range is honoured).
TEST_CASE("dynamic qparams match quantize_per_tensor_dynamic", "[dynamic]") {
  const Case cases[] = {
      {-1.5f, 2.25f, 0, 255, false, 0.014705882352941176, 102},
      {0.3f, 4.0f, 0, 255, true, 0.031496062992125984, 0},
      // Below the 6.1e-5 small-scale cutoff: min and max are amplified.
      {-3e-06f, 2e-06f, 0, 255, false, 6.0999998822808266e-05, 153},
      // A zero range falls back to scale 0.1.
      {0.0f, 0.0f, 0, 255, false, 0.1, 0},
      {-5.0f, -1.0f, -128, 127, false, 0.0196078431372549, 127},
      // reduce_range halves [-128, 127] to [-64, 63].
      {-0.7f, 12.5f, -128, 127, true, 0.10393700778015016, -57},
      {1e-07f, 3e-06f, -128, 127, false, 6.0999998822808266e-05, -128},
      {-2.0f, 1e-08f, 0, 255, true, 0.01574803157480315, 127},
  };
  for (const Case &c : cases) {
    CAPTURE(c.min, c.max, c.qmin, c.reduceRange);
    Expected<DynamicQParams> qp =
        chooseDynamicQParams(c.min, c.max, c.qmin, c.qmax, c.reduceRange);
    REQUIRE(qp.ok());
    CHECK(qp->scale == c.scale);
    CHECK(qp->zeroPoint == c.zeroPoint);
  }
}

TEST_CASE("dynamic qparams reject bad ranges", "[dynamic]") {
  CHECK(chooseDynamicQParams(1.0f, -1.0f, 0, 255, false).failed());
  float inf = std::numeric_limits<float>::infinity();
  CHECK(chooseDynamicQParams(-inf, 1.0f, 0, 255, false).failed());
  CHECK(chooseDynamicQParams(0.0f, 1.0f, 3, 3, false).failed());
}

TEST_CASE("tensor min/max", "[dynamic]") {
  float x[] = {0.5f, -2.0f, 3.0f};
  float lo = 0, hi = 0;
  REQUIRE(tensorMinMax(x, 3, lo, hi).ok());
  CHECK(lo == -2.0f);
  CHECK(hi == 3.0f);
  CHECK(tensorMinMax(x, 0, lo, hi).failed());
  float n[] = {1.0f, std::nanf("")};
  CHECK(tensorMinMax(n, 2, lo, hi).failed());
}

// Expected values are torch.tensor([x]).half().float() in PyTorch 1.13.
TEST_CASE("float16 rounding matches Tensor.half()", "[dynamic]") {
  const float inf = std::numeric_limits<float>::infinity();
  const std::pair<float, float> cases[] = {
      {1.0f, 1.0f},
      {-0.10000000149011612f, -0.0999755859375f},
      {65504.0f, 65504.0f},
      {65519.98828125f, 65504.0f},
      {65520.0f, inf}, // the tie above the largest float16 rounds to even
      {-70000.0f, -inf},
      {9.99999993922529e-09f, 0.0f},
      {2.999999892949745e-08f, 5.960464477539063e-08f},
      {2.9802322387695312e-08f, 0.0f}, // half of the smallest subnormal
      {1.00048828125f, 1.0f},          // ties to even
      {1.00146484375f, 1.001953125f},
      {6.0999998822808266e-05f, 6.097555160522461e-05f}, // near 2^-14
      {3.1415927410125732f, 3.140625f},
      {9.999999747378752e-05f, 0.00010001659393310547f},
      {-2.499999993688107e-07f, -2.384185791015625e-07f},
  };
  for (auto [x, expected] : cases) {
    CAPTURE(x);
    CHECK(roundToFloat16(x) == expected);
  }
  CHECK(std::isnan(roundToFloat16(std::nanf(""))));
}
