//===- EmbeddingBagKernel.h - Embedding bags on packed rows -----*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// nn.EmbeddingBag over a weight-only quantized table (float qparams per row,
// quint8 or quint4x2), reading the packed rows directly. Each element is
// dequantized as the reference model's dequantize_float_qparams does,
// (float(q) - zero_point[r]) * scale[r], and reduced in index order with the
// reference model's float32 operations, so the result is the reference
// model's bit for bit (docs/kernels.md, "Embedding bags").
//
//===----------------------------------------------------------------------===//

#ifndef QFX_KERNELS_EMBEDDINGBAGKERNEL_H
#define QFX_KERNELS_EMBEDDINGBAGKERNEL_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qfx::kern {

/// A quantized embedding table: rows x dim values of `bits` (8: quint8, one
/// per byte; 4: quint4x2, two per byte, element 2i in the low nibble), with
/// a float32 scale and zero point per row.
struct PackedEmbedding {
  int64_t rows = 0, dim = 0;
  int bits = 8;
  std::vector<uint8_t> data; ///< rows x rowBytes().
  std::vector<float> scales, zeroPoints;
  int64_t rowBytes() const { return bits == 8 ? dim : (dim + 1) / 2; }
  uint8_t at(int64_t r, int64_t j) const {
    const uint8_t *row = data.data() + r * rowBytes();
    return bits == 8 ? row[j] : uint8_t((row[j / 2] >> (4 * (j % 2))) & 15);
  }
  /// Packs unpacked codes (rows x dim, one per byte).
  static PackedEmbedding pack(int64_t rows, int64_t dim, int bits,
                              const std::vector<uint8_t> &codes,
                              std::vector<float> scales,
                              std::vector<float> zeroPoints);
  std::string validate() const;
};

enum class EmbeddingBagMode : uint8_t { Sum, Mean, Max };

/// One call's bags: with offsets (1-d indices, numOffsets offsets) or, with
/// bagSize > 0 (offsets null), numIndices / bagSize bags of bagSize indices.
struct EmbeddingBagArgs {
  const int64_t *indices = nullptr;
  int64_t numIndices = 0;
  const int64_t *offsets = nullptr;
  int64_t numOffsets = 0;
  int64_t bagSize = 0;
  const float *perSampleWeights = nullptr; ///< Sum only.
  EmbeddingBagMode mode = EmbeddingBagMode::Sum;
  bool includeLastOffset = false;
  std::optional<int64_t> paddingIdx;
  /// bagSize > 0: fixed-size bags; otherwise one bag per offset.
  int64_t bags() const {
    return bagSize ? numIndices / bagSize
                   : numOffsets - (includeLastOffset ? 1 : 0);
  }
};

/// Writes bags() x dim floats; returns "" or what was wrong (an index out
/// of range, offsets not increasing). \p avx2: dequantize rows eight values
/// at a time (the same float32 operations; ignored without AVX2).
std::string embeddingBag(const PackedEmbedding &t, const EmbeddingBagArgs &a,
                         float *out, bool avx2);
/// Whether embeddingBag(..., avx2 = true) uses AVX2 on this CPU.
bool embeddingBagHasAvx2();

} // namespace qfx::kern

#endif // QFX_KERNELS_EMBEDDINGBAGKERNEL_H
