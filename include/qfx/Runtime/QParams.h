//===- QParams.h - Quantization parameter math ------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Quantized dtypes, quantization schemes, the [quant_min, quant_max] table and
// the computation of scales and zero points from observed ranges. Numerics
// follow PyTorch 1.13's UniformQuantizationObserverBase._calculate_qparams
// bit for bit (float32 arithmetic, round half to even); see docs/numerics.md.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_QPARAMS_H
#define QFX_RUNTIME_QPARAMS_H

#include "qfx/Runtime/Status.h"

#include <cfloat>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace qfx::rt {

/// Quantized element types (torch.quint8, ...). Float16/Float32 are only
/// meaningful for pass-through observers (dynamic or fp16 quantization).
enum class QDType : uint8_t {
  QUInt8,
  QInt8,
  QInt32,
  QUInt4x2,
  Float16,
  Float32
};

/// Quantization schemes (torch.per_tensor_affine, ...).
enum class QScheme : uint8_t {
  PerTensorAffine,
  PerTensorSymmetric,
  PerChannelAffine,
  PerChannelSymmetric,
  PerChannelAffineFloatQParams,
};

/// PyTorch spelling of \p dtype without the "torch." prefix ("quint8", ...).
const char *qdtypeName(QDType dtype);
/// PyTorch spelling of \p qscheme ("per_tensor_affine", ...).
const char *qschemeName(QScheme qscheme);
/// Parses a PyTorch dtype name (with or without "torch.").
std::optional<QDType> parseQDType(const char *name);
/// Parses a PyTorch qscheme name (with or without "torch.").
std::optional<QScheme> parseQScheme(const char *name);

/// True for the two per-tensor schemes.
bool isPerTensor(QScheme qscheme);
/// True for the three per-channel schemes.
bool isPerChannel(QScheme qscheme);
/// True for the two symmetric schemes.
bool isSymmetric(QScheme qscheme);
/// Number of destination bins of the histogram search: 2 ** iinfo(dtype).bits
/// (256 for quint4x2, which torch.iinfo reports as 8 bits).
Expected<double> histogramDstBins(QDType dtype);

/// An inclusive quantized range.
struct QRange {
  int64_t quantMin = 0;
  int64_t quantMax = 255;
};

/// Validates a user range like _validate_qmin_qmax: 0 must lie inside and
/// quantMin < quantMax.
Status validateQRange(int64_t quantMin, int64_t quantMax);

/// The effective range, as torch.ao.quantization.utils.calculate_qmin_qmax.
/// A customized range needs both bounds; with only one bound the default
/// 8-bit table is used (as in PyTorch). reduce_range halves a customized
/// range with floor division and selects the 7-bit defaults otherwise.
Expected<QRange> calculateQMinQMax(QDType dtype, bool reduceRange,
                                   std::optional<int64_t> quantMin,
                                   std::optional<int64_t> quantMax);

/// Everything _calculate_qparams reads from an observer.
struct QParamsConfig {
  QDType dtype = QDType::QUInt8;
  QScheme qscheme = QScheme::PerTensorAffine;
  int64_t quantMin = 0;
  int64_t quantMax = 255;
  /// True when the user gave both quant_min and quant_max.
  bool hasCustomizedQRange = false;
  /// Lower bound on scales (stored as float32, like the `eps` buffer).
  float eps = FLT_EPSILON;
};

/// Scales and zero points, one per channel (one entry for per-tensor).
struct QParams {
  std::vector<float> scales;
  /// Integer zero points (empty for per_channel_affine_float_qparams).
  std::vector<int64_t> zeroPoints;
  /// Float zero points (only for per_channel_affine_float_qparams).
  std::vector<float> floatZeroPoints;

  bool hasFloatZeroPoints() const { return !floatZeroPoints.empty(); }
  size_t size() const { return scales.size(); }
};

/// The default parameters PyTorch returns for an observer that saw no data:
/// scale [1.0], zero point [0].
QParams defaultQParams();

/// Computes qparams from per-channel (or a single per-tensor) min/max values,
/// like UniformQuantizationObserverBase._calculate_qparams.
///
/// \p isScalar distinguishes the 0-dim min/max of per-tensor observers (where
/// +inf/-inf means "never observed" and yields defaultQParams()) from 1-d
/// per-channel arrays (where an empty array yields defaultQParams()). Fails
/// when some min exceeds its max (PyTorch asserts).
Expected<QParams> calculateQParams(const std::vector<float> &minVals,
                                   const std::vector<float> &maxVals,
                                   const QParamsConfig &config, bool isScalar);

/// ATen's quant_utils::ChooseQuantizationParams(min, max, qmin, qmax,
/// preserve_sparsity = \p symmetric): the (scale, zero point) that
/// torch.fused_moving_avg_obs_fake_quant stores and fake-quantizes with (the
/// scale narrowed to float) and dynamic quantization chooses per call (the
/// scale kept as the double a quantized tensor stores). It differs from
/// calculateQParams (double arithmetic, 6.1e-5 scale floor, a symmetric
/// scale of max(|min| / 128, |max| / 127) for qint8).
std::pair<double, int64_t> chooseQuantizationParams(float min, float max,
                                                    int64_t qmin, int64_t qmax,
                                                    bool symmetric);

} // namespace qfx::rt

#endif // QFX_RUNTIME_QPARAMS_H
