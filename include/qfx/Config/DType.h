//===- DType.h - Quantization dtypes and qschemes ---------------*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// The torch dtypes and qschemes that appear in quantization configs, spelled
// as PyTorch spells them (`quint8`, `per_tensor_affine`).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_CONFIG_DTYPE_H
#define QFX_CONFIG_DTYPE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace qfx::config {

/// A torch dtype usable in a quantization config. `torch.float` is Float32.
enum class DType { QUInt8, QInt8, QInt32, QUInt4x2, Float16, Float32 };

/// A torch qscheme.
enum class QScheme {
  PerTensorAffine,
  PerTensorSymmetric,
  PerChannelAffine,
  PerChannelSymmetric,
  PerChannelAffineFloatQParams,
};

/// Returns the torch name of `dtype` (`quint8`, `float32`, ...).
llvm::StringRef stringifyDType(DType dtype);
/// Parses a torch dtype name; accepts `float` as an alias of `float32` and
/// `half` as an alias of `float16`.
std::optional<DType> symbolizeDType(llvm::StringRef name);

/// Returns the torch name of `qscheme` (`per_tensor_affine`, ...).
llvm::StringRef stringifyQScheme(QScheme qscheme);
/// Parses a torch qscheme name.
std::optional<QScheme> symbolizeQScheme(llvm::StringRef name);

/// True for the quantized integer dtypes (quint8, qint8, qint32, quint4x2).
bool isQuantizedDType(DType dtype);
/// The representable range of a quantized dtype (torch.iinfo); std::nullopt
/// for float dtypes.
std::optional<std::pair<int64_t, int64_t>> getDTypeRange(DType dtype);

bool isPerTensor(QScheme qscheme);
bool isPerChannel(QScheme qscheme);
bool isSymmetric(QScheme qscheme);

} // namespace qfx::config

#endif // QFX_CONFIG_DTYPE_H
