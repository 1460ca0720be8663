//===- QParamsTest.cpp - Tests of the qparams math ------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/QParams.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace qfx::rt;

namespace {
QRange range(QDType dtype, bool reduce, std::optional<int64_t> lo = {},
             std::optional<int64_t> hi = {}) {
  Expected<QRange> r = calculateQMinQMax(dtype, reduce, lo, hi);
  REQUIRE(r.ok());
  return *r;
}

QParamsConfig makeConfig(QDType dtype, QScheme qscheme, bool reduce = false) {
  QParamsConfig c;
  c.dtype = dtype;
  c.qscheme = qscheme;
  QRange r = range(dtype, reduce);
  c.quantMin = r.quantMin;
  c.quantMax = r.quantMax;
  return c;
}
} // namespace

TEST_CASE("default qmin/qmax table", "[qparams]") {
  CHECK(range(QDType::QUInt8, false).quantMin == 0);
  CHECK(range(QDType::QUInt8, false).quantMax == 255);
  CHECK(range(QDType::QInt8, false).quantMin == -128);
  CHECK(range(QDType::QInt8, false).quantMax == 127);
  CHECK(range(QDType::QInt32, false).quantMin == -2147483648LL);
  CHECK(range(QDType::QInt32, false).quantMax == 2147483647LL);
  CHECK(range(QDType::QUInt4x2, false).quantMin == 0);
  CHECK(range(QDType::QUInt4x2, false).quantMax == 15);
}

TEST_CASE("reduce_range halves the default ranges", "[qparams]") {
  CHECK(range(QDType::QUInt8, true).quantMax == 127);
  CHECK(range(QDType::QInt8, true).quantMin == -64);
  CHECK(range(QDType::QInt8, true).quantMax == 63);
  // qint32 and quint4x2 ignore reduce_range in PyTorch 1.13.
  CHECK(range(QDType::QInt32, true).quantMax == 2147483647LL);
  CHECK(range(QDType::QUInt4x2, true).quantMax == 15);
}

TEST_CASE("customized ranges use floor division when reduced", "[qparams]") {
  QRange r = range(QDType::QInt8, true, -7, 8);
  CHECK(r.quantMin == -4);
  CHECK(r.quantMax == 4);
  QRange full = range(QDType::QUInt8, false, 0, 15);
  CHECK(full.quantMin == 0);
  CHECK(full.quantMax == 15);
  // Only one bound given: PyTorch falls back to the default table.
  CHECK(range(QDType::QInt8, false, -3, std::nullopt).quantMin == -128);
}

TEST_CASE("customized range validation", "[qparams]") {
  CHECK(validateQRange(0, 255).ok());
  CHECK(validateQRange(1, 255).failed());
  CHECK(validateQRange(-5, -1).failed());
  CHECK(validateQRange(0, 0).failed());
  CHECK(calculateQMinQMax(QDType::QInt8, false, -200, 100).failed());
  CHECK(calculateQMinQMax(QDType::QInt8, false, -128, 127).ok());
}

TEST_CASE("affine qparams of a known range", "[qparams]") {
  QParamsConfig c = makeConfig(QDType::QUInt8, QScheme::PerTensorAffine);
  Expected<QParams> p = calculateQParams({-1.0f}, {3.0f}, c, true);
  REQUIRE(p.ok());
  CHECK(p->scales[0] == 4.0f / 255.0f);
  // round(-1 / (4/255)) = round(-63.75) = -64 -> zp = 0 - (-64) = 64.
  CHECK(p->zeroPoints[0] == 64);
}

TEST_CASE("affine qparams include zero", "[qparams]") {
  QParamsConfig c = makeConfig(QDType::QUInt8, QScheme::PerTensorAffine);
  Expected<QParams> p = calculateQParams({2.0f}, {5.0f}, c, true);
  REQUIRE(p.ok());
  CHECK(p->scales[0] == 5.0f / 255.0f);
  CHECK(p->zeroPoints[0] == 0);
  Expected<QParams> n = calculateQParams({-5.0f}, {-2.0f}, c, true);
  REQUIRE(n.ok());
  CHECK(n->zeroPoints[0] == 255);
}

TEST_CASE("symmetric qparams", "[qparams]") {
  QParamsConfig u8 = makeConfig(QDType::QUInt8, QScheme::PerTensorSymmetric);
  Expected<QParams> p = calculateQParams({-2.0f}, {1.0f}, u8, true);
  REQUIRE(p.ok());
  CHECK(p->scales[0] == 2.0f / 127.5f);
  CHECK(p->zeroPoints[0] == 128);
  QParamsConfig i8 = makeConfig(QDType::QInt8, QScheme::PerTensorSymmetric);
  Expected<QParams> q = calculateQParams({-2.0f}, {3.0f}, i8, true);
  REQUIRE(q.ok());
  CHECK(q->scales[0] == 3.0f / 127.5f);
  CHECK(q->zeroPoints[0] == 0);
}

TEST_CASE("symmetric quint8 with a customized range uses the midpoint",
          "[qparams]") {
  QParamsConfig c = makeConfig(QDType::QUInt8, QScheme::PerTensorSymmetric);
  c.quantMin = 0;
  c.quantMax = 15;
  c.hasCustomizedQRange = true;
  Expected<QParams> p = calculateQParams({-1.0f}, {1.0f}, c, true);
  REQUIRE(p.ok());
  CHECK(p->zeroPoints[0] == 7);
  CHECK(p->scales[0] == 1.0f / 7.5f);
}

