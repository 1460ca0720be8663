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
  void row(const int32_t *acc, uint8_t *out) const;

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
std::unique_ptr<ConvKernel> createXnnpackConv(ConvDesc d, std::string &error);

} // namespace qfx::kern

#endif // QFX_LIB_KERNELS_KERNELSIMPL_H
