//===- Conv3dKernelTest.cpp - oneDNN 3-d int8 convolution is exact --------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/Conv3dKernel.h"

#include "ConvTestData.h"

#include <cmath>
#include <optional>

using namespace qfx::kern;
using namespace qfx::kern::test;

namespace {

struct Shape3 {
  int64_t n, d, h, w, c, oc, k, stride, pad, groups;
};

const Shape3 kShapes3[] = {
    {1, 4, 6, 6, 8, 8, 3, 1, 1, 1},   // 3x3x3, padding
    {2, 5, 7, 5, 16, 8, 3, 2, 1, 1},  // strided, odd sizes
    {1, 3, 5, 5, 8, 8, 3, 1, 1, 8},   // depthwise
    {1, 3, 4, 4, 16, 12, 1, 1, 0, 2}, // grouped 1x1x1
};

Conv3dDesc makeDesc(const Shape3 &s, Requant rq, int32_t inQmax, Data data,
                    std::mt19937 &rng, bool relu) {
  Conv3dDesc cd;
  ConvDesc &d = cd.base;
  cd.d = s.d, cd.kd = s.k, cd.strideD = s.stride, cd.padD = s.pad;
  d.n = s.n, d.h = s.h, d.w = s.w, d.c = s.c, d.oc = s.oc;
  d.kh = d.kw = s.k;
  d.strideH = d.strideW = s.stride;
  d.padT = d.padL = d.padB = d.padR = s.pad;
  d.groups = s.groups;
  d.in = {0.02f, data == Data::Small ? 61 : 117, 0, inQmax};
  d.out = {0.05f, 128, 0, 255};
  d.relu = relu;
  d.requant = rq;
  fillConvWeights(d, s.k * s.k * s.k, data, rng);
  if (data != Data::Extreme)
    d.out.scale = 0.02f * 0.005f * 60.0f *
                  std::sqrt(float(d.c / d.groups * s.k * s.k * s.k));
  return cd;
}

std::vector<uint8_t> makeInput(const Conv3dDesc &d, Data data,
                               std::mt19937 &rng) {
  const ConvDesc &b = d.base;
  return makeConvInput(b, b.n * d.d * b.h * b.w * b.c, data, rng);
}

int64_t outSize(const Conv3dDesc &d) {
  return d.base.n * d.od() * d.base.oh() * d.base.ow() * d.base.oc;
}

void checkExact(Requant rq, int32_t inQmax, Data data, ImplChoice choice,
                Impl expected, std::optional<Impl> ran = std::nullopt) {
  std::mt19937 rng(4321);
  for (bool relu : {false, true})
    for (const Shape3 &s : kShapes3) {
      Conv3dDesc d = makeDesc(s, rq, inQmax, data, rng, relu);
      auto x = makeInput(d, data, rng);
      std::vector<uint8_t> ref(outSize(d));
      referenceConv3d(d, x.data(), ref.data());
      std::string err;
      auto k = createConv3dKernel(d, choice, err);
      INFO("shape c=" << s.c << " oc=" << s.oc << " k=" << s.k << " groups="
                      << s.groups << " relu=" << relu << " error=" << err);
      REQUIRE(k);
      checkConvRun(*k, x, ref, expected, ran.value_or(expected),
                   data != Data::Extreme);
    }
}

} // namespace

TEST_CASE("conv3d: oneDNN u8s8 is exact for reduce_range activations",
          "[kernels][conv3d]") {
  checkExact(Requant::Float, 127, Data::Random, ImplChoice::Auto,
             Impl::OneDnnU8S8);
  checkExact(Requant::Float, 127, Data::Extreme, ImplChoice::Auto,
             Impl::OneDnnU8S8);
}

TEST_CASE("conv3d: full-range activations run the checked oneDNN kernel",
          "[kernels][conv3d]") {
  checkExact(Requant::Float, 255, Data::Random, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Split);
  checkExact(Requant::Float, 255, Data::Extreme, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Split);
  checkExact(Requant::Float, 255, Data::Small, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8);
  checkExact(Requant::Float, 255, Data::Random, ImplChoice::OneDnnSplit,
             Impl::OneDnnU8S8Split);
}

