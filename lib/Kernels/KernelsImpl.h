//===- KernelsImpl.h - Internals shared by the kernel files -----*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_KERNELS_KERNELSIMPL_H
#define QFX_LIB_KERNELS_KERNELSIMPL_H

#include "qfx/Kernels/QuantizedKernels.h"

#include <algorithm>
#include <cmath>

namespace qfx::kern {

/// ATen's quantize_val for uint8: clamp(int(float(zp) + nearbyint(x * inv))).
inline uint8_t quantizeU8(float x, float inv, int32_t zp, int32_t lo,
                          int32_t hi) {
  float q = static_cast<float>(zp) + std::nearbyint(x * inv);
  q = std::min(std::max(q, static_cast<float>(lo)), static_cast<float>(hi));
  return static_cast<uint8_t>(static_cast<int32_t>(q));
}

/// The requantization epilogue of a convolution (one output pixel at a
/// time, all output channels), shared by every implementation that produces
/// int32 accumulators.
class Requantizer {
public:
  explicit Requantizer(const ConvDesc &d);
  /// The definition: every output channel of one pixel, one at a time.
  void row(const int32_t *acc, uint8_t *out) const;
  /// Output channel \p c of one accumulator.
  uint8_t channel(int32_t acc, int64_t c) const;
  /// row(), bit for bit, eight channels at a time with AVX2 where the CPU
  /// has it (the same float32 operations in the same order).
  void rowFast(const int32_t *acc, uint8_t *out) const;
  /// \p pixels pixels of library accumulators: per pixel and group, ocg
  /// (oc / groups) channels, or with \p split two halves of ocg (high, low)
  /// that add up; \p offset[c] (zp_in * sum(w[c])) is subtracted before
  /// requantizing. Vectorised like rowFast().
  void pixels(const int32_t *acc, int64_t pixels, int64_t groups, bool split,
              const int32_t *offset, uint8_t *out) const;

  bool isFloat() const { return d_.requant == Requant::Float; }
  const float *mult() const { return mult_.data(); }
  const float *bias() const { return bias_.data(); }
  const int32_t *biasI() const { return biasI_.data(); }
  int32_t zpOutInt() const { return d_.out.zeroPoint; }
  float invOut() const { return invOut_; }
  float zpOut() const { return zpOut_; }
  int32_t lo() const { return lo_; }
  int32_t hi() const { return hi_; }

private:
  const ConvDesc &d_;
  int32_t lo_, hi_;
  float invOut_, zpOut_;
  std::vector<float> mult_, bias_;
  std::vector<int32_t> biasI_;
};

std::unique_ptr<ConvKernel> createReferenceConv(ConvDesc d);
std::unique_ptr<ConvKernel> createOneDnnConv(ConvDesc d, bool split,
                                             std::string &error,
                                             bool unchecked = false);
/// Runs a direct (unchecked) oneDNN kernel on min(x, limit), exact for
/// activations up to limit, and adds the contribution of x - limit of the
/// inputs above it to the int32 accumulators: exact on any data.
void runOneDnnClipped(ConvKernel &direct, const uint8_t *in, uint8_t *out,
                      int32_t limit);
/// An input value above a clipping limit: its pixel in the row, its
/// channel, and x - limit.
struct ClippedValue {
  int32_t pixel, channel, rest;
};
/// The number of x[i] > limit, i < n (AVX2 where the CPU has it).
int64_t countAbove(const uint8_t *x, int64_t n, uint8_t limit);
/// dst[i] = min(src[i], limit) for i < len (a row of pixels of \p c
/// channels); appends every src[i] > limit to \p out in increasing i (AVX2
/// where the CPU has it).
void clipRow(const uint8_t *src, uint8_t *dst, int64_t len, int64_t c,
             uint8_t limit, std::vector<ClippedValue> &out);
/// Adds (x - limit) * w of every clipped value (row r of the input, image
/// r / h, in values[rowStart[r] .. rowStart[r + 1])) to the int32
/// accumulators of output rows [oy0, oy1) of image \p image it feeds; \p acc
/// holds those rows' pixels from (oy0, 0) on: per output pixel, \p factor *
/// oc accumulators, group g at g * ocg * factor. \p wT is the weight as
/// [group][i][ky][kx][j] (the output channels of one tap contiguous). AVX2
/// where the CPU has it.
void correctClipped(const ConvDesc &d, int64_t factor, const int8_t *wT,
                    const std::vector<ClippedValue> &values,
                    const std::vector<int64_t> &rowStart, int64_t image,
                    int64_t oy0, int64_t oy1, int32_t *acc);
std::unique_ptr<ConvKernel> createXnnpackConv(ConvDesc d, std::string &error);
/// qfx's depthwise kernel (groups == c == oc, float requantization); AVX2
/// unless \p scalar or the CPU lacks it.
std::unique_ptr<ConvKernel> createDepthwiseConv(ConvDesc d, bool scalar,
                                                std::string &error);
bool isDepthwise(const ConvDesc &d);

} // namespace qfx::kern

#endif // QFX_LIB_KERNELS_KERNELSIMPL_H
