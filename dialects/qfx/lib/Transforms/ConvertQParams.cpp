//===- ConvertQParams.cpp - qparams for --qfx-convert ---------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "ConvertQParams.h"

#include "qfx/Dialect/QFX/RuntimeObservers.h"
#include "qfx/Runtime/Observers.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace qfx;

bool convert::isStaticIntQuant(ObserverConfigAttr config) {
  if (config.getIsDynamic())
    return false;
  switch (config.getDtype()) {
  case QuantDType::quint8:
  case QuantDType::qint8:
  case QuantDType::qint32:
    break;
  default:
    return false;
  }
  switch (config.getKind()) {
  case ObserverKind::placeholder:
  case ObserverKind::noop:
  case ObserverKind::reuse_input:
    return false;
  default:
    return true;
  }
}

FailureOr<rt::QParams> convert::computeQParams(ObserverConfigAttr config,
                                               ObserverStateAttr state,
                                               ArrayRef<float> extra,
                                               ArrayRef<int64_t> extraShape,
                                               std::string &error) {
  auto observer = createRuntimeObserver(config, state);
  if (observer.failed()) {
    error = observer.message();
    return failure();
  }
  if (!extraShape.empty()) {
    rt::TensorView view(extra.data(),
                        rt::Shape(extraShape.begin(), extraShape.end()));
    if (rt::Status st = (*observer)->observe(view); st.failed()) {
      error = "cannot observe the weight: " + st.message();
      return failure();
    }
  }
  auto qparams = (*observer)->calculateQParams();
  if (qparams.failed()) {
    error = qparams.message();
    return failure();
  }
  return qparams.take();
}

FailureOr<std::vector<float>> convert::readF32Values(Attribute value) {
  auto typed = dyn_cast<TypedAttr>(value);
  auto type = typed ? dyn_cast<RankedTensorType>(typed.getType()) : nullptr;
  if (!type || !type.getElementType().isF32())
    return failure();
  int64_t n = type.getNumElements();
  if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != static_cast<size_t>(n) * 4)
      return failure();
    std::vector<float> out(n);
    std::memcpy(out.data(), blob->getData().data(), n * 4);
    return out;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  return failure();
}

FailureOr<RankedTensorType>
convert::quantizedTensorType(RankedTensorType tensorType,
                             ObserverConfigAttr config,
                             const rt::QParams &qparams, std::string &error) {
  MLIRContext *ctx = tensorType.getContext();
  unsigned width = 8, flags = 0;
  int64_t lo = 0, hi = 255;
  switch (config.getDtype()) {
  case QuantDType::quint8:
    break;
  case QuantDType::qint8:
    flags = quant::QuantizationFlags::Signed, lo = -128, hi = 127;
    break;
  case QuantDType::qint32:
    width = 32, flags = quant::QuantizationFlags::Signed;
    lo = INT32_MIN, hi = INT32_MAX;
    break;
  default:
    error = "dtype '" + stringifyQuantDType(config.getDtype()).str() +
            "' has no !quant.uniform storage type";
    return failure();
  }
  if (qparams.hasFloatZeroPoints()) {
    error = "float zero points (per_channel_affine_float_qparams) cannot be "
            "expressed as !quant.uniform";
    return failure();
  }
  Type storage = IntegerType::get(ctx, width);
  Type expressed = tensorType.getElementType();
  Type element;
  if (config.isPerChannel()) {
    int64_t axis = config.getChAxis();
    if (axis < 0)
      axis += tensorType.getRank();
    SmallVector<double> scales(qparams.scales.begin(), qparams.scales.end());
    SmallVector<int64_t> zeroPoints(qparams.zeroPoints.begin(),
                                    qparams.zeroPoints.end());
    element = quant::UniformQuantizedPerAxisType::getChecked(
        [&] { return emitError(UnknownLoc::get(ctx)); }, flags, storage,
        expressed, scales, zeroPoints, axis, lo, hi);
  } else {
    element = quant::UniformQuantizedType::getChecked(
        [&] { return emitError(UnknownLoc::get(ctx)); }, flags, storage,
        expressed, static_cast<double>(qparams.scales.front()),
        qparams.zeroPoints.front(), lo, hi);
  }
  if (!element) {
    error = "the qparams do not form a valid !quant.uniform type";
    return failure();
  }
  return RankedTensorType::get(tensorType.getShape(), element);
}
