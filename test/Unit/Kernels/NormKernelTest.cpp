//===- NormKernelTest.cpp - Quantized batch norm and layer norm -----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/NormConstants.h"
#include "qfx/Kernels/QuantizedKernels.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>

using namespace qfx::kern;

namespace {

double dq(uint8_t q, const QParams &p) {
  return double(int(q) - p.zeroPoint) * double(p.scale);
}

/// The real-valued output code (before rounding) of \p y.
double code(double y, const QParams &p) { return y / p.scale + p.zeroPoint; }

bool simd() { return cpuHasAvx2() && __builtin_cpu_supports("fma"); }

std::vector<uint8_t> randomBytes(size_t n, std::mt19937 &g) {
  std::uniform_int_distribution<int> u(0, 255);
  std::vector<uint8_t> v(n);
  for (auto &x : v)
    x = uint8_t(u(g));
  return v;
}

std::vector<float> uniform(size_t n, float lo, float hi, std::mt19937 &g) {
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v)
    x = u(g);
  return v;
}

/// |got - exact| in output codes must stay below 1 (the float32 rounding of
/// the formula can move a value across a rounding boundary, never further),
/// except where the exact value is clamped.
int worstLsb(uint8_t got, double exact, const QParams &p, int lo) {
  double c = std::min(std::max(code(exact, p), double(lo)), double(p.qmax));
  return int(std::ceil(std::abs(got - c) - 1e-9));
}

} // namespace

TEST_CASE("batch norm: AVX2 equals the reference bit for bit",
          "[kernels][norm]") {
  std::mt19937 g(7);
  struct Shape {
    int64_t outer, c, inner;
  };
  // NCHW planes (full vectors + tail, shorter than a vector), channels-last
  // rows (35 channels = 4 vectors + 3), and [N, C].
  for (Shape s :
       {Shape{2, 3, 37}, Shape{1, 5, 4}, Shape{6, 35, 1}, Shape{4, 8, 1}}) {
    for (bool relu : {false, true}) {
      BatchNormDesc d;
      d.outer = s.outer, d.c = s.c, d.inner = s.inner;
      d.in = {0.037f, 70, 0, 255};
      d.out = {0.021f, 110, 0, 255};
      d.relu = relu;
      batchNormConstants(uniform(s.c, -0.5f, 0.5f, g),
                         uniform(s.c, 0.2f, 2.0f, g),
                         uniform(s.c, 0.5f, 1.5f, g),
                         uniform(s.c, -0.3f, 0.3f, g), 1e-5, d.alpha, d.beta);
      REQUIRE(d.validate().empty());
      auto x = randomBytes(s.outer * s.c * s.inner, g);
      std::vector<uint8_t> ref(x.size()), fast(x.size());
      referenceBatchNorm(d, x.data(), ref.data());
      Impl impl = qbatchNorm(d, x.data(), fast.data());
      CHECK(impl == (simd() ? Impl::NormAvx2 : Impl::Reference));
      CHECK(fast == ref);
      CHECK(qbatchNorm(d, x.data(), fast.data(), /*allowSimd=*/false) ==
            Impl::Reference);
      CHECK(fast == ref);
    }
  }
}

TEST_CASE("batch norm reference is within 1 LSB of exact arithmetic",
          "[kernels][norm]") {
  std::mt19937 g(11);
  const int64_t c = 4, inner = 256;
  BatchNormDesc d;
  d.c = c, d.inner = inner;
  d.in = {0.05f, 128, 0, 255};
  d.out = {0.04f, 100, 0, 255};
  auto mean = uniform(c, -0.5f, 0.5f, g), var = uniform(c, 0.2f, 2.0f, g),
       w = uniform(c, 0.5f, 1.5f, g), b = uniform(c, -0.3f, 0.3f, g);
  batchNormConstants(mean, var, w, b, 1e-5, d.alpha, d.beta);
  // Every code in every channel.
  std::vector<uint8_t> x(c * inner), y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = uint8_t(i % 256);
  for (bool relu : {false, true}) {
    d.relu = relu;
    qbatchNorm(d, x.data(), y.data());
    int worst = 0, clamped = 0;
    const int lo = relu ? d.out.zeroPoint : 0;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < inner; ++i) {
        size_t at = ch * inner + i;
        double e =
            (dq(x[at], d.in) - mean[ch]) / std::sqrt(var[ch] + 1e-5) * w[ch] +
            b[ch];
        worst = std::max(worst, worstLsb(y[at], e, d.out, lo));
        clamped += y[at] == lo || y[at] == 255;
      }
    CHECK(worst <= 1);
    CHECK(clamped > 0); // the range matters on this data
  }
}

