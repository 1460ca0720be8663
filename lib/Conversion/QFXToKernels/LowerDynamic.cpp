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
// The decomposed spelling (`--qfx-convert="decomposed=true"`) computes the
// same integers: choose_qparams -> quantize_affine -> dequantize_affine on
// the input, quantize_affine -> dequantize_affine with attribute qparams on
// the weight. Both spellings are matched here.
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

std::optional<DynamicInput> qfx::lowering::matchDynamicInput(Value v) {
  if (auto dq = v.getDefiningOp<DequantizeOp>()) {
    auto qd = dq.getInput().getDefiningOp<QuantizeDynamicOp>();
    if (!qd)
      return std::nullopt;
    DynamicInput in{qd.getInput(), qd.getReduceRange(), ""};
    auto st = dyn_cast<quant::QuantizedType>(
        cast<ShapedType>(qd.getType()).getElementType());
    if (!st || st.isSigned() || st.getStorageTypeIntegralWidth() != 8)
      in.unsupported = "take quint8 dynamic activations (qint8 and float16 "
                       "dynamic quantization stay reference)";
    return in;
  }
  // Decomposed: dequantize_affine(quantize_affine(x, qp), qp) with
  // qp = choose_qparams(x), all over the quint8 range.
  auto dqa = v.getDefiningOp<DequantizeAffineOp>();
  auto qa = dqa ? dqa.getInput().getDefiningOp<QuantizeAffineOp>()
                : QuantizeAffineOp();
  auto cq = qa && qa.getQparams()
                ? qa.getQparams().getDefiningOp<ChooseQParamsOp>()
                : ChooseQParamsOp();
  if (!cq || dqa.getQparams() != qa.getQparams() ||
      cq.getInput() != qa.getInput())
    return std::nullopt;
  DynamicInput in{qa.getInput(), cq.getReduceRange(), ""};
  auto range = [](auto op) {
    return op.getQuantMin() == 0 && op.getQuantMax() == 255;
  };
  auto et = cast<ShapedType>(qa.getType()).getElementType();
  if (!range(cq) || !range(qa) || !range(dqa) || !et.isUnsignedInteger(8))
    in.unsupported = "take quint8 dynamic activations over [0, 255] (other "
                     "decomposed ranges stay reference)";
  return in;
}

namespace {

/// A symmetric int8 weight, quantized per tensor or per output channel, of
/// a float32 parameter, in either spelling.
struct QuantizedWeight {
  GetAttrOp get;
  RankedTensorType type; ///< The float weight with its !quant element type.
  std::vector<float> scales;
  int64_t qmin = -128, qmax = 127;
};

LogicalResult fromQuantType(RankedTensorType type, QuantizedWeight &w,
                            std::string &why) {
  auto qet = dyn_cast<quant::QuantizedType>(type.getElementType());
  if (!qet || !qet.isSigned() || qet.getStorageTypeIntegralWidth() != 8) {
    why = "the weight is not qint8";
    return failure();
  }
  int64_t oc = type.getDimSize(0);
  w.scales.assign(oc, 0.0f);
  if (auto pa = dyn_cast<quant::UniformQuantizedPerAxisType>(qet)) {
    if (pa.getQuantizedDimension() != 0 ||
        llvm::any_of(pa.getZeroPoints(), [](int64_t z) { return z != 0; })) {
      why = "per-channel weights must be symmetric along axis 0";
      return failure();
    }
    for (int64_t c = 0; c < oc; ++c)
      w.scales[c] = static_cast<float>(pa.getScales()[c]);
  } else if (auto u = dyn_cast<UQ>(qet)) {
    if (u.getZeroPoint() != 0) {
      why = "the weight zero point is not 0 (affine weights have no kernel)";
      return failure();
    }
    std::fill(w.scales.begin(), w.scales.end(),
              static_cast<float>(u.getScale()));
  } else {
    why = "the weight is not uniformly quantized";
    return failure();
  }
  w.type = type;
  w.qmin = qet.getStorageTypeMin();
  w.qmax = qet.getStorageTypeMax();
  return success();
}

/// The decomposed weight pair: its attribute qparams as a !quant type.
LogicalResult fromAffine(QuantizeAffineOp q, DequantizeAffineOp dq,
                         QuantizedWeight &w, std::string &why) {
  auto scales = q.getScales();
  auto zps = q.getZeroPoints();
  if (!scales || !zps || q.getQparams() || dq.getScales() != scales ||
      dq.getZeroPoints() != zps || dq.getAxis() != q.getAxis() ||
      dq.getQuantMin() != q.getQuantMin() ||
      dq.getQuantMax() != q.getQuantMax()) {
    why = "the weight's quantize_affine / dequantize_affine qparams differ";
    return failure();
  }
  auto ft = cast<RankedTensorType>(q.getInput().getType());
  if (!cast<ShapedType>(q.getType()).getElementType().isSignlessInteger(8) ||
      q.getQuantMin() < -128 || q.getQuantMax() > 127) {
    why = "the weight is not qint8";
    return failure();
  }
  if (llvm::any_of(*zps, [](int64_t z) { return z != 0; })) {
    why = "the weight zero point is not 0 (affine weights have no kernel)";
    return failure();
  }
  MLIRContext *ctx = q.getContext();
  auto i8 = IntegerType::get(ctx, 8);
  auto f32 = Float32Type::get(ctx);
  Type qet;
  if (q.getAxis()) {
    if (*q.getAxis() != 0) {
      why = "per-channel weights must be symmetric along axis 0";
      return failure();
    }
    SmallVector<double> s(scales->begin(), scales->end());
    SmallVector<int64_t> z(zps->begin(), zps->end());
    qet = quant::UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, i8, f32, s, z, 0, q.getQuantMin(),
        q.getQuantMax());
  } else {
    qet = quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed, i8,
                                           f32, (*scales)[0], 0,
                                           q.getQuantMin(), q.getQuantMax());
  }
  return fromQuantType(RankedTensorType::get(ft.getShape(), qet), w, why);
}

