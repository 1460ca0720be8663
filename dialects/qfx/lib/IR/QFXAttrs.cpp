//===- QFXAttrs.cpp - qfx attributes --------------------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/QFXAttrs.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "qfx/Dialect/QFX/QFXDialect.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace qfx;

#include "qfx/Dialect/QFX/QFXEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "qfx/Dialect/QFX/QFXAttrs.cpp.inc"

void QFXDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qfx/Dialect/QFX/QFXAttrs.cpp.inc"
      >();
}

FailureOr<bool> qfx::detail::parseBoolParameter(AsmParser &parser) {
  if (succeeded(parser.parseOptionalKeyword("true")))
    return true;
  if (succeeded(parser.parseOptionalKeyword("false")))
    return false;
  return parser.emitError(parser.getCurrentLocation(),
                          "expected 'true' or 'false'");
}

FailureOr<APFloat> qfx::detail::parseDoubleParameter(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return APFloat(value);
}

FailureOr<DenseF32ArrayAttr>
qfx::detail::parseF32ArrayParameter(AsmParser &parser) {
  SmallVector<float> values;
  auto parseOne = [&]() -> ParseResult {
    APFloat value(0.0f);
    if (parser.parseFloat(APFloat::IEEEsingle(), value))
      return failure();
    values.push_back(value.convertToFloat());
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseOne))
    return failure();
  return DenseF32ArrayAttr::get(parser.getContext(), values);
}

void qfx::detail::printF32ArrayParameter(AsmPrinter &printer,
                                         DenseF32ArrayAttr values) {
  printer << '[';
  llvm::interleaveComma(values.asArrayRef(), printer,
                        [&](float v) { printer << APFloat(v); });
  printer << ']';
}

std::optional<std::pair<int64_t, int64_t>>
qfx::getDTypeRange(QuantDType dtype) {
  switch (dtype) {
  case QuantDType::quint8:
    return std::make_pair<int64_t, int64_t>(0, 255);
  case QuantDType::qint8:
    return std::make_pair<int64_t, int64_t>(-128, 127);
  case QuantDType::qint32:
    return std::make_pair<int64_t, int64_t>(INT32_MIN, INT32_MAX);
  case QuantDType::quint4x2:
    return std::make_pair<int64_t, int64_t>(0, 15);
  case QuantDType::float16:
  case QuantDType::float32:
    return std::nullopt;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// NodeAttr
//===----------------------------------------------------------------------===//

LogicalResult NodeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               NodeKind kind, StringAttr target,
                               StringAttr module) {
  if (!target || target.getValue().empty())
    return emitError() << "FX node provenance needs a non-empty target";
  if (kind == NodeKind::call_module && module.getValue().empty())
    return emitError() << "call_module provenance needs the module path";
  return success();
}

//===----------------------------------------------------------------------===//
// ObserverConfigAttr
//===----------------------------------------------------------------------===//

static bool isPerChannelScheme(QScheme scheme) {
  return scheme == QScheme::per_channel_affine ||
         scheme == QScheme::per_channel_symmetric ||
         scheme == QScheme::per_channel_affine_float_qparams;
}

static bool isPerChannelKind(ObserverKind kind) {
  return kind == ObserverKind::per_channel_min_max ||
         kind == ObserverKind::moving_average_per_channel_min_max;
}

/// Observers that compute qparams from statistics; the others only pass a
/// dtype along (placeholder, noop) or borrow another observer's qparams.
static bool isStatisticKind(ObserverKind kind) {
  switch (kind) {
  case ObserverKind::min_max:
  case ObserverKind::moving_average_min_max:
  case ObserverKind::per_channel_min_max:
  case ObserverKind::moving_average_per_channel_min_max:
  case ObserverKind::histogram:
  case ObserverKind::fixed_qparams:
    return true;
  case ObserverKind::placeholder:
  case ObserverKind::reuse_input:
  case ObserverKind::noop:
    return false;
  }
  return false;
}

bool ObserverConfigAttr::isPerChannel() const {
  return isPerChannelScheme(getQscheme());
}

std::pair<int64_t, int64_t> ObserverConfigAttr::getEffectiveQuantRange() const {
  // Mirrors torch.ao.quantization.utils.calculate_qmin_qmax: a customized
  // range is halved (floor division) by reduce_range; otherwise the dtype's
  // default range, with reduce_range dropping one bit for 8-bit dtypes.
  bool reduce = getReduceRange();
  if (getQuantMin() && getQuantMax()) {
    int64_t lo = *getQuantMin(), hi = *getQuantMax();
    if (reduce) {
      lo = lo >= 0 ? lo / 2 : -((-lo + 1) / 2);
      hi = hi >= 0 ? hi / 2 : -((-hi + 1) / 2);
    }
    return {lo, hi};
  }
  switch (getDtype()) {
  case QuantDType::qint8:
    return reduce ? std::make_pair<int64_t, int64_t>(-64, 63)
                  : std::make_pair<int64_t, int64_t>(-128, 127);
  case QuantDType::quint8:
    return reduce ? std::make_pair<int64_t, int64_t>(0, 127)
                  : std::make_pair<int64_t, int64_t>(0, 255);
  case QuantDType::qint32:
    return {INT32_MIN, INT32_MAX};
  default:
    return {0, 15};
  }
}

LogicalResult ObserverConfigAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, ObserverKind kind,
    QuantDType dtype, QScheme qscheme, std::optional<int64_t> quantMin,
    std::optional<int64_t> quantMax, bool reduceRange, int64_t chAxis,
    APFloat averagingConstantValue, APFloat epsValue, int64_t bins,
    int64_t upsampleRate, bool isDynamic, APFloat scaleValue,
    int64_t zeroPoint) {
  double averagingConstant = averagingConstantValue.convertToDouble();
  double eps = epsValue.convertToDouble();
  double scale = scaleValue.convertToDouble();
  std::optional<std::pair<int64_t, int64_t>> dtypeRange = getDTypeRange(dtype);
  if (isStatisticKind(kind) && !dtypeRange)
    return emitError() << "observer '" << stringifyObserverKind(kind)
                       << "' does not support dtype '"
                       << stringifyQuantDType(dtype)
                       << "' (only quint8, qint8, qint32, quint4x2)";
  if (isStatisticKind(kind) && kind != ObserverKind::fixed_qparams &&
      isPerChannelKind(kind) != isPerChannelScheme(qscheme))
    return emitError() << "observer '" << stringifyObserverKind(kind)
                       << "' does not support qscheme '"
                       << stringifyQScheme(qscheme) << "'";
  if (qscheme == QScheme::per_channel_affine_float_qparams &&
      dtype != QuantDType::quint8 && dtype != QuantDType::quint4x2)
    return emitError() << "qscheme 'per_channel_affine_float_qparams' needs "
                          "dtype quint8 or quint4x2";
  if (quantMin.has_value() != quantMax.has_value())
    return emitError() << "quant_min and quant_max must be given together";
  if (quantMin) {
    if (*quantMin > *quantMax)
      return emitError() << "quant_min (" << *quantMin
                         << ") must not exceed quant_max (" << *quantMax << ")";
    if (*quantMin == *quantMax)
      return emitError() << "quant_min and quant_max must differ";
    if (*quantMin > 0 || *quantMax < 0)
      return emitError() << "quantization range [" << *quantMin << ", "
                         << *quantMax << "] must include 0";
    if (dtypeRange &&
        (*quantMin < dtypeRange->first || *quantMax > dtypeRange->second))
      return emitError() << "quantization range [" << *quantMin << ", "
                         << *quantMax << "] exceeds dtype '"
                         << stringifyQuantDType(dtype) << "' range ["
                         << dtypeRange->first << ", " << dtypeRange->second
                         << "]";
  }
  if (reduceRange && qscheme == QScheme::per_tensor_symmetric &&
      dtype == QuantDType::quint8 && isStatisticKind(kind))
    return emitError()
           << "cannot reduce range for symmetric quantization of quint8";
  if (!(averagingConstant > 0.0 && averagingConstant <= 1.0))
    return emitError() << "averaging_constant must be in (0, 1], got "
                       << averagingConstant;
  if (!(eps > 0.0) || !std::isfinite(eps))
    return emitError() << "eps must be positive and finite";
  if (bins <= 0)
    return emitError() << "bins must be positive, got " << bins;
  if (upsampleRate <= 0)
    return emitError() << "upsample_rate must be positive, got "
                       << upsampleRate;
  if (kind == ObserverKind::fixed_qparams) {
    if (!(scale > 0.0) || !std::isfinite(scale))
      return emitError() << "fixed_qparams observer needs a positive scale";
    if (dtypeRange &&
        (zeroPoint < dtypeRange->first || zeroPoint > dtypeRange->second))
      return emitError() << "fixed zero_point " << zeroPoint
                         << " is outside dtype '" << stringifyQuantDType(dtype)
                         << "'";
  }
  (void)chAxis;
  (void)isDynamic;
  return success();
}

