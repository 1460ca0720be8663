//===- ClipCorrection.cpp - Clipped input and sparse exact correction -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The two loops of a corrected oneDNN run (OneDnnConv.cpp): clipping the
// input to the direct kernel's limit while listing the values above it, and
// adding (x - limit) * w of each such value to the int32 accumulators. With
// full-range activations a few percent of the values exceed the limit, so
// both run on every input and every listed value: AVX2 where the CPU has it.
//
//===----------------------------------------------------------------------===//

#include "Avx2Requant.h"

using namespace qfx::kern;

namespace {
void push(std::vector<ClippedValue> &out, uint32_t i, uint32_t c,
          int32_t rest) {
  out.push_back(
      {static_cast<int32_t>(i / c), static_cast<int32_t>(i % c), rest});
}

void clipRowScalar(const uint8_t *src, uint8_t *dst, int64_t from, int64_t len,
                   uint32_t c, uint8_t limit, std::vector<ClippedValue> &out) {
  for (int64_t i = from; i < len; ++i) {
    dst[i] = std::min(src[i], limit);
    if (src[i] > limit)
      push(out, i, c, int32_t(src[i]) - limit);
  }
}

QFX_AVX2 void clipRowAvx2(const uint8_t *src, uint8_t *dst, int64_t len,
                          uint32_t c, uint8_t limit,
                          std::vector<ClippedValue> &out) {
  const __m256i lim = _mm256_set1_epi8(static_cast<char>(limit));
  int64_t i = 0;
  for (; i + 32 <= len; i += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + i));
    __m256i m = _mm256_min_epu8(v, lim);
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + i), m);
    // Bits of the bytes that changed, i.e. were above the limit.
    uint32_t above =
        ~static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, v)));
    while (above) {
      int b = __builtin_ctz(above);
      above &= above - 1;
      push(out, i + b, c, int32_t(src[i + b]) - limit);
    }
  }
  clipRowScalar(src, dst, i, len, c, limit, out);
}

/// acc[j] += sum_e rest[e] * w[e][tap + j] for j < n: the values of one
/// input pixel that feed one output pixel through one tap.
void addScaledScalar(int32_t *acc, const int8_t *const *w, int64_t tap,
                     const int32_t *rest, int64_t count, int64_t n) {
  for (int64_t e = 0; e < count; ++e)
    for (int64_t j = 0; j < n; ++j)
      acc[j] += rest[e] * int32_t(w[e][tap + j]);
}

/// 16 int8 weights widened to int16.
QFX_AVX2 inline __m256i loadWeights(const int8_t *w) {
  return _mm256_cvtepi8_epi16(
      _mm_loadu_si128(reinterpret_cast<const __m128i *>(w)));
}

/// addScaledScalar on 16 * B channels from j, in registers: one loop over
/// the values per block (the branch at its end is what costs, not the
/// arithmetic), two values per step. vpmaddwd multiplies the interleaved
/// int16 weights of two values by their two rests and adds the pair into
/// int32 lanes: exact for any rest and weight (two int16 x int16 products
/// cannot overflow an int32), half the instructions of one value at a time.
/// Interleaving within 128-bit lanes puts channels {0-3, 8-11} of a block in
/// one accumulator and {4-7, 12-15} in the other; the block is permuted so
/// on load and back on store.
template <int B>
QFX_AVX2 inline void addBlockAvx2(int32_t *acc, const int8_t *const *w,
                                  int64_t tap, const int32_t *rest,
                                  int64_t count) {
  __m256i a[2 * B];
  for (int k = 0; k < B; ++k) {
    __m256i lo =
        _mm256_loadu_si256(reinterpret_cast<const __m256i *>(acc + 16 * k));
    __m256i hi =
        _mm256_loadu_si256(reinterpret_cast<const __m256i *>(acc + 16 * k + 8));
    a[2 * k] = _mm256_permute2x128_si256(lo, hi, 0x20);
    a[2 * k + 1] = _mm256_permute2x128_si256(lo, hi, 0x31);
  }
  int64_t e = 0;
  for (; e + 2 <= count; e += 2) {
    // Each int32 lane holds the pair (rest[e], rest[e + 1]) as int16s.
    const __m256i r = _mm256_set1_epi32(
        static_cast<int32_t>((static_cast<uint32_t>(rest[e + 1]) << 16) |
                             (static_cast<uint32_t>(rest[e]) & 0xffffu)));
    for (int k = 0; k < B; ++k) {
      __m256i w0 = loadWeights(w[e] + tap + 16 * k),
              w1 = loadWeights(w[e + 1] + tap + 16 * k);
      a[2 * k] = _mm256_add_epi32(
          a[2 * k], _mm256_madd_epi16(_mm256_unpacklo_epi16(w0, w1), r));
      a[2 * k + 1] = _mm256_add_epi32(
          a[2 * k + 1], _mm256_madd_epi16(_mm256_unpackhi_epi16(w0, w1), r));
    }
  }
  if (e < count) {
    // The last value paired with itself at rest 0.
    const __m256i r = _mm256_set1_epi32(
        static_cast<int32_t>(static_cast<uint32_t>(rest[e]) & 0xffffu));
    for (int k = 0; k < B; ++k) {
      __m256i w0 = loadWeights(w[e] + tap + 16 * k);
      a[2 * k] = _mm256_add_epi32(
          a[2 * k], _mm256_madd_epi16(_mm256_unpacklo_epi16(w0, w0), r));
      a[2 * k + 1] = _mm256_add_epi32(
          a[2 * k + 1], _mm256_madd_epi16(_mm256_unpackhi_epi16(w0, w0), r));
    }
  }
  for (int k = 0; k < B; ++k) {
    _mm256_storeu_si256(
        reinterpret_cast<__m256i *>(acc + 16 * k),
        _mm256_permute2x128_si256(a[2 * k], a[2 * k + 1], 0x20));
    _mm256_storeu_si256(
        reinterpret_cast<__m256i *>(acc + 16 * k + 8),
        _mm256_permute2x128_si256(a[2 * k], a[2 * k + 1], 0x31));
  }
}