FailureOr<QuantizedWeight> matchWeight(Value v, std::string &why) {
  QuantizedWeight w;
  Value source;
  if (auto dq = v.getDefiningOp<DequantizeOp>()) {
    auto q = dq.getInput().getDefiningOp<QuantizeOp>();
    if (q) {
      if (failed(fromQuantType(cast<RankedTensorType>(q.getType()), w, why)))
        return failure();
      source = q.getInput();
    }
  } else if (auto dqa = v.getDefiningOp<DequantizeAffineOp>()) {
    auto qa = dqa.getInput().getDefiningOp<QuantizeAffineOp>();
    if (qa) {
      if (failed(fromAffine(qa, dqa, w, why)))
        return failure();
      source = qa.getInput();
    }
  }
  w.get = source ? source.getDefiningOp<GetAttrOp>() : GetAttrOp();
  if (!w.get || w.type.getRank() != 2) {
    why = "the weight is not a quantize -> dequantize of a 2-d parameter";
    return failure();
  }
  return w;
}

/// An existing qfxk.packed_weight holding exactly this data, if any.
bool samePacked(qk::PackedWeightOp p, FlatSymbolRefAttr source, Type type,
                Attribute weight, Attribute bias) {
  return p.getSourceAttr() == source && p.getType() == type &&
         p.getWeight() == weight && p.getBiasAttr() == bias;
}

} // namespace

FailureOr<FlatSymbolRefAttr>
qfx::lowering::packDynamicWeight(PatternRewriter &rw, Value weight, Value bias,
                                 std::string &why, bool create) {
  FailureOr<QuantizedWeight> w = matchWeight(weight, why);
  if (failed(w))
    return failure();
  int64_t oc = w->type.getDimSize(0), ic = w->type.getDimSize(1);
  GetAttrOp bget;
  if (bias) {
    bget = bias.getDefiningOp<GetAttrOp>();
    if (!bget) {
      why = "the bias is not a parameter";
      return failure();
    }
  }
  auto wData = readFloats(w->get, w->get.getNameAttr());
  if (failed(wData) || static_cast<int64_t>(wData->size()) != oc * ic) {
    why = "the weight parameter has no float32 data";
    return failure();
  }
  std::vector<float> biasData;
  if (bget) {
    auto b = readFloats(bget, bget.getNameAttr());
    if (failed(b) || static_cast<int64_t>(b->size()) != oc) {
      why = "the bias parameter has no float32 data";
      return failure();
    }
    biasData = *b;
  }
  if (!create)
    return FlatSymbolRefAttr();
  // The weight as the reference model quantizes it (ATen's quantize_val).
  std::vector<int8_t> wInt(oc * ic);
  for (int64_t c = 0; c < oc; ++c)
    for (int64_t i = 0; i < ic; ++i)
      wInt[c * ic + i] = static_cast<int8_t>(rt::quantizeValue(
          (*wData)[c * ic + i], w->scales[c], 0, w->qmin, w->qmax));
  MLIRContext *ctx = rw.getContext();
  auto weightAttr = DenseElementsAttr::get(
      RankedTensorType::get(w->type.getShape(), IntegerType::get(ctx, 8)),
      ArrayRef<int8_t>(wInt));
  ElementsAttr biasAttr;
  if (bget)
    biasAttr = DenseElementsAttr::get(
        RankedTensorType::get({oc}, Float32Type::get(ctx)),
        ArrayRef<float>(biasData));
  // One packed weight per distinct (weight, bias): a module called twice,
  // or the two calls of one LSTM, share it.
  auto module = w->get->getParentOfType<ModuleOp>();
  StringRef base = w->get.getName();
  std::string name = base.str() + ".packed";
  for (int i = 1;; ++i) {
    Operation *existing = SymbolTable::lookupSymbolIn(module, name);
    if (!existing)
      break;
    auto p = dyn_cast<qk::PackedWeightOp>(existing);
    if (p && samePacked(p, w->get.getNameAttr(), w->type, weightAttr, biasAttr))
      return FlatSymbolRefAttr::get(ctx, name);
    name = base.str() + ".packed" + std::to_string(i);
  }
  OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPointToStart(module.getBody());
  qk::PackedWeightOp::create(rw, w->get.getLoc(), rw.getStringAttr(name),
                             w->get.getNameAttr(), TypeAttr::get(w->type),
                             weightAttr, biasAttr);
  return FlatSymbolRefAttr::get(ctx, name);
}

namespace {

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
    std::optional<DynamicInput> in = matchDynamicInput(input);
    if (!in)
      return failure(); // static or float: not this pattern's family
    if (!in->unsupported.empty())
      return fail(rw, op, "dynamic linear kernels " + in->unsupported);
    auto inT = cast<RankedTensorType>(in->input.getType());
    if (inT.getRank() < 2 || !inT.hasStaticShape())
      return fail(rw, op,
                  "dynamic linear kernels take static inputs of rank >= 2");
    std::string why;
    FailureOr<FlatSymbolRefAttr> packed =
        packDynamicWeight(rw, lin.getWeight(), lin.getBias(), why);
    if (failed(packed))
      return fail(rw, op, why);
    auto y = qk::DynamicLinearOp::create(
        rw, op->getLoc(), op->getResult(0).getType(), in->input, *packed,
        rw.getBoolAttr(in->reduceRange), rw.getBoolAttr(relu));
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
