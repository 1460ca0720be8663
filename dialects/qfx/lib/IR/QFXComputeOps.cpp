//===- QFXComputeOps.cpp - verifiers of the typed float ops ---------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Shape checks follow PyTorch's own argument checks; a dynamic size is
// accepted wherever a static one would be checked.
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "qfx/Dialect/QFX/QFXOps.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::verify;

static RankedTensorType rankedType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Checks a per-channel operand (bias, norm weight, running stats): 1-d with
/// `channels` elements.
static LogicalResult checkChannelVector(Operation *op, Value v, StringRef name,
                                        int64_t channels) {
  if (!v)
    return success();
  RankedTensorType type = rankedType(v);
  if (type.getRank() != 1)
    return op->emitOpError() << name << " must be 1-d, got " << type;
  if (staticMismatch(type.getDimSize(0), channels))
    return op->emitOpError()
           << name << " has " << type.getDimSize(0)
           << " elements but there are " << channels << " channels";
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution and linear
//===----------------------------------------------------------------------===//

/// Common checks of conv and conv_transpose; returns the spatial rank.
static FailureOr<size_t>
verifyConvCommon(Operation *op, Value input, Value weight, Value result,
                 ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
                 ArrayRef<int64_t> dilation, int64_t groups) {
  size_t n = stride.size();
  if (n < 1 || n > 3)
    return op->emitOpError() << "supports 1, 2 or 3 spatial dims, got " << n;
  if (failed(checkSpatialArray(op, "stride", stride, n, 0)) ||
      failed(checkSpatialArray(op, "padding", padding, n, -1)) ||
      failed(checkSpatialArray(op, "dilation", dilation, n, 0)))
    return failure();
  if (groups < 1)
    return op->emitOpError() << "groups must be >= 1, got " << groups;
  for (Value v : {input, weight, result})
    if (rankedType(v).getRank() != static_cast<int64_t>(n) + 2)
      return op->emitOpError()
             << "expects rank " << n + 2 << " input, weight and result for "
             << n << " spatial dims, got " << v.getType();
  return n;
}

LogicalResult ConvOp::verify() {
  FailureOr<size_t> n =
      verifyConvCommon(*this, getInput(), getWeight(), getResult(), getStride(),
                       getPadding(), getDilation(), getGroups());
  if (failed(n))
    return failure();
  RankedTensorType in = rankedType(getInput()), w = rankedType(getWeight()),
                   out = getResult().getType();
  int64_t groups = getGroups();
  int64_t outChannels = w.getDimSize(0);
  if (!ShapedType::isDynamic(outChannels) && outChannels % groups != 0)
    return emitOpError() << "out channels " << outChannels
                         << " not divisible by groups " << groups;
  if (!ShapedType::isDynamic(w.getDimSize(1)) &&
      staticMismatch(in.getDimSize(1), w.getDimSize(1) * groups))
    return emitOpError() << "input has " << in.getDimSize(1)
                         << " channels but weight expects "
                         << w.getDimSize(1) * groups;
  if (failed(checkChannelVector(*this, getBias(), "bias", outChannels)))
    return failure();
  if (failed(checkResultDim(*this, out, 0, in.getDimSize(0))) ||
      failed(checkResultDim(*this, out, 1, outChannels)))
    return failure();
  for (size_t i = 0; i < *n; ++i) {
    int64_t k = w.getDimSize(i + 2);
    if (ShapedType::isDynamic(k))
      continue;
    int64_t expected =
        windowOutputSize(in.getDimSize(i + 2), k, getStride()[i],
                         getPadding()[i], getDilation()[i], false);
    if (!ShapedType::isDynamic(expected) && expected < 1)
      return emitOpError() << "kernel is larger than the padded input in "
                              "spatial dim "
                           << i;
    if (failed(checkResultDim(*this, out, i + 2, expected)))
      return failure();
  }
  return success();
}

LogicalResult ConvTransposeOp::verify() {
  FailureOr<size_t> n =
      verifyConvCommon(*this, getInput(), getWeight(), getResult(), getStride(),
                       getPadding(), getDilation(), getGroups());
  if (failed(n))
    return failure();
  if (failed(checkSpatialArray(*this, "output_padding", getOutputPadding(), *n,
                               -1)))
    return failure();
  RankedTensorType in = rankedType(getInput()), w = rankedType(getWeight()),
                   out = getResult().getType();
  if (staticMismatch(in.getDimSize(1), w.getDimSize(0)))
    return emitOpError() << "input has " << in.getDimSize(1)
                         << " channels but weight expects " << w.getDimSize(0);
  int64_t outChannels = ShapedType::isDynamic(w.getDimSize(1))
                            ? ShapedType::kDynamic
                            : w.getDimSize(1) * getGroups();
  if (failed(checkChannelVector(*this, getBias(), "bias", outChannels)) ||
      failed(checkResultDim(*this, out, 1, outChannels)))
    return failure();
  for (size_t i = 0; i < *n; ++i) {
    int64_t inSize = in.getDimSize(i + 2), k = w.getDimSize(i + 2);
    if (ShapedType::isDynamic(inSize) || ShapedType::isDynamic(k))
      continue;
    if (getOutputPadding()[i] >= std::max(getStride()[i], getDilation()[i]))
      return emitOpError() << "output_padding must be smaller than stride or "
                              "dilation";
    int64_t expected = (inSize - 1) * getStride()[i] - 2 * getPadding()[i] +
                       getDilation()[i] * (k - 1) + getOutputPadding()[i] + 1;
    if (failed(checkResultDim(*this, out, i + 2, expected)))
      return failure();
  }
  return success();
}

LogicalResult LinearOp::verify() {
  RankedTensorType in = rankedType(getInput()), w = rankedType(getWeight()),
                   out = getResult().getType();
  if (w.getRank() != 2)
    return emitOpError() << "weight must be 2-d, got " << w;
  if (in.getRank() < 1 || out.getRank() != in.getRank())
    return emitOpError() << "result rank must equal input rank";
  if (staticMismatch(in.getDimSize(in.getRank() - 1), w.getDimSize(1)))
    return emitOpError() << "input features " << in.getDimSize(in.getRank() - 1)
                         << " do not match weight in_features "
                         << w.getDimSize(1);
  if (failed(checkChannelVector(*this, getBias(), "bias", w.getDimSize(0))))
    return failure();
  for (int64_t i = 0; i + 1 < in.getRank(); ++i)
    if (failed(checkResultDim(*this, out, i, in.getDimSize(i))))
      return failure();
  return checkResultDim(*this, out, out.getRank() - 1, w.getDimSize(0));
}

LogicalResult MatmulOp::verify() {
  RankedTensorType a = rankedType(getLhs()), b = rankedType(getRhs());
  if (a.getRank() < 1 || b.getRank() < 1)
    return emitOpError() << "operands must have rank >= 1";
  int64_t k1 = a.getDimSize(a.getRank() - 1);
  int64_t k2 =
      b.getRank() == 1 ? b.getDimSize(0) : b.getDimSize(b.getRank() - 2);
  if (staticMismatch(k1, k2))
    return emitOpError() << "contraction sizes differ: " << k1 << " vs " << k2;
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::verify() {
  RankedTensorType in = rankedType(getInput());
  if (in.getRank() < 2 || in.getRank() > 5)
    return emitOpError() << "expects a 2-d to 5-d input, got " << in;
  if (in != getResult().getType())
    return emitOpError() << "result type must equal input type";
  int64_t c = in.getDimSize(1);
  if (failed(checkChannelVector(*this, getWeight(), "weight", c)) ||
      failed(checkChannelVector(*this, getBias(), "bias", c)) ||
      failed(checkChannelVector(*this, getRunningMean(), "running_mean", c)) ||
      failed(checkChannelVector(*this, getRunningVar(), "running_var", c)))
    return failure();
  if (!getTraining() && (!getRunningMean() || !getRunningVar()))
    return emitOpError() << "eval-mode batch_norm needs running mean and var";
  if (getEps().convertToDouble() <= 0.0)
    return emitOpError() << "eps must be positive";
  return success();
}

LogicalResult LayerNormOp::verify() {
  RankedTensorType in = rankedType(getInput());
  ArrayRef<int64_t> shape = getNormalizedShape();
  if (in != getResult().getType())
    return emitOpError() << "result type must equal input type";
  if (shape.empty() || static_cast<int64_t>(shape.size()) > in.getRank())
    return emitOpError() << "normalized_shape must have 1 to rank dims";
  int64_t offset = in.getRank() - shape.size();
  for (auto [i, size] : llvm::enumerate(shape))
    if (staticMismatch(in.getDimSize(offset + i), size))
      return emitOpError() << "normalized_shape does not match the trailing "
                              "input dims";
  for (Value v : {getWeight(), getBias()})
    if (v && rankedType(v).getShape() != shape)
      return emitOpError() << "weight and bias must have normalized_shape";
  return success();
}

LogicalResult GroupNormOp::verify() {
  RankedTensorType in = rankedType(getInput());
  if (in.getRank() < 2 || in != getResult().getType())
    return emitOpError() << "expects rank >= 2 and result type = input type";
  int64_t c = in.getDimSize(1), groups = getNumGroups();
  if (groups < 1)
    return emitOpError() << "num_groups must be >= 1";
  if (!ShapedType::isDynamic(c) && c % groups != 0)
    return emitOpError() << "channels " << c << " not divisible by num_groups "
                         << groups;
  if (failed(checkChannelVector(*this, getWeight(), "weight", c)) ||
      failed(checkChannelVector(*this, getBias(), "bias", c)))
    return failure();
  return success();
}

LogicalResult InstanceNormOp::verify() {
  RankedTensorType in = rankedType(getInput());
  if (in.getRank() < 2 || in.getRank() > 5 || in != getResult().getType())
    return emitOpError() << "expects a 2-d to 5-d input and equal result type";
  int64_t c = in.getDimSize(1);
  if (failed(checkChannelVector(*this, getWeight(), "weight", c)) ||
      failed(checkChannelVector(*this, getBias(), "bias", c)) ||
      failed(checkChannelVector(*this, getRunningMean(), "running_mean", c)) ||
      failed(checkChannelVector(*this, getRunningVar(), "running_var", c)))
    return failure();
  if (!getUseInputStats() && (!getRunningMean() || !getRunningVar()))
    return emitOpError() << "without use_input_stats needs running mean and "
                            "var";
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult HardtanhOp::verify() {
  if (getMinVal().convertToDouble() > getMaxVal().convertToDouble())
    return emitOpError() << "min_val must not exceed max_val";
  return success();
}

LogicalResult ClampOp::verify() {
  if (!getMin() && !getMax())
    return emitOpError() << "needs at least one of min and max";
  if (getMin() && getMax() && *getMin() > *getMax())
    return emitOpError() << "min must not exceed max";
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return checkDim(*this, getDim(), getInput().getType().getRank(), "dim");
}

LogicalResult DropoutOp::verify() {
  double p = getP().convertToDouble();
  if (p < 0.0 || p > 1.0)
    return emitOpError() << "dropout probability must be in [0, 1], got " << p;
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling and reductions
//===----------------------------------------------------------------------===//

static LogicalResult verifyPool(Operation *op, RankedTensorType in,
                                RankedTensorType out, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> stride,
                                ArrayRef<int64_t> padding,
                                ArrayRef<int64_t> dilation, bool ceilMode) {
  size_t n = kernel.size();
  if (n < 1 || n > 3)
    return op->emitOpError() << "supports 1, 2 or 3 spatial dims, got " << n;
  if (failed(checkSpatialArray(op, "kernel_size", kernel, n, 0)) ||
      failed(checkSpatialArray(op, "stride", stride, n, 0)) ||
      failed(checkSpatialArray(op, "padding", padding, n, -1)) ||
      failed(checkSpatialArray(op, "dilation", dilation, n, 0)))
    return failure();
  int64_t rank = in.getRank();
  if (rank != static_cast<int64_t>(n) + 1 &&
      rank != static_cast<int64_t>(n) + 2)
    return op->emitOpError() << "expects rank " << n + 1 << " or " << n + 2
                             << " input for " << n << " spatial dims";
  if (out.getRank() != rank)
    return op->emitOpError() << "result rank must equal input rank";
  for (size_t i = 0; i < n; ++i) {
    if (padding[i] * 2 > kernel[i])
      return op->emitOpError() << "padding must be at most half the kernel";
    int64_t d = rank - n + i;
    if (failed(checkResultDim(op, out, d,
                              windowOutputSize(in.getDimSize(d), kernel[i],
                                               stride[i], padding[i],
                                               dilation[i], ceilMode))))
      return failure();
  }
  for (int64_t d = 0; d < rank - static_cast<int64_t>(n); ++d)
    if (failed(checkResultDim(op, out, d, in.getDimSize(d))))
      return failure();
  return success();
}

LogicalResult MaxPoolOp::verify() {
  return verifyPool(*this, getInput().getType(), getResult().getType(),
                    getKernelSize(), getStride(), getPadding(), getDilation(),
                    getCeilMode());
}

LogicalResult AvgPoolOp::verify() {
  SmallVector<int64_t> ones(getKernelSize().size(), 1);
  if (getDivisorOverride() && *getDivisorOverride() == 0)
    return emitOpError() << "divisor_override must be non-zero";
  return verifyPool(*this, getInput().getType(), getResult().getType(),
                    getKernelSize(), getStride(), getPadding(), ones,
                    getCeilMode());
}

LogicalResult AdaptiveAvgPoolOp::verify() {
  ArrayRef<int64_t> size = getOutputSize();
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  int64_t n = size.size();
  if (n < 1 || n > 3 || (in.getRank() != n + 1 && in.getRank() != n + 2))
    return emitOpError() << "output_size must have 1 to 3 entries matching "
                            "the input's spatial dims";
  if (out.getRank() != in.getRank())
    return emitOpError() << "result rank must equal input rank";
  for (int64_t i = 0; i < n; ++i) {
    if (size[i] < 1)
      return emitOpError() << "output_size entries must be >= 1";
    if (failed(checkResultDim(*this, out, in.getRank() - n + i, size[i])))
      return failure();
  }
  return success();
}

LogicalResult MeanOp::verify() {
  int64_t rank = getInput().getType().getRank();
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t d : getDims()) {
    FailureOr<int64_t> dim = checkDim(*this, d, rank, "dim");
    if (failed(dim))
      return failure();
    if (!seen.insert(*dim).second)
      return emitOpError() << "dim " << d << " appears twice";
  }
  int64_t expected = getKeepdim() ? rank : rank - seen.size();
  if (getDims().empty())
    expected = getKeepdim() ? rank : 0;
  if (getResult().getType().getRank() != expected)
    return emitOpError() << "result rank must be " << expected;
  return success();
}
