//===- FloatQParamsTest.cpp - Tests of float zero point quantization ------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/FloatQParams.h"

#include <catch2/catch.hpp>

#include <cmath>

using namespace qfx::rt;

TEST_CASE("float-qparams quantize adds the float zero point before rounding",
          "[quantize]") {
  // 0.3 / 1 + 97.25 = 97.55 -> 98; with the zero point rounded first
  // (97 + round(0.3)) it would be 97.
  CHECK(quantizeValueFloatQParams(0.3f, 1.0f, 97.25f, 0, 255) == 98);
  // Ties go to even: 1.25 + 0.25 = 1.5 -> 2, 2.25 + 0.25 = 2.5 -> 2.
  CHECK(quantizeValueFloatQParams(1.25f, 1.0f, 0.25f, 0, 255) == 2);
  CHECK(quantizeValueFloatQParams(2.25f, 1.0f, 0.25f, 0, 255) == 2);
}

TEST_CASE("float-qparams quantize clamps to the dtype range", "[quantize]") {
  CHECK(quantizeValueFloatQParams(-3.0f, 1.0f, 0.5f, 0, 255) == 0);
  CHECK(quantizeValueFloatQParams(300.0f, 1.0f, 0.5f, 0, 255) == 255);
  // quint4x2.
  CHECK(quantizeValueFloatQParams(20.0f, 1.0f, 0.0f, 0, 15) == 15);
}

TEST_CASE("float-qparams quantize multiplies by the float32 reciprocal",
          "[quantize]") {
  // -1.55f * (1 / 0.1f) is exactly -15.5 (then 4.5 -> 4 with zero point
  // 20), -1.55f / 0.1f is -15.499999 (-> 5): torch.quantize_per_channel
  // gives 4.
  const float x = -0x1.8ccccc0p+0f;
  CHECK(quantizeValueFloatQParams(x, 0.1f, 20.0f, 0, 255) == 4);
  CHECK(std::lrintf(x / 0.1f + 20.0f) == 5);
  // A zero scale counts as 1, as in ATen.
  CHECK(quantizeValueFloatQParams(3.0f, 0.0f, 1.0f, 0, 255) == 4);
}

TEST_CASE("float-qparams dequantize subtracts the float zero point",
          "[quantize]") {
  CHECK(dequantizeValueFloatQParams(98, 0.5f, 97.25f) == 0.375f);
  CHECK(dequantizeValueFloatQParams(0, 2.0f, 7.5f) == -15.0f);
}

TEST_CASE("float-qparams fake-quantize dequantizes in double", "[quantize]") {
  // Expected values from torch.fake_quantize_per_channel_affine with a
  // float zero point (1.13): ATen clamps with std::fmin / std::fmax on
  // integers, so (q - zero_point) * scale is computed in double and
  // rounded once. In float32 the first gives 0x1.5a6ac6p+0 (q = 74), the
  // second (clamped to 255) 0x1.7a34d0p+1.
  CHECK(fakeQuantizeValueFloatQParams(0x1.597696p+0f, 0x1.842468p-6f,
                                      0x1.0e1462p+4f, 0,
                                      255) == 0x1.5a6ac4p+0f);
  CHECK(fakeQuantizeValueFloatQParams(0x1.f30834p+2f, 0x1.1d6cc2p-6f,
                                      0x1.55912ap+6f, 0,
                                      255) == 0x1.7a34cep+1f);
}
