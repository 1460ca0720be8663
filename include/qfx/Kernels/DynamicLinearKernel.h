//===- DynamicLinearKernel.h - Exact dynamic int8 linear --------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The integer part of a dynamically quantized linear layer: the input has
// been quantized to uint8 with qparams chosen for this call, the weight is
// int8 (symmetric, per tensor or per output channel), and the output is
// float32 with fbgemm's convention (docs/kernels.md, "Dynamic linear"):
//
//   acc = sum((x - zp_x) * w[j])                       (int32, exact)
//   y   = float(acc) * float(s_x * s_w[j]) + bias[j]   (two fp32 roundings)
//   relu: y = max(y, 0)
//
//===----------------------------------------------------------------------===//

#ifndef QFX_KERNELS_DYNAMICLINEARKERNEL_H
#define QFX_KERNELS_DYNAMICLINEARKERNEL_H

#include "qfx/Kernels/QuantizedKernels.h"

namespace qfx::kern {

struct DynamicLinearDesc {
  int64_t m = 1, k = 1, n = 1; ///< [m, k] x [n, k]^T -> [m, n]
  std::vector<int8_t> weight;  ///< n x k.
  std::vector<float> wScales;  ///< One per output (n).
  std::vector<float> bias;     ///< Empty: no bias.
  bool relu = false;
  /// Checks sizes (and that int32 accumulation cannot overflow); returns an
  /// error message or "".
  std::string validate() const;
};

/// The definition: int32 sums one at a time, then the float epilogue.
void referenceDynamicLinear(const DynamicLinearDesc &d, const uint8_t *x,
                            float sx, int32_t zpx, float *y);

/// A dynamic linear layer with its weight prepacked.
class DynamicLinearKernel {
public:
  virtual ~DynamicLinearKernel();
  /// Auto: oneDNN's u8s8s32 matmul on the runs where it is exact
  /// (2 * max(x) * max|w| <= 32767: no int16 pair saturation), qfx's
  /// AVX2 int16 kernel (or the reference without AVX2) on the others.
  /// Forced choices: Reference, OneDnnUnchecked (oneDNN on any data, for
  /// tests), Xnnpack is refused (XNNPACK 2022 has no dynamic linear).
  static std::unique_ptr<DynamicLinearKernel>
  create(DynamicLinearDesc desc, ImplChoice choice, std::string &error);
  /// \p x: m x k uint8 quantized with (sx, zpx); \p y: m x n float32.
  virtual void run(const uint8_t *x, float sx, int32_t zpx, float *y) = 0;
  Impl impl() const { return impl_; }
  virtual Impl lastImpl() const { return impl_; }
  virtual std::string libraryInfo() const { return implName(impl_); }
  const DynamicLinearDesc &desc() const { return desc_; }

protected:
  DynamicLinearKernel(DynamicLinearDesc d, Impl impl)
      : desc_(std::move(d)), impl_(impl) {}
  DynamicLinearDesc desc_;
  Impl impl_;
};

} // namespace qfx::kern

#endif // QFX_KERNELS_DYNAMICLINEARKERNEL_H
