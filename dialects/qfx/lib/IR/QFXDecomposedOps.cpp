//===- QFXDecomposedOps.cpp - quantize/dequantize on integer storage ------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include <cmath>

using namespace mlir;
using namespace qfx;
using namespace qfx::verify;

/// [min, max] of an integer storage type.
static std::pair<int64_t, int64_t> storageRange(IntegerType t) {
  unsigned w = t.getWidth();
  if (t.isUnsigned())
    return {0, static_cast<int64_t>((uint64_t{1} << w) - 1)};
  return {-(int64_t{1} << (w - 1)), (int64_t{1} << (w - 1)) - 1};
}

/// Checks what quantize_affine and dequantize_affine share: shapes, the
/// quant range against the storage type, and the qparams (attributes or a
/// run-time operand, never both).
static LogicalResult verifyAffine(Operation *op, RankedTensorType real,
                                  RankedTensorType stored, Value qparams,
                                  std::optional<ArrayRef<float>> scales,
                                  std::optional<ArrayRef<int64_t>> zeroPoints,
                                  std::optional<int64_t> axis, int64_t qmin,
                                  int64_t qmax) {
  if (real.getShape() != stored.getShape())
    return op->emitOpError() << "shapes differ: " << real << " vs " << stored;
  auto [lo, hi] = storageRange(cast<IntegerType>(stored.getElementType()));
  if (qmin > qmax || qmin < lo || qmax > hi)
    return op->emitOpError()
           << "quant range [" << qmin << ", " << qmax
           << "] is not inside the storage range of " << stored.getElementType()
           << " [" << lo << ", " << hi << "]";
  if (qparams) {
    if (scales || zeroPoints || axis)
      return op->emitOpError() << "takes its qparams either from the "
                                  "qparams operand or from attributes";
    auto t = cast<RankedTensorType>(qparams.getType());
    if (t.getDimSize(0) != 2)
      return op->emitOpError()
             << "qparams operand must be tensor<2xf64> [scale, zero point]";
    return success();
  }
  if (!scales || !zeroPoints)
    return op->emitOpError() << "needs scales and zero_points (or a qparams "
                                "operand)";
  if (scales->size() != zeroPoints->size() || scales->empty())
    return op->emitOpError() << "has " << scales->size() << " scales and "
                             << zeroPoints->size() << " zero points";
  int64_t expected = 1;
  if (axis) {
    FailureOr<int64_t> dim = checkDim(op, *axis, real.getRank(), "axis");
    if (failed(dim))
      return failure();
    expected = real.getDimSize(*dim);
  }
  if (!ShapedType::isDynamic(expected) &&
      static_cast<int64_t>(scales->size()) != expected)
    return op->emitOpError() << "has " << scales->size()
                             << " scales but the tensor needs " << expected;
  for (float s : *scales)
    if (!std::isfinite(s) || s <= 0.0f)
      return op->emitOpError()
             << "scale " << s << " is not a positive finite number";
  for (int64_t zp : *zeroPoints)
    if (zp < qmin || zp > qmax)
      return op->emitOpError()
             << "zero point " << zp << " is outside the quant range [" << qmin
             << ", " << qmax << "]";
  return success();
}

LogicalResult QuantizeAffineOp::verify() {
  return verifyAffine(*this, getInput().getType(), getResult().getType(),
                      getQparams(), getScales(), getZeroPoints(), getAxis(),
                      getQuantMin(), getQuantMax());
}

LogicalResult DequantizeAffineOp::verify() {
  return verifyAffine(*this, getResult().getType(), getInput().getType(),
                      getQparams(), getScales(), getZeroPoints(), getAxis(),
                      getQuantMin(), getQuantMax());
}

LogicalResult ChooseQParamsOp::verify() {
  if (static_cast<int64_t>(getQuantMin()) >=
      static_cast<int64_t>(getQuantMax()))
    return emitOpError() << "quant_min " << getQuantMin()
                         << " must be below quant_max " << getQuantMax();
  if (getResult().getType().getDimSize(0) != 2)
    return emitOpError() << "result must be tensor<2xf64> [scale, zero point]";
  return success();
}
