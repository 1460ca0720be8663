//===- ConvTransposeKernelTest.cpp - oneDNN int8 deconvolution is exact ---===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/ConvTransposeKernel.h"

#include "ConvTestData.h"

#include <cmath>
#include <optional>

using namespace qfx::kern;
using namespace qfx::kern::test;

namespace {

struct ShapeT {
  int64_t n, h, w, c, oc, k, stride, pad, outPad, dil, groups;
};

const ShapeT kShapesT[] = {
    {1, 5, 5, 8, 8, 3, 2, 1, 1, 1, 1},  // the usual 2x upsampling
    {2, 4, 6, 16, 8, 3, 1, 0, 0, 1, 1}, // stride 1, no padding, batch 2
    {1, 4, 4, 8, 12, 2, 2, 0, 0, 1, 2}, // grouped 2x2
    {1, 3, 5, 8, 8, 3, 3, 2, 2, 2, 8},  // depthwise, dilated, output_padding
};

ConvTransposeDesc makeDesc(const ShapeT &s, Requant rq, int32_t inQmax,
                           Data data, std::mt19937 &rng, bool relu) {
  ConvTransposeDesc t;
  ConvDesc &d = t.base;
  d.n = s.n, d.h = s.h, d.w = s.w, d.c = s.c, d.oc = s.oc;
  d.kh = d.kw = s.k;
  d.strideH = d.strideW = s.stride;
  d.padT = d.padL = d.padB = d.padR = s.pad;
  d.dilH = d.dilW = s.dil;
  d.groups = s.groups;
  t.outPadH = t.outPadW = s.outPad;
  d.in = {0.02f, data == Data::Small ? 61 : 117, 0, inQmax};
  d.out = {0.05f, 128, 0, 255};
  d.relu = relu;
  d.requant = rq;
  fillConvWeights(d, s.k * s.k, data, rng);
  if (data != Data::Extreme)
    d.out.scale = 0.02f * 0.005f * 60.0f * std::sqrt(float(d.c / d.groups));
  return t;
}

std::vector<uint8_t> makeInput(const ConvTransposeDesc &d, Data data,
                               std::mt19937 &rng) {
  const ConvDesc &b = d.base;
  return makeConvInput(b, b.n * b.h * b.w * b.c, data, rng);
}

int64_t outSize(const ConvTransposeDesc &t) {
  return t.base.n * t.oh() * t.ow() * t.base.oc;
}

void checkExact(Requant rq, int32_t inQmax, Data data, ImplChoice choice,
                Impl expected, std::optional<Impl> ran = std::nullopt) {
  std::mt19937 rng(2024);
  for (bool relu : {false, true})
    for (const ShapeT &s : kShapesT) {
      ConvTransposeDesc d = makeDesc(s, rq, inQmax, data, rng, relu);
      auto x = makeInput(d, data, rng);
      std::vector<uint8_t> ref(outSize(d));
      referenceConvTranspose(d, x.data(), ref.data());
      std::string err;
      auto k = createConvTransposeKernel(d, choice, err);
      INFO("shape c=" << s.c << " oc=" << s.oc << " k=" << s.k
                      << " stride=" << s.stride << " groups=" << s.groups
                      << " relu=" << relu << " error=" << err);
      REQUIRE(k);
      checkConvRun(*k, x, ref, expected, ran.value_or(expected),
                   data != Data::Extreme);
    }
}

} // namespace

TEST_CASE("conv_transpose: oneDNN u8s8 is exact for reduce_range",
          "[kernels][conv_transpose]") {
  checkExact(Requant::Float, 127, Data::Random, ImplChoice::Auto,
             Impl::OneDnnU8S8);
  checkExact(Requant::Float, 127, Data::Extreme, ImplChoice::Auto,
             Impl::OneDnnU8S8);
}

TEST_CASE("conv_transpose: full-range data runs the checked kernel",
          "[kernels][conv_transpose]") {
  checkExact(Requant::Float, 255, Data::Random, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Split);
  checkExact(Requant::Float, 255, Data::Extreme, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Split);
  checkExact(Requant::Float, 255, Data::Small, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8);
  checkExact(Requant::Float, 255, Data::Random, ImplChoice::OneDnnSplit,
             Impl::OneDnnU8S8Split);
}

TEST_CASE("conv_transpose: the fp32 convention on oneDNN's int32 sums",
          "[kernels][conv_transpose]") {
  checkExact(Requant::Fp32, 255, Data::Random, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Split);
  checkExact(Requant::Fp32, 255, Data::Extreme, ImplChoice::OneDnnSplit,
             Impl::OneDnnU8S8Split);
}

