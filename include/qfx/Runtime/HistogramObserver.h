//===- HistogramObserver.h - Histogram-based observer -----------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13's HistogramObserver: a running histogram whose range grows by
// re-binning, and an L2-error search for the clipping range.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_HISTOGRAMOBSERVER_H
#define QFX_RUNTIME_HISTOGRAMOBSERVER_H

#include "qfx/Runtime/Observer.h"

namespace qfx::rt {

/// Running histogram plus min/max (torch HistogramObserver).
class HistogramObserver : public Observer {
public:
  HistogramObserver(const ObserverConfig &config, QRange qrange,
                    double dstBins);

  Status observe(const TensorView &x) override;
  Expected<QParams> calculateQParams() const override;
  ObserverState exportState() const override;
  Status importState(const ObserverState &state) override;
  void reset() override;

  float minVal() const { return minVal_; }
  float maxVal() const { return maxVal_; }
  const std::vector<float> &histogram() const { return histogram_; }

private:
  /// The histc bound used for a running extremum \p v (see
  /// HistogramRangeMode).
  double histcBound(float v) const;

  double dstBins_;
  float minVal_;
  float maxVal_;
  std::vector<float> histogram_;
};

} // namespace qfx::rt

#endif // QFX_RUNTIME_HISTOGRAMOBSERVER_H
