//===- DType.cpp - Quantization dtypes and qschemes -----------------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/DType.h"

#include "llvm/ADT/StringSwitch.h"

using namespace qfx::config;

llvm::StringRef qfx::config::stringifyDType(DType dtype) {
  switch (dtype) {
  case DType::QUInt8:
    return "quint8";
  case DType::QInt8:
    return "qint8";
  case DType::QInt32:
    return "qint32";
  case DType::QUInt4x2:
    return "quint4x2";
  case DType::Float16:
    return "float16";
  case DType::Float32:
    return "float32";
  }
  llvm_unreachable("unknown DType");
}

std::optional<DType> qfx::config::symbolizeDType(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<DType>>(name)
      .Case("quint8", DType::QUInt8)
      .Case("qint8", DType::QInt8)
      .Case("qint32", DType::QInt32)
      .Case("quint4x2", DType::QUInt4x2)
      .Cases({"float16", "half"}, DType::Float16)
      .Cases({"float32", "float"}, DType::Float32)
      .Default(std::nullopt);
}

llvm::StringRef qfx::config::stringifyQScheme(QScheme qscheme) {
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
  llvm_unreachable("unknown QScheme");
}

std::optional<QScheme> qfx::config::symbolizeQScheme(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<QScheme>>(name)
      .Case("per_tensor_affine", QScheme::PerTensorAffine)
      .Case("per_tensor_symmetric", QScheme::PerTensorSymmetric)
      .Case("per_channel_affine", QScheme::PerChannelAffine)
      .Case("per_channel_symmetric", QScheme::PerChannelSymmetric)
      .Case("per_channel_affine_float_qparams",
            QScheme::PerChannelAffineFloatQParams)
      .Default(std::nullopt);
}

bool qfx::config::isQuantizedDType(DType dtype) {
  return dtype != DType::Float16 && dtype != DType::Float32;
}

std::optional<std::pair<int64_t, int64_t>> qfx::config::getDTypeRange(DType dtype) {
  switch (dtype) {
  case DType::QUInt8:
    return std::make_pair<int64_t, int64_t>(0, 255);
  case DType::QInt8:
    return std::make_pair<int64_t, int64_t>(-128, 127);
  case DType::QInt32:
    return std::make_pair<int64_t, int64_t>(-(int64_t(1) << 31),
                                            (int64_t(1) << 31) - 1);
  case DType::QUInt4x2:
    return std::make_pair<int64_t, int64_t>(0, 15);
  case DType::Float16:
  case DType::Float32:
    return std::nullopt;
  }
  llvm_unreachable("unknown DType");
}

bool qfx::config::isPerTensor(QScheme q) {
  return q == QScheme::PerTensorAffine || q == QScheme::PerTensorSymmetric;
}

bool qfx::config::isPerChannel(QScheme q) { return !isPerTensor(q); }

bool qfx::config::isSymmetric(QScheme q) {
  return q == QScheme::PerTensorSymmetric || q == QScheme::PerChannelSymmetric;
}
