//===- MinMaxObservers.h - Min/max based observers --------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver and
// MovingAveragePerChannelMinMaxObserver of PyTorch 1.13.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_MINMAXOBSERVERS_H
#define QFX_RUNTIME_MINMAXOBSERVERS_H

#include "qfx/Runtime/Observer.h"

namespace qfx::rt {

/// Running per-tensor min and max (torch MinMaxObserver).
class MinMaxObserver : public Observer {
public:
  MinMaxObserver(const ObserverConfig &config, QRange qrange);

  Status observe(const TensorView &x) override;
  Expected<QParams> calculateQParams() const override;
  ObserverState exportState() const override;
  Status importState(const ObserverState &state) override;
  void reset() override;

  float minVal() const { return minVal_; }
  float maxVal() const { return maxVal_; }

protected:
  /// Folds the batch extrema into the running statistics.
  virtual void update(float batchMin, float batchMax);

  float minVal_;
  float maxVal_;
};

/// Exponential moving average of per-tensor min and max
/// (torch MovingAverageMinMaxObserver).
class MovingAverageMinMaxObserver : public MinMaxObserver {
public:
  using MinMaxObserver::MinMaxObserver;

protected:
  void update(float batchMin, float batchMax) override;
};

/// Running per-channel min and max (torch PerChannelMinMaxObserver).
class PerChannelMinMaxObserver : public Observer {
public:
  PerChannelMinMaxObserver(const ObserverConfig &config, QRange qrange)
      : Observer(config, qrange) {}

  Status observe(const TensorView &x) override;
  Expected<QParams> calculateQParams() const override;
  ObserverState exportState() const override;
  Status importState(const ObserverState &state) override;
  void reset() override;

  const std::vector<float> &minVals() const { return minVals_; }
  const std::vector<float> &maxVals() const { return maxVals_; }

protected:
  /// Folds per-channel batch extrema into the running statistics.
  virtual void update(const std::vector<float> &batchMin,
                      const std::vector<float> &batchMax);

  std::vector<float> minVals_;
  std::vector<float> maxVals_;
};

/// Exponential moving average of per-channel min and max
/// (torch MovingAveragePerChannelMinMaxObserver).
class MovingAveragePerChannelMinMaxObserver : public PerChannelMinMaxObserver {
public:
  using PerChannelMinMaxObserver::PerChannelMinMaxObserver;

protected:
  void update(const std::vector<float> &batchMin,
              const std::vector<float> &batchMax) override;
};

} // namespace qfx::rt

#endif // QFX_RUNTIME_MINMAXOBSERVERS_H
