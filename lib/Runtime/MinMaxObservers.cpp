//===- MinMaxObservers.cpp - Min/max based observers ----------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/MinMaxObservers.h"
#include "qfx/Runtime/Reductions.h"

#include <algorithm>
#include <limits>
#include <string>

using namespace qfx::rt;

static constexpr float kInf = std::numeric_limits<float>::infinity();

/// One moving-average step in float32: `old + c * (cur - old)`, each
/// operation rounded separately like the tensor ops PyTorch runs.
static float movingAverage(float old, float cur, float c) {
  float delta = cur - old;
  float step = c * delta;
  return old + step;
}

//===----------------------------------------------------------------------===//
// MinMaxObserver
//===----------------------------------------------------------------------===//

MinMaxObserver::MinMaxObserver(const ObserverConfig &config, QRange qrange)
    : Observer(config, qrange), minVal_(kInf), maxVal_(-kInf) {}

Status MinMaxObserver::observe(const TensorView &x) {
  const int64_t n = x.numel();
  if (n == 0)
    return Status::success();
  MinMax mm = computeMinMax(x.data, n);
  if (!mm.allFinite)
    return nonFiniteError(x);
  update(mm.min, mm.max);
  return Status::success();
}

void MinMaxObserver::update(float batchMin, float batchMax) {
  minVal_ = std::min(batchMin, minVal_);
  maxVal_ = std::max(batchMax, maxVal_);
}

Expected<QParams> MinMaxObserver::calculateQParams() const {
  return qfx::rt::calculateQParams({minVal_}, {maxVal_}, qparamsConfig(),
                                   /*isScalar=*/true);
}

ObserverState MinMaxObserver::exportState() const {
  ObserverState s;
  s.minVals = {minVal_};
  s.maxVals = {maxVal_};
  return s;
}

Status MinMaxObserver::importState(const ObserverState &state) {
  if (state.minVals.size() != 1 || state.maxVals.size() != 1)
    return Status::error(std::string(observerKindName(kind())) +
                         ": state needs exactly one min and one max value");
  minVal_ = state.minVals[0];
  maxVal_ = state.maxVals[0];
  return Status::success();
}

void MinMaxObserver::reset() {
  minVal_ = kInf;
  maxVal_ = -kInf;
}

void MovingAverageMinMaxObserver::update(float batchMin, float batchMax) {
  if (minVal_ == kInf && maxVal_ == -kInf) {
    minVal_ = batchMin;
    maxVal_ = batchMax;
    return;
  }
  const float c = static_cast<float>(config_.averagingConstant);
  minVal_ = movingAverage(minVal_, batchMin, c);
  maxVal_ = movingAverage(maxVal_, batchMax, c);
}

//===----------------------------------------------------------------------===//
// PerChannelMinMaxObserver
//===----------------------------------------------------------------------===//

Status PerChannelMinMaxObserver::observe(const TensorView &x) {
  if (x.numel() == 0)
    return Status::success();
  std::vector<float> batchMin, batchMax;
  bool allFinite = true;
  if (Status s = computePerChannelMinMax(x, config_.chAxis, batchMin, batchMax,
                                         allFinite);
      s.failed())
    return Status::error(std::string(observerKindName(kind())) + ": " +
                         s.message());
  if (!allFinite)
    return nonFiniteError(x);
  if (!minVals_.empty() && minVals_.size() != batchMin.size())
    return Status::error(
        std::string(observerKindName(kind())) + ": input has " +
        std::to_string(batchMin.size()) + " channels along axis " +
        std::to_string(config_.chAxis) + " but the observer has seen " +
        std::to_string(minVals_.size()));
  if (minVals_.empty()) {
    minVals_ = std::move(batchMin);
    maxVals_ = std::move(batchMax);
    return Status::success();
  }
  update(batchMin, batchMax);
  return Status::success();
}

void PerChannelMinMaxObserver::update(const std::vector<float> &batchMin,
                                      const std::vector<float> &batchMax) {
  for (size_t c = 0; c < minVals_.size(); ++c) {
    minVals_[c] = std::min(batchMin[c], minVals_[c]);
    maxVals_[c] = std::max(batchMax[c], maxVals_[c]);
  }
}

Expected<QParams> PerChannelMinMaxObserver::calculateQParams() const {
  return qfx::rt::calculateQParams(minVals_, maxVals_, qparamsConfig(),
                                   /*isScalar=*/false);
}

ObserverState PerChannelMinMaxObserver::exportState() const {
  ObserverState s;
  s.minVals = minVals_;
  s.maxVals = maxVals_;
  return s;
}

Status PerChannelMinMaxObserver::importState(const ObserverState &state) {
  if (state.minVals.size() != state.maxVals.size())
    return Status::error(std::string(observerKindName(kind())) +
                         ": state has different numbers of min and max "
                         "values");
  minVals_ = state.minVals;
  maxVals_ = state.maxVals;
  return Status::success();
}

void PerChannelMinMaxObserver::reset() {
  minVals_.clear();
  maxVals_.clear();
}

void MovingAveragePerChannelMinMaxObserver::update(
    const std::vector<float> &batchMin, const std::vector<float> &batchMax) {
  const float c = static_cast<float>(config_.averagingConstant);
  for (size_t i = 0; i < minVals_.size(); ++i) {
    minVals_[i] = movingAverage(minVals_[i], batchMin[i], c);
    maxVals_[i] = movingAverage(maxVals_[i], batchMax[i], c);
  }
}
