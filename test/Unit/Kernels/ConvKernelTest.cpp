//===- ConvKernelTest.cpp - Fast int8 kernels equal the reference ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/QuantizedKernels.h"

#include "ConvTestData.h"

#include <cmath>
#include <optional>

using namespace qfx::kern;
using namespace qfx::kern::test;

namespace {

struct Shape {
  int64_t n, h, w, c, oc, k, stride, pad, groups;
};

ConvDesc makeDesc(const Shape &s, Requant rq, int32_t inQmax, Data data,
                  std::mt19937 &rng, bool relu) {
  ConvDesc d;
  d.n = s.n, d.h = s.h, d.w = s.w, d.c = s.c, d.oc = s.oc;
  d.kh = d.kw = s.k;
  d.strideH = d.strideW = s.stride;
  d.padT = d.padL = d.padB = d.padR = s.pad;
  d.groups = s.groups;
  d.in = {0.02f, inQmax == 127 || isSmall(data) ? 61 : 117, 0, inQmax};
  d.out = {0.05f, 128, 0, 255};
  d.relu = relu;
  d.requant = rq;
  fillConvWeights(d, s.k * s.k, data, rng);
  // Keep outputs in range for the random case: scale the output to the
  // accumulator spread.
  if (data != Data::Extreme)
    d.out.scale = 0.02f * 0.005f * 60.0f * std::sqrt(float(d.c / d.groups * s.k * s.k));
  return d;
}

std::vector<uint8_t> makeInput(const ConvDesc &d, Data data,
                               std::mt19937 &rng) {
  return makeConvInput(d, d.n * d.h * d.w * d.c, data, rng);
}

const Shape kShapes[] = {
    {1, 8, 8, 16, 8, 3, 1, 1, 1},   // 3x3, padding
    {2, 9, 7, 32, 16, 3, 2, 1, 1},  // strided, odd sizes
    {1, 6, 6, 16, 16, 3, 1, 1, 16}, // depthwise
    {1, 5, 5, 64, 32, 1, 1, 0, 1},  // 1x1
    {4, 1, 1, 96, 24, 1, 1, 0, 1},  // linear (1x1 over 1x1 images)
    {1, 7, 7, 24, 12, 5, 1, 2, 2},  // grouped 5x5
    {1, 5, 6, 20, 20, 3, 1, 1, 2},  // groups of 10: 8 vector + 2 scalar
    {1, 6, 5, 24, 84, 3, 2, 1, 1},  // 84 = 64 + 16 + 4 channels, strided
};

void checkExact(Requant rq, int32_t inQmax, Data data, ImplChoice choice,
                Impl expected, std::optional<Impl> ran = std::nullopt) {
  std::mt19937 rng(1234);
  for (bool relu : {false, true})
    for (const Shape &s : kShapes) {
      ConvDesc d = makeDesc(s, rq, inQmax, data, rng, relu);
      auto x = makeInput(d, data, rng);
      std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc);
      referenceConv(d, x.data(), ref.data());
      std::string err;
      auto k = ConvKernel::create(d, choice, err);
      INFO("shape c=" << s.c << " oc=" << s.oc << " k=" << s.k
                      << " groups=" << s.groups << " relu=" << relu
                      << " error=" << err);
      REQUIRE(k);
      // Auto sends depthwise convolutions to qfx's own kernel (float
      // convention; fp32 where the CPU has AVX2; DepthwiseKernelTest covers
      // it).
      const bool avx2 = __builtin_cpu_supports("avx2");
      bool dw = choice == ImplChoice::Auto && (rq == Requant::Float || avx2) &&
                s.groups == s.c && s.oc == s.c;
      Impl dwImpl = avx2 ? Impl::DepthwiseAvx2 : Impl::DepthwiseScalar;
      checkConvRun(*k, x, ref, dw ? dwImpl : expected,
                   dw ? dwImpl : ran.value_or(expected), data != Data::Extreme);
    }
}

} // namespace

TEST_CASE("oneDNN u8s8 is exact for reduce_range activations",
          "[kernels][onednn]") {
  checkExact(Requant::Float, 127, Data::Random, ImplChoice::Auto,
             Impl::OneDnnU8S8);
  checkExact(Requant::Float, 127, Data::Extreme, ImplChoice::Auto,
             Impl::OneDnnU8S8);
}

