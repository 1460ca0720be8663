//===- LowerActivations.cpp - Activation reference patterns to qfxk -------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// `q(f(dq(x)))` for the activation functions of real models:
//  * ReLU, ReLU6 / hardtanh and clamp share their input's qparams in
//    PyTorch's BackendConfigs; quantization is monotonic, so the pattern is
//    an integer clamp (qfxk.clamp), which folds into the convolution or
//    linear layer producing its input (their output clamp).
//  * sigmoid, tanh, hardsigmoid: 256-entry tables (qfxk.unary).
//  * softmax: qfxk.softmax.
//  * dropout (eval), identity, contiguous: the quantized input itself, or
//    a requantization table when their output has its own qparams.
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "qfx/Runtime/Quantize.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace qfx;
using namespace qfx::lowering;
namespace qk = qfx::kernels;

namespace {

/// The float bounds of a clamping op, or nullopt if \p op is none.
std::optional<std::pair<float, float>> clampBounds(Operation *op) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  if (isa<ReluOp>(op))
    return std::make_pair(0.0f, inf);
  if (auto h = dyn_cast<HardtanhOp>(op))
    return std::make_pair(static_cast<float>(h.getMinVal().convertToDouble()),
                          static_cast<float>(h.getMaxVal().convertToDouble()));
  if (auto c = dyn_cast<ClampOp>(op))
    return std::make_pair(
        c.getMin() ? static_cast<float>(c.getMin()->convertToDouble()) : -inf,
        c.getMax() ? static_cast<float>(c.getMax()->convertToDouble()) : inf);
  return std::nullopt;
}

/// The integer bounds [lo, hi] with q(clamp(dq(x), a, b)) == clamp(x, lo, hi)
/// for every code x of \p t, checked code by code with the runtime's
/// PyTorch-exact quantize / dequantize.
std::optional<std::pair<int64_t, int64_t>> integerClamp(UQ t, float a,
                                                        float b) {
  const float s = static_cast<float>(t.getScale());
  const int64_t zp = t.getZeroPoint(), qmin = t.getStorageTypeMin(),
                qmax = t.getStorageTypeMax();
  auto ref = [&](int64_t x) {
    float f = rt::dequantizeValue(x, s, zp);
    return rt::quantizeValue(std::min(std::max(f, a), b), s, zp, qmin, qmax);
  };
  int64_t lo = ref(qmin), hi = ref(qmax);
  for (int64_t x = qmin; x <= qmax; ++x)
    if (ref(x) != std::clamp(x, lo, hi))
      return std::nullopt;
  return std::make_pair(lo, hi);
}

