//===- QParams.cpp - Quantization parameter math --------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every expression below mirrors one float32 tensor operation of PyTorch
// 1.13's _calculate_qparams; Python scalars enter float32 ops rounded to
// float32 first. Keep the operation order when editing.
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/QParams.h"
#include "qfx/Runtime/TorchMath.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

using namespace qfx::rt;

const char *qfx::rt::qdtypeName(QDType dtype) {
  switch (dtype) {
  case QDType::QUInt8:
    return "quint8";
  case QDType::QInt8:
    return "qint8";
  case QDType::QInt32:
    return "qint32";
  case QDType::QUInt4x2:
    return "quint4x2";
  case QDType::Float16:
    return "float16";
  case QDType::Float32:
    return "float32";
  }
  return "unknown";
}

const char *qfx::rt::qschemeName(QScheme qscheme) {
  switch (qscheme) {
  case QScheme::PerTensorAffine:
    return "per_tensor_affine";
  case QScheme::PerTensorSymmetric:
    return "per_tensor_symmetric";
  case QScheme::PerChannelAffine:
    return "per_channel_affine";
  case QScheme::PerChannelSymmetric:
    return "per_channel_symmetric";
  case QScheme::PerChannelAffineFloatQParams:
    return "per_channel_affine_float_qparams";
  }
  return "unknown";
}

/// Strips an optional "torch." prefix.
static const char *stripTorch(const char *name) {
  return std::strncmp(name, "torch.", 6) == 0 ? name + 6 : name;
}

std::optional<QDType> qfx::rt::parseQDType(const char *name) {
  name = stripTorch(name);
  for (QDType d : {QDType::QUInt8, QDType::QInt8, QDType::QInt32,
                   QDType::QUInt4x2, QDType::Float16, QDType::Float32})
    if (std::strcmp(name, qdtypeName(d)) == 0)
      return d;
  if (std::strcmp(name, "float") == 0)
    return QDType::Float32;
  if (std::strcmp(name, "half") == 0)
    return QDType::Float16;
  return std::nullopt;
}

std::optional<QScheme> qfx::rt::parseQScheme(const char *name) {
  name = stripTorch(name);
  for (QScheme q : {QScheme::PerTensorAffine, QScheme::PerTensorSymmetric,
                    QScheme::PerChannelAffine, QScheme::PerChannelSymmetric,
                    QScheme::PerChannelAffineFloatQParams})
    if (std::strcmp(name, qschemeName(q)) == 0)
      return q;
  return std::nullopt;
}

bool qfx::rt::isPerTensor(QScheme qscheme) {
  return qscheme == QScheme::PerTensorAffine ||
         qscheme == QScheme::PerTensorSymmetric;
}

bool qfx::rt::isPerChannel(QScheme qscheme) { return !isPerTensor(qscheme); }

bool qfx::rt::isSymmetric(QScheme qscheme) {
  return qscheme == QScheme::PerTensorSymmetric ||
         qscheme == QScheme::PerChannelSymmetric;
}

Expected<double> qfx::rt::histogramDstBins(QDType dtype) {
  switch (dtype) {
  case QDType::QUInt8:
  case QDType::QInt8:
  case QDType::QUInt4x2:
    return 256.0;
  case QDType::QInt32:
    return 4294967296.0;
  default:
    return Status::error(std::string("no integer bit width for dtype ") +
                         qdtypeName(dtype));
  }
}

Status qfx::rt::validateQRange(int64_t quantMin, int64_t quantMax) {
  if (!(quantMin <= 0 && 0 <= quantMax))
    return Status::error("user-specified quantization range must include 0 "
                         "(quant_min=" +
                         std::to_string(quantMin) +
                         ", quant_max=" + std::to_string(quantMax) + ")");
  if (!(quantMin < quantMax))
    return Status::error("quant_min must be strictly less than quant_max "
                         "for a user-specified quantization range");
  return Status::success();
}

/// Python's floor division for integers.
static int64_t floorDiv2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

Expected<QRange> qfx::rt::calculateQMinQMax(QDType dtype, bool reduceRange,
                                            std::optional<int64_t> quantMin,
                                            std::optional<int64_t> quantMax) {
  if (quantMin && quantMax) {
    int64_t qrangeLen = *quantMax - *quantMin + 1;
    if (dtype == QDType::QInt8 && !(0 < qrangeLen && qrangeLen <= 256))
      return Status::error("quantization range should be positive and not "
                           "exceed the maximum bit range (=256)");
    if (dtype == QDType::QInt32 &&
        !(0 < qrangeLen && qrangeLen <= (int64_t(1) << 31)))
      return Status::error("quantization range should be positive and not "
                           "exceed the maximum bit range (=4294967296)");
    if (reduceRange)
      return QRange{floorDiv2(*quantMin), floorDiv2(*quantMax)};
    return QRange{*quantMin, *quantMax};
  }
  switch (dtype) {
  case QDType::QInt8:
    return reduceRange ? QRange{-64, 63} : QRange{-128, 127};
  case QDType::QUInt8:
    return reduceRange ? QRange{0, 127} : QRange{0, 255};
  case QDType::QInt32:
    return QRange{-(int64_t(1) << 31), (int64_t(1) << 31) - 1};
  default:
    // PyTorch's fallback branch, reached by quint4x2 (and any other dtype).
    return QRange{0, 15};
  }
}

QParams qfx::rt::defaultQParams() {
  QParams p;
  p.scales = {1.0f};
  p.zeroPoints = {0};
  return p;
}

