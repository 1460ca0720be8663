//===- DepthwiseKernelTest.cpp - qfx's depthwise kernel is exact ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/QuantizedKernels.h"

#include "ConvTestData.h"

#include <random>

using namespace qfx::kern;

namespace {

struct DwShape {
  int64_t n, h, w, c, k, stride, padT, padL, padB, padR, dil;
};

const DwShape kDwShapes[] = {
    {1, 8, 8, 32, 3, 1, 1, 1, 1, 1, 1},   // mobilenet-like 3x3
    {2, 9, 7, 48, 3, 2, 1, 1, 1, 1, 1},   // stride 2, odd sizes, batch 2
    {1, 7, 5, 35, 3, 2, 1, 1, 1, 1, 1},   // 2 blocks + 3 tail channels
    {1, 6, 6, 16, 5, 1, 2, 2, 2, 2, 1},   // 5x5: 25 taps (odd)
    {1, 9, 9, 24, 3, 1, 2, 2, 2, 2, 2},   // dilation 2
    {1, 4, 4, 7, 3, 1, 0, 0, 0, 0, 1},    // tail only, no padding
    {1, 6, 5, 16, 3, 2, 0, 0, 1, 1, 1},   // asymmetric padding (TF "same")
    {3, 1, 1, 64, 1, 1, 0, 0, 0, 0, 1},   // 1x1 depthwise (a channel scale)
    {1, 13, 11, 40, 3, 1, 1, 1, 1, 1, 1}, // interior rows: 2 blocks + 8 tail
    {2, 12, 15, 32, 3, 2, 1, 1, 1, 1, 1}, // interior, stride 2, odd width
    {1, 11, 10, 16, 5, 2, 1, 2, 2, 1, 1}, // 5x5 stride 2, uneven padding
    {1, 10, 9, 48, 3, 1, 0, 0, 0, 0, 1},  // no padding: interior only
    {1, 7, 7, 48, 3, 1, 1, 1, 1, 1, 1},   // mobilenet's 7x7: half border
    {1, 3, 3, 32, 3, 1, 1, 1, 1, 1, 1},   // one row-path column
    {1, 5, 6, 33, 3, 2, 1, 1, 1, 1, 1},   // stride 2, odd, 1 tail channel
    {1, 1, 5, 16, 3, 1, 1, 1, 1, 1, 1},   // one row: two tap rows outside
    {2, 2, 2, 16, 3, 2, 1, 1, 1, 1, 1},   // stride 2, 1x1 output, batch 2
    {1, 4, 3, 16, 5, 1, 2, 2, 2, 2, 1},   // 5x5 over 3 columns: no row path
};

/// Output pixels whose horizontal taps are all inside the image (computed
/// tap by tap), in every row: where the AVX2 kernel's row path runs, given
/// 16 or more channels (the other border pixels gather their taps).
int64_t rowPixels(const ConvDesc &d) {
  int64_t count = 0;
  for (int64_t ox = 0; ox < d.ow(); ++ox) {
    bool inside = true;
    for (int64_t kx = 0; kx < d.kw; ++kx) {
      int64_t ix = ox * d.strideW - d.padL + kx * d.dilW;
      inside = inside && ix >= 0 && ix < d.w;
    }
    count += inside;
  }
  return d.c >= 16 ? d.n * d.oh() * count : 0;
}

enum class Data { Random, Adversarial, Ties };

ConvDesc makeDw(const DwShape &s, Requant rq, Data data, bool relu, bool clamp,
                std::mt19937 &rng) {
  ConvDesc d;
  d.n = s.n, d.h = s.h, d.w = s.w, d.c = d.oc = d.groups = s.c;
  d.kh = d.kw = s.k;
  d.strideH = d.strideW = s.stride;
  d.padT = s.padT, d.padL = s.padL, d.padB = s.padB, d.padR = s.padR;
  d.dilH = d.dilW = s.dil;
  d.relu = relu;
  d.requant = rq;
  std::uniform_int_distribution<int> wd(-128, 127), zd(0, 255);
  std::uniform_real_distribution<float> sd(0.001f, 0.01f), bd(-1.f, 1.f);
  d.weight.resize(d.c * d.kh * d.kw);
  switch (data) {
  case Data::Random:
    d.in = {0.02f, zd(rng), 0, 255};
    d.out = {0.02f * 0.005f * 60.0f * float(s.k), 128, 0, 255};
    for (auto &w : d.weight)
      w = int8_t(wd(rng));
    for (int64_t c = 0; c < d.c; ++c) {
      d.wScales.push_back(sd(rng));
      d.biasF.push_back(bd(rng));
    }
    break;
  case Data::Adversarial:
    // |x - zp| = 255 against weights -128 / 127: the largest products.
    d.in = {0.02f, s.n % 2 ? 0 : 255, 0, 255};
    d.out = {0.5f, 128, 0, 255};
    for (size_t i = 0; i < d.weight.size(); ++i)
      d.weight[i] = i % 3 ? int8_t(-128) : int8_t(127);
    d.wScales.assign(d.c, 1e-3f);
    d.biasF.assign(d.c, 0.25f);
    break;
  case Data::Ties:
    // mult 0.5, scale 1: every odd accumulator is a .5 tie (half to even).
    d.in = {0.5f, 128, 0, 255};
    d.out = {1.0f, 128, 0, 255};
    for (auto &w : d.weight)
      w = int8_t(wd(rng) / 32);
    d.wScales.assign(d.c, 1.0f);
    break;
  }
  // The fp32 convention takes the bias as int32 in units of s_in * s_w.
  if (rq == Requant::Fp32) {
    for (int64_t c = 0; c < static_cast<int64_t>(d.biasF.size()); ++c)
      d.biasI.push_back(
          static_cast<int32_t>(d.biasF[c] / (d.in.scale * d.wScales[c])));
    d.biasF.clear();
  }
  if (clamp) {
    d.clampLo = d.out.zeroPoint;
    d.clampHi = d.out.zeroPoint + 40;
  }
  return d;
}

std::vector<uint8_t> makeDwInput(const ConvDesc &d, Data data,
                                 std::mt19937 &rng) {
  std::vector<uint8_t> x(d.n * d.h * d.w * d.c);
  std::uniform_int_distribution<int> xd(0, 255), small(120, 136);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = data == Data::Adversarial ? uint8_t(255 - d.in.zeroPoint)
           : data == Data::Ties      ? uint8_t(small(rng))
                                     : uint8_t(xd(rng));
  return x;
}

void checkDepthwise(ImplChoice choice, Impl expected, const char *name) {
  std::mt19937 rng(2024);
  for (Requant rq : {Requant::Float, Requant::Fp32})
    for (Data data : {Data::Random, Data::Adversarial, Data::Ties})
      for (bool relu : {false, true})
        for (bool clamp : {false, true})
          for (const DwShape &s : kDwShapes) {
            ConvDesc d = makeDw(s, rq, data, relu, clamp, rng);
            auto x = makeDwInput(d, data, rng);
            std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc);
            referenceConv(d, x.data(), ref.data());
            std::string err;
            auto k = ConvKernel::create(d, choice, err);
            INFO("requant=" << requantName(rq) << " c=" << s.c << " k=" << s.k
                            << " stride=" << s.stride << " dil=" << s.dil
                            << " data=" << int(data) << " relu=" << relu
                            << " clamp=" << clamp << " error=" << err);
            REQUIRE(k);
            CHECK(k->impl() == expected);
            CHECK(k->libraryInfo() == name);
            std::vector<uint8_t> out(ref.size(), 7);
            k->run(x.data(), out.data());
            size_t mismatches = 0, distinct = 0;
            std::vector<bool> seen(256);
            for (size_t i = 0; i < ref.size(); ++i) {
              mismatches += out[i] != ref[i];
              if (!seen[ref[i]]) {
                seen[ref[i]] = true;
                ++distinct;
              }
            }
            CHECK(mismatches == 0);
            // Which path computed the pixels: the row path on AVX2.
            CHECK(depthwiseRowPixels(*k) ==
                  (expected == Impl::DepthwiseAvx2 ? rowPixels(d) : 0));
            // The same with int8 input and / or output (between XNNPACK's
            // kernels), on the same paths.
            for (auto [i8in, i8out] :
                 {std::pair{true, false}, std::pair{false, true},
                  std::pair{true, true}}) {
              test::checkInt8Run(*k, x, ref, i8in, i8out);
              CHECK(depthwiseRowPixels(*k) ==
                    (expected == Impl::DepthwiseAvx2 ? rowPixels(d) : 0));
            }
            // Not trivially saturated (the adversarial data is constant).
            if (data != Data::Adversarial && ref.size() >= 64)
              CHECK(distinct > 8);
          }
}

