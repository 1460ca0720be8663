//===- NormConstants.h - ATen's eval batch-norm constants -------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Header-only so that the compiler (--qfx-lower folds the constants) and
// the kernel tests share it without linking the kernel library.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_KERNELS_NORMCONSTANTS_H
#define QFX_KERNELS_NORMCONSTANTS_H

#include <cmath>
#include <vector>

namespace qfx::kern {

/// ATen's eval batch-norm constants in float32 (batch_norm_cpu, whose AVX2
/// build contracts b - mean * alpha into a fused multiply-add):
///   invstd = 1 / sqrt(var + float(eps)), alpha = invstd * w,
///   beta = fma(-mean, alpha, b).
/// Empty \p w / \p b stand for 1 / 0 (affine = False).
inline void batchNormConstants(const std::vector<float> &mean,
                               const std::vector<float> &var,
                               const std::vector<float> &w,
                               const std::vector<float> &b, double eps,
                               std::vector<float> &alpha,
                               std::vector<float> &beta) {
  const size_t c = mean.size();
  alpha.resize(c);
  beta.resize(c);
  for (size_t i = 0; i < c; ++i) {
    const float invstd = 1.0f / std::sqrt(var[i] + static_cast<float>(eps));
    alpha[i] = invstd * (w.empty() ? 1.0f : w[i]);
    beta[i] = std::fma(-mean[i], alpha[i], b.empty() ? 0.0f : b[i]);
  }
}

} // namespace qfx::kern

#endif // QFX_KERNELS_NORMCONSTANTS_H
