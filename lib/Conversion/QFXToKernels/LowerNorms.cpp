//===- LowerNorms.cpp - Batch norm / layer norm patterns to qfxk ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `q(batch_norm(dq(x)))` in eval mode (BatchNorm1d/2d/3d; with a relu, bare
// or as the body of a fused BNReLU2d/3d) becomes qfxk.batch_norm with ATen's
// per-channel constants folded at compile time; `q(layer_norm(dq(x)))`
// becomes qfxk.layer_norm. Neither library has these ops quantized: the
// runtime runs qfx's own kernels (lib/Kernels/NormKernels.cpp).
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "qfx/Kernels/NormConstants.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::lowering;
namespace qk = qfx::kernels;

namespace {

/// The normalization op whose result \p q quantizes, looking through a
/// relu and a fused region's body; the op anchoring remarks in \p anchor.
Operation *matchNorm(Operation *producer, bool &relu, Operation *&anchor) {
  anchor = producer;
  relu = false;
  Value v = producer->getResult(0);
  Block *body = nullptr;
  if (auto fused = dyn_cast<FusedOp>(producer)) {
    if (fused.getNumResults() != 1)
      return nullptr;
    body = &fused.getBody().front();
    v = cast<YieldOp>(body->getTerminator()).getValues()[0];
  }
  if (auto r = v.getDefiningOp<ReluOp>()) {
    relu = true;
    v = r.getInput();
  }
  Operation *norm = v.getDefiningOp();
  if (!norm || !isa<BatchNormOp, LayerNormOp>(norm))
    return nullptr;
  if (relu && isa<LayerNormOp>(norm))
    return nullptr; // layer norm + relu is two patterns
  if (!body)
    return norm;
  // Inside a region: the normalized value must be the region's input.
  auto arg = dyn_cast<BlockArgument>(norm->getOperand(0));
  if (!arg || arg.getOwner() != body)
    return nullptr;
  return norm;
}

/// The float input of \p norm as seen from outside a fused region.
Value outerInput(Operation *norm, Operation *anchor) {
  Value in = norm->getOperand(0);
  if (auto arg = dyn_cast<BlockArgument>(in); arg && anchor != norm)
    return anchor->getOperand(arg.getArgNumber());
  return in;
}

/// A float32 parameter operand's values (absent operand: empty).
FailureOr<std::vector<float>> paramValues(Value v) {
  if (!v)
    return std::vector<float>();
  auto get = v.getDefiningOp<GetAttrOp>();
  if (!get)
    return failure();
  return readFloats(get, get.getNameAttr());
}

DenseElementsAttr floats(Builder &b, ArrayRef<float> v) {
  return DenseElementsAttr::get(
      RankedTensorType::get({static_cast<int64_t>(v.size())}, b.getF32Type()),
      v);
}

struct LowerNorm : OpRewritePattern<QuantizeOp>, Recorder {
  LowerNorm(MLIRContext *ctx, LowerFailures *f)
      : OpRewritePattern(ctx), Recorder{f} {}

  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rw) const override {
    Operation *producer = q.getInput().getDefiningOp();
    if (!producer || producer->getNumResults() != 1)
      return failure();
    bool relu;
    Operation *anchor;
    Operation *norm = matchNorm(producer, relu, anchor);
    if (!norm)
      return failure();
    if (!producer->getResult(0).hasOneUse())
      return fail(rw, anchor,
                  "the float result has other users than its quantize");
    Value x = dequantized(outerInput(norm, anchor));
    if (!x || !u8Activation(x.getType()))
      return fail(rw, anchor,
                  "the input is not a dequantized per-tensor quint8 tensor");
    Type resT = q.getType();
    if (!u8Activation(resT))
      return fail(rw, anchor,
                  "the output is not quantized per tensor to quint8");
    if (!cast<ShapedType>(resT).hasStaticShape())
      return fail(rw, anchor, "dynamic shapes have no kernel");
    Location loc = anchor->getLoc();
    Value y;
    if (auto bn = dyn_cast<BatchNormOp>(norm)) {
      if (bn.getTraining())
        return fail(rw, anchor,
                    "batch norm in training mode normalizes with the batch's "
                    "statistics (no kernel)");
      auto w = paramValues(bn.getWeight()), b = paramValues(bn.getBias()),
           mean = paramValues(bn.getRunningMean()),
           var = paramValues(bn.getRunningVar());
      if (failed(w) || failed(b) || failed(mean) || failed(var) ||
          mean->empty() || var->empty())
        return fail(rw, anchor,
                    "the running statistics, weight and bias must be float32 "
                    "parameters");
      int64_t c = cast<ShapedType>(resT).getDimSize(1);
      auto sized = [&](const std::vector<float> &v) {
        return v.empty() || static_cast<int64_t>(v.size()) == c;
      };
      if (static_cast<int64_t>(mean->size()) != c || !sized(*var) ||
          var->empty() || !sized(*w) || !sized(*b))
        return fail(rw, anchor,
                    "a parameter does not have one value per channel");
      std::vector<float> alpha, beta;
      kern::batchNormConstants(*mean, *var, *w, *b,
                               bn.getEps().convertToDouble(), alpha, beta);
      // Channels-last when the input comes from an NHWC kernel.
      bool nhwc = cast<ShapedType>(resT).getRank() == 4 && allNhwc(x);
      Value in = nhwc ? toNhwc(rw, loc, x) : x;
      Type t = nhwc ? Type(nhwcType(resT)) : resT;
      y = qk::BatchNormOp::create(
          rw, loc, t, in, floats(rw, alpha), floats(rw, beta),
          rw.getI64IntegerAttr(nhwc ? 3 : 1), rw.getBoolAttr(relu));
      if (nhwc)
        y = qk::ToNchwOp::create(rw, loc, resT, y);
    } else {
      auto ln = cast<LayerNormOp>(norm);
      auto w = paramValues(ln.getWeight()), b = paramValues(ln.getBias());
      if (failed(w) || failed(b))
        return fail(rw, anchor,
                    "the weight and bias must be float32 parameters");
      int64_t dims = static_cast<int64_t>(ln.getNormalizedShape().size());
      int64_t n = 1;
      for (int64_t d : cast<ShapedType>(resT).getShape().take_back(dims))
        n *= d;
      if ((!w->empty() && static_cast<int64_t>(w->size()) != n) ||
          (!b->empty() && static_cast<int64_t>(b->size()) != n))
        return fail(rw, anchor, "weight / bias do not match normalized_shape");
      y = qk::LayerNormOp::create(
          rw, loc, resT, x, w->empty() ? DenseElementsAttr() : floats(rw, *w),
          b->empty() ? DenseElementsAttr() : floats(rw, *b),
          rw.getI64IntegerAttr(dims), ln.getEpsAttr());
    }
    rw.replaceOp(q, y);
    succeeded(anchor);
    return success();
  }
};

/// bn(to_nchw(v), channel_dim = 1) = to_nchw(bn(v, channel_dim = 3)),
/// whichever pattern ran first, so that chains stay channels-last.
struct BatchNormInNhwc : OpRewritePattern<qk::BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(qk::BatchNormOp bn,
                                PatternRewriter &rw) const override {
    auto back = bn.getInput().getDefiningOp<qk::ToNchwOp>();
    if (!back || bn.getChannelDim() != 1)
      return rw.notifyMatchFailure(bn, "the input is not an NHWC kernel's");
    auto y = qk::BatchNormOp::create(rw, bn.getLoc(), nhwcType(bn.getType()),
                                     back.getInput(), bn.getMultiplierAttr(),
                                     bn.getOffsetAttr(),
                                     rw.getI64IntegerAttr(3), bn.getReluAttr());
    rw.replaceOpWithNewOp<qk::ToNchwOp>(bn, bn.getType(), y);
    return success();
  }
};

} // namespace

void qfx::lowering::populateNormPatterns(RewritePatternSet &patterns,
                                         LowerFailures *failures) {
  patterns.add<LowerNorm>(patterns.getContext(), failures);
  patterns.add<BatchNormInNhwc>(patterns.getContext());
}
