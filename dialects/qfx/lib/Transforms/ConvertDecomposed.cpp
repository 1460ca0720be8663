//===- ConvertDecomposed.cpp - --qfx-convert="decomposed=true" ------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Rewrites the reference model into the decomposed representation (later
// PyTorch's quantized_decomposed ops, docs/convert.md): every `!quant`
// tensor becomes its integer storage tensor and every quantize /
// dequantize carries its qparams explicitly. It runs after the reference
// rewrite, so both forms hold the same graph and the same integers.
//
//===----------------------------------------------------------------------===//

#include "ConvertQParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace qfx;

static bool isQuantized(Type t) {
  auto shaped = dyn_cast<ShapedType>(t);
  return isa<quant::QuantizedType>(shaped ? shaped.getElementType() : t);
}

static bool hasQuantizedTypes(Operation *op) {
  return llvm::any_of(op->getOperandTypes(), isQuantized) ||
         llvm::any_of(op->getResultTypes(), isQuantized);
}

/// Moves FX provenance and other discardable attributes to the new op.
static void copyDiscardableAttrs(Operation *from, Operation *to) {
  for (NamedAttribute a : from->getDiscardableAttrs())
    to->setAttr(a.getName(), a.getValue());
}

namespace {
/// Explicit qparams of a `!quant.uniform` (per-tensor or per-axis) type.
struct AffineQParams {
  SmallVector<float> scales;
  SmallVector<int64_t> zeroPoints;
  std::optional<int64_t> axis;
  int64_t qmin = 0, qmax = 0;
};

FailureOr<AffineQParams> affineQParamsOf(Type tensorType) {
  Type et = cast<ShapedType>(tensorType).getElementType();
  AffineQParams p;
  if (auto u = dyn_cast<quant::UniformQuantizedType>(et)) {
    p.scales.push_back(static_cast<float>(u.getScale()));
    p.zeroPoints.push_back(u.getZeroPoint());
  } else if (auto a = dyn_cast<quant::UniformQuantizedPerAxisType>(et)) {
    for (double s : a.getScales())
      p.scales.push_back(static_cast<float>(s));
    p.zeroPoints.assign(a.getZeroPoints().begin(), a.getZeroPoints().end());
    p.axis = a.getQuantizedDimension();
  } else {
    return failure();
  }
  auto q = cast<quant::QuantizedType>(et);
  p.qmin = q.getStorageTypeMin();
  p.qmax = q.getStorageTypeMax();
  return p;
}

/// `!quant.uniform<u8:...>` -> ui8, `<i8:...>` -> i8, `<i32:...>` -> i32.
class StorageTypeConverter : public TypeConverter {
public:
  StorageTypeConverter() {
    addConversion([](Type t) { return t; });
    addConversion([](RankedTensorType t) -> Type {
      auto q = dyn_cast<quant::QuantizedType>(t.getElementType());
      if (!q)
        return t;
      unsigned width = q.getStorageTypeIntegralWidth();
      auto storage = IntegerType::get(t.getContext(), width,
                                      q.isSigned() ? IntegerType::Signless
                                                   : IntegerType::Unsigned);
      return RankedTensorType::get(t.getShape(), storage);
    });
  }
};

template <typename OpTy, typename NewOpTy>
NewOpTy createAffine(OpBuilder &rewriter, OpTy op, Type resultType, Value input,
                     const AffineQParams &p) {
  Builder b(op.getContext());
  auto newOp = NewOpTy::create(
      rewriter, op.getLoc(), resultType, input, /*qparams=*/Value(),
      b.getDenseF32ArrayAttr(p.scales), b.getDenseI64ArrayAttr(p.zeroPoints),
      p.axis ? b.getI64IntegerAttr(*p.axis) : IntegerAttr(),
      b.getI64IntegerAttr(p.qmin), b.getI64IntegerAttr(p.qmax));
  copyDiscardableAttrs(op, newOp);
  return newOp;
}

struct DecomposeQuantize : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<AffineQParams> p = affineQParamsOf(op.getType());
    Type resultType = getTypeConverter()->convertType(op.getType());
    if (failed(p) || !resultType)
      return rewriter.notifyMatchFailure(op, "not a !quant.uniform result");
    auto q = createAffine<QuantizeOp, QuantizeAffineOp>(
        rewriter, op, resultType, adaptor.getInput(), *p);
    rewriter.replaceOp(op, q);
    return success();
  }
};

/// quantize_per_tensor_dynamic -> choose_qparams + quantize_affine.
struct DecomposeQuantizeDynamic : OpConversionPattern<QuantizeDynamicOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeDynamicOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto q = dyn_cast<quant::AnyQuantizedType>(op.getType().getElementType());
    Type resultType = getTypeConverter()->convertType(op.getType());
    if (!q || !resultType)
      return rewriter.notifyMatchFailure(op, "not a !quant.any result");
    Builder b(op.getContext());
    IntegerAttr qmin = b.getI64IntegerAttr(q.getStorageTypeMin());
    IntegerAttr qmax = b.getI64IntegerAttr(q.getStorageTypeMax());
    auto qparamsType = RankedTensorType::get({2}, b.getF64Type());
    auto choose = ChooseQParamsOp::create(rewriter, op.getLoc(), qparamsType,
                                          adaptor.getInput(), qmin, qmax,
                                          op.getReduceRangeAttr());
    auto quant = QuantizeAffineOp::create(
        rewriter, op.getLoc(), resultType, adaptor.getInput(),
        choose.getResult(), DenseF32ArrayAttr(), DenseI64ArrayAttr(),
        IntegerAttr(), qmin, qmax);
    copyDiscardableAttrs(op, quant);
    rewriter.replaceOp(op, quant);
    return success();
  }
};