TEST_CASE("layer norm: AVX2 equals the reference bit for bit",
          "[kernels][norm]") {
  std::mt19937 g(3);
  // Below a vector, vectors + tail, a BERT-sized row, and a row whose
  // moments cascade over 547 chunks (10 levels) with a tail.
  for (int64_t n : {int64_t(7), int64_t(37), int64_t(768), int64_t(70000)})
    for (bool affine : {false, true}) {
      LayerNormDesc d;
      d.n = n;
      d.rows = n > 1000 ? 2 : 5;
      d.in = {0.031f, 90, 0, 255};
      d.out = {0.027f, 128, 0, 255};
      if (affine) {
        d.gamma = uniform(n, 0.5f, 1.5f, g);
        d.beta = uniform(n, -0.3f, 0.3f, g);
      }
      REQUIRE(d.validate().empty());
      auto x = randomBytes(d.rows * n, g);
      std::vector<uint8_t> ref(x.size()), fast(x.size());
      referenceLayerNorm(d, x.data(), ref.data());
      Impl impl = qlayerNorm(d, x.data(), fast.data());
      CHECK(impl == (simd() ? Impl::NormAvx2 : Impl::Reference));
      CHECK(fast == ref);
    }
}

TEST_CASE("layer norm reference is within 1 LSB of exact arithmetic",
          "[kernels][norm]") {
  std::mt19937 g(5);
  LayerNormDesc d;
  d.rows = 64, d.n = 48;
  d.in = {0.05f, 60, 0, 255};
  d.out = {0.02f, 128, 0, 255};
  d.gamma = uniform(d.n, 0.5f, 1.5f, g);
  d.beta = uniform(d.n, -0.3f, 0.3f, g);
  auto x = randomBytes(d.rows * d.n, g);
  // A constant row: variance 0, rstd = 1 / sqrt(eps) (checked below with
  // the others: its output is beta up to float32 rounding).
  std::fill(x.begin(), x.begin() + d.n, uint8_t(200));
  std::vector<uint8_t> y(x.size());
  qlayerNorm(d, x.data(), y.data());
  int worst = 0;
  for (int64_t r = 0; r < d.rows; ++r) {
    double m = 0, v = 0;
    for (int64_t j = 0; j < d.n; ++j)
      m += dq(x[r * d.n + j], d.in);
    m /= d.n;
    for (int64_t j = 0; j < d.n; ++j)
      v += std::pow(dq(x[r * d.n + j], d.in) - m, 2);
    v /= d.n;
    for (int64_t j = 0; j < d.n; ++j) {
      double e =
          (dq(x[r * d.n + j], d.in) - m) / std::sqrt(v + d.eps) * d.gamma[j] +
          d.beta[j];
      worst = std::max(worst, worstLsb(y[r * d.n + j], e, d.out, 0));
    }
  }
  CHECK(worst <= 1);
}

TEST_CASE("norm descriptors reject mismatched sizes", "[kernels][norm]") {
  BatchNormDesc b;
  b.c = 3;
  b.alpha = {1, 1, 1};
  b.beta = {0, 0};
  CHECK(b.validate().find("one multiplier and offset per channel") !=
        std::string::npos);
  LayerNormDesc l;
  l.n = 4;
  l.gamma = {1, 1, 1, 1};
  CHECK(l.validate().find("weight and bias must both have 4 values") !=
        std::string::npos);
  l.beta = {0, 0, 0, 0};
  l.eps = -1;
  CHECK(l.validate() == "eps must be >= 0");
}