//===----------------------------------------------------------------------===//
// ObserverStateAttr
//===----------------------------------------------------------------------===//

LogicalResult
ObserverStateAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          DenseF32ArrayAttr min, DenseF32ArrayAttr max,
                          DenseF32ArrayAttr histogram) {
  if (min.size() != max.size())
    return emitError() << "observer state has " << min.size()
                       << " min values but " << max.size() << " max values";
  if (min.empty())
    return emitError() << "observer state needs at least one min/max pair";
  if (histogram) {
    if (min.size() != 1)
      return emitError() << "a histogram state is per-tensor (one min/max)";
    if (histogram.empty())
      return emitError() << "histogram must have at least one bin";
    // Counts may be slightly negative: PyTorch's _combine_histograms
    // interpolates in float32 and can leave -6.1e-05 where a bin is empty.
    for (float count : histogram.asArrayRef())
      if (!std::isfinite(count))
        return emitError() << "histogram counts must be finite";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// QParamsAttr
//===----------------------------------------------------------------------===//

LogicalResult QParamsAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  DenseF32ArrayAttr scale,
                                  DenseI64ArrayAttr zeroPoint) {
  if (scale.size() != zeroPoint.size())
    return emitError() << "got " << scale.size() << " scales but "
                       << zeroPoint.size() << " zero points";
  if (scale.empty())
    return emitError() << "qparams need at least one scale";
  for (float s : scale.asArrayRef())
    if (!(s > 0.0f) || !std::isfinite(s))
      return emitError() << "scales must be positive and finite";
  return success();
}

//===----------------------------------------------------------------------===//
// QConfigAttr
//===----------------------------------------------------------------------===//

LogicalResult QConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ObserverConfigAttr activation,
                                  ObserverConfigAttr weight,
                                  FakeQuantizeConfigAttr activationFakeQuantize,
                                  FakeQuantizeConfigAttr weightFakeQuantize) {
  if (!activation && !weight)
    return emitError() << "a qconfig needs an activation or a weight side; "
                          "a None qconfig is the absence of the attribute";
  if (activationFakeQuantize && !activation)
    return emitError() << "activation_fake_quantize needs an activation "
                          "observer";
  if (weightFakeQuantize && !weight)
    return emitError() << "weight_fake_quantize needs a weight observer";
  return success();
}