struct DecomposeDequantize : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type inputType = op.getInput().getType();
    if (!isQuantized(inputType))
      return rewriter.notifyMatchFailure(op, "float16 input");
    if (FailureOr<AffineQParams> p = affineQParamsOf(inputType); succeeded(p)) {
      auto dq = createAffine<DequantizeOp, DequantizeAffineOp>(
          rewriter, op, op.getType(), adaptor.getInput(), *p);
      rewriter.replaceOp(op, dq);
      return success();
    }
    // !quant.any: the qparams of the dynamic quantize that produced it.
    auto producer = adaptor.getInput().getDefiningOp<QuantizeAffineOp>();
    if (!producer || !producer.getQparams())
      return op.emitOpError() << "dequantizes a dynamically quantized tensor "
                                 "that no qfx.quantize_dynamic produced";
    auto dq = DequantizeAffineOp::create(
        rewriter, op.getLoc(), op.getType(), adaptor.getInput(),
        producer.getQparams(), DenseF32ArrayAttr(), DenseI64ArrayAttr(),
        IntegerAttr(), producer.getQuantMinAttr(), producer.getQuantMaxAttr());
    copyDiscardableAttrs(op, dq);
    rewriter.replaceOp(op, dq);
    return success();
  }
};
} // namespace

void qfx::convert::populateDecomposeQuantPatterns(TypeConverter &typeConverter,
                                                  RewritePatternSet &patterns) {
  patterns
      .add<DecomposeQuantize, DecomposeQuantizeDynamic, DecomposeDequantize>(
          typeConverter, patterns.getContext());
}

/// A quantized value that crosses a function boundary (a standalone
/// module's quantized argument or result): storage type, with its
/// quantize / dequantize ops decomposed here, since the per-function
/// conversion cannot retype calls and signatures.
static LogicalResult decomposeBoundaryValue(IRRewriter &rewriter, Value v) {
  if (!isQuantized(v.getType()))
    return success();
  FailureOr<AffineQParams> p = affineQParamsOf(v.getType());
  Type storage = StorageTypeConverter().convertType(v.getType());
  Location loc = v.getLoc();
  if (failed(p))
    return emitError(loc) << "decomposed=true: a function boundary carries "
                          << v.getType() << ", which has no static qparams";
  for (Operation *user : llvm::make_early_inc_range(v.getUsers())) {
    if (isa<func::CallOp, func::ReturnOp>(user))
      continue;
    auto dq = dyn_cast<DequantizeOp>(user);
    if (!dq)
      return user->emitError()
             << "decomposed=true: '" << user->getName()
             << "' reads a quantized function argument or call result; only "
                "dequantize is decomposed";
    rewriter.setInsertionPoint(dq);
    rewriter.replaceOp(dq, createAffine<DequantizeOp, DequantizeAffineOp>(
                               rewriter, dq, dq.getType(), v, *p));
  }
  if (auto q = v.getDefiningOp<QuantizeOp>()) {
    rewriter.setInsertionPoint(q);
    rewriter.replaceOp(q, createAffine<QuantizeOp, QuantizeAffineOp>(
                              rewriter, q, storage, q.getInput(), *p));
    return success();
  }
  if (!isa<BlockArgument>(v) && !v.getDefiningOp<func::CallOp>())
    return emitError(loc) << "decomposed=true: a quantized value that "
                             "crosses a call comes from '"
                          << v.getDefiningOp()->getName()
                          << "'; only quantize is decomposed";
  v.setType(storage);
  return success();
}

LogicalResult qfx::convert::decomposeFunctionBoundaries(ModuleOp module) {
  IRRewriter rewriter(module.getContext());
  llvm::SetVector<Value> values;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    values.insert_range(func.getArguments());
    func.walk([&](Operation *op) {
      if (isa<func::CallOp, func::ReturnOp>(op))
        values.insert_range(op->getOperands());
      if (isa<func::CallOp>(op))
        values.insert_range(op->getResults());
    });
  }
  for (Value v : values)
    if (failed(decomposeBoundaryValue(rewriter, v)))
      return failure();
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    Block &entry = func.getBody().front();
    func.setFunctionType(
        FunctionType::get(func.getContext(), entry.getArgumentTypes(),
                          entry.getTerminator()->getOperandTypes()));
  }
  return success();
}

LogicalResult qfx::convert::decomposeQuantizedTensors(func::FuncOp func) {
  // Only quantize / dequantize have a decomposed spelling; anything else
  // that holds a quantized tensor (a requantize) would be left with a type
  // the decomposed form forbids. Function boundaries are storage-typed
  // already (decomposeFunctionBoundaries).
  bool ok = true;
  func.walk([&](Operation *op) {
    if (isa<QuantizeOp, DequantizeOp, QuantizeDynamicOp>(op) ||
        !hasQuantizedTypes(op))
      return;
    op->emitError() << "decomposed=true: '" << op->getName()
                    << "' holds a quantized tensor; only quantize / "
                       "dequantize are decomposed";
    ok = false;
  });
  if (!ok)
    return failure();

  StorageTypeConverter typeConverter;
  ConversionTarget target(*func.getContext());
  target.markUnknownOpDynamicallyLegal(
      [](Operation *op) { return !hasQuantizedTypes(op); });
  RewritePatternSet patterns(func.getContext());
  convert::populateDecomposeQuantPatterns(typeConverter, patterns);
  return applyPartialConversion(func, target, std::move(patterns));
}