TEST_CASE("conv_transpose: unsafe direct oneDNN and bad sizes are refused",
          "[kernels][conv_transpose]") {
  std::mt19937 rng(5);
  ConvTransposeDesc d =
      makeDesc(kShapesT[0], Requant::Float, 255, Data::Extreme, rng, false);
  std::string err;
  CHECK_FALSE(createConvTransposeKernel(d, ImplChoice::OneDnn, err));
  CHECK(err.find("saturate") != std::string::npos);
  ConvTransposeDesc bad = d;
  bad.base.weight.pop_back();
  CHECK_FALSE(createConvTransposeKernel(bad, ImplChoice::Auto, err));
  CHECK(err.find("weight has") != std::string::npos);
  bad = d;
  bad.base.padT = bad.base.padB = 9; // crops everything
  CHECK_FALSE(createConvTransposeKernel(bad, ImplChoice::Auto, err));
  CHECK(err.find("empty") != std::string::npos);
}

TEST_CASE("conv_transpose reference: stride 1 is a convolution with the "
          "flipped kernel",
          "[kernels][conv_transpose]") {
  std::mt19937 rng(8);
  for (int64_t pad : {0, 1, 2}) {
    ShapeT s{2, 6, 5, 8, 6, 3, 1, pad, 0, 1, 2};
    ConvTransposeDesc t = makeDesc(s, Requant::Float, 255, Data::Random, rng,
                                   /*relu=*/false);
    ConvDesc c = t.base;
    c.padT = c.padB = c.padL = c.padR = 2 - pad;
    const int64_t per = c.oc * (c.c / c.groups);
    for (int64_t oi = 0; oi < per; ++oi)
      for (int64_t ky = 0; ky < 3; ++ky)
        for (int64_t kx = 0; kx < 3; ++kx)
          c.weight[(oi * 3 + ky) * 3 + kx] =
              t.base.weight[(oi * 3 + 2 - ky) * 3 + 2 - kx];
    REQUIRE(c.oh() == t.oh());
    REQUIRE(c.ow() == t.ow());
    auto x = makeInput(t, Data::Random, rng);
    std::vector<uint8_t> got(outSize(t)), want(got.size());
    referenceConvTranspose(t, x.data(), got.data());
    referenceConv(c, x.data(), want.data());
    CHECK(got == want);
  }
}

TEST_CASE("conv_transpose reference: within 1 LSB of dq -> conv_transpose "
          "-> q",
          "[kernels][conv_transpose]") {
  std::mt19937 rng(9);
  ConvTransposeDesc t =
      makeDesc(kShapesT[0], Requant::Float, 255, Data::Random, rng, false);
  const ConvDesc &d = t.base;
  auto x = makeInput(t, Data::Random, rng);
  std::vector<uint8_t> ref(outSize(t));
  referenceConvTranspose(t, x.data(), ref.data());
  // Float scatter of dequantized values, as PyTorch's reference module.
  std::vector<float> y(ref.size(), 0.f);
  const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups;
  for (int64_t iy = 0; iy < d.h; ++iy)
    for (int64_t ix = 0; ix < d.w; ++ix)
      for (int64_t ky = 0; ky < d.kh; ++ky)
        for (int64_t kx = 0; kx < d.kw; ++kx) {
          int64_t oy = iy * d.strideH - d.padT + ky * d.dilH;
          int64_t ox = ix * d.strideW - d.padL + kx * d.dilW;
          if (oy < 0 || oy >= t.oh() || ox < 0 || ox >= t.ow())
            continue;
          for (int64_t o = 0; o < d.oc; ++o)
            for (int64_t i = 0; i < icg; ++i) {
              int64_t ci = (o / ocg) * icg + i;
              float xv =
                  (float(x[(iy * d.w + ix) * d.c + ci]) - d.in.zeroPoint) *
                  d.in.scale;
              float wv =
                  float(d.weight[((o * icg + i) * d.kh + ky) * d.kw + kx]) *
                  d.wScales[o];
              y[(oy * t.ow() + ox) * d.oc + o] += xv * wv;
            }
        }
  int maxDiff = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    float q = std::nearbyint((y[i] + d.biasF[i % d.oc]) / d.out.scale) +
              d.out.zeroPoint;
    q = std::min(255.f, std::max(0.f, q));
    maxDiff = std::max(maxDiff, std::abs(int(q) - int(ref[i])));
  }
  CHECK(maxDiff <= 1);
}
