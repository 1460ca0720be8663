//===- HistogramMath.cpp - Histogram kernels of HistogramObserver ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each statement corresponds to one PyTorch tensor operation; float32
// temporaries are float, Python floats are double. Python scalars entering a
// float32 tensor operation are rounded to float32 first, as ATen does.
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/HistogramMath.h"
#include "qfx/Runtime/TorchMath.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

using namespace qfx::rt;

/// ATen's histc bin of each of \p n values, or -1 outside [left, right]:
/// `int64((v - left) * bins / (right - left))` in float32, the last bin
/// including its right edge.
__attribute__((target_clones("avx2", "default"))) static void
binIndices(const float *data, int64_t n, float left, float right, int32_t bins,
           int32_t *pos) {
  const float width = right - left;
  const float binsF = static_cast<float>(bins);
  const float last = static_cast<float>(bins - 1);
  for (int64_t j = 0; j < n; ++j) {
    const float v = data[j];
    const bool inside = v >= left && v <= right;
    // Inside the range the quotient lies in [0, bins]; outside it is
    // replaced before the conversion (which would overflow).
    float f = (v - left) * binsF / width;
    f = f < last ? f : last;
    pos[j] = static_cast<int32_t>(inside ? f : -1.0f);
  }
}

Status qfx::rt::histc(const float *data, int64_t n, int64_t bins, double lo,
                      double hi, float dataMin, float dataMax,
                      std::vector<float> &hist) {
  if (bins <= 0)
    return Status::error("histc: bins must be positive");
  if (lo == hi && n > 0) {
    lo = dataMin;
    hi = dataMax;
  }
  const bool singleValue = lo == hi;
  if (singleValue) {
    lo -= 1;
    hi += 1;
  }
  if (!std::isfinite(lo) || !std::isfinite(hi))
    return Status::error("histc: range of [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "] is not finite");
  if (!(lo < hi) && singleValue) {
    // ATen widens a one-value range by +-1, which is lost at this magnitude.
    char value[32];
    std::snprintf(value, sizeof(value), "%g", lo);
    return Status::error(
        std::string("histc: all observed values equal ") + value +
        ", too large to widen to a histogram range by +-1 (PyTorch 1.13 "
        "fails here too: 'max must be larger than min'); such activations "
        "usually mean the model or its calibration data diverged");
  }
  if (!(lo < hi))
    return Status::error("histc: max must be larger than min");
  // The bin edges live in a float32 linspace whose ends are exactly lo, hi.
  const float left = static_cast<float>(lo);
  const float right = static_cast<float>(hi);
  std::vector<uint32_t> counts(bins, 0);
  if (bins > std::numeric_limits<int32_t>::max())
    return Status::error("histc: too many bins");
  // Bin indices are computed a chunk at a time (vectorisable), then counted.
  constexpr int64_t kChunk = 512;
  int32_t pos[kChunk];
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t m = std::min(kChunk, n - i0);
    binIndices(data + i0, m, left, right, static_cast<int32_t>(bins), pos);
    for (int64_t j = 0; j < m; ++j)
      if (pos[j] >= 0)
        ++counts[pos[j]];
  }
  hist.resize(bins);
  for (int64_t b = 0; b < bins; ++b)
    hist[b] = static_cast<float>(counts[b]);
  return Status::success();
}

Expected<AdjustedRange> qfx::rt::adjustMinMax(float minVal, float maxVal,
                                              float combinedMin,
                                              float combinedMax, int64_t bins,
                                              int64_t upsampleRate) {
  const float histBinWidth =
      (maxVal - minVal) / static_cast<float>(bins * upsampleRate);
  const float binsWidth = static_cast<float>(bins) * histBinWidth;
  const float ratio = std::ceil((combinedMax - combinedMin) / binsWidth);
  if (!std::isfinite(ratio) || ratio > 9.0e15f)
    return Status::error(
        "HistogramObserver: cannot rebin a histogram over [" +
        std::to_string(minVal) + ", " + std::to_string(maxVal) + "] into [" +
        std::to_string(combinedMin) + ", " + std::to_string(combinedMax) + "]");
  AdjustedRange r;
  r.downsampleRate = static_cast<int64_t>(ratio);
  const float e = static_cast<float>(r.downsampleRate) * binsWidth -
                  (combinedMax - combinedMin);
  r.combinedMin = combinedMin;
  r.combinedMax = combinedMax + e;
  r.startIdx = static_cast<int64_t>(
      roundHalfEven((minVal - combinedMin) / histBinWidth));
  return r;
}

Status qfx::rt::combineHistograms(std::vector<float> &newHist,
                                  const std::vector<float> &oldHist,
                                  int64_t upsampleRate, int64_t downsampleRate,
                                  int64_t startIdx) {
  const int64_t bins = static_cast<int64_t>(newHist.size());
  const int64_t upsampledLen =
      static_cast<int64_t>(oldHist.size()) * upsampleRate;
  const int64_t outputLen = bins * downsampleRate;
  if (startIdx < 0 || startIdx + upsampledLen > outputLen)
    return Status::error(
        "HistogramObserver: upsampled histogram [" + std::to_string(startIdx) +
        ", " + std::to_string(startIdx + upsampledLen) +
        ") does not fit the combined range of " + std::to_string(outputLen) +
        " fine bins (PyTorch raises a shape mismatch here)");
  // PyTorch materialises the fine grid and takes a double cumsum sampled at
  // every downsampleRate-th position. Zeros do not change a running double
  // sum, so only the upsampled span needs to be visited, in order.
  double cumsum = 0.0;
  double previous = 0.0;
  int64_t u = 0;
  for (int64_t k = 0; k < bins; ++k) {
    const int64_t sampleIdx = (k + 1) * downsampleRate - 1;
    // Fine bins [u, end) of the upsampled span up to the sample, one old bin
    // (upsampleRate repeats of one value) at a time, added one by one.
    const int64_t end =
        std::min(upsampledLen, std::max(u, sampleIdx - startIdx + 1));
    while (u < end) {
      const int64_t stop = std::min(end, (u / upsampleRate + 1) * upsampleRate);
      const double v = static_cast<double>(oldHist[u / upsampleRate]);
      for (; u < stop; ++u)
        cumsum += v;
    }
    // The shifted integral is stored in a float32 tensor.
    const float shifted = k == 0 ? 0.0f : static_cast<float>(previous);
    const double interpolated =
        (cumsum - static_cast<double>(shifted)) / upsampleRate;
    newHist[k] = newHist[k] + static_cast<float>(interpolated);
    previous = cumsum;
  }
  return Status::success();
}