TEST_CASE("full-range activations dispatch to the checked oneDNN kernel",
          "[kernels][onednn]") {
  // Random data spans 0..255: the split kernel runs; extreme data is all 255.
  checkExact(Requant::Float, 255, Data::Random, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Split);
  checkExact(Requant::Float, 255, Data::Extreme, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Split);
  // A full-range type holding small values (reduce_range qparams): direct.
  checkExact(Requant::Float, 255, Data::Small, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8);
}

TEST_CASE("a few inputs above the direct limit take the corrected kernel",
          "[kernels][onednn]") {
  checkExact(Requant::Float, 255, Data::FewLarge, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Corrected);
  // 8 % above the limit, several per pixel: still corrected (AVX2
  // correction in blocks of 64 and 16 channels plus a scalar tail).
  checkExact(Requant::Float, 255, Data::SomeLarge, ImplChoice::Auto,
             Impl::OneDnnU8S8Checked, Impl::OneDnnU8S8Corrected);
  // Dilation: the correction finds the taps an input feeds.
  std::mt19937 rng(11);
  for (int64_t dil : {2, 3}) {
    ConvDesc d = makeDesc(kShapes[1], Requant::Float, 255, Data::FewLarge, rng,
                          false);
    d.dilH = dil, d.dilW = dil - 1;
    auto x = makeInput(d, Data::FewLarge, rng);
    std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc), out(ref.size());
    referenceConv(d, x.data(), ref.data());
    std::string err;
    auto k = ConvKernel::create(d, ImplChoice::Auto, err);
    REQUIRE(k);
    k->run(x.data(), out.data());
    CHECK(k->lastImpl() == Impl::OneDnnU8S8Corrected);
    CHECK(out == ref);
  }
}

TEST_CASE("large outputs run oneDNN in bands of output rows",
          "[kernels][onednn]") {
  // Accumulators above 256 KB run band by band (128 KB of accumulators
  // each), the last band shorter; every band is corrected and requantized
  // on its own.
  const Shape shapes[] = {
      {2, 40, 40, 16, 64, 3, 1, 1, 1}, // 12-row bands (6 split), batch 2
      {1, 45, 45, 24, 96, 1, 1, 0, 1}, // 1x1: 7-row bands
      {1, 61, 57, 8, 128, 3, 2, 1, 1}, // strided, odd sizes
      {1, 40, 40, 32, 64, 3, 1, 1, 2}, // grouped
  };
  struct Case {
    int32_t inQmax;
    Data data;
    ImplChoice choice;
    Impl ran;
  };
  const Case cases[] = {
      {127, Data::Random, ImplChoice::Auto, Impl::OneDnnU8S8},
      {255, Data::FewLarge, ImplChoice::Auto, Impl::OneDnnU8S8Corrected},
      {255, Data::SomeLarge, ImplChoice::Auto, Impl::OneDnnU8S8Corrected},
      {255, Data::Random, ImplChoice::Auto, Impl::OneDnnU8S8Split},
  };
  std::mt19937 rng(2468);
  for (const Case &c : cases)
    for (const Shape &s : shapes)
      for (int variant = 0; variant < 2; ++variant) {
        ConvDesc d = makeDesc(s, Requant::Float, c.inQmax, c.data, rng,
                              /*relu=*/variant == 1);
        if (variant == 1) // dilation and asymmetric padding
          d.dilH = 2, d.padB = 0, d.padR = 2;
        auto x = makeInput(d, c.data, rng);
        std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc),
            out(ref.size(), 7);
        referenceConv(d, x.data(), ref.data());
        std::string err;
        auto k = ConvKernel::create(d, c.choice, err);
        INFO("c=" << s.c << " oc=" << s.oc << " k=" << s.k << " variant="
                  << variant << " ran " << implName(c.ran) << " error=" << err);
        REQUIRE(k);
        CHECK(k->libraryInfo().find("output rows)") != std::string::npos);
        for (int run = 0; run < 2; ++run) {
          std::fill(out.begin(), out.end(), 7);
          k->run(x.data(), out.data());
          CHECK(k->lastImpl() == c.ran);
          CHECK(out == ref);
        }
      }
}