TEST_CASE("eps clamps the scale of an all-zero range", "[qparams]") {
  QParamsConfig c = makeConfig(QDType::QUInt8, QScheme::PerTensorAffine);
  Expected<QParams> p = calculateQParams({0.0f}, {0.0f}, c, true);
  REQUIRE(p.ok());
  CHECK(p->scales[0] == std::numeric_limits<float>::epsilon());
  CHECK(p->zeroPoints[0] == 0);
  c.eps = 0.5f;
  Expected<QParams> q = calculateQParams({-1.0f}, {1.0f}, c, true);
  REQUIRE(q.ok());
  CHECK(q->scales[0] == 0.5f);
}

TEST_CASE("uninitialized observers yield default qparams", "[qparams]") {
  const float inf = std::numeric_limits<float>::infinity();
  QParamsConfig c = makeConfig(QDType::QUInt8, QScheme::PerTensorAffine);
  Expected<QParams> p = calculateQParams({inf}, {-inf}, c, true);
  REQUIRE(p.ok());
  CHECK(p->scales == std::vector<float>{1.0f});
  CHECK(p->zeroPoints == std::vector<int64_t>{0});
  QParamsConfig pc = makeConfig(QDType::QInt8, QScheme::PerChannelSymmetric);
  Expected<QParams> e = calculateQParams({}, {}, pc, false);
  REQUIRE(e.ok());
  CHECK(e->scales.size() == 1);
}

TEST_CASE("min above max is an error", "[qparams]") {
  QParamsConfig c = makeConfig(QDType::QUInt8, QScheme::PerChannelAffine);
  Expected<QParams> p = calculateQParams({0.0f, 2.0f}, {1.0f, 1.0f}, c, false);
  REQUIRE(p.failed());
  CHECK(p.message().find("channel 1") != std::string::npos);
}

TEST_CASE("per-channel affine computes one pair per channel", "[qparams]") {
  QParamsConfig c = makeConfig(QDType::QInt8, QScheme::PerChannelAffine);
  Expected<QParams> p =
      calculateQParams({-1.0f, 0.0f, -4.0f}, {1.0f, 2.0f, 0.0f}, c, false);
  REQUIRE(p.ok());
  REQUIRE(p->size() == 3);
  CHECK(p->scales[0] == 2.0f / 255.0f);
  // -1 / float(2/255) rounds to -127 in float32 (checked with torch).
  CHECK(p->zeroPoints[0] == -1);
  CHECK(p->zeroPoints[1] == -128);
  CHECK(p->zeroPoints[2] == 127);
}

TEST_CASE("float qparams keep float zero points", "[qparams]") {
  QParamsConfig c =
      makeConfig(QDType::QUInt8, QScheme::PerChannelAffineFloatQParams);
  Expected<QParams> p = calculateQParams({1.0f, 3.0f}, {3.0f, 3.0f}, c, false);
  REQUIRE(p.ok());
  REQUIRE(p->hasFloatZeroPoints());
  CHECK(p->zeroPoints.empty());
  CHECK(p->scales[0] == 2.0f / 255.0f);
  CHECK(p->floatZeroPoints[0] == -1.0f / (2.0f / 255.0f));
  // A degenerate channel gets scale 1 (not eps) in this scheme.
  CHECK(p->scales[1] == 1.0f);
  CHECK(p->floatZeroPoints[1] == -3.0f);
}

TEST_CASE("round half to even in the zero point", "[qparams]") {
  // min/scale = -0.5 exactly -> round to -0 -> zp = 0; -1.5 -> -2 -> zp 2.
  QParamsConfig c = makeConfig(QDType::QUInt8, QScheme::PerTensorAffine);
  c.quantMin = 0;
  c.quantMax = 4;
  c.hasCustomizedQRange = true;
  Expected<QParams> a = calculateQParams({-0.5f}, {3.5f}, c, true);
  REQUIRE(a.ok());
  CHECK(a->scales[0] == 1.0f);
  CHECK(a->zeroPoints[0] == 0);
  Expected<QParams> b = calculateQParams({-1.5f}, {2.5f}, c, true);
  REQUIRE(b.ok());
  CHECK(b->zeroPoints[0] == 2);
}

TEST_CASE("dtype and qscheme names round-trip", "[qparams]") {
  for (QDType d : {QDType::QUInt8, QDType::QInt8, QDType::QInt32,
                   QDType::QUInt4x2, QDType::Float16, QDType::Float32})
    CHECK(parseQDType(qdtypeName(d)) == d);
  CHECK(parseQDType("torch.qint8") == QDType::QInt8);
  CHECK(!parseQDType("int8"));
  CHECK(parseQScheme("torch.per_channel_symmetric") ==
        QScheme::PerChannelSymmetric);
  CHECK(!parseQScheme("per_tensor"));
  CHECK(*histogramDstBins(QDType::QUInt4x2) == 256.0);
  CHECK(*histogramDstBins(QDType::QInt32) == 4294967296.0);
}
