//===- HistogramTest.cpp - Tests of HistogramObserver and its kernels -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/HistogramMath.h"
#include "qfx/Runtime/HistogramObserver.h"

#include <catch2/catch.hpp>

#include <numeric>

using namespace qfx::rt;

namespace {
std::unique_ptr<Observer> makeHistogram(HistogramRangeMode mode,
                                        int64_t bins = 8) {
  ObserverConfig c;
  c.kind = ObserverKind::Histogram;
  c.bins = bins;
  c.upsampleRate = 4;
  c.histogramRangeMode = mode;
  Expected<std::unique_ptr<Observer>> obs = createObserver(c);
  REQUIRE(obs.ok());
  return obs.take();
}

float total(const std::vector<float> &h) {
  return std::accumulate(h.begin(), h.end(), 0.0f);
}
} // namespace

TEST_CASE("histc bins like ATen and includes the right edge", "[histogram]") {
  std::vector<float> xs = {0.0f, 0.5f, 1.0f, 3.99f, 4.0f, 4.5f, -0.1f};
  std::vector<float> h;
  REQUIRE(histc(xs.data(), xs.size(), 4, 0.0, 4.0, -0.1f, 4.5f, h).ok());
  CHECK(h == std::vector<float>{2, 1, 0, 2});
}

TEST_CASE("histc falls back to the data range, then to +-1", "[histogram]") {
  std::vector<float> xs = {0.25f, 0.75f};
  std::vector<float> h;
  REQUIRE(histc(xs.data(), 2, 2, 0.0, 0.0, 0.25f, 0.75f, h).ok());
  CHECK(h == std::vector<float>{1, 1});
  std::vector<float> cs = {0.5f, 0.5f, 0.5f};
  REQUIRE(histc(cs.data(), 3, 4, 0.0, 0.0, 0.5f, 0.5f, h).ok());
  // Range [-0.5, 1.5]: 0.5 lands in bin 2.
  CHECK(h == std::vector<float>{0, 0, 3, 0});
  CHECK(histc(cs.data(), 3, 0, 0.0, 1.0, 0.5f, 0.5f, h).failed());
}

TEST_CASE("TorchCompat truncates the histc range, Exact does not",
          "[histogram]") {
  std::vector<float> xs = {-2.7f, -1.0f, 0.0f, 1.0f, 3.9f};
  auto compat = makeHistogram(HistogramRangeMode::TorchCompat);
  auto exact = makeHistogram(HistogramRangeMode::Exact);
  REQUIRE(compat->observe(TensorView(xs.data(), {5})).ok());
  REQUIRE(exact->observe(TensorView(xs.data(), {5})).ok());
  // PyTorch histograms over [int(-2.7), int(3.9)] = [-2, 3]: -2.7 and 3.9 are
  // dropped although min_val/max_val record them.
  CHECK(total(compat->exportState().histogram) == 3.0f);
  CHECK(total(exact->exportState().histogram) == 5.0f);
  CHECK(compat->exportState().minVals[0] == -2.7f);
  CHECK(exact->exportState().maxVals[0] == 3.9f);
}

TEST_CASE("combineHistograms conserves the mass of aligned data",
          "[histogram]") {
  std::vector<float> oldHist = {1, 2, 3, 4};
  std::vector<float> newHist = {0, 0, 0, 0};
  // Old range is the left half of the new one: upsample 2, downsample 4.
  REQUIRE(combineHistograms(newHist, oldHist, 2, 4, 0).ok());
  // Fine bins repeat the old counts; each new bin sums four fine bins and
  // divides by the upsample rate.
  CHECK(newHist == std::vector<float>{3, 7, 0, 0});
  std::vector<float> small = {0, 0};
  CHECK(combineHistograms(small, oldHist, 2, 1, 0).failed());
}

TEST_CASE("adjustMinMax aligns the grids", "[histogram]") {
  Expected<AdjustedRange> r = adjustMinMax(0.0f, 1.0f, -1.0f, 1.0f, 4, 2);
  REQUIRE(r.ok());
  CHECK(r->downsampleRate == 4);
  CHECK(r->startIdx == 8);
  CHECK(r->combinedMin == -1.0f);
  CHECK(r->combinedMax == 1.0f);
}

