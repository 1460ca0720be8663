//===- ObserverTest.cpp - Tests of the min/max and pass-through observers -===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/Observers.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace qfx::rt;

namespace {
std::unique_ptr<Observer> make(ObserverConfig config) {
  Expected<std::unique_ptr<Observer>> obs = createObserver(config);
  INFO(obs.message());
  REQUIRE(obs.ok());
  return obs.take();
}

ObserverConfig config(ObserverKind kind, QDType dtype = QDType::QUInt8,
                      QScheme qscheme = QScheme::PerTensorAffine) {
  ObserverConfig c;
  c.kind = kind;
  c.dtype = dtype;
  c.qscheme = qscheme;
  return c;
}

Status feed(Observer &obs, std::vector<float> xs, Shape shape = {}) {
  if (shape.empty())
    shape = {static_cast<int64_t>(xs.size())};
  return obs.observe(TensorView(xs.data(), shape));
}
} // namespace

TEST_CASE("MinMaxObserver tracks the running range", "[observer]") {
  auto obs = make(config(ObserverKind::MinMax));
  REQUIRE(feed(*obs, {1.0f, 2.0f, 3.0f}).ok());
  REQUIRE(feed(*obs, {-0.5f, 0.5f}).ok());
  ObserverState s = obs->exportState();
  CHECK(s.minVals == std::vector<float>{-0.5f});
  CHECK(s.maxVals == std::vector<float>{3.0f});
  Expected<QParams> p = obs->calculateQParams();
  REQUIRE(p.ok());
  CHECK(p->scales[0] == 3.5f / 255.0f);
}

TEST_CASE("observers ignore empty tensors", "[observer]") {
  auto obs = make(config(ObserverKind::MinMax));
  REQUIRE(obs->observe(TensorView(nullptr, {0, 3})).ok());
  CHECK(std::isinf(obs->exportState().minVals[0]));
  Expected<QParams> p = obs->calculateQParams();
  REQUIRE(p.ok());
  CHECK(p->scales[0] == 1.0f);
}

TEST_CASE("non-finite inputs are diagnosed and leave the state alone",
          "[observer]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (ObserverKind kind :
       {ObserverKind::MinMax, ObserverKind::MovingAverageMinMax,
        ObserverKind::PerChannelMinMax,
        ObserverKind::MovingAveragePerChannelMinMax, ObserverKind::Histogram}) {
    ObserverConfig c = config(kind);
    if (kind == ObserverKind::PerChannelMinMax ||
        kind == ObserverKind::MovingAveragePerChannelMinMax)
      c.qscheme = QScheme::PerChannelAffine;
    auto obs = make(c);
    REQUIRE(feed(*obs, {1.0f, 2.0f}, {2, 1}).ok());
    ObserverState before = obs->exportState();
    Status s = feed(*obs, {0.0f, nan}, {2, 1});
    REQUIRE(s.failed());
    CHECK(s.message().find("NaN") != std::string::npos);
    CHECK(s.message().find(observerKindName(kind)) != std::string::npos);
    Status t = feed(*obs, {-inf, 0.0f}, {2, 1});
    REQUIRE(t.failed());
    CHECK(t.message().find("-Inf at flat index 0") != std::string::npos);
    ObserverState after = obs->exportState();
    CHECK(after.minVals == before.minVals);
    CHECK(after.maxVals == before.maxVals);
    CHECK(after.histogram == before.histogram);
  }
}

TEST_CASE("MovingAverageMinMaxObserver averages in float32", "[observer]") {
  ObserverConfig c = config(ObserverKind::MovingAverageMinMax);
  c.averagingConstant = 0.5;
  auto obs = make(c);
  REQUIRE(feed(*obs, {0.0f, 4.0f}).ok());
  REQUIRE(feed(*obs, {-2.0f, 2.0f}).ok());
  ObserverState s = obs->exportState();
  CHECK(s.minVals[0] == -1.0f);
  CHECK(s.maxVals[0] == 3.0f);
  // 0.01 is rounded to float32 before use.
  c.averagingConstant = 0.01;
  auto obs2 = make(c);
  REQUIRE(feed(*obs2, {0.0f, 1.0f}).ok());
  REQUIRE(feed(*obs2, {0.0f, 2.0f}).ok());
  CHECK(obs2->exportState().maxVals[0] == 1.0f + 0.01f * 1.0f);
}

TEST_CASE("PerChannelMinMaxObserver with ch_axis 1 and -1", "[observer]") {
  ObserverConfig c = config(ObserverKind::PerChannelMinMax, QDType::QInt8,
                            QScheme::PerChannelSymmetric);
  c.chAxis = 1;
  auto obs = make(c);
  // Shape [2, 3]: column c holds {c - 1, 2c}.
  REQUIRE(feed(*obs, {-1.0f, 0.0f, 1.0f, 0.0f, 2.0f, 4.0f}, {2, 3}).ok());
  ObserverState s = obs->exportState();
  CHECK(s.minVals == std::vector<float>{-1.0f, 0.0f, 1.0f});
  CHECK(s.maxVals == std::vector<float>{0.0f, 2.0f, 4.0f});
  Expected<QParams> p = obs->calculateQParams();
  REQUIRE(p.ok());
  CHECK(p->scales[2] == 4.0f / 127.5f);
  CHECK(p->zeroPoints == std::vector<int64_t>{0, 0, 0});

  c.chAxis = -1;
  auto last = make(c);
  REQUIRE(feed(*last, {-1.0f, 0.0f, 1.0f, 0.0f, 2.0f, 4.0f}, {2, 3}).ok());
  CHECK(last->exportState().maxVals == s.maxVals);
  Status wrong = feed(*last, {1.0f, 2.0f}, {1, 2});
  REQUIRE(wrong.failed());
  CHECK(wrong.message().find("channels") != std::string::npos);
  CHECK(feed(*last, {1.0f}, {}).failed()); // rank 0 has no axis -1
}