TEST_CASE("the split kernel is exact on full-range data", "[kernels][onednn]") {
  checkExact(Requant::Float, 255, Data::Random, ImplChoice::OneDnnSplit,
             Impl::OneDnnU8S8Split);
  checkExact(Requant::Float, 255, Data::Extreme, ImplChoice::OneDnnSplit,
             Impl::OneDnnU8S8Split);
}

TEST_CASE("the split kernel is exact for reduce_range too", "[kernels][onednn]") {
  checkExact(Requant::Float, 127, Data::Random, ImplChoice::OneDnnSplit,
             Impl::OneDnnU8S8Split);
}

TEST_CASE("XNNPACK qc8 equals the fp32 reference", "[kernels][xnnpack]") {
  checkExact(Requant::Fp32, 255, Data::Random, ImplChoice::Auto,
             Impl::XnnpackQC8);
  checkExact(Requant::Fp32, 255, Data::Extreme, ImplChoice::Auto,
             Impl::XnnpackQC8);
  checkExact(Requant::Fp32, 127, Data::Random, ImplChoice::Xnnpack,
             Impl::XnnpackQC8);
}

TEST_CASE("XNNPACK runs few-channel convolutions as im2col + GEMM",
          "[kernels][xnnpack]") {
  // Stems over RGB images: 3 input channels would be padded to 8 per tap.
  const Shape shapes[] = {
      {1, 13, 11, 3, 16, 7, 2, 3, 1}, // resnet stem, odd sizes
      {2, 9, 9, 3, 32, 3, 2, 1, 1},   // mobilenet stem, batch 2
      {1, 8, 7, 5, 8, 3, 1, 1, 1},    // 5 channels
  };
  std::mt19937 rng(77);
  int cases = 0;
  for (Data data : {Data::Random, Data::Extreme})
    for (bool relu : {false, true})
      for (const Shape &s : shapes)
        for (int variant = 0; variant < 3; ++variant) {
          ConvDesc d = makeDesc(s, Requant::Fp32, 255, data, rng, relu);
          if (variant == 1) { // asymmetric padding, dilation 2 x 1
            d.padB = 0, d.padR = s.pad + 1;
            d.dilH = 2;
          } else if (variant == 2) { // dilation along W, ReLU6-like clamp
            d.dilW = 2;
            d.clampLo = d.out.zeroPoint, d.clampHi = d.out.zeroPoint + 40;
          }
          if (d.oh() < 1 || d.ow() < 1)
            continue;
          auto x = makeInput(d, data, rng);
          std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc),
              out(ref.size(), 7);
          referenceConv(d, x.data(), ref.data());
          std::string err;
          auto k = ConvKernel::create(d, ImplChoice::Auto, err);
          INFO("c=" << s.c << " k=" << s.k << " variant=" << variant
                    << " relu=" << relu << " error=" << err);
          REQUIRE(k);
          CHECK(k->impl() == Impl::XnnpackQC8);
          CHECK(k->libraryInfo() == "xnnpack:qc8 (im2col + gemm)");
          k->run(x.data(), out.data());
          CHECK(out == ref);
          // Twice: the padded border must survive a run.
          std::fill(out.begin(), out.end(), 7);
          k->run(x.data(), out.data());
          CHECK(out == ref);
          ++cases;
        }
  CHECK(cases == 36);
  // Eight or more channels per tap keep XNNPACK's direct convolution.
  ConvDesc d =
      makeDesc(kShapes[0], Requant::Fp32, 255, Data::Random, rng, false);
  std::string err;
  auto k = ConvKernel::create(d, ImplChoice::Auto, err);
  REQUIRE(k);
  CHECK(k->libraryInfo() == "xnnpack:qc8");
}