TEST_CASE("histogram grows its range across batches", "[histogram]") {
  auto obs = makeHistogram(HistogramRangeMode::Exact, 16);
  std::vector<float> a = {0.0f, 1.0f, 2.0f, 3.0f};
  std::vector<float> b = {-8.0f, 8.0f};
  REQUIRE(obs->observe(TensorView(a.data(), {4})).ok());
  REQUIRE(obs->observe(TensorView(b.data(), {2})).ok());
  ObserverState s = obs->exportState();
  CHECK(s.minVals[0] == -8.0f);
  CHECK(s.maxVals[0] >= 8.0f);
  CHECK(total(s.histogram) == Approx(6.0f));
}

TEST_CASE("constant batches restart the histogram", "[histogram]") {
  auto obs = makeHistogram(HistogramRangeMode::TorchCompat);
  std::vector<float> c = {2.0f, 2.0f};
  std::vector<float> d = {0.0f, 1.0f, 4.0f};
  REQUIRE(obs->observe(TensorView(c.data(), {2})).ok());
  REQUIRE(obs->observe(TensorView(d.data(), {3})).ok());
  // min == max after the first batch, so PyTorch re-initialises.
  ObserverState s = obs->exportState();
  CHECK(s.minVals[0] == 0.0f);
  CHECK(s.maxVals[0] == 4.0f);
  CHECK(total(s.histogram) == 3.0f);
}

TEST_CASE("histogram search keeps a lone outlier like PyTorch", "[histogram]") {
  std::vector<float> xs(1000);
  for (size_t i = 0; i < xs.size(); ++i)
    xs[i] = static_cast<float>(i % 100) / 100.0f;
  xs[0] = 1000.0f;
  auto obs = makeHistogram(HistogramRangeMode::TorchCompat, 2048);
  REQUIRE(obs->observe(TensorView(xs.data(), {1000})).ok());
  Expected<QParams> p = obs->calculateQParams();
  REQUIRE(p.ok());
  // Clipping the outlier costs more L2 error than the first step saves, so
  // the L2 search stops at once and keeps (almost) the full range.
  CHECK(p->scales[0] > 1000.0f / 255.0f * 0.99f);
  CHECK(p->scales[0] <= 1000.0f / 255.0f);
}

TEST_CASE("uninitialized histogram yields defaults", "[histogram]") {
  auto obs = makeHistogram(HistogramRangeMode::TorchCompat);
  Expected<QParams> p = obs->calculateQParams();
  REQUIRE(p.ok());
  CHECK(p->scales[0] == 1.0f);
  CHECK(p->zeroPoints[0] == 0);
}

TEST_CASE("histogram state round-trips and is validated", "[histogram]") {
  auto obs = makeHistogram(HistogramRangeMode::TorchCompat);
  std::vector<float> xs = {-1.0f, 0.0f, 2.0f, 5.0f};
  REQUIRE(obs->observe(TensorView(xs.data(), {4})).ok());
  auto copy = makeHistogram(HistogramRangeMode::TorchCompat);
  REQUIRE(copy->importState(obs->exportState()).ok());
  Expected<QParams> a = obs->calculateQParams();
  Expected<QParams> b = copy->calculateQParams();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->scales == b->scales);
  CHECK(a->zeroPoints == b->zeroPoints);
  ObserverState bad = obs->exportState();
  bad.histogram.pop_back();
  Status s = copy->importState(bad);
  REQUIRE(s.failed());
  CHECK(s.message().find("bins") != std::string::npos);
  copy->reset();
  CHECK(total(copy->exportState().histogram) == 0.0f);
}

TEST_CASE("quantization error vanishes for a degenerate range", "[histogram]") {
  std::vector<float> h(16, 1.0f);
  CHECK(computeQuantizationError(h, 1.0f, 1.0f, 256.0, 0, 15) == 0.0);
  CHECK(computeQuantizationError(h, 0.0f, 1.0f, 256.0, 0, 15) > 0.0);
  auto [lo, hi] = nonLinearParamSearch(h, 0.0f, 16.0f, 256.0);
  CHECK(lo >= 0.0f);
  CHECK(hi <= 16.0f);
  CHECK(lo < hi);
}