bool hasAvx2() { return __builtin_cpu_supports("avx2"); }

} // namespace

TEST_CASE("the AVX2 depthwise kernel equals the reference",
          "[kernels][depthwise]") {
  if (!hasAvx2()) {
    WARN("this CPU lacks AVX2: only the scalar depthwise kernel is tested");
    return;
  }
  checkDepthwise(ImplChoice::Depthwise, Impl::DepthwiseAvx2,
                 "qfx:dw-u8s8-avx2");
}

TEST_CASE("the depthwise row path follows its input between runs",
          "[kernels][depthwise]") {
  if (!hasAvx2())
    return;
  std::mt19937 rng(11);
  for (Requant rq : {Requant::Float, Requant::Fp32}) {
    ConvDesc d = makeDw({1, 14, 14, 48, 3, 1, 1, 1, 1, 1, 1}, rq, Data::Random,
                        true, false, rng);
    std::string err;
    auto k = ConvKernel::create(d, ImplChoice::Auto, err);
    REQUIRE(k);
    CHECK(k->impl() == Impl::DepthwiseAvx2);
    // Two inputs at different addresses (the second one freed before the
    // third run: no pointer of an earlier run may be read).
    auto x1 = makeDwInput(d, Data::Random, rng);
    const size_t outSize = d.n * d.oh() * d.ow() * d.oc;
    std::vector<uint8_t> ref1(outSize), ref2(outSize), out(outSize);
    referenceConv(d, x1.data(), ref1.data());
    {
      auto x2 = makeDwInput(d, Data::Random, rng);
      referenceConv(d, x2.data(), ref2.data());
      k->run(x2.data(), out.data());
      CHECK(out == ref2);
      CHECK(depthwiseRowPixels(*k) == 14 * 12);
    }
    k->run(x1.data(), out.data());
    CHECK(out == ref1);
    CHECK(ref1 != ref2);
  }
}