TEST_CASE("XNNPACK and the depthwise kernel read and write int8 in place",
          "[kernels][xnnpack]") {
  // What the executor keeps between XNNPACK's kernels: uint8 xor 0x80.
  const Shape stems[] = {{2, 9, 9, 3, 32, 3, 2, 1, 1}}; // im2col + GEMM
  std::mt19937 rng(99);
  int int8Kernels = 0;
  for (Requant rq : {Requant::Fp32, Requant::Float})
    for (Data data : {Data::Random, Data::Extreme})
      for (bool relu : {false, true})
        for (int i = 0; i < 9; ++i) {
          const Shape &s = i < 8 ? kShapes[i] : stems[0];
          ConvDesc d = makeDesc(s, rq, 255, data, rng, relu);
          auto x = makeInput(d, data, rng);
          std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc);
          referenceConv(d, x.data(), ref.data());
          std::string err;
          auto k = ConvKernel::create(d, ImplChoice::Auto, err);
          INFO("requant=" << requantName(rq) << " c=" << s.c << " oc=" << s.oc
                          << " k=" << s.k << " groups=" << s.groups << " ran "
                          << (k ? k->libraryInfo() : err));
          REQUIRE(k);
          // The loader's prediction (which slots stay int8) matches the
          // kernel Auto builds.
          const bool dw = s.groups == s.c && s.oc == s.c;
          const bool takes = autoConvTakesInt8(rq, dw);
          CHECK(k->setInt8Io(true, true) == takes);
          if (!takes) {
            // Refused: the kernel still runs on uint8.
            CHECK(k->setInt8Io(false, false));
            std::vector<uint8_t> out(ref.size(), 7);
            k->run(x.data(), out.data());
            CHECK(out == ref);
            continue;
          }
          CHECK((k->impl() == Impl::XnnpackQC8 ||
                 k->impl() == Impl::DepthwiseAvx2 ||
                 k->impl() == Impl::DepthwiseScalar));
          ++int8Kernels;
          for (auto [in, out] :
               {std::pair{true, false}, std::pair{false, true},
                std::pair{true, true}, std::pair{false, false}})
            checkInt8Run(*k, x, ref, in, out);
        }
  // fp32: 9 shapes; float: the two depthwise ones; x 4 data / relu cases.
  CHECK(int8Kernels == 4 * (9 + 1));
  // The reference kernel takes uint8 only.
  ConvDesc d =
      makeDesc(kShapes[0], Requant::Fp32, 255, Data::Random, rng, false);
  std::string err;
  auto ref = ConvKernel::create(d, ImplChoice::Reference, err);
  REQUIRE(ref);
  CHECK_FALSE(ref->setInt8Io(true, false));
  CHECK(ref->setInt8Io(false, false));
}

TEST_CASE("unsafe oneDNN u8s8 is refused", "[kernels][onednn]") {
  std::mt19937 rng(7);
  ConvDesc d = makeDesc(kShapes[0], Requant::Float, 255, Data::Extreme, rng,
                        false);
  std::string err;
  CHECK_FALSE(ConvKernel::create(d, ImplChoice::OneDnn, err));
  CHECK(err.find("saturate") != std::string::npos);
  CHECK_FALSE(oneDnnPairsCannotSaturate(d));
  // The hazard is real on AVX2 without VNNI: forcing the direct kernel on
  // full-range activations and weights loses precision.
  auto k = ConvKernel::create(d, ImplChoice::OneDnnUnchecked, err);
  REQUIRE(k);
  auto x = makeInput(d, Data::Extreme, rng);
  std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc), out(ref.size());
  referenceConv(d, x.data(), ref.data());
  k->run(x.data(), out.data());
  size_t mismatches = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    mismatches += out[i] != ref[i];
  WARN("direct oneDNN u8s8 (" << k->libraryInfo() << ") on full-range data: "
                              << mismatches << "/" << ref.size()
                              << " outputs differ from the exact reference");
}

