//===- QatBatchNorm.cpp - nniqat.ConvBn / LinearBn forward as qfx ops -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// prepare_qat_fx swaps a fused Conv+BN (+ReLU) or Linear+BN for
// torch.ao.nn.intrinsic.qat's ConvBn{1,2,3}d / ConvBnReLU{1,2,3}d /
// LinearBn1d, whose forward (`_forward_approximate`) is not "fake-quantize
// the weight, conv, batch norm" but
//
//   scale  = bn.weight / sqrt(bn.running_var + bn.eps)
//   y      = conv(x, weight_fake_quant(weight * scale[:, None, ...]), 0)
//   y      = y / scale[None, :, None, ...] (+ conv.bias[None, :, None, ...])
//   y      = bn(y)
//
// so that the fake-quantized weight is the BN-folded one that convert will
// quantize. This rewrites the QAT body --qfx-prepare produced into exactly
// those ops, in PyTorch's float32 order, so that qfx-run calibrates (and
// trains the BN statistics of) a QAT-prepared model as PyTorch does.
// --qfx-convert folds the batch norm back (ConvertQatBatchNorm.cpp).
//
//===----------------------------------------------------------------------===//

#include "QatBatchNorm.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace qfx;

namespace {
/// The ops of one QAT Conv/Linear + BN body.
struct QatBnBody {
  Operation *root; // qfx.conv or qfx.linear
  FakeQuantizeOp weightFakeQuant;
  BatchNormOp bn;
};
} // namespace

/// Matches `fake_quantize(get_attr) -> conv|linear -> batch_norm` where the
/// batch norm is the root's only user and has running statistics and an
/// affine weight (prepare_qat_fx's fusers require both).
static std::optional<QatBnBody> matchBody(FusedOp fused) {
  for (Operation &op : fused.getBody().front()) {
    if (!isa<ConvOp, LinearOp>(op))
      continue;
    auto fq = op.getOperand(1).getDefiningOp<FakeQuantizeOp>();
    if (!fq || !fq.getInput().getDefiningOp<GetAttrOp>() ||
        !op.getResult(0).hasOneUse())
      return std::nullopt;
    auto bn = dyn_cast<BatchNormOp>(*op.getResult(0).getUsers().begin());
    if (!bn || bn.getInput() != op.getResult(0) || !bn.getWeight() ||
        !bn.getRunningVar() || !bn.getRunningMean())
      return std::nullopt;
    return QatBnBody{&op, fq, bn};
  }
  return std::nullopt;
}

/// `v` (of `channels` elements) reshaped to rank `rank` with its elements on
/// dim `dim`.
static Value channelView(OpBuilder &b, Location loc, Value v, int64_t rank,
                         int64_t dim, int64_t channels) {
  SmallVector<int64_t> shape(rank, 1);
  shape[dim] = channels;
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(v.getType()).getElementType());
  return ReshapeOp::create(b, loc, type, v, b.getDenseI64ArrayAttr(shape));
}

static void rewriteBody(QatBnBody m) {
  BatchNormOp bn = m.bn;
  Location loc = bn.getLoc();
  OpBuilder b(m.weightFakeQuant);
  // The statistics are read before the weight is scaled.
  for (Value v : {bn.getWeight(), bn.getRunningVar()})
    if (Operation *def = v.getDefiningOp();
        def && def->getBlock() == m.weightFakeQuant->getBlock() &&
        m.weightFakeQuant->isBeforeInBlock(def))
      def->moveBefore(m.weightFakeQuant);

  auto statType = cast<RankedTensorType>(bn.getRunningVar().getType());
  int64_t channels = statType.getDimSize(0);
  auto scalarType = RankedTensorType::get({}, statType.getElementType());
  // running_var + eps: a Python float added to a float32 tensor.
  Value eps = ConstantOp::create(
      b, loc, scalarType, /*scalar=*/b.getUnitAttr(),
      DenseElementsAttr::get(scalarType,
                             b.getFloatAttr(statType.getElementType(),
                                            bn.getEps().convertToDouble())));
  Value varEps = AddOp::create(b, loc, statType, bn.getRunningVar(), eps);
  Value std = SqrtOp::create(b, loc, varEps);
  Value scale = DivOp::create(b, loc, statType, bn.getWeight(), std);

  Value weight = m.weightFakeQuant.getInput();
  auto weightType = cast<RankedTensorType>(weight.getType());
  Value scaled = MulOp::create(
      b, loc, weightType, weight,
      channelView(b, loc, scale, weightType.getRank(), 0, channels));
  m.weightFakeQuant.getInputMutable().assign(scaled);

  // The root runs with a zero bias; its own bias is added after the
  // division, as PyTorch does.
  Operation *root = m.root;
  b.setInsertionPoint(root);
  Value bias = root->getNumOperands() > 2 ? root->getOperand(2) : Value();
  Value zero = ConstantOp::create(
      b, loc, statType, UnitAttr(),
      DenseElementsAttr::get(statType,
                             b.getFloatAttr(statType.getElementType(), 0.0)));
  if (bias)
    root->setOperand(2, zero);
  else
    root->insertOperands(2, zero);

  b.setInsertionPoint(bn);
  Value out = root->getResult(0);
  auto outType = cast<RankedTensorType>(out.getType());
  Value unscaled =
      DivOp::create(b, loc, outType, out,
                    channelView(b, loc, scale, outType.getRank(), 1, channels));
  if (bias)
    unscaled = AddOp::create(
        b, loc, outType, unscaled,
        channelView(b, loc, bias, outType.getRank(), 1, channels));
  bn.getInputMutable().assign(unscaled);
}

void qfx::scaleQatBatchNormWeights(func::FuncOp func) {
  SmallVector<QatBnBody> bodies;
  func.walk([&](FusedOp fused) {
    if (auto m = matchBody(fused))
      bodies.push_back(*m);
  });
  for (const QatBnBody &m : bodies)
    rewriteBody(m);
}
