//===- DynamicLinearKernelTest.cpp - dynamic linear kernels are exact -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/DynamicLinearKernel.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

using namespace qfx::kern;

namespace {

struct Shape {
  int64_t m, k, n;
};

const Shape kShapes[] = {
    {1, 16, 32},  // one row, whole vectors
    {4, 16, 24},  // a small batch
    {3, 37, 5},   // k not a multiple of 16, n not a multiple of 4
    {2, 512, 10}, // a classifier
    {7, 300, 67}, // odd everything
};

enum class Data { ReduceRange, FullRange, Adversarial };

DynamicLinearDesc makeDesc(const Shape &s, Data data, bool relu, bool bias,
                           std::mt19937 &rng) {
  DynamicLinearDesc d;
  d.m = s.m, d.k = s.k, d.n = s.n, d.relu = relu;
  std::uniform_int_distribution<int> wd(-128, 127), pm(0, 1);
  std::uniform_real_distribution<float> sd(0.001f, 0.02f), bd(-2.f, 2.f);
  d.weight.resize(s.n * s.k);
  for (auto &w : d.weight)
    w = data == Data::Adversarial ? int8_t(pm(rng) ? 127 : -128)
                                  : int8_t(wd(rng));
  for (int64_t j = 0; j < s.n; ++j) {
    d.wScales.push_back(sd(rng));
    if (bias)
      d.bias.push_back(bd(rng));
  }
  return d;
}

std::vector<uint8_t> makeInput(const Shape &s, Data data, int32_t &zp,
                               std::mt19937 &rng) {
  std::vector<uint8_t> x(s.m * s.k);
  int hi = data == Data::ReduceRange ? 127 : 255;
  std::uniform_int_distribution<int> xd(0, hi);
  zp = data == Data::Adversarial ? 0 : xd(rng);
  for (auto &v : x)
    v = data == Data::Adversarial ? uint8_t(255) : uint8_t(xd(rng));
  return x;
}

bool sameBits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

TEST_CASE("dynamic linear kernels equal the reference bit for bit",
          "[dynamic-linear]") {
  std::mt19937 rng(7);
  for (const Shape &s : kShapes)
    for (Data data : {Data::ReduceRange, Data::FullRange, Data::Adversarial})
      for (bool relu : {false, true})
        for (bool bias : {false, true}) {
          CAPTURE(s.m, s.k, s.n, int(data), relu, bias);
          DynamicLinearDesc d = makeDesc(s, data, relu, bias, rng);
          int32_t zp;
          std::vector<uint8_t> x = makeInput(s, data, zp, rng);
          const float sx = 0.0123f;
          std::vector<float> ref(s.m * s.n), got(s.m * s.n);
          referenceDynamicLinear(d, x.data(), sx, zp, ref.data());

          std::string err;
          if (cpuHasAvx2()) {
            auto g = DynamicLinearKernel::create(d, ImplChoice::GemmS16, err);
            REQUIRE(g);
            CHECK(g->impl() == Impl::GemmS16Avx2);
            g->run(x.data(), sx, zp, got.data());
            CHECK(sameBits(got, ref));
          }
          auto a = DynamicLinearKernel::create(d, ImplChoice::Auto, err);
          REQUIRE(a);
          REQUIRE(a->impl() == Impl::OneDnnU8S8Checked);
          std::fill(got.begin(), got.end(), -1.0f);
          a->run(x.data(), sx, zp, got.data());
          CHECK(sameBits(got, ref));
          // reduce_range inputs (<= 127) never saturate oneDNN's pairs;
          // adversarial full-range inputs (255 against -128 / 127) would.
          if (data == Data::ReduceRange)
            CHECK(a->lastImpl() == Impl::OneDnnU8S8);
          if (data == Data::Adversarial)
            CHECK(a->lastImpl() ==
                  (cpuHasAvx2() ? Impl::GemmS16Avx2 : Impl::Reference));
          INFO(a->libraryInfo());
          CHECK(a->libraryInfo().find("matmul") != std::string::npos);
        }
}

TEST_CASE("unchecked oneDNN u8s8 matmul saturates on full-range inputs",
          "[dynamic-linear]") {
  std::mt19937 rng(3);
  Shape s{4, 64, 16};
  DynamicLinearDesc d = makeDesc(s, Data::Adversarial, false, false, rng);
  int32_t zp;
  std::vector<uint8_t> x = makeInput(s, Data::Adversarial, zp, rng);
  std::vector<float> ref(s.m * s.n), got(s.m * s.n);
  referenceDynamicLinear(d, x.data(), 0.01f, zp, ref.data());
  std::string err;
  auto k = DynamicLinearKernel::create(d, ImplChoice::OneDnnUnchecked, err);
  REQUIRE(k);
  k->run(x.data(), 0.01f, zp, got.data());
  int differ = 0;
  for (size_t i = 0; i < got.size(); ++i)
    differ += got[i] != ref[i];
  INFO(k->libraryInfo() << ": " << differ << " of " << got.size()
                        << " outputs differ");
  // The hazard the checked dispatch avoids: on AVX2 without VNNI (this
  // machine kind: 64 of 64 outputs differ) vpmaddubsw saturates the int16
  // pair sums; VNNI's vpdpbusd sums exactly.
  const bool vnni = __builtin_cpu_supports("avx512vnni");
  CHECK((vnni || differ > 0));
}

TEST_CASE("dynamic linear epilogue is fbgemm's float convention",
          "[dynamic-linear]") {
  // y = float(acc) * float(sx * s_w) + bias, relu after the bias.
  DynamicLinearDesc d;
  d.m = 1, d.k = 2, d.n = 2, d.relu = true;
  d.weight = {3, -1, -2, 1};
  d.wScales = {0.5f, 0.25f};
  d.bias = {0.125f, -10.0f};
  std::vector<uint8_t> x = {12, 7}; // zp 10: x - zp = {2, -3}
  std::vector<float> y(2);
  referenceDynamicLinear(d, x.data(), 0.1f, 10, y.data());
  // acc = {2*3 + -3*-1, 2*-2 + -3*1} = {9, -7}
  CHECK(y[0] == static_cast<float>(9) * (0.1f * 0.5f) + 0.125f);
  CHECK(y[1] == 0.0f); // -7 * 0.025 - 10 < 0: relu
}

TEST_CASE("dynamic linear refuses bad descriptions", "[dynamic-linear]") {
  DynamicLinearDesc d;
  d.m = 1, d.k = 4, d.n = 2;
  d.weight.assign(7, 0);
  d.wScales = {1.f, 1.f};
  std::string err;
  CHECK_FALSE(DynamicLinearKernel::create(d, ImplChoice::Auto, err));
  CHECK(err.find("n x k") != std::string::npos);
  d.weight.assign(8, 0);
  d.bias = {1.f};
  CHECK_FALSE(DynamicLinearKernel::create(d, ImplChoice::Auto, err));
  d.bias.clear();
  CHECK_FALSE(DynamicLinearKernel::create(d, ImplChoice::Xnnpack, err));
}