Expected<QParams> qfx::rt::calculateQParams(const std::vector<float> &minVals,
                                            const std::vector<float> &maxVals,
                                            const QParamsConfig &config,
                                            bool isScalar) {
  if (minVals.size() != maxVals.size())
    return Status::error("calculateQParams: min and max have different sizes");
  if (minVals.empty())
    return defaultQParams();
  const float inf = std::numeric_limits<float>::infinity();
  if (isScalar && minVals.size() == 1 && minVals[0] == inf &&
      maxVals[0] == -inf)
    return defaultQParams();
  for (size_t i = 0; i < minVals.size(); ++i) {
    if (!(minVals[i] <= maxVals[i]))
      return Status::error(
          "min " + std::to_string(minVals[i]) + " should be less than max " +
          std::to_string(maxVals[i]) + " (channel " + std::to_string(i) + ")");
  }

  const int64_t qmin = config.quantMin, qmax = config.quantMax;
  const float eps = config.eps;
  const size_t n = minVals.size();
  QParams out;
  out.scales.resize(n);

  if (config.qscheme == QScheme::PerChannelAffineFloatQParams) {
    const float range = static_cast<float>(static_cast<double>(qmax - qmin));
    out.floatZeroPoints.resize(n);
    for (size_t i = 0; i < n; ++i) {
      float scale = (maxVals[i] - minVals[i]) / range;
      scale = scale > eps ? scale : 1.0f;
      out.scales[i] = scale;
      out.floatZeroPoints[i] = (-1.0f * minVals[i]) / scale;
    }
    return out;
  }

  out.zeroPoints.resize(n);
  if (isSymmetric(config.qscheme)) {
    const float halfRange =
        static_cast<float>(static_cast<double>(qmax - qmin) / 2.0);
    int64_t zp = 0;
    if (config.dtype == QDType::QUInt8)
      zp = config.hasCustomizedQRange ? floorDiv2(qmin + qmax) : 128;
    for (size_t i = 0; i < n; ++i) {
      float minNeg = std::min(minVals[i], 0.0f);
      float maxPos = std::max(maxVals[i], 0.0f);
      maxPos = std::max(-minNeg, maxPos);
      float scale = maxPos / halfRange;
      out.scales[i] = std::max(scale, eps);
      out.zeroPoints[i] = zp;
    }
    return out;
  }

  const float range = static_cast<float>(static_cast<double>(qmax - qmin));
  for (size_t i = 0; i < n; ++i) {
    float minNeg = std::min(minVals[i], 0.0f);
    float maxPos = std::max(maxVals[i], 0.0f);
    float scale = std::max((maxPos - minNeg) / range, eps);
    // `quant_min - round(min/scale).to(torch.int)` runs in int32 and wraps.
    int32_t rounded = castToInt32(roundHalfEven(minNeg / scale));
    int32_t zp = static_cast<int32_t>(static_cast<uint32_t>(qmin) -
                                      static_cast<uint32_t>(rounded));
    out.scales[i] = scale;
    out.zeroPoints[i] = std::clamp<int64_t>(zp, qmin, qmax);
  }
  return out;
}

std::pair<double, int64_t>
qfx::rt::chooseQuantizationParams(float min, float max, int64_t qmin,
                                  int64_t qmax, bool symmetric) {
  // ATen's quant_utils::ChooseQuantizationParams with preserve_sparsity =
  // symmetric, as fused_moving_avg_obs_fake_quant and dynamic quantization
  // call it: double
  // intermediates, no eps but a 6.1e-5 scale floor, and a zero point from
  // whichever end adds the smaller terms.
  constexpr float kSmallScale = 6.1e-5f;
  const auto qminI = static_cast<int32_t>(qmin);
  const auto qmaxI = static_cast<int32_t>(qmax);
  if (min < 0 && max > 0 && symmetric) {
    const int32_t symQmin = -((qmaxI - qminI) / 2 + 1);
    const int32_t symQmax = (qmaxI - qminI) / 2;
    const double maxScale =
        std::max(std::fabs(min / symQmin), std::fabs(max / symQmax));
    min = static_cast<float>(maxScale * symQmin);
    max = static_cast<float>(maxScale * symQmax);
  }
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  double scale = (static_cast<double>(max) - min) / (qmaxI - qminI);
  if (static_cast<float>(scale) == 0.0f ||
      std::isinf(1.0f / static_cast<float>(scale)))
    scale = 0.1;
  if (scale < kSmallScale) {
    const auto orgScale = static_cast<float>(scale);
    scale = kSmallScale;
    if (min == 0.0f) {
      max = kSmallScale * (qmaxI - qminI);
    } else if (max == 0.0f) {
      min = -kSmallScale * (qmaxI - qminI);
    } else {
      const float amplifier = kSmallScale / orgScale;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const double zpFromMin = qminI - min / scale;
  const double zpFromMax = qmaxI - max / scale;
  const double zpFromMinError = std::abs(qminI) - std::abs(min / scale);
  const double zpFromMaxError = std::abs(qmaxI) - std::abs(max / scale);
  double initialZp = zpFromMinError < zpFromMaxError ? zpFromMin : zpFromMax;
  if (min < 0 && max > 0 && symmetric)
    initialZp = static_cast<double>(qminI + qmaxI) / 2;
  int64_t zp;
  if (initialZp < qminI)
    zp = qminI;
  else if (initialZp > qmaxI)
    zp = qmaxI;
  else
    zp = static_cast<int64_t>(std::nearbyint(initialZp));
  return {scale, zp};
}
