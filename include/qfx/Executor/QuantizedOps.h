//===- QuantizedOps.h - Plan kernels of qfxk ops ----------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Plan kernels running the exact int8 kernels of QFXKernels on uint8 slots
// (physical shapes: NHWC for the spatial ops).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_EXECUTOR_QUANTIZEDOPS_H
#define QFX_EXECUTOR_QUANTIZEDOPS_H

#include "qfx/Executor/Plan.h"
#include "qfx/Kernels/Conv3dKernel.h"
#include "qfx/Kernels/ConvTransposeKernel.h"
#include "qfx/Kernels/DynamicLinearKernel.h"
#include "qfx/Kernels/EmbeddingBagKernel.h"

#include "qfx/Kernels/QuantizedKernels.h"
#include <optional>

namespace qfx::exec {

/// Convolution or linear layer; the implementation is chosen at prepare.
/// \p int8In / \p int8Out: the input / output slot holds int8 (each byte
/// the uint8 value xor 0x80, see ConvKernel::setInt8Io); kernels that do
/// not take int8 get it shifted around them. An int8 input slot must be a
/// plan buffer (it has the slack XNNPACK reads past the end).
std::unique_ptr<Kernel> createQConvKernel(int input, int output,
                                          kern::ConvDesc desc,
                                          kern::ImplChoice choice,
                                          bool int8In = false,
                                          bool int8Out = false);
/// 3-d convolution on NCDHW slots (converted to NDHWC around the kernel).
std::unique_ptr<Kernel> createQConv3dKernel(int input, int output,
                                            kern::Conv3dDesc desc,
                                            kern::ImplChoice choice);
/// 2-d transposed convolution on NHWC slots.
std::unique_ptr<Kernel> createQConvTransposeKernel(int input, int output,
                                                   kern::ConvTransposeDesc desc,
                                                   kern::ImplChoice choice);
/// Dynamic linear on float slots ([..., K] -> [..., N], m = the leading
/// dims' product): qparams chosen per run (ATen's ChooseQuantizationParams,
/// [0, 127] with \p reduceRange), exact int8 product, float epilogue.
std::unique_ptr<Kernel> createQDynamicLinearKernel(int input, int output,
                                                   kern::DynamicLinearDesc desc,
                                                   bool reduceRange,
                                                   kern::ImplChoice choice);
/// Slots and weights of a dynamic LSTM (docs/kernels.md, "Dynamic LSTM").
struct QDynamicLSTMParams {
  int input = -1;
  /// h0 and c0 ([L*D, B, H]), or -1 for zeros.
  int h0 = -1, c0 = -1;
  int output = -1, hn = -1, cn = -1;
  int64_t hiddenSize = 0, numLayers = 1;
  bool batchFirst = false, bidirectional = false, reduceRange = false;
  /// (w_ih, w_hh) per layer and direction in PyTorch's flat order, each
  /// with its bias; `m` is set by the kernel (T * B for w_ih, B for w_hh).
  std::vector<kern::DynamicLinearDesc> weights;
  /// For the gate products (tests force Reference).
  kern::ImplChoice choice = kern::ImplChoice::Auto;
};
std::unique_ptr<Kernel> createQDynamicLSTMKernel(QDynamicLSTMParams params);
/// Slots of a packed-table embedding bag (offsets, per-sample weights: -1
/// when absent).
struct QEmbeddingBagParams {
  int indices = -1, offsets = -1, perSampleWeights = -1, output = -1;
  kern::EmbeddingBagMode mode = kern::EmbeddingBagMode::Sum;
  bool includeLastOffset = false;
  std::optional<int64_t> paddingIdx;
};
std::unique_ptr<Kernel> createQEmbeddingBagKernel(QEmbeddingBagParams params,
                                                  kern::PackedEmbedding table);
std::unique_ptr<Kernel> createQAddKernel(int lhs, int rhs, int output,
                                         kern::QParams pl, kern::QParams pr,
                                         kern::QParams po, bool relu);
std::unique_ptr<Kernel> createQMulKernel(int lhs, int rhs, int output,
                                         kern::QParams pl, kern::QParams pr,
                                         kern::QParams po, bool relu);
/// Integer clamp (qparams unchanged).
std::unique_ptr<Kernel> createQClampKernel(int input, int output, int32_t lo,
                                           int32_t hi);
/// q(softmax(dq(x))) along \p dim of the (logical) input shape.
std::unique_ptr<Kernel> createQSoftmaxKernel(int input, int output, int64_t dim,
                                             kern::QParams pi,
                                             kern::QParams po);
enum class QPoolKind : uint8_t { Max, Avg, AdaptiveAvg };
/// NHWC pooling; sizes other than the window come from the slots.
std::unique_ptr<Kernel> createQPoolKernel(QPoolKind kind, int input,
                                          int output, kern::PoolDesc desc,
                                          kern::QParams pi, kern::QParams po);
std::unique_ptr<Kernel> createQUnaryKernel(int input, int output,
                                           kern::UnaryFn fn, kern::QParams pi,
                                           kern::QParams po);
std::unique_ptr<Kernel> createQCatKernel(std::vector<int> inputs, int output,
                                         int64_t dim,
                                         std::vector<kern::QParams> pis,
                                         kern::QParams po);
/// Eval batch norm along physical dim \p channelDim (sizes from the slot).
std::unique_ptr<Kernel> createQBatchNormKernel(int input, int output,
                                               kern::BatchNormDesc desc,
                                               int64_t channelDim);
/// Layer norm over the trailing \p normalizedDims dims.
std::unique_ptr<Kernel> createQLayerNormKernel(int input, int output,
                                               kern::LayerNormDesc desc,
                                               int64_t normalizedDims);
/// NCHW <-> NHWC of a rank-4 one-byte tensor.
std::unique_ptr<Kernel> createLayoutKernel(int input, int output, bool toNhwc);

} // namespace qfx::exec

#endif // QFX_EXECUTOR_QUANTIZEDOPS_H
