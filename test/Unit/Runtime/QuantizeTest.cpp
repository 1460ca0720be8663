//===- QuantizeTest.cpp - Tests of the quantize kernels -------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/Quantize.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>

using namespace qfx::rt;

TEST_CASE("quantize multiplies by the float32 reciprocal", "[quantize]") {
  // -1.55f / 0.1f rounds to -15, but -1.55f * (1 / 0.1f) rounds to -16, which
  // is what torch.quantize_per_tensor returns.
  const float x = -0x1.8ccccc0p+0f;
  CHECK(quantizeValue(x, 0.1f, 0, -128, 127) == -16);
  CHECK(std::nearbyint(x / 0.1f) == -15.0f);
}

TEST_CASE("quantize rounds half to even", "[quantize]") {
  CHECK(quantizeValue(0.5f, 1.0f, 0, -128, 127) == 0);
  CHECK(quantizeValue(1.5f, 1.0f, 0, -128, 127) == 2);
  CHECK(quantizeValue(2.5f, 1.0f, 0, -128, 127) == 2);
  CHECK(quantizeValue(-0.5f, 1.0f, 0, -128, 127) == 0);
  CHECK(quantizeValue(-1.5f, 1.0f, 0, -128, 127) == -2);
}

TEST_CASE("quantize clamps to the range", "[quantize]") {
  CHECK(quantizeValue(1e6f, 0.1f, 3, 0, 255) == 255);
  CHECK(quantizeValue(-1e6f, 0.1f, 3, 0, 255) == 0);
  CHECK(quantizeValue(3e9f, 1.0f, 0, INT32_MIN, INT32_MAX) == INT32_MAX);
  // x * inv_scale overflows to +inf, whose int64 conversion is INT64_MIN on
  // x86: PyTorch returns quant_min here, and so do we (see numerics.md).
  CHECK(quantizeValue(1e30f, 1e-30f, 0, -128, 127) == -128);
  CHECK(quantizeValue(0.0f, 0.1f, 300, 0, 255) == 255);
}

TEST_CASE("dequantize and fake quantize", "[quantize]") {
  CHECK(dequantizeValue(130, 0.5f, 128) == 1.0f);
  CHECK(dequantizeValue(-3, 0.25f, 0) == -0.75f);
  CHECK(fakeQuantizeValue(0.26f, 0.5f, 0, -128, 127) == 0.5f);
  CHECK(fakeQuantizeValue(100.0f, 0.5f, 0, -8, 7) == 3.5f);
  CHECK(fakeQuantizeValue(-100.0f, 0.5f, 2, 0, 15) == -1.0f);
}

TEST_CASE("per-tensor round trip stays within half a step", "[quantize]") {
  std::vector<float> xs;
  for (int i = -100; i <= 100; ++i)
    xs.push_back(i * 0.0371f);
  const float scale = 7.42f / 255.0f;
  const int64_t zp = 128;
  Expected<Tensor> q = quantizePerTensor(TensorView(xs.data(), {201}), scale,
                                         zp, QDType::QUInt8);
  REQUIRE(q.ok());
  CHECK(q->dtype() == DType::UInt8);
  Expected<Tensor> dq = dequantizePerTensor(*q, scale, zp);
  REQUIRE(dq.ok());
  Expected<Tensor> fq =
      fakeQuantizePerTensor(TensorView(xs.data(), {201}), scale, zp, 0, 255);
  REQUIRE(fq.ok());
  for (size_t i = 0; i < xs.size(); ++i) {
    CHECK(std::fabs(dq->data<float>()[i] - xs[i]) <= scale / 2 * 1.0001f);
    CHECK(dq->data<float>()[i] == fq->data<float>()[i]);
  }
}

TEST_CASE("qint8 and qint32 storage", "[quantize]") {
  std::vector<float> xs = {-1.0f, 0.0f, 1.0f, 1000.0f};
  Expected<Tensor> q8 =
      quantizePerTensor(TensorView(xs.data(), {4}), 0.01f, 0, QDType::QInt8);
  REQUIRE(q8.ok());
  CHECK(q8->dtype() == DType::Int8);
  CHECK(q8->data<int8_t>()[0] == -100);
  CHECK(q8->data<int8_t>()[3] == 127);
  Expected<Tensor> q32 =
      quantizePerTensor(TensorView(xs.data(), {4}), 0.01f, 5, QDType::QInt32);
  REQUIRE(q32.ok());
  CHECK(q32->data<int32_t>()[3] == 100005);
  CHECK(quantizePerTensor(TensorView(xs.data(), {4}), 0.1f, 0, QDType::QUInt4x2)
            .failed());
}

