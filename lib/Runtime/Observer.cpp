//===- Observer.cpp - Observer base class and factory ---------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/Observers.h"

#include <cmath>
#include <cstring>
#include <string>

using namespace qfx::rt;

static constexpr ObserverKind kAllKinds[] = {
    ObserverKind::MinMax,
    ObserverKind::MovingAverageMinMax,
    ObserverKind::PerChannelMinMax,
    ObserverKind::MovingAveragePerChannelMinMax,
    ObserverKind::Histogram,
    ObserverKind::FixedQParams,
    ObserverKind::Placeholder,
    ObserverKind::ReuseInput,
    ObserverKind::Noop};

const char *qfx::rt::observerKindName(ObserverKind kind) {
  switch (kind) {
  case ObserverKind::MinMax:
    return "MinMaxObserver";
  case ObserverKind::MovingAverageMinMax:
    return "MovingAverageMinMaxObserver";
  case ObserverKind::PerChannelMinMax:
    return "PerChannelMinMaxObserver";
  case ObserverKind::MovingAveragePerChannelMinMax:
    return "MovingAveragePerChannelMinMaxObserver";
  case ObserverKind::Histogram:
    return "HistogramObserver";
  case ObserverKind::FixedQParams:
    return "FixedQParamsObserver";
  case ObserverKind::Placeholder:
    return "PlaceholderObserver";
  case ObserverKind::ReuseInput:
    return "ReuseInputObserver";
  case ObserverKind::Noop:
    return "NoopObserver";
  }
  return "UnknownObserver";
}

std::optional<ObserverKind> qfx::rt::parseObserverKind(const char *name) {
  for (ObserverKind kind : kAllKinds)
    if (std::strcmp(name, observerKindName(kind)) == 0)
      return kind;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Observer
//===----------------------------------------------------------------------===//

Observer::~Observer() = default;

Status Observer::importState(const ObserverState &state) {
  if (!state.minVals.empty() || !state.maxVals.empty() ||
      !state.histogram.empty())
    return Status::error(std::string(observerKindName(kind())) +
                         " has no state to import");
  return Status::success();
}

QParamsConfig Observer::qparamsConfig() const {
  QParamsConfig c;
  c.dtype = config_.dtype;
  c.qscheme = config_.qscheme;
  c.quantMin = qrange_.quantMin;
  c.quantMax = qrange_.quantMax;
  c.hasCustomizedQRange = config_.quantMin && config_.quantMax;
  c.eps = config_.eps;
  return c;
}

Status Observer::nonFiniteError(const TensorView &x) const {
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) {
    const float v = x.data[i];
    if (std::isfinite(v))
      continue;
    const char *what = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    return Status::error(std::string(observerKindName(kind())) +
                         ": input contains " + what + " at flat index " +
                         std::to_string(i) +
                         "; observers need finite values (PyTorch fails or "
                         "yields unusable qparams here)");
  }
  return Status::error(std::string(observerKindName(kind())) +
                       ": input contains non-finite values");
}

//===----------------------------------------------------------------------===//
// Pass-through observers
//===----------------------------------------------------------------------===//

Expected<QParams> FixedQParamsObserver::calculateQParams() const {
  QParams p;
  p.scales = {config_.fixedScale};
  p.zeroPoints = {config_.fixedZeroPoint};
  return p;
}

Expected<QParams> PassThroughObserver::calculateQParams() const {
  return Status::error(std::string("calculate_qparams should not be called "
                                   "for ") +
                       observerKindName(kind()));
}

//===----------------------------------------------------------------------===//
// Factory
//===----------------------------------------------------------------------===//

/// Validates the arguments shared by UniformQuantizationObserverBase
/// subclasses and computes the effective range.
static Expected<QRange> validateUniform(const ObserverConfig &config,
                                        bool perChannel) {
  const char *name = observerKindName(config.kind);
  auto fail = [&](const std::string &msg) {
    return Status::error(std::string(name) + ": " + msg);
  };
  switch (config.dtype) {
  case QDType::QInt8:
  case QDType::QUInt8:
  case QDType::QUInt4x2:
  case QDType::QInt32:
    break;
  default:
    return fail(std::string("dtype ") + qdtypeName(config.dtype) +
                " is not supported (qint8, quint8, quint4x2, qint32)");
  }
  if (perChannel != isPerChannel(config.qscheme))
    return fail(std::string("qscheme ") + qschemeName(config.qscheme) +
                " is not supported; use a " +
                (perChannel ? "per-channel" : "per-tensor") + " scheme");
  if (config.quantMin && config.quantMax)
    if (Status s = validateQRange(*config.quantMin, *config.quantMax);
        s.failed())
      return fail(s.message());
  Expected<QRange> range = calculateQMinQMax(config.dtype, config.reduceRange,
                                             config.quantMin, config.quantMax);
  if (range.failed())
    return fail(range.message());
  const bool checksSymmetricReduce = config.kind != ObserverKind::Histogram;
  if (checksSymmetricReduce && isSymmetric(config.qscheme) &&
      config.reduceRange && config.dtype == QDType::QUInt8)
    return fail("cannot reduce range for symmetric quantization for quint8");
  if (!(config.eps >= 0.0f))
    return fail("eps must be a non-negative number");
  return range;
}

Expected<std::unique_ptr<Observer>>
qfx::rt::createObserver(const ObserverConfig &config) {
  std::unique_ptr<Observer> obs;
  switch (config.kind) {
  case ObserverKind::MinMax:
  case ObserverKind::MovingAverageMinMax: {
    Expected<QRange> range = validateUniform(config, /*perChannel=*/false);
    if (range.failed())
      return range.status();
    if (config.kind == ObserverKind::MinMax)
      obs = std::make_unique<MinMaxObserver>(config, *range);
    else
      obs = std::make_unique<MovingAverageMinMaxObserver>(config, *range);
    break;
  }
  case ObserverKind::PerChannelMinMax:
  case ObserverKind::MovingAveragePerChannelMinMax: {
    Expected<QRange> range = validateUniform(config, /*perChannel=*/true);
    if (range.failed())
      return range.status();
    if (config.kind == ObserverKind::PerChannelMinMax)
      obs = std::make_unique<PerChannelMinMaxObserver>(config, *range);
    else
      obs = std::make_unique<MovingAveragePerChannelMinMaxObserver>(config,
                                                                    *range);
    break;
  }
  case ObserverKind::Histogram: {
    Expected<QRange> range = validateUniform(config, /*perChannel=*/false);
    if (range.failed())
      return range.status();
    if (config.bins <= 0 || config.upsampleRate <= 0)
      return Status::error(
          "HistogramObserver: bins and upsample_rate must be positive");
    Expected<double> dstBins = histogramDstBins(config.dtype);
    if (dstBins.failed())
      return dstBins.status();
    obs = std::make_unique<HistogramObserver>(config, *range, *dstBins);
    break;
  }
  case ObserverKind::FixedQParams: {
    QRange range{config.quantMin.value_or(0), config.quantMax.value_or(255)};
    obs = std::make_unique<FixedQParamsObserver>(config, range);
    break;
  }
  case ObserverKind::Placeholder:
    obs = std::make_unique<PlaceholderObserver>(config, QRange());
    break;
  case ObserverKind::ReuseInput:
    obs = std::make_unique<ReuseInputObserver>(config, QRange());
    break;
  case ObserverKind::Noop:
    obs = std::make_unique<NoopObserver>(config, QRange());
    break;
  }
  if (!obs)
    return Status::error("unknown observer kind");
  return obs;
}