TEST_CASE("the scalar depthwise kernel equals the reference",
          "[kernels][depthwise]") {
  checkDepthwise(ImplChoice::DepthwiseScalar, Impl::DepthwiseScalar,
                 "qfx:dw-u8s8-scalar");
}

TEST_CASE("depthwise dispatch", "[kernels][depthwise]") {
  std::mt19937 rng(3);
  std::string err;
  ConvDesc d =
      makeDw(kDwShapes[0], Requant::Float, Data::Random, false, false, rng);
  // Float requantization: qfx's kernel (oneDNN 2.6 has only ref_int8).
  auto k = ConvKernel::create(d, ImplChoice::Auto, err);
  REQUIRE(k);
  CHECK(k->impl() == (hasAvx2() ? Impl::DepthwiseAvx2 : Impl::DepthwiseScalar));
  // fp32 requantization: qfx's AVX2 kernel too (XNNPACK's qc8 depthwise is
  // slower); without AVX2, XNNPACK.
  ConvDesc f =
      makeDw(kDwShapes[1], Requant::Fp32, Data::Random, true, false, rng);
  k = ConvKernel::create(f, ImplChoice::Auto, err);
  REQUIRE(k);
  CHECK(k->impl() == (hasAvx2() ? Impl::DepthwiseAvx2 : Impl::XnnpackQC8));
  // Both compute the fp32 reference: XNNPACK's qc8 depthwise and qfx's
  // kernel agree bit for bit.
  auto x = makeDwInput(f, Data::Random, rng);
  std::vector<uint8_t> ref(f.n * f.oh() * f.ow() * f.oc), out(ref.size()),
      xnn(ref.size());
  referenceConv(f, x.data(), ref.data());
  k->run(x.data(), out.data());
  auto kx = ConvKernel::create(f, ImplChoice::Xnnpack, err);
  REQUIRE(kx);
  CHECK(kx->impl() == Impl::XnnpackQC8);
  kx->run(x.data(), xnn.data());
  CHECK(out == ref);
  CHECK(xnn == ref);
  // A grouped (not depthwise) convolution is refused.
  ConvDesc g = d;
  g.groups = d.c / 2;
  g.weight.resize(d.oc * 2 * d.kh * d.kw);
  CHECK_FALSE(ConvKernel::create(g, ImplChoice::DepthwiseScalar, err));
  CHECK(err.find("not a depthwise") != std::string::npos);
}