double qfx::rt::computeQuantizationError(const std::vector<float> &hist,
                                         float minVal, float maxVal,
                                         double dstBins, int64_t startBin,
                                         int64_t endBin) {
  const int64_t bins = static_cast<int64_t>(hist.size());
  const double binWidth =
      (static_cast<double>(maxVal) - static_cast<double>(minVal)) / bins;
  const double dstBinWidth = binWidth * (endBin - startBin + 1) / dstBins;
  if (dstBinWidth == 0.0)
    return 0.0;

  const float binWidthF = static_cast<float>(binWidth);
  const float dstWidthF = static_cast<float>(dstBinWidth);
  const float halfF = static_cast<float>(dstBinWidth / 2);
  const float negHalfF = static_cast<float>(-dstBinWidth / 2);
  const float dstMax = static_cast<float>(dstBins - 1);
  // _get_norm(tensor(-w/2), tensor(w/2), .) without the density factor.
  const float fullBinNorm =
      (halfF * halfF * halfF - negHalfF * negHalfF * negHalfF) / 3.0f;
  const float negHalfCube = negHalfF * negHalfF * negHalfF;
  const float halfCube = halfF * halfF * halfF;

  std::vector<float> norm(bins);
  for (int64_t i = 0; i < bins; ++i) {
    const float srcBegin = static_cast<float>(i - startBin) * binWidthF;
    const float srcEnd = srcBegin + binWidthF;
    const float dstOfBegin =
        std::clamp(torchFloorDivide(srcBegin, dstWidthF), 0.0f, dstMax);
    const float dstOfBeginCenter = (dstOfBegin + 0.5f) * dstWidthF;
    const float dstOfEnd =
        std::clamp(torchFloorDivide(srcEnd, dstWidthF), 0.0f, dstMax);
    const float density = hist[i] / binWidthF;

    float acc = 0.0f;
    const float deltaBegin = srcBegin - dstOfBeginCenter;
    acc = acc +
          density * ((halfCube - deltaBegin * deltaBegin * deltaBegin) / 3.0f);
    acc = acc + (dstOfEnd - dstOfBegin - 1.0f) * (density * fullBinNorm);
    const float dstOfEndCenter = dstOfEnd * dstWidthF + halfF;
    const float deltaEnd = srcEnd - dstOfEndCenter;
    acc =
        acc + density * ((deltaEnd * deltaEnd * deltaEnd - negHalfCube) / 3.0f);
    norm[i] = acc;
  }
  return static_cast<double>(torchSum(norm.data(), norm.size()));
}

std::pair<float, float>
qfx::rt::nonLinearParamSearch(const std::vector<float> &hist, float minVal,
                              float maxVal, double dstBins) {
  const int64_t bins = static_cast<int64_t>(hist.size());
  const float binWidth = (maxVal - minVal) / static_cast<float>(bins);
  const double total = torchSum(hist.data(), hist.size());
  // torch.cumsum on CPU accumulates float32 in double, stores float32.
  std::vector<float> cSum(bins);
  double running = 0.0;
  for (int64_t i = 0; i < bins; ++i) {
    running += hist[i];
    cSum[i] = static_cast<float>(running);
  }

  const double stepSize = 1e-5;
  double alpha = 0.0, beta = 1.0;
  int64_t startBin = 0, endBin = bins - 1;
  double normMin = std::numeric_limits<double>::infinity();
  while (alpha < beta) {
    const double nextAlpha = alpha + stepSize;
    const double nextBeta = beta - stepSize;
    // `cSum[l] < next_alpha * total` compares in float32.
    const float lowTarget = static_cast<float>(nextAlpha * total);
    const float highTarget = static_cast<float>(nextBeta * total);
    int64_t l = startBin, r = endBin;
    while (l < endBin && cSum[l] < lowTarget)
      ++l;
    while (r > startBin && cSum[r] > highTarget)
      --r;

    int64_t nextStart = startBin, nextEnd = endBin;
    if ((l - startBin) > (endBin - r)) {
      nextStart = l;
      alpha = nextAlpha;
    } else {
      nextEnd = r;
      beta = nextBeta;
    }
    if (nextStart == startBin && nextEnd == endBin)
      continue;

    const double norm = computeQuantizationError(hist, minVal, maxVal, dstBins,
                                                 nextStart, nextEnd);
    if (norm > normMin)
      break;
    normMin = norm;
    startBin = nextStart;
    endBin = nextEnd;
  }
  const float newMin = minVal + binWidth * static_cast<float>(startBin);
  const float newMax = minVal + binWidth * static_cast<float>(endBin + 1);
  return {newMin, newMax};
}
