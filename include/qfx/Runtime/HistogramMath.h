//===- HistogramMath.h - Histogram kernels of HistogramObserver -*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The building blocks of HistogramObserver, each reproducing one PyTorch 1.13
// function bit for bit: torch.histc on CPU, _adjust_min_max,
// _combine_histograms, _compute_quantization_error and
// _non_linear_param_search.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_HISTOGRAMMATH_H
#define QFX_RUNTIME_HISTOGRAMMATH_H

#include "qfx/Runtime/Status.h"

#include <cstdint>
#include <vector>

namespace qfx::rt {

/// torch.histc(x, bins, min=lo, max=hi) on CPU, written to \p hist (resized to
/// \p bins). When lo == hi the batch extrema \p dataMin / \p dataMax are used
/// instead, and if those are equal too the range becomes [lo - 1, hi + 1].
/// Elements outside the range are dropped. Fails on a non-finite or empty
/// range.
Status histc(const float *data, int64_t n, int64_t bins, double lo, double hi,
             float dataMin, float dataMax, std::vector<float> &hist);

/// Result of _adjust_min_max.
struct AdjustedRange {
  float combinedMin;
  float combinedMax;
  int64_t downsampleRate;
  int64_t startIdx;
};

/// HistogramObserver._adjust_min_max: widens [combinedMin, combinedMax] so
/// that the old histogram over [minVal, maxVal], upsampled by \p upsampleRate,
/// aligns with the new bins.
Expected<AdjustedRange> adjustMinMax(float minVal, float maxVal,
                                     float combinedMin, float combinedMax,
                                     int64_t bins, int64_t upsampleRate);

/// HistogramObserver._combine_histograms: adds \p oldHist, upsampled and
/// shifted by \p startIdx, then downsampled, into \p newHist. Needs
/// O(bins * upsampleRate) time and O(bins) memory. Fails where PyTorch's
/// slice assignment would raise a shape mismatch.
Status combineHistograms(std::vector<float> &newHist,
                         const std::vector<float> &oldHist,
                         int64_t upsampleRate, int64_t downsampleRate,
                         int64_t startIdx);

/// HistogramObserver._compute_quantization_error (L2 norm) of quantizing the
/// histogram over [minVal, maxVal] with bins [startBin, endBin] mapped onto
/// \p dstBins levels.
double computeQuantizationError(const std::vector<float> &hist, float minVal,
                                float maxVal, double dstBins, int64_t startBin,
                                int64_t endBin);

/// HistogramObserver._non_linear_param_search: the (min, max) that minimise
/// the quantization error.
std::pair<float, float> nonLinearParamSearch(const std::vector<float> &hist,
                                             float minVal, float maxVal,
                                             double dstBins);

} // namespace qfx::rt

#endif // QFX_RUNTIME_HISTOGRAMMATH_H