TEST_CASE("conv3d: the fp32 convention runs on oneDNN's int32 sums",
          "[kernels][conv3d]") {
  // XNNPACK 2022 has no 3-d convolution; qfx's fp32 epilogue on oneDNN's
  // exact accumulators is the reference's fp32 formula.
  checkExact(Requant::Fp32, 255, Data::Random, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Split);
  checkExact(Requant::Fp32, 255, Data::Extreme, ImplChoice::OneDnnSplit,
             Impl::OneDnnU8S8Split);
  std::mt19937 rng(3);
  std::string err;
  CHECK_FALSE(createConv3dKernel(
      makeDesc(kShapes3[0], Requant::Fp32, 255, Data::Random, rng, false),
      ImplChoice::Xnnpack, err));
  CHECK(err.find("no 3-d") != std::string::npos);
  // Forcing one of qfx's 2-d-only kernels is refused too, not run as Auto.
  for (ImplChoice forced : {ImplChoice::Depthwise, ImplChoice::DepthwiseScalar,
                            ImplChoice::GemmS16}) {
    err.clear();
    CHECK_FALSE(createConv3dKernel(
        makeDesc(kShapes3[0], Requant::Fp32, 255, Data::Random, rng, false),
        forced, err));
    CHECK(err.find("no 3-d") != std::string::npos);
  }
}

TEST_CASE("conv3d: unsafe direct oneDNN is refused", "[kernels][conv3d]") {
  std::mt19937 rng(5);
  Conv3dDesc d =
      makeDesc(kShapes3[0], Requant::Float, 255, Data::Extreme, rng, false);
  std::string err;
  CHECK_FALSE(createConv3dKernel(d, ImplChoice::OneDnn, err));
  CHECK(err.find("saturate") != std::string::npos);
}

TEST_CASE("conv3d: bad descriptions are refused", "[kernels][conv3d]") {
  std::mt19937 rng(6);
  Conv3dDesc d =
      makeDesc(kShapes3[0], Requant::Float, 127, Data::Random, rng, false);
  std::string err;
  Conv3dDesc bad = d;
  bad.base.weight.pop_back();
  CHECK_FALSE(createConv3dKernel(bad, ImplChoice::Auto, err));
  CHECK(err.find("weight has") != std::string::npos);
  bad = d;
  bad.d = 0;
  CHECK_FALSE(createConv3dKernel(bad, ImplChoice::Auto, err));
  bad = d;
  bad.base.biasF.pop_back();
  CHECK_FALSE(createConv3dKernel(bad, ImplChoice::Reference, err));
}

TEST_CASE("conv3d reference: depth 1 is the 2-d reference convolution",
          "[kernels][conv3d]") {
  std::mt19937 rng(11);
  for (Requant rq : {Requant::Float, Requant::Fp32}) {
    Shape3 s{2, 1, 7, 6, 8, 6, 3, 1, 1, 2};
    Conv3dDesc d = makeDesc(s, rq, 255, Data::Random, rng, true);
    d.kd = 1, d.padD = 0; // a 1 x 3 x 3 kernel over one slice
    d.base.weight.resize(d.base.oc * (d.base.c / d.base.groups) * 9);
    auto x = makeInput(d, Data::Random, rng);
    std::vector<uint8_t> got(outSize(d)), want(got.size());
    referenceConv3d(d, x.data(), got.data());
    referenceConv(d.base, x.data(), want.data());
    CHECK(got == want);
  }
}