struct LowerActivation : OpRewritePattern<QuantizeOp>, Recorder {
  LowerActivation(MLIRContext *ctx, LowerFailures *f)
      : OpRewritePattern(ctx), Recorder{f} {}

  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rw) const override {
    Operation *op = q.getInput().getDefiningOp();
    if (!op || op->getNumOperands() != 1 ||
        !isa<ReluOp, HardtanhOp, ClampOp, SigmoidOp, TanhOp, HardsigmoidOp,
             SoftmaxOp, DropoutOp, IdentityOp, ContiguousOp>(op))
      return failure();
    Value x = dequantized(op->getOperand(0));
    // relu(conv), relu(add) etc. are the weighted/elementwise patterns'.
    if (!x && isa<ReluOp>(op))
      return failure();
    if (!x || !u8Activation(x.getType()))
      return fail(rw, op,
                  "the input is not a dequantized per-tensor quint8 tensor");
    UQ inT = u8Activation(x.getType()), outT = u8Activation(q.getType());
    if (!outT)
      return fail(rw, op, "the output is not quantized per tensor to quint8");
    if (!op->getResult(0).hasOneUse())
      return fail(rw, op, "the float result has other users than its quantize");
    Location loc = op->getLoc();
    Type resT = q.getType();

    if (auto d = dyn_cast<DropoutOp>(op); d && d.getTraining())
      return fail(rw, op, "dropout in training mode has no kernel");
    if (isa<DropoutOp, IdentityOp, ContiguousOp>(op) && inT == outT) {
      rw.replaceOp(q, x);
      succeeded(op);
      return success();
    }
    if (auto sm = dyn_cast<SoftmaxOp>(op)) {
      int64_t rank = cast<ShapedType>(resT).getRank();
      int64_t dim = static_cast<int64_t>(sm.getDim());
      if (dim < 0)
        dim += rank;
      auto y =
          qk::SoftmaxOp::create(rw, loc, resT, x, rw.getI64IntegerAttr(dim));
      rw.replaceOp(q, y);
      succeeded(op);
      return success();
    }

    // Elementwise: run in the input's layout.
    bool nhwc = cast<ShapedType>(resT).getRank() == 4 && allNhwc(x);
    Value in = nhwc ? toNhwc(rw, loc, x) : x;
    Type t = nhwc ? Type(nhwcType(resT)) : resT;
    Value y;
    if (auto bounds = clampBounds(op)) {
      if (inT != outT)
        return fail(rw, op,
                    "a clamp must keep its input's qparams (PyTorch "
                    "shares them)");
      auto ints = integerClamp(inT, bounds->first, bounds->second);
      if (!ints)
        return fail(rw, op,
                    "the clamp is not an integer clamp for these qparams");
      if (ints->first == inT.getStorageTypeMin() &&
          ints->second == inT.getStorageTypeMax()) {
        rw.replaceOp(q, x); // clamps nothing in this range
        succeeded(op);
        return success();
      }
      y = qk::ClampOp::create(rw, loc, t, in, rw.getI64IntegerAttr(ints->first),
                              rw.getI64IntegerAttr(ints->second));
    } else {
      // An identity observed with its own qparams (dropout in
      // mobilenet_v2's classifier) requantizes through the table.
      qk::UnaryFn fn = isa<SigmoidOp>(op)       ? qk::UnaryFn::sigmoid
                       : isa<TanhOp>(op)        ? qk::UnaryFn::tanh
                       : isa<HardsigmoidOp>(op) ? qk::UnaryFn::hardsigmoid
                                                : qk::UnaryFn::identity;
      y = qk::UnaryOp::create(rw, loc, t, in,
                              qk::UnaryFnAttr::get(rw.getContext(), fn));
    }
    if (nhwc)
      y = qk::ToNchwOp::create(rw, loc, resT, y);
    rw.replaceOp(q, y);
    succeeded(op);
    return success();
  }
};

/// clamp(conv(x)) = conv(x) with the output clamp narrowed, when the clamp
/// keeps the convolution's qparams and is its only user.
struct FoldClampIntoProducer : OpRewritePattern<qk::ClampOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(qk::ClampOp c,
                                PatternRewriter &rw) const override {
    Operation *p = c.getInput().getDefiningOp();
    if (!p || !isa<qk::Conv2dOp, qk::Conv3dOp, qk::LinearOp>(p))
      return rw.notifyMatchFailure(c,
                                   "not produced by conv2d / conv3d / linear");
    if (!p->getResult(0).hasOneUse())
      return rw.notifyMatchFailure(c, "the producer has other users");
    UQ t = u8Activation(c.getType());
    int64_t lo = t.getStorageTypeMin(), hi = t.getStorageTypeMax();
    if (p->getAttrOfType<BoolAttr>("relu").getValue())
      lo = std::max<int64_t>(lo, t.getZeroPoint());
    if (auto old = p->getAttrOfType<DenseI64ArrayAttr>("clamp")) {
      lo = std::max(lo, old[0]);
      hi = std::min(hi, old[1]);
    }
    lo = std::max<int64_t>(lo, c.getLo());
    hi = std::min<int64_t>(hi, c.getHi());
    if (lo > hi)
      return rw.notifyMatchFailure(c, "the clamps do not overlap");
    rw.modifyOpInPlace(p, [&] {
      p->setAttr("clamp", rw.getDenseI64ArrayAttr({lo, hi}));
    });
    rw.replaceOp(c, c.getInput());
    return success();
  }
};

} // namespace

void qfx::lowering::populateActivationPatterns(RewritePatternSet &patterns,
                                               LowerFailures *failures) {
  patterns.add<LowerActivation>(patterns.getContext(), failures);
  patterns.add<FoldClampIntoProducer>(patterns.getContext());
}
