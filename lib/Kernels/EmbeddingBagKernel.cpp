//===- EmbeddingBagKernel.cpp - Embedding bags on packed rows -------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The bag semantics are the reference model's float embedding_bag (ATen
// 1.13, as qfx-run's float kernel implements it), including its quirk for
// mean bags with include_last_offset. Each row is dequantized into a
// scratch row first, eight values at a time with AVX2 where the CPU has it:
// the per-element operations (int -> float, subtract the zero point,
// multiply by the scale) are the scalar ones, so both paths are identical.
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/EmbeddingBagKernel.h"
#include "qfx/Kernels/QuantizedKernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace qfx::kern;

PackedEmbedding PackedEmbedding::pack(int64_t rows, int64_t dim, int bits,
                                      const std::vector<uint8_t> &codes,
                                      std::vector<float> scales,
                                      std::vector<float> zeroPoints) {
  PackedEmbedding t;
  t.rows = rows, t.dim = dim, t.bits = bits;
  t.scales = std::move(scales);
  t.zeroPoints = std::move(zeroPoints);
  t.data.assign(rows * t.rowBytes(), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < dim; ++j) {
      uint8_t q = codes[r * dim + j];
      if (bits == 8)
        t.data[r * dim + j] = q;
      else
        t.data[r * t.rowBytes() + j / 2] |= uint8_t((q & 15) << (4 * (j % 2)));
    }
  return t;
}

std::string PackedEmbedding::validate() const {
  if (bits != 8 && bits != 4)
    return "embedding tables hold 8-bit or 4-bit codes";
  if (rows < 0 || dim < 1 ||
      static_cast<int64_t>(data.size()) != rows * rowBytes())
    return "embedding table data does not match rows x dim";
  if (static_cast<int64_t>(scales.size()) != rows ||
      static_cast<int64_t>(zeroPoints.size()) != rows)
    return "embedding tables need one scale and zero point per row";
  return "";
}

bool qfx::kern::embeddingBagHasAvx2() { return cpuHasAvx2(); }

namespace {

/// The reference model's dequantize_float_qparams of one row.
void dequantizeRow(const PackedEmbedding &t, int64_t r, float *y) {
  const float s = t.scales[r], zp = t.zeroPoints[r];
  for (int64_t j = 0; j < t.dim; ++j)
    y[j] = (static_cast<float>(t.at(r, j)) - zp) * s;
}

__attribute__((target("avx2"))) void dequantizeRowAvx2(const PackedEmbedding &t,
                                                       int64_t r, float *y) {
  const uint8_t *row = t.data.data() + r * t.rowBytes();
  const __m256 s = _mm256_set1_ps(t.scales[r]),
               zp = _mm256_set1_ps(t.zeroPoints[r]);
  int64_t j = 0;
  if (t.bits == 8) {
    for (; j + 8 <= t.dim; j += 8) {
      __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(row + j));
      __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
      _mm256_storeu_ps(y + j, _mm256_mul_ps(_mm256_sub_ps(q, zp), s));
    }
  } else {
    const __m128i low = _mm_set1_epi8(15);
    for (; j + 8 <= t.dim; j += 8) {
      // Four bytes hold eight codes: low nibbles are the even elements.
      int32_t four;
      std::memcpy(&four, row + j / 2, 4);
      __m128i b = _mm_cvtsi32_si128(four);
      __m128i lo = _mm_and_si128(b, low);
      __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), low);
      __m128i codes = _mm_unpacklo_epi8(lo, hi); // e0 e1 e2 ... e7
      __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(codes));
      _mm256_storeu_ps(y + j, _mm256_mul_ps(_mm256_sub_ps(q, zp), s));
    }
  }
  const float ss = t.scales[r], z = t.zeroPoints[r];
  for (; j < t.dim; ++j)
    y[j] = (static_cast<float>(t.at(r, j)) - z) * ss;
}

} // namespace

std::string qfx::kern::embeddingBag(const PackedEmbedding &t,
                                    const EmbeddingBagArgs &a, float *out,
                                    bool avx2) {
  avx2 = avx2 && cpuHasAvx2();
  const int64_t dim = t.dim, bags = a.bags();
  std::vector<float> row(dim);
  for (int64_t b = 0; b < bags; ++b) {
    int64_t begin, end;
    if (a.bagSize) {
      begin = b * a.bagSize;
      end = begin + a.bagSize;
    } else {
      begin = a.offsets[b];
      end = b + 1 < a.numOffsets ? a.offsets[b + 1] : a.numIndices;
      if (begin < 0 || end > a.numIndices || begin > end)
        return "embedding_bag: offsets are not increasing within [0, " +
               std::to_string(a.numIndices) + "]";
    }
    float *y = out + b * dim;
    std::fill(y, y + dim,
              a.mode == EmbeddingBagMode::Max
                  ? -std::numeric_limits<float>::infinity()
                  : 0.0f);
    int64_t count = 0;
    for (int64_t i = begin; i < end; ++i) {
      const int64_t r = a.indices[i];
      if (r < 0 || r >= t.rows)
        return "index " + std::to_string(r) +
               " is out of range for an embedding of " +
               std::to_string(t.rows) + " rows";
      if (a.paddingIdx && r == *a.paddingIdx)
        continue;
      ++count;
      if (avx2)
        dequantizeRowAvx2(t, r, row.data());
      else
        dequantizeRow(t, r, row.data());
      if (a.mode == EmbeddingBagMode::Max) {
        for (int64_t j = 0; j < dim; ++j)
          y[j] = std::max(y[j], row[j]);
      } else {
        if (a.perSampleWeights) {
          // ATen scales with BLAS axpy, which fuses the multiply-add.
          const float s = a.perSampleWeights[i];
          for (int64_t j = 0; j < dim; ++j)
            y[j] = std::fma(s, row[j], y[j]);
        } else {
          for (int64_t j = 0; j < dim; ++j)
            y[j] += row[j];
        }
      }
    }
    // ATen quirk: with include_last_offset the mean of the last bag divides
    // by the number of indices from its offset to the end of `indices`,
    // although only [offset, last offset) is summed.
    if (a.mode == EmbeddingBagMode::Mean && a.includeLastOffset && a.offsets &&
        b == bags - 1 && count > 0)
      count += a.numIndices - end;
    if (count == 0)
      std::fill(y, y + dim, 0.0f);
    else if (a.mode == EmbeddingBagMode::Mean)
      for (int64_t j = 0; j < dim; ++j)
        y[j] /= static_cast<float>(count);
  }
  return "";
}
