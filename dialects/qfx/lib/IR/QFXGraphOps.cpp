//===- QFXGraphOps.cpp - FX graph structure ops ---------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "qfx/Dialect/QFX/QFXOps.h"

using namespace mlir;
using namespace qfx;

LogicalResult verify::checkSpatialArray(Operation *op, StringRef name,
                                        ArrayRef<int64_t> values, size_t count,
                                        int64_t minValue) {
  if (values.size() != count)
    return op->emitOpError() << "expects " << count << " " << name
                             << " values, got " << values.size();
  for (int64_t v : values)
    if (v <= minValue)
      return op->emitOpError()
             << name << " values must be > " << minValue << ", got " << v;
  return success();
}

//===----------------------------------------------------------------------===//
// ParameterOp
//===----------------------------------------------------------------------===//

RankedTensorType ParameterOp::getType() {
  return dyn_cast<RankedTensorType>(getValue().getType());
}

LogicalResult ParameterOp::verify() {
  if (!getType())
    return emitOpError() << "value must be a ranked tensor, got "
                         << getValue().getType();
  if (!getType().hasStaticShape())
    return emitOpError() << "parameter '" << getSymName()
                         << "' must have a static shape";
  if (getSymName().empty())
    return emitOpError() << "parameter needs a non-empty qualified name";
  return success();
}

//===----------------------------------------------------------------------===//
// GetAttrOp
//===----------------------------------------------------------------------===//

LogicalResult GetAttrOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto param =
      symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this, getNameAttr());
  if (!param)
    return emitOpError() << "'" << getName()
                         << "' does not name a qfx.parameter";
  if (param.getType() != getType())
    return emitOpError() << "result type " << getType()
                         << " does not match parameter '" << getName()
                         << "' of type " << param.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult ConstantOp::verify() {
  if (getValue().getType() != getType())
    return emitOpError() << "value type " << getValue().getType()
                         << " does not match result type " << getType();
  if (getScalar() && getType().getRank() != 0)
    return emitOpError() << "a Python scalar must be a 0-d tensor";
  return success();
}

//===----------------------------------------------------------------------===//
// CallOp
//===----------------------------------------------------------------------===//

LogicalResult CallOp::verify() {
  if (getTarget().empty())
    return emitOpError() << "needs a non-empty FX target";
  switch (getKind()) {
  case NodeKind::call_module:
  case NodeKind::call_function:
  case NodeKind::call_method:
    return success();
  default:
    return emitOpError() << "kind must be call_module, call_function or "
                            "call_method, got '"
                         << stringifyNodeKind(getKind()) << "'";
  }
}

//===----------------------------------------------------------------------===//
// FusedOp
//===----------------------------------------------------------------------===//

LogicalResult FusedOp::verify() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size())
    return emitOpError() << "body has " << body.getNumArguments()
                         << " arguments for " << getInputs().size()
                         << " inputs";
  for (auto [arg, input] : llvm::zip(body.getArguments(), getInputs()))
    if (arg.getType() != input.getType())
      return emitOpError() << "body argument type " << arg.getType()
                           << " does not match input type " << input.getType();
  auto yield = cast<YieldOp>(body.getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError() << "yielded types do not match the result types";
  return success();
}
