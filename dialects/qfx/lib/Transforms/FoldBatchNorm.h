//===- FoldBatchNorm.h - fuse_conv_bn_weights arithmetic --------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Folding an eval-mode batch norm into the conv / linear before it, with
// PyTorch 1.13's float32 arithmetic (torch/nn/utils/fusion.py), so that the
// folded weights equal PyTorch's bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_TRANSFORMS_FOLDBATCHNORM_H
#define QFX_DIALECT_QFX_TRANSFORMS_FOLDBATCHNORM_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace qfx {

/// Which of fusion.py's formulas applies.
enum class BatchNormFoldKind {
  /// fuse_conv_bn_weights(transpose=False): output channels on weight dim 0.
  Conv,
  /// fuse_conv_bn_weights(transpose=True): output channels on weight dim 1.
  ConvTranspose,
  /// fuse_linear_bn_weights.
  Linear,
};

/// The batch norm's statistics and affine parameters (all of `channels`
/// elements); absent weight/bias mean ones/zeros, as in fusion.py.
struct BatchNormParams {
  llvm::ArrayRef<float> runningMean;
  llvm::ArrayRef<float> runningVar;
  std::optional<llvm::ArrayRef<float>> weight;
  std::optional<llvm::ArrayRef<float>> bias;
  double eps = 1e-5;
};

/// Computes the folded weight and bias of a conv/linear with weight `weight`
/// of shape `weightShape` and optional bias `bias` (zeros when absent)
/// followed by the batch norm `bn`. The caller checks that the channel
/// counts agree.
void foldBatchNorm(BatchNormFoldKind kind, llvm::ArrayRef<int64_t> weightShape,
                   llvm::ArrayRef<float> weight,
                   std::optional<llvm::ArrayRef<float>> bias,
                   const BatchNormParams &bn,
                   llvm::SmallVectorImpl<float> &foldedWeight,
                   llvm::SmallVectorImpl<float> &foldedBias);

} // namespace qfx

#endif // QFX_DIALECT_QFX_TRANSFORMS_FOLDBATCHNORM_H