TEST_CASE("per-channel quantize along a middle axis", "[quantize]") {
  // Shape [2, 3, 2], channels along axis 1.
  std::vector<float> xs(12);
  for (int i = 0; i < 12; ++i)
    xs[i] = static_cast<float>(i);
  std::vector<float> scales = {1.0f, 2.0f, 4.0f};
  std::vector<int64_t> zps = {0, 1, -2};
  Expected<Tensor> q = quantizePerChannel(TensorView(xs.data(), {2, 3, 2}),
                                          scales, zps, 1, QDType::QInt8);
  REQUIRE(q.ok());
  const int8_t *d = q->data<int8_t>();
  // Element (o, c, i) = o * 6 + c * 2 + i.
  CHECK(d[0] == 0);  // 0 / 1
  CHECK(d[2] == 2);  // 2 / 2 + 1
  CHECK(d[4] == -1); // 4 / 4 - 2
  CHECK(d[11] == 1); // 11 / 4 = 2.75 -> 3, -2 -> 1
  Expected<Tensor> dq = dequantizePerChannel(*q, scales, zps, -2);
  REQUIRE(dq.ok());
  CHECK(dq->data<float>()[11] == 12.0f);
}

TEST_CASE("per-channel fake quantize along the last axis", "[quantize]") {
  std::vector<float> xs = {0.3f, 0.3f, -0.3f, -0.3f};
  Expected<Tensor> fq = fakeQuantizePerChannel(
      TensorView(xs.data(), {2, 2}), {0.25f, 0.5f}, {0, 0}, -1, -128, 127);
  REQUIRE(fq.ok());
  CHECK(fq->data<float>()[0] == 0.25f);
  CHECK(fq->data<float>()[1] == 0.5f);
  CHECK(fq->data<float>()[2] == -0.25f);
  CHECK(fq->data<float>()[3] == -0.5f);
}

TEST_CASE("per-channel parameter errors", "[quantize]") {
  std::vector<float> xs(6, 1.0f);
  TensorView x(xs.data(), {2, 3});
  Expected<Tensor> wrongCount =
      quantizePerChannel(x, {1.0f, 1.0f}, {0, 0}, 1, QDType::QInt8);
  REQUIRE(wrongCount.failed());
  CHECK(wrongCount.message().find("3 channels") != std::string::npos);
  CHECK(quantizePerChannel(x, {1.0f, 1.0f}, {0, 0}, 2, QDType::QInt8).failed());
  CHECK(fakeQuantizePerChannel(x, {1.0f, 1.0f}, {0, 0}, 0, 5, 4).failed());
}

TEST_CASE("splitAroundAxis", "[quantize]") {
  int64_t o, c, i;
  REQUIRE(splitAroundAxis({2, 3, 4, 5}, 2, o, c, i).ok());
  CHECK(o == 6);
  CHECK(c == 4);
  CHECK(i == 5);
  REQUIRE(splitAroundAxis({2, 3, 4, 5}, -1, o, c, i).ok());
  CHECK(o == 24);
  CHECK(i == 1);
  CHECK(splitAroundAxis({2, 3}, -3, o, c, i).failed());
  CHECK(splitAroundAxis({}, 0, o, c, i).failed());
}

TEST_CASE("owning tensors are aligned and zeroed", "[tensor]") {
  Expected<Tensor> t = Tensor::zeros(DType::Int64, {3, 5});
  REQUIRE(t.ok());
  CHECK(t->numel() == 15);
  CHECK(t->sizeInBytes() == 120);
  CHECK(reinterpret_cast<uintptr_t>(t->rawData()) % Tensor::kAlignment == 0);
  CHECK(t->data<int64_t>()[14] == 0);
  Expected<Tensor> empty = Tensor::zeros(DType::Float32, {0, 4});
  REQUIRE(empty.ok());
  CHECK(empty->numel() == 0);
  CHECK(Tensor::zeros(DType::Float32, {-1}).failed());
  CHECK(contiguousStrides({2, 3, 4}) == Shape{12, 4, 1});
  CHECK(numElements({}) == 1);
}
