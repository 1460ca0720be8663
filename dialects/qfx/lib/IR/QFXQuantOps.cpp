//===- QFXQuantOps.cpp - observers, fake-quantize and Q/DQ ----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include <cmath>

using namespace mlir;
using namespace qfx;
using namespace qfx::verify;

/// The number of qparams a tensor of `type` needs under `config`: one, or
/// the size of the channel axis (dynamic when unknown). Fails on a channel
/// axis outside the tensor.
static FailureOr<int64_t> expectedQParamCount(Operation *op,
                                              ObserverConfigAttr config,
                                              RankedTensorType type) {
  if (!config.isPerChannel())
    return 1;
  FailureOr<int64_t> axis =
      checkDim(op, config.getChAxis(), type.getRank(), "ch_axis");
  if (failed(axis))
    return failure();
  return type.getDimSize(*axis);
}

static LogicalResult verifyState(Operation *op, ObserverConfigAttr config,
                                 ObserverStateAttr state, int64_t count) {
  if (!state)
    return success();
  switch (config.getKind()) {
  case ObserverKind::placeholder:
  case ObserverKind::noop:
  case ObserverKind::reuse_input:
  case ObserverKind::fixed_qparams:
    return op->emitOpError()
           << "observer '" << stringifyObserverKind(config.getKind())
           << "' keeps no calibration state";
  default:
    break;
  }
  bool isHistogram = config.getKind() == ObserverKind::histogram;
  if (isHistogram != static_cast<bool>(state.getHistogram()))
    return op->emitOpError()
           << (isHistogram ? "histogram observer state needs a histogram"
                           : "only histogram observers keep a histogram");
  if (isHistogram &&
      static_cast<int64_t>(state.getHistogram().size()) != config.getBins())
    return op->emitOpError()
           << "histogram has " << state.getHistogram().size()
           << " bins but the observer has " << config.getBins();
  if (!ShapedType::isDynamic(count) &&
      static_cast<int64_t>(state.getMin().size()) != count)
    return op->emitOpError()
           << "observer state has " << state.getMin().size()
           << " min/max values but the observed tensor needs " << count;
  return success();
}

LogicalResult ObserverOp::verify() {
  FailureOr<int64_t> count =
      expectedQParamCount(*this, getConfig(), getInput().getType());
  if (failed(count))
    return failure();
  return verifyState(*this, getConfig(), getStateAttr(), *count);
}

LogicalResult FakeQuantizeOp::verify() {
  ObserverConfigAttr observer = getObserver();
  FailureOr<int64_t> expected =
      expectedQParamCount(*this, observer, getInput().getType());
  if (failed(expected) ||
      failed(verifyState(*this, observer, getStateAttr(), *expected)))
    return failure();
  QParamsAttr qparams = getQparamsAttr();
  if (!qparams)
    return success();
  int64_t count = qparams.getScale().size();
  if (!ShapedType::isDynamic(*expected) && count != *expected)
    return emitOpError() << "got " << count << " scales but the tensor needs "
                         << *expected;
  return success();
}

