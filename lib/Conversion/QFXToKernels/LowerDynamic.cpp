//===- LowerDynamic.cpp - Dynamic linear to qfxk.dynamic_linear -----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The reference dynamic pattern (docs/convert.md, "Dynamic quantization"):
//
//   %q = qfx.quantize_dynamic %x reduce_range = R -> !quant.any<u8:f32>
//   %d = qfx.dequantize %q
//   %y = qfx.linear %d, dq(q(@weight)), @bias      (or a qfx.fused
//                                                    linear + relu)
//
// becomes `qfxk.dynamic_linear %x` with the weight quantized at compile
// time. The kernel chooses the input's qparams itself on each run, exactly
// as quantize_dynamic does, so the pattern's float input is all it needs.
// The convention is the same for every backend (fbgemm's float bias after
// scaling, which PyTorch's qnnpack dynamic linear shares).
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "qfx/Runtime/Quantize.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace qfx;
namespace qk = qfx::kernels;
using namespace qfx::lowering;

namespace {

/// The dynamically quantized input of a reference pattern, if it is one.
QuantizeDynamicOp dynamicInput(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  return dq ? dq.getInput().getDefiningOp<QuantizeDynamicOp>()
            : QuantizeDynamicOp();
}

struct LowerDynamicLinear : RewritePattern, Recorder {
  LowerDynamicLinear(MLIRContext *ctx, LowerFailures *f)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), Recorder{f} {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rw) const override {
    // A bare linear, or a fused linear (+ relu) whose body is that.
    LinearOp lin;
    bool relu = false;
    Value input;
    if (auto l = dyn_cast<LinearOp>(op)) {
      if (isa<FusedOp>(op->getParentOp()))
        return failure(); // the enclosing qfx.fused is the pattern
      lin = l;
      input = l.getInput();
    } else if (auto fused = dyn_cast<FusedOp>(op)) {
      if (fused.getNumResults() != 1)
        return failure();
      Block &body = fused.getBody().front();
      Value v = cast<YieldOp>(body.getTerminator()).getValues()[0];
      if (auto r = v.getDefiningOp<ReluOp>()) {
        relu = true;
        v = r.getInput();
      }
      lin = v.getDefiningOp<LinearOp>();
      if (!lin)
        return failure();
      auto arg = dyn_cast<BlockArgument>(lin.getInput());
      if (!arg || arg.getOwner() != &body)
        return failure();
      input = fused.getOperand(arg.getArgNumber());
    } else {
      return failure();
    }
    QuantizeDynamicOp qd = dynamicInput(input);
    if (!qd)
      return failure(); // static or float: not this pattern's family
    auto st = dyn_cast<quant::QuantizedType>(
        cast<ShapedType>(qd.getType()).getElementType());
    if (!st || st.isSigned() || st.getStorageTypeIntegralWidth() != 8)
      return fail(rw, op,
                  "dynamic linear kernels take quint8 dynamic activations "
                  "(qint8 and float16 dynamic quantization stay reference)");
    auto inT = cast<RankedTensorType>(qd.getInput().getType());
    if (inT.getRank() < 2 || !inT.hasStaticShape())
      return fail(rw, op,
                  "dynamic linear kernels take static inputs of rank >= 2");

    // Weight: dq(q(get_attr)), symmetric int8; bias: get_attr or none.
    auto wdq = lin.getWeight().getDefiningOp<DequantizeOp>();
    auto wq = wdq ? wdq.getInput().getDefiningOp<QuantizeOp>() : QuantizeOp();
    auto wget = wq ? wq.getInput().getDefiningOp<GetAttrOp>() : GetAttrOp();
    if (!wget)
      return fail(rw, op,
                  "the weight is not a quantize -> dequantize of a parameter");
    GetAttrOp bget;
    if (lin.getBias()) {
      bget = lin.getBias().getDefiningOp<GetAttrOp>();
      if (!bget)
        return fail(rw, op, "the bias is not a parameter");
    }
    auto wType = cast<RankedTensorType>(wq.getType());
    auto qet = cast<quant::QuantizedType>(wType.getElementType());
    if (!qet.isSigned() || qet.getStorageTypeIntegralWidth() != 8)
      return fail(rw, op, "the weight is not qint8");
    int64_t oc = wType.getDimSize(0), ic = wType.getDimSize(1);
    std::vector<float> scales(oc);
    if (auto pa = dyn_cast<quant::UniformQuantizedPerAxisType>(qet)) {
      if (pa.getQuantizedDimension() != 0 ||
          llvm::any_of(pa.getZeroPoints(), [](int64_t z) { return z != 0; }))
        return fail(rw, op,
                    "per-channel weights must be symmetric along axis 0");
      for (int64_t c = 0; c < oc; ++c)
        scales[c] = static_cast<float>(pa.getScales()[c]);
    } else if (auto u = dyn_cast<UQ>(qet)) {
      if (u.getZeroPoint() != 0)
        return fail(
            rw, op,
            "the weight zero point is not 0 (affine weights have no kernel)");
      std::fill(scales.begin(), scales.end(), static_cast<float>(u.getScale()));
    } else {
      return fail(rw, op, "the weight is not uniformly quantized");
    }
    auto wData = readFloats(wget, wget.getNameAttr());
    if (failed(wData))
      return fail(rw, op, "the weight parameter has no float32 data");
    std::vector<float> bias;
    if (bget) {
      auto b = readFloats(bget, bget.getNameAttr());
      if (failed(b) || static_cast<int64_t>(b->size()) != oc)
        return fail(rw, op, "the bias parameter has no float32 data");
      bias = *b;
    }

    // The weight as the reference model quantizes it (ATen's quantize_val).
    std::vector<int8_t> wInt(oc * ic);
    for (int64_t c = 0; c < oc; ++c)
      for (int64_t i = 0; i < ic; ++i)
        wInt[c * ic + i] = static_cast<int8_t>(rt::quantizeValue(
            (*wData)[c * ic + i], scales[c], 0, qet.getStorageTypeMin(),
            qet.getStorageTypeMax()));
    MLIRContext *ctx = rw.getContext();
    auto module = op->getParentOfType<ModuleOp>();
    std::string name = wget.getName().str() + ".packed";
    for (int i = 1; SymbolTable::lookupSymbolIn(module, name); ++i)
      name = wget.getName().str() + ".packed" + std::to_string(i);
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPointToStart(module.getBody());
      ElementsAttr biasAttr;
      if (bget)
        biasAttr = DenseElementsAttr::get(
            RankedTensorType::get({oc}, Float32Type::get(ctx)),
            ArrayRef<float>(bias));
      qk::PackedWeightOp::create(
          rw, wget.getLoc(), rw.getStringAttr(name), wget.getNameAttr(),
          TypeAttr::get(wType),
          DenseElementsAttr::get(
              RankedTensorType::get(wType.getShape(), IntegerType::get(ctx, 8)),
              ArrayRef<int8_t>(wInt)),
          biasAttr);
    }
    auto y = qk::DynamicLinearOp::create(
        rw, op->getLoc(), op->getResult(0).getType(), qd.getInput(),
        FlatSymbolRefAttr::get(ctx, name), rw.getBoolAttr(qd.getReduceRange()),
        rw.getBoolAttr(relu));
    rw.replaceOp(op, y.getResult());
    succeeded(op);
    return success();
  }
};

} // namespace

void qfx::lowering::populateDynamicPatterns(RewritePatternSet &patterns,
                                            LowerFailures *failures) {
  patterns.add<LowerDynamicLinear>(patterns.getContext(), failures);
}