TEST_CASE("conv3d reference: float requantization within 1 LSB of "
          "dq -> conv3d -> q",
          "[kernels][conv3d]") {
  std::mt19937 rng(12);
  Conv3dDesc cd =
      makeDesc(kShapes3[1], Requant::Float, 255, Data::Random, rng, false);
  const ConvDesc &d = cd.base;
  auto x = makeInput(cd, Data::Random, rng);
  std::vector<uint8_t> ref(outSize(cd));
  referenceConv3d(cd, x.data(), ref.data());
  const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups, k = cd.kd;
  int maxDiff = 0;
  size_t i = 0;
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t oz = 0; oz < cd.od(); ++oz)
      for (int64_t oy = 0; oy < d.oh(); ++oy)
        for (int64_t ox = 0; ox < d.ow(); ++ox)
          for (int64_t o = 0; o < d.oc; ++o, ++i) {
            float acc = 0.f;
            for (int64_t kz = 0; kz < k; ++kz)
              for (int64_t ky = 0; ky < k; ++ky)
                for (int64_t kx = 0; kx < k; ++kx) {
                  int64_t iz = oz * cd.strideD - cd.padD + kz,
                          iy = oy * d.strideH - d.padT + ky,
                          ix = ox * d.strideW - d.padL + kx;
                  if (iz < 0 || iz >= cd.d || iy < 0 || iy >= d.h || ix < 0 ||
                      ix >= d.w)
                    continue;
                  for (int64_t c = 0; c < icg; ++c) {
                    int64_t ci = (o / ocg) * icg + c;
                    float xv =
                        (float(
                             x[(((n * cd.d + iz) * d.h + iy) * d.w + ix) * d.c +
                               ci]) -
                         d.in.zeroPoint) *
                        d.in.scale;
                    float wv =
                        float(d.weight[(((o * icg + c) * k + kz) * k + ky) * k +
                                       kx]) *
                        d.wScales[o];
                    acc += xv * wv;
                  }
                }
            float y = acc + d.biasF[o];
            float q = std::nearbyint(y / d.out.scale) + d.out.zeroPoint;
            q = std::min(255.f, std::max(0.f, q));
            maxDiff = std::max(maxDiff, std::abs(int(q) - int(ref[i])));
          }
  CHECK(maxDiff <= 1);
}

TEST_CASE("conv3d: a fused output clamp (ReLU6) is exact on every path",
          "[kernels][conv3d]") {
  std::mt19937 rng(17);
  struct Path {
    Requant rq;
    int32_t inQmax;
    Data data;
    ImplChoice choice;
  };
  for (Path p : {Path{Requant::Float, 127, Data::Random, ImplChoice::OneDnn},
                 Path{Requant::Float, 255, Data::Random, ImplChoice::Auto},
                 Path{Requant::Float, 255, Data::Small, ImplChoice::Auto},
                 Path{Requant::Fp32, 255, Data::Random, ImplChoice::Auto}})
    for (const Shape3 &s : kShapes3) {
      Conv3dDesc d = makeDesc(s, p.rq, p.inQmax, p.data, rng, false);
      auto x = makeInput(d, p.data, rng);
      std::vector<uint8_t> plain(outSize(d)), ref(plain.size()),
          out(plain.size(), 7);
      referenceConv3d(d, x.data(), plain.data());
      d.base.clampLo = d.base.out.zeroPoint;
      d.base.clampHi = d.base.out.zeroPoint + 40;
      referenceConv3d(d, x.data(), ref.data());
      std::string err;
      auto k = createConv3dKernel(d, p.choice, err);
      REQUIRE(k);
      k->run(x.data(), out.data());
      INFO(k->libraryInfo());
      size_t mismatches = 0, wrongClamp = 0, clamped = 0;
      for (size_t i = 0; i < ref.size(); ++i) {
        mismatches += out[i] != ref[i];
        wrongClamp +=
            int(ref[i]) !=
            std::min(std::max<int>(plain[i], d.base.clampLo), d.base.clampHi);
        clamped += plain[i] > d.base.clampHi || plain[i] < d.base.clampLo;
      }
      CHECK(mismatches == 0);
      CHECK(wrongClamp == 0);
      CHECK(clamped > 0); // the clamp matters on this data
    }
}