TEST_CASE("MovingAveragePerChannelMinMaxObserver", "[observer]") {
  ObserverConfig c = config(ObserverKind::MovingAveragePerChannelMinMax,
                            QDType::QUInt8, QScheme::PerChannelAffine);
  c.averagingConstant = 0.25;
  auto obs = make(c);
  REQUIRE(feed(*obs, {0.0f, 4.0f, 0.0f, 8.0f}, {2, 2}).ok());
  REQUIRE(feed(*obs, {-4.0f, 0.0f, -8.0f, 0.0f}, {2, 2}).ok());
  ObserverState s = obs->exportState();
  CHECK(s.minVals == std::vector<float>{-1.0f, -2.0f});
  CHECK(s.maxVals == std::vector<float>{3.0f, 6.0f});
}

TEST_CASE("state export/import resumes calibration", "[observer]") {
  ObserverConfig c = config(ObserverKind::PerChannelMinMax, QDType::QInt8,
                            QScheme::PerChannelAffine);
  auto whole = make(c);
  REQUIRE(feed(*whole, {1.0f, -2.0f}, {2, 1}).ok());
  REQUIRE(feed(*whole, {-3.0f, 5.0f}, {2, 1}).ok());

  auto first = make(c);
  REQUIRE(feed(*first, {1.0f, -2.0f}, {2, 1}).ok());
  auto second = make(c);
  REQUIRE(second->importState(first->exportState()).ok());
  REQUIRE(feed(*second, {-3.0f, 5.0f}, {2, 1}).ok());
  CHECK(second->exportState().minVals == whole->exportState().minVals);
  CHECK(second->exportState().maxVals == whole->exportState().maxVals);

  auto perTensor = make(config(ObserverKind::MinMax));
  CHECK(perTensor->importState(first->exportState()).failed());
  ObserverState bad;
  bad.minVals = {1.0f, 2.0f};
  bad.maxVals = {3.0f};
  CHECK(perTensor->importState(bad).failed());
  CHECK(second->importState(bad).failed());
  second->reset();
  CHECK(second->exportState().minVals.empty());
}

TEST_CASE("observer factory validation", "[observer]") {
  CHECK(createObserver(config(ObserverKind::MinMax, QDType::QUInt8,
                              QScheme::PerChannelAffine))
            .failed());
  CHECK(createObserver(config(ObserverKind::PerChannelMinMax, QDType::QUInt8,
                              QScheme::PerTensorAffine))
            .failed());
  CHECK(createObserver(config(ObserverKind::MinMax, QDType::Float16)).failed());
  ObserverConfig sym =
      config(ObserverKind::MinMax, QDType::QUInt8, QScheme::PerTensorSymmetric);
  sym.reduceRange = true;
  Expected<std::unique_ptr<Observer>> symObs = createObserver(sym);
  REQUIRE(symObs.failed());
  CHECK(symObs.message().find("reduce range") != std::string::npos);
  // HistogramObserver does not reject it (PyTorch does not either).
  sym.kind = ObserverKind::Histogram;
  CHECK(createObserver(sym).ok());
  ObserverConfig custom = config(ObserverKind::MinMax);
  custom.quantMin = 1;
  custom.quantMax = 10;
  CHECK(createObserver(custom).failed());
  custom.quantMin = 0;
  auto ok = make(custom);
  CHECK(ok->qrange().quantMax == 10);
  ObserverConfig hist = config(ObserverKind::Histogram);
  hist.bins = 0;
  CHECK(createObserver(hist).failed());
}

TEST_CASE("FixedQParamsObserver returns its parameters", "[observer]") {
  ObserverConfig c = config(ObserverKind::FixedQParams);
  c.fixedScale = 1.0f / 256.0f;
  c.fixedZeroPoint = 0;
  auto obs = make(c);
  REQUIRE(feed(*obs, {100.0f}).ok());
  Expected<QParams> p = obs->calculateQParams();
  REQUIRE(p.ok());
  CHECK(p->scales[0] == 1.0f / 256.0f);
  CHECK(p->zeroPoints[0] == 0);
  CHECK(obs->qrange().quantMax == 255);
}

TEST_CASE("pass-through observers refuse calculateQParams", "[observer]") {
  for (ObserverKind kind : {ObserverKind::Placeholder, ObserverKind::ReuseInput,
                            ObserverKind::Noop}) {
    auto obs = make(config(kind, QDType::Float16));
    REQUIRE(feed(*obs, {std::numeric_limits<float>::quiet_NaN()}).ok());
    Expected<QParams> p = obs->calculateQParams();
    REQUIRE(p.failed());
    CHECK(p.message().find(observerKindName(kind)) != std::string::npos);
    CHECK(obs->exportState().minVals.empty());
  }
}

TEST_CASE("observer kind names round-trip", "[observer]") {
  for (const char *name :
       {"MinMaxObserver", "MovingAverageMinMaxObserver",
        "PerChannelMinMaxObserver", "MovingAveragePerChannelMinMaxObserver",
        "HistogramObserver", "FixedQParamsObserver", "PlaceholderObserver",
        "ReuseInputObserver", "NoopObserver"}) {
    auto kind = parseObserverKind(name);
    REQUIRE(kind);
    CHECK(std::string(observerKindName(*kind)) == name);
  }
  CHECK(!parseObserverKind("RecordingObserver"));
}