TEST_CASE("float requantization is within 1 LSB of dq -> conv -> q",
          "[kernels][reference]") {
  std::mt19937 rng(99);
  for (const Shape &s : kShapes) {
    ConvDesc d = makeDesc(s, Requant::Float, 255, Data::Random, rng, false);
    auto x = makeInput(d, Data::Random, rng);
    std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc);
    referenceConv(d, x.data(), ref.data());
    // PyTorch's reference model: float conv of dequantized tensors.
    const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups;
    int maxDiff = 0;
    for (int64_t n = 0; n < d.n; ++n)
      for (int64_t oy = 0; oy < d.oh(); ++oy)
        for (int64_t ox = 0; ox < d.ow(); ++ox)
          for (int64_t o = 0; o < d.oc; ++o) {
            float acc = 0.f;
            for (int64_t i = 0; i < icg; ++i)
              for (int64_t ky = 0; ky < d.kh; ++ky)
                for (int64_t kx = 0; kx < d.kw; ++kx) {
                  int64_t iy = oy * d.strideH - d.padT + ky,
                          ix = ox * d.strideW - d.padL + kx;
                  if (iy < 0 || ix < 0 || iy >= d.h || ix >= d.w)
                    continue;
                  float xv = float(int(x[((n * d.h + iy) * d.w + ix) * d.c +
                                         (o / ocg) * icg + i]) -
                                   d.in.zeroPoint) *
                             d.in.scale;
                  float wv =
                      float(d.weight[((o * icg + i) * d.kh + ky) * d.kw + kx]) *
                      d.wScales[o];
                  acc += xv * wv;
                }
            acc += d.biasF[o];
            float q = std::nearbyint(acc * (1.0f / d.out.scale)) + 128.f;
            int qi = int(std::min(std::max(q, 0.f), 255.f));
            int r = ref[((n * d.oh() + oy) * d.ow() + ox) * d.oc + o];
            maxDiff = std::max(maxDiff, std::abs(qi - r));
          }
    CHECK(maxDiff <= 1);
  }
}

TEST_CASE("a fused output clamp (ReLU6) is exact in every implementation",
          "[kernels][onednn][xnnpack]") {
  struct Case {
    Requant rq;
    int32_t inQmax;
    ImplChoice choice;
    Impl impl;
  };
  const Case cases[] = {
      {Requant::Float, 127, ImplChoice::OneDnn, Impl::OneDnnU8S8},
      {Requant::Float, 255, ImplChoice::OneDnnSplit, Impl::OneDnnU8S8Split},
      {Requant::Fp32, 255, ImplChoice::Xnnpack, Impl::XnnpackQC8},
      {Requant::Float, 255, ImplChoice::Reference, Impl::Reference},
  };
  std::mt19937 rng(4321);
  for (const Case &c : cases)
    for (bool relu : {false, true})
      for (const Shape &s : kShapes) {
        ConvDesc d = makeDesc(s, c.rq, c.inQmax, Data::Random, rng, relu);
        // ReLU6 with the output's qparams: [zp, zp + 6 / scale] (here the
        // upper bound cuts the random outputs' top range).
        d.clampLo = d.out.zeroPoint;
        d.clampHi = d.out.zeroPoint + 40;
        auto x = makeInput(d, Data::Random, rng);
        ConvDesc plain = d;
        plain.clampLo = 0, plain.clampHi = 255;
        std::vector<uint8_t> ref(d.n * d.oh() * d.ow() * d.oc),
            unclamped(ref.size());
        referenceConv(d, x.data(), ref.data());
        referenceConv(plain, x.data(), unclamped.data());
        std::string err;
        auto k = ConvKernel::create(d, c.choice, err);
        INFO("impl " << implName(c.impl) << " c=" << s.c << " groups="
                     << s.groups << " relu=" << relu << " error=" << err);
        REQUIRE(k);
        CHECK(k->impl() == c.impl);
        std::vector<uint8_t> out(ref.size(), 7);
        k->run(x.data(), out.data());
        size_t mismatches = 0, clamped = 0, wrongClamp = 0;
        for (size_t i = 0; i < ref.size(); ++i) {
          mismatches += out[i] != ref[i];
          int expect =
              std::min(std::max<int>(unclamped[i], d.clampLo), d.clampHi);
          wrongClamp += ref[i] != expect;
          clamped += unclamped[i] > d.clampHi;
        }
        CHECK(mismatches == 0);
        CHECK(wrongClamp == 0);
        CHECK(clamped > 0); // the clamp matters on this data
      }
}

TEST_CASE("an empty output clamp is refused", "[kernels]") {
  std::mt19937 rng(5);
  ConvDesc d = makeDesc(kShapes[0], Requant::Float, 255, Data::Random, rng,
                        /*relu=*/true);
  d.clampLo = 0;
  d.clampHi = d.out.zeroPoint - 1; // below relu's lower bound
  std::string err;
  CHECK_FALSE(ConvKernel::create(d, ImplChoice::Auto, err));
  CHECK(err.find("empty output clamp") != std::string::npos);
}
