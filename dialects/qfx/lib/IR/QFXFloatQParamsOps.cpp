//===- QFXFloatQParamsOps.cpp - float zero point Q/DQ ---------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/QFXOps.h"

#include <cmath>

using namespace mlir;
using namespace qfx;

/// The checks torch.quantize_per_channel makes for float qparams: a dtype
/// the float-qparams observers produce, the axis inside the tensor, one
/// positive finite scale and one finite zero point per channel, and the
/// same shape on both sides.
static LogicalResult verifyFloatQParams(Operation *op, QuantDType dtype,
                                        int64_t axis, DenseElementsAttr scale,
                                        DenseElementsAttr zeroPoint,
                                        RankedTensorType real,
                                        RankedTensorType storage) {
  if (dtype != QuantDType::quint8 && dtype != QuantDType::quint4x2)
    return op->emitOpError() << "float qparams need dtype quint8 or quint4x2, "
                                "got "
                             << stringifyQuantDType(dtype);
  if (real.getShape() != storage.getShape())
    return op->emitOpError() << "shapes differ: " << real << " vs " << storage;
  if (axis < 0 || axis >= real.getRank())
    return op->emitOpError()
           << "axis " << axis << " is outside a tensor of rank "
           << real.getRank();
  if (scale.getType().getRank() != 1 || zeroPoint.getType().getRank() != 1)
    return op->emitOpError() << "scale and zero_point must be 1-d";
  int64_t channels = real.getDimSize(axis);
  if (!ShapedType::isDynamic(channels) &&
      (scale.getNumElements() != channels ||
       zeroPoint.getNumElements() != channels))
    return op->emitOpError() << "got " << scale.getNumElements()
                             << " scales and " << zeroPoint.getNumElements()
                             << " zero points for " << channels << " channels";
  for (APFloat s : scale.getValues<APFloat>()) {
    float v = s.convertToFloat();
    if (!(v > 0.0f) || !std::isfinite(v))
      return op->emitOpError()
             << "scales must be positive and finite, got " << v;
  }
  for (APFloat z : zeroPoint.getValues<APFloat>())
    if (!std::isfinite(z.convertToFloat()))
      return op->emitOpError() << "zero points must be finite";
  return success();
}

RankedTensorType QuantizeFloatQParamsOp::getFloatType() {
  return getInput().getType();
}

LogicalResult QuantizeFloatQParamsOp::verify() {
  return verifyFloatQParams(*this, getDtype(), getAxis(), getScale(),
                            getZeroPoint(), getInput().getType(),
                            getResult().getType());
}

RankedTensorType DequantizeFloatQParamsOp::getFloatType() {
  return getResult().getType();
}

LogicalResult DequantizeFloatQParamsOp::verify() {
  return verifyFloatQParams(*this, getDtype(), getAxis(), getScale(),
                            getZeroPoint(), getResult().getType(),
                            getInput().getType());
}
