//===- HistogramObserver.cpp - Histogram-based observer -------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/HistogramObserver.h"
#include "qfx/Runtime/HistogramMath.h"
#include "qfx/Runtime/Reductions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

using namespace qfx::rt;

static constexpr float kInf = std::numeric_limits<float>::infinity();

HistogramObserver::HistogramObserver(const ObserverConfig &config,
                                     QRange qrange, double dstBins)
    : Observer(config, qrange), dstBins_(dstBins), minVal_(kInf),
      maxVal_(-kInf), histogram_(config.bins, 0.0f) {}

double HistogramObserver::histcBound(float v) const {
  if (config_.histogramRangeMode == HistogramRangeMode::Exact)
    return v;
  // PyTorch passes int(v): truncation toward zero.
  return std::trunc(static_cast<double>(v));
}

Status HistogramObserver::observe(const TensorView &x) {
  const int64_t n = x.numel();
  if (n == 0)
    return Status::success();
  MinMax mm = computeMinMax(x.data, n);
  if (!mm.allFinite)
    return nonFiniteError(x);

  const bool sameValues = minVal_ == maxVal_;
  const bool uninitialized = minVal_ == kInf && maxVal_ == -kInf;
  if (uninitialized || sameValues) {
    std::vector<float> hist;
    if (Status s = histc(x.data, n, config_.bins, histcBound(mm.min),
                         histcBound(mm.max), mm.min, mm.max, hist);
        s.failed())
      return s;
    histogram_ = std::move(hist);
    minVal_ = mm.min;
    maxVal_ = mm.max;
    return Status::success();
  }

  const float combinedMin = std::min(mm.min, minVal_);
  const float combinedMax = std::max(mm.max, maxVal_);
  Expected<AdjustedRange> adjusted =
      adjustMinMax(minVal_, maxVal_, combinedMin, combinedMax, config_.bins,
                   config_.upsampleRate);
  if (adjusted.failed())
    return adjusted.status();
  std::vector<float> combined;
  if (Status s =
          histc(x.data, n, config_.bins, histcBound(adjusted->combinedMin),
                histcBound(adjusted->combinedMax), mm.min, mm.max, combined);
      s.failed())
    return s;
  if (adjusted->combinedMin == minVal_ && adjusted->combinedMax == maxVal_) {
    for (size_t i = 0; i < combined.size(); ++i)
      combined[i] = combined[i] + histogram_[i];
  } else if (Status s = combineHistograms(
                 combined, histogram_, config_.upsampleRate,
                 adjusted->downsampleRate, adjusted->startIdx);
             s.failed()) {
    return s;
  }
  histogram_ = std::move(combined);
  minVal_ = adjusted->combinedMin;
  maxVal_ = adjusted->combinedMax;
  return Status::success();
}

Expected<QParams> HistogramObserver::calculateQParams() const {
  if (minVal_ == kInf && maxVal_ == -kInf)
    return defaultQParams();
  auto [newMin, newMax] =
      nonLinearParamSearch(histogram_, minVal_, maxVal_, dstBins_);
  return qfx::rt::calculateQParams({newMin}, {newMax}, qparamsConfig(),
                                   /*isScalar=*/true);
}

ObserverState HistogramObserver::exportState() const {
  ObserverState s;
  s.minVals = {minVal_};
  s.maxVals = {maxVal_};
  s.histogram = histogram_;
  return s;
}

Status HistogramObserver::importState(const ObserverState &state) {
  if (state.minVals.size() != 1 || state.maxVals.size() != 1)
    return Status::error(
        "HistogramObserver: state needs exactly one min and one max value");
  if (static_cast<int64_t>(state.histogram.size()) != config_.bins)
    return Status::error("HistogramObserver: state histogram has " +
                         std::to_string(state.histogram.size()) +
                         " bins, the observer has " +
                         std::to_string(config_.bins));
  minVal_ = state.minVals[0];
  maxVal_ = state.maxVals[0];
  histogram_ = state.histogram;
  return Status::success();
}

void HistogramObserver::reset() {
  minVal_ = kInf;
  maxVal_ = -kInf;
  histogram_.assign(config_.bins, 0.0f);
}
