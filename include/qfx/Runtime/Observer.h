//===- Observer.h - Observer configuration, state and interface -*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The common interface of the calibration observers, mirroring
// torch.ao.quantization.observer (PyTorch 1.13): an observer is built from an
// ObserverConfig, accumulates statistics with observe(), computes qparams with
// calculateQParams(), and exports/imports its statistics as an ObserverState
// so that calibration can be resumed from IR.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_OBSERVER_H
#define QFX_RUNTIME_OBSERVER_H

#include "qfx/Runtime/QParams.h"
#include "qfx/Runtime/Status.h"
#include "qfx/Runtime/TensorView.h"

#include <cfloat>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace qfx::rt {

/// The observer classes of torch.ao.quantization.observer.
enum class ObserverKind : uint8_t {
  MinMax,
  MovingAverageMinMax,
  PerChannelMinMax,
  MovingAveragePerChannelMinMax,
  Histogram,
  FixedQParams,
  Placeholder,
  ReuseInput,
  Noop,
};

/// PyTorch class name of \p kind ("MinMaxObserver", ...).
const char *observerKindName(ObserverKind kind);
/// Parses a PyTorch observer class name.
std::optional<ObserverKind> parseObserverKind(const char *name);

/// How HistogramObserver chooses the torch.histc range of each batch.
enum class HistogramRangeMode : uint8_t {
  /// PyTorch 1.13: histc(min=int(min_val), max=int(max_val)), i.e. the range
  /// is truncated toward zero and values outside it are dropped.
  TorchCompat,
  /// The float range [min_val, max_val]: every value is counted.
  Exact,
};

/// Constructor arguments of every observer (unused fields are ignored).
struct ObserverConfig {
  ObserverKind kind = ObserverKind::MinMax;
  QDType dtype = QDType::QUInt8;
  QScheme qscheme = QScheme::PerTensorAffine;
  bool reduceRange = false;
  /// Customized range; used only when both are set (as in PyTorch).
  std::optional<int64_t> quantMin;
  std::optional<int64_t> quantMax;
  /// Lower bound on scales (torch.finfo(torch.float32).eps by default).
  float eps = FLT_EPSILON;
  /// Channel axis of the per-channel observers (negative counts from the end).
  int64_t chAxis = 0;
  /// Moving-average weight of the new batch (a Python float in PyTorch; it
  /// enters float32 arithmetic rounded to float32).
  double averagingConstant = 0.01;
  /// HistogramObserver: number of bins and upsampling factor.
  int64_t bins = 2048;
  int64_t upsampleRate = 128;
  HistogramRangeMode histogramRangeMode = HistogramRangeMode::TorchCompat;
  /// FixedQParamsObserver: the fixed parameters.
  float fixedScale = 1.0f;
  int64_t fixedZeroPoint = 0;
};

/// The statistics of an observer, in PyTorch's buffer layout: per-tensor
/// observers use one-element min/max arrays (+inf/-inf before any data),
/// per-channel observers one entry per channel (empty before any data), and
/// HistogramObserver adds its `bins` float32 counts.
struct ObserverState {
  std::vector<float> minVals;
  std::vector<float> maxVals;
  std::vector<float> histogram;
};

/// Base class of all observers.
class Observer {
public:
  virtual ~Observer();

  ObserverKind kind() const { return config_.kind; }
  const ObserverConfig &config() const { return config_; }
  /// The effective [quant_min, quant_max].
  const QRange &qrange() const { return qrange_; }

  /// Accumulates statistics of \p x (a no-op for empty tensors). Fails without
  /// changing the state when \p x holds NaN or Inf or does not fit the state.
  virtual Status observe(const TensorView &x) = 0;
  /// Scales and zero points from the statistics seen so far.
  virtual Expected<QParams> calculateQParams() const = 0;
  /// Copies the statistics out.
  virtual ObserverState exportState() const { return {}; }
  /// Replaces the statistics; fails on a malformed state.
  virtual Status importState(const ObserverState &state);
  /// Forgets all statistics.
  virtual void reset() {}

protected:
  Observer(const ObserverConfig &config, QRange qrange)
      : config_(config), qrange_(qrange) {}
  /// The inputs of calculateQParams() for this observer.
  QParamsConfig qparamsConfig() const;
  /// Fails naming this observer and the first non-finite element of \p x.
  Status nonFiniteError(const TensorView &x) const;

  ObserverConfig config_;
  QRange qrange_;
};

/// Builds the observer described by \p config, validating it like the PyTorch
/// constructors (supported dtype/qscheme, customized range, ...).
Expected<std::unique_ptr<Observer>>
createObserver(const ObserverConfig &config);

} // namespace qfx::rt

#endif // QFX_RUNTIME_OBSERVER_H
