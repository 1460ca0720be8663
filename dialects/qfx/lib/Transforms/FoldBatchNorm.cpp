//===- FoldBatchNorm.cpp - fuse_conv_bn_weights arithmetic ----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13, torch/nn/utils/fusion.py, in float32 and in its order:
//
//   fuse_conv_bn_weights:
//     bn_var_rsqrt = torch.rsqrt(bn_rv + bn_eps)
//     conv_w = conv_w * (bn_w * bn_var_rsqrt).reshape(shape)
//     conv_b = (conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b
//   fuse_linear_bn_weights:
//     bn_scale = bn_w * torch.rsqrt(bn_rv + bn_eps)
//     fused_w = linear_w * bn_scale.unsqueeze(-1)
//     fused_b = (linear_b - bn_rm) * bn_scale + bn_b
//
// `bn_rv + bn_eps` adds the Python float as a float32 scalar; torch.rsqrt
// on CPU is `1 / sqrt(x)` with both steps correctly rounded. Every step is
// its own statement so that no compiler contracts a multiply-add into an
// FMA (PyTorch rounds after each elementwise kernel).
//
//===----------------------------------------------------------------------===//

#include "FoldBatchNorm.h"

#include <algorithm>
#include <cmath>

using namespace qfx;

/// One rounding step each; kept out of line of any expression.
static float mul(float a, float b) { return a * b; }
static float add(float a, float b) { return a + b; }
static float sub(float a, float b) { return a - b; }

void qfx::foldBatchNorm(BatchNormFoldKind kind,
                        llvm::ArrayRef<int64_t> weightShape,
                        llvm::ArrayRef<float> weight,
                        std::optional<llvm::ArrayRef<float>> bias,
                        const BatchNormParams &bn,
                        llvm::SmallVectorImpl<float> &foldedWeight,
                        llvm::SmallVectorImpl<float> &foldedBias) {
  size_t channels = bn.runningMean.size();
  float eps = static_cast<float>(bn.eps);
  auto gamma = [&](size_t c) { return bn.weight ? (*bn.weight)[c] : 1.0f; };
  auto beta = [&](size_t c) { return bn.bias ? (*bn.bias)[c] : 0.0f; };

  llvm::SmallVector<float> rsqrt(channels), scale(channels);
  for (size_t c = 0; c < channels; ++c) {
    float sqrtVar = std::sqrt(add(bn.runningVar[c], eps));
    rsqrt[c] = 1.0f / sqrtVar;
    scale[c] = mul(gamma(c), rsqrt[c]);
  }

  // Weight: every element times the scale of its output channel.
  int64_t inner = 1;
  for (int64_t d : weightShape.drop_front(2))
    inner *= d;
  int64_t dim1 = weightShape.size() > 1 ? weightShape[1] : 1;
  // Walked as [outer][channel or inner...] without a division per element.
  foldedWeight.resize(weight.size());
  size_t block = static_cast<size_t>(inner);
  size_t perChannel = kind == BatchNormFoldKind::ConvTranspose
                          ? block
                          : static_cast<size_t>(dim1) * block;
  for (size_t i = 0, e = weight.size(); i < e; i += perChannel) {
    size_t c = kind == BatchNormFoldKind::ConvTranspose
                   ? (i / block) % dim1
                   : i / perChannel;
    for (size_t j = i, end = std::min(i + perChannel, e); j < end; ++j)
      foldedWeight[j] = mul(weight[j], scale[c]);
  }

  foldedBias.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    float b = bias ? (*bias)[c] : 0.0f;
    float centered = sub(b, bn.runningMean[c]);
    float scaled = kind == BatchNormFoldKind::Linear
                       ? mul(centered, scale[c])
                       : mul(mul(centered, rsqrt[c]), gamma(c));
    foldedBias[c] = add(scaled, beta(c));
  }
}