QFX_AVX2 void addScaledAvx2(int32_t *acc, const int8_t *const *w, int64_t tap,
                            const int32_t *rest, int64_t count, int64_t n) {
  int64_t j = 0;
  for (; j + 64 <= n; j += 64)
    addBlockAvx2<4>(acc + j, w, tap + j, rest, count);
  for (; j + 16 <= n; j += 16)
    addBlockAvx2<1>(acc + j, w, tap + j, rest, count);
  if (j < n)
    addScaledScalar(acc + j, w, tap + j, rest, count, n - j);
}
// Every AVX2 CPU has POPCNT, which "avx2" alone does not enable.
__attribute__((target("avx2,popcnt"))) int64_t
countAboveAvx2(const uint8_t *x, int64_t n, uint8_t limit) {
  const __m256i lim = _mm256_set1_epi8(static_cast<char>(limit));
  int64_t count = 0, i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(x + i));
    // Bytes that min() changed were above the limit.
    count += __builtin_popcount(~static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, lim), v))));
  }
  for (; i < n; ++i)
    count += x[i] > limit;
  return count;
}
} // namespace

int64_t qfx::kern::countAbove(const uint8_t *x, int64_t n, uint8_t limit) {
  if (cpuHasAvx2())
    return countAboveAvx2(x, n, limit);
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i)
    count += x[i] > limit;
  return count;
}

void qfx::kern::clipRow(const uint8_t *src, uint8_t *dst, int64_t len,
                        int64_t c, uint8_t limit,
                        std::vector<ClippedValue> &out) {
  if (cpuHasAvx2())
    clipRowAvx2(src, dst, len, c, limit, out);
  else
    clipRowScalar(src, dst, 0, len, c, limit, out);
}

void qfx::kern::correctClipped(const ConvDesc &d, int64_t factor,
                               const int8_t *wT,
                               const std::vector<ClippedValue> &values,
                               const std::vector<int64_t> &rowStart,
                               int64_t image, int64_t oy0, int64_t oy1,
                               int32_t *acc) {
  // rest = x - limit < 256 is an int16 operand of the AVX2 kernel's madd.
  const bool avx2 = cpuHasAvx2();
  auto add = avx2 ? addScaledAvx2 : addScaledScalar;
  const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups, taps = d.kh * d.kw;
  const int64_t oh = d.oh(), ow = d.ow(), toc = d.oc * factor;
  // The output row / column that tap ky / kx of padded input row / column
  // y / x feeds, or -1: computed once, since divisions are slow.
  auto feeds = [](int64_t in, int64_t k, int64_t dil, int64_t stride,
                  int64_t outSize, std::vector<int32_t> &table) {
    table.assign(in * k, -1);
    for (int64_t v = 0; v < in; ++v)
      for (int64_t t = 0; t < k; ++t) {
        const int64_t o = v - t * dil;
        if (o >= 0 && o % stride == 0 && o / stride < outSize)
          table[v * k + t] = static_cast<int32_t>(o / stride);
      }
  };
  std::vector<int32_t> oyOf, oxOf;
  feeds(d.h + d.padT, d.kh, d.dilH, d.strideH, oh, oyOf);
  feeds(d.w + d.padL, d.kw, d.dilW, d.strideW, ow, oxOf);
  std::vector<const int8_t *> w;
  std::vector<int32_t> rest;
  // The input rows (padded coordinates) that feed output rows [oy0, oy1).
  const int64_t yFirst = std::max(oy0 * d.strideH, d.padT);
  const int64_t yLast =
      std::min((oy1 - 1) * d.strideH + (d.kh - 1) * d.dilH, d.padT + d.h - 1);
  auto inBand = [&](int32_t o) { return o >= oy0 && o < oy1; };
  for (int64_t y = yFirst; y <= yLast; ++y) {
    // Row r is image `image`, padded row y.
    const int64_t r = image * d.h + y - d.padT;
    const int32_t *oys = &oyOf[y * d.kh];
    if (rowStart[r] == rowStart[r + 1] || std::none_of(oys, oys + d.kh, inBand))
      continue; // e.g. odd rows of a strided 1x1 convolution
    for (int64_t e = rowStart[r], next; e < rowStart[r + 1]; e = next) {
      // The values of one pixel and group share their output pixels.
      const int64_t px = values[e].pixel;
      const int64_t g = d.groups == 1 ? 0 : values[e].channel / icg;
      w.clear();
      rest.clear();
      for (next = e; next < rowStart[r + 1] && values[next].pixel == px &&
                     (d.groups == 1 || values[next].channel / icg == g);
           ++next) {
        const int64_t i =
            d.groups == 1 ? values[next].channel : values[next].channel % icg;
        w.push_back(wT + (g * icg + i) * taps * ocg);
        rest.push_back(values[next].rest);
      }
      const int32_t *oxs = &oxOf[(px + d.padL) * d.kw];
      for (int64_t ky = 0; ky < d.kh; ++ky) {
        if (!inBand(oys[ky]))
          continue;
        for (int64_t kx = 0; kx < d.kw; ++kx) {
          if (oxs[kx] < 0)
            continue;
          const int64_t pix = (oys[ky] - oy0) * ow + oxs[kx];
          const int64_t tap = (ky * d.kw + kx) * ocg;
          add(acc + pix * toc + g * ocg * factor, w.data(), tap, rest.data(),
              static_cast<int64_t>(rest.size()), ocg);
        }
      }
    }
  }
}