/// Checks that `quantized` can hold `real` values: same shape, matching
/// expressed type, per-axis dimension inside the tensor with one scale per
/// slice.
static LogicalResult verifyQuantizedPair(Operation *op, RankedTensorType real,
                                         RankedTensorType quantized,
                                         bool allowDynamic = false) {
  if (real.getShape() != quantized.getShape())
    return op->emitOpError()
           << "shapes differ: " << real << " vs " << quantized;
  auto qtype = cast<quant::QuantizedType>(quantized.getElementType());
  // torch.quantize_per_tensor / _per_channel reject zero points outside the
  // dtype; !quant.uniform itself does not check them.
  auto checkZeroPoint = [&](int64_t zp) -> LogicalResult {
    if (zp < qtype.getStorageTypeMin() || zp > qtype.getStorageTypeMax())
      return op->emitOpError()
             << "zero point " << zp << " is outside the storage range ["
             << qtype.getStorageTypeMin() << ", "
             << qtype.getStorageTypeMax() << "]";
    return success();
  };
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(qtype))
    if (failed(checkZeroPoint(perTensor.getZeroPoint())))
      return failure();
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(qtype))
    for (int64_t zp : perAxis.getZeroPoints())
      if (failed(checkZeroPoint(zp)))
        return failure();
  if (qtype.getExpressedType() != real.getElementType())
    return op->emitOpError() << "quantized type expresses "
                             << qtype.getExpressedType() << " but the float "
                             << "tensor holds " << real.getElementType();
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(qtype)) {
    int64_t axis = perAxis.getQuantizedDimension();
    if (axis >= quantized.getRank())
      return op->emitOpError()
             << "per-axis quantized dimension " << axis
             << " is out of range for rank " << quantized.getRank();
    int64_t size = quantized.getDimSize(axis);
    if (staticMismatch(size, perAxis.getScales().size()))
      return op->emitOpError()
             << "per-axis type has " << perAxis.getScales().size()
             << " scales but dim " << axis << " has size " << size;
  } else if (!isa<quant::UniformQuantizedType>(qtype) &&
             !(allowDynamic && isa<quant::AnyQuantizedType>(qtype))) {
    return op->emitOpError() << "expects a !quant.uniform element type"
                             << (allowDynamic ? " or !quant.any" : "");
  }
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantizedPair(*this, getInput().getType(),
                             getResult().getType());
}

/// float16 <-> float32 conversions of float16 dynamic quantization.
static LogicalResult verifyFloat16Pair(Operation *op, RankedTensorType real,
                                       RankedTensorType half) {
  if (real.getShape() != half.getShape())
    return op->emitOpError() << "shapes differ: " << real << " vs " << half;
  if (!real.getElementType().isF32())
    return op->emitOpError() << "float16 quantization converts float32 "
                                "tensors, got "
                             << real.getElementType();
  return success();
}

LogicalResult DequantizeOp::verify() {
  if (getInput().getType().getElementType().isF16())
    return verifyFloat16Pair(*this, getResult().getType(),
                             getInput().getType());
  return verifyQuantizedPair(*this, getResult().getType(), getInput().getType(),
                             /*allowDynamic=*/true);
}

LogicalResult QuantizeDynamicOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  if (out.getElementType().isF16()) {
    if (getReduceRange())
      return emitOpError() << "reduce_range has no meaning for float16";
    return verifyFloat16Pair(*this, in, out);
  }
  if (failed(verifyQuantizedPair(*this, in, out, /*allowDynamic=*/true)))
    return failure();
  auto qtype = dyn_cast<quant::AnyQuantizedType>(out.getElementType());
  if (!qtype)
    return emitOpError() << "expects a !quant.any result element type (the "
                            "qparams are chosen at run time)";
  if (qtype.getStorageTypeIntegralWidth() != 8)
    return emitOpError() << "quantizes to 8-bit storage only (quint8 / "
                            "qint8), got "
                         << qtype.getStorageType();
  if (qtype.getStorageTypeMin() !=
          quant::QuantizedType::getDefaultMinimumForInteger(qtype.isSigned(),
                                                            8) ||
      qtype.getStorageTypeMax() !=
          quant::QuantizedType::getDefaultMaximumForInteger(qtype.isSigned(),
                                                            8))
    return emitOpError() << "storage range must be the whole dtype, as "
                            "quantize_per_tensor_dynamic clamps to it";
  return success();
}

LogicalResult RequantizeOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  auto inQ = cast<quant::QuantizedType>(in.getElementType());
  auto realType = RankedTensorType::get(in.getShape(), inQ.getExpressedType());
  if (failed(verifyQuantizedPair(*this, realType, in)) ||
      failed(verifyQuantizedPair(*this, realType, out)))
    return failure();
  return success();
}
