//===- ConvertFloatQParams.cpp - weight-only embeddings in --qfx-convert --===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// convert_to_reference_fx of nn.Embedding / nn.EmbeddingBag with a
// float-qparams weight qconfig: the reference module quantizes its weight
// with torch.quantize_per_channel(weight, scale, float zero_point, 0, dtype)
// and dequantizes it again. Float zero points have no !quant.uniform
// spelling, so the pair is qfx.quantize_float_qparams ->
// qfx.dequantize_float_qparams on a uint8 storage tensor (docs/convert.md).
//
//===----------------------------------------------------------------------===//

#include "ConvertQParams.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace qfx;

bool convert::isFloatQParamsQuant(ObserverConfigAttr config) {
  if (config.getIsDynamic() ||
      config.getQscheme() != QScheme::per_channel_affine_float_qparams)
    return false;
  if (config.getDtype() != QuantDType::quint8 &&
      config.getDtype() != QuantDType::quint4x2)
    return false;
  return config.getKind() != ObserverKind::placeholder &&
         config.getKind() != ObserverKind::noop &&
         config.getKind() != ObserverKind::reuse_input;
}

FailureOr<Value> convert::insertFloatQParamsQDQ(RewriterBase &rewriter,
                                                Operation *anchor, Value input,
                                                ObserverConfigAttr config,
                                                const rt::QParams &qparams) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t axis = config.getChAxis();
  if (axis < 0)
    axis += type.getRank();
  if (axis < 0 || axis >= type.getRank())
    return anchor->emitError() << "cannot convert: ch_axis "
                               << config.getChAxis() << " is outside a tensor "
                               << "of rank " << type.getRank();
  if (qparams.floatZeroPoints.size() != qparams.scales.size())
    return anchor->emitError() << "cannot convert: the observer returned no "
                                  "float zero points";
  MLIRContext *ctx = rewriter.getContext();
  auto vecType = RankedTensorType::get(
      {static_cast<int64_t>(qparams.scales.size())}, Float32Type::get(ctx));
  auto scale = DenseFPElementsAttr::get(vecType, ArrayRef(qparams.scales));
  auto zeroPoint =
      DenseFPElementsAttr::get(vecType, ArrayRef(qparams.floatZeroPoints));
  auto dtype = QuantDTypeAttr::get(ctx, config.getDtype());
  auto storage = RankedTensorType::get(
      type.getShape(), IntegerType::get(ctx, 8, IntegerType::Unsigned));
  rewriter.setInsertionPoint(anchor);
  Location loc = anchor->getLoc();
  auto q = QuantizeFloatQParamsOp::create(rewriter, loc, storage, input, dtype,
                                          rewriter.getI64IntegerAttr(axis),
                                          scale, zeroPoint);
  auto dq = DequantizeFloatQParamsOp::create(rewriter, loc, type, q, dtype,
                                             rewriter.getI64IntegerAttr(axis),
                                             scale, zeroPoint);
  if (failed(q.verify()) || failed(dq.verify()))
    return failure();
  return dq.getResult();
}

LogicalResult convert::convertEmbeddingWeight(RewriterBase &rewriter,
                                              Operation *op,
                                              QConfigAttr qconfig) {
  if (!isa<EmbeddingOp, EmbeddingBagOp>(op) || !qconfig ||
      !qconfig.getWeight() || !isFloatQParamsQuant(qconfig.getWeight()))
    return success();
  // Functional embeddings have no BackendConfig pattern and stay float.
  auto node = op->getAttrOfType<NodeAttr>("qfx.node");
  if (!node || node.getKind() != NodeKind::call_module)
    return success();
  OpOperand &weight = op->getOpOperand(0);
  auto getAttr = weight.get().getDefiningOp<GetAttrOp>();
  if (!getAttr) {
    // An observed weight (qfx's prepare) is converted with its observer.
    Operation *def = weight.get().getDefiningOp();
    if (isa_and_nonnull<ObserverOp, FakeQuantizeOp>(def))
      return success();
    return op->emitError() << "cannot convert: the weight of embedding module '"
                           << node.getModule().getValue()
                           << "' is not a qfx.parameter";
  }
  auto param = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(
      getAttr, getAttr.getNameAttr());
  FailureOr<std::vector<float>> values =
      param ? readF32Values(param.getValue()) : FailureOr<std::vector<float>>();
  if (failed(values))
    return op->emitError() << "cannot convert: weight " << getAttr.getNameAttr()
                           << " is not a float32 qfx.parameter with data";
  // convert_weighted_module: a fresh qconfig.weight() observes the weight.
  std::string error;
  FailureOr<rt::QParams> qparams = computeQParams(
      qconfig.getWeight(), {}, *values, getAttr.getType().getShape(), error);
  if (failed(qparams))
    return op->emitError() << "cannot convert the weight: " << error;
  FailureOr<Value> dq = insertFloatQParamsQDQ(rewriter, op, weight.get(),
                                              qconfig.getWeight(), *qparams);
  if (failed(dq))
    return failure();
  rewriter.modifyOpInPlace(op, [&] { weight.set(*dq); });
  return success();
}
