//===- RequantizeRow.cpp - Vectorised requantization epilogue -------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "Avx2Requant.h"

using namespace qfx::kern;

bool qfx::kern::cpuHasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

namespace {
QFX_AVX2 void rowFloatAvx2(const Requantizer &rq, const int32_t *acc,
                           uint8_t *out, int64_t oc) {
  const FloatRequant8 k = broadcastRequant(rq);
  int64_t c = 0;
  for (; c + 8 <= oc; c += 8) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(acc + c));
    storeU8x8(out + c, requantFloat8(a, k, c));
  }
  for (; c < oc; ++c)
    out[c] = rq.channel(acc[c], c);
}
/// Group channels [from, ocg) of one pixel: \p hi (and \p lo when split)
/// index the group's accumulators, channel c0 + j its outputs.
void groupScalar(const Requantizer &rq, const int32_t *hi, const int32_t *lo,
                 const int32_t *offset, uint8_t *out, int64_t c0, int64_t from,
                 int64_t ocg) {
  for (int64_t j = from; j < ocg; ++j)
    out[c0 + j] =
        rq.channel((lo ? hi[j] + lo[j] : hi[j]) - offset[c0 + j], c0 + j);
}

QFX_AVX2 void pixelsAvx2(const Requantizer &rq, const int32_t *acc,
                         int64_t pixels, int64_t oc, int64_t groups, bool split,
                         const int32_t *offset, uint8_t *out) {
  const FloatRequant8 k = broadcastRequant(rq);
  const int64_t ocg = oc / groups, stride = split ? 2 * oc : oc;
  for (int64_t p = 0; p < pixels; ++p, acc += stride, out += oc)
    for (int64_t g = 0; g < groups; ++g) {
      const int32_t *hi = acc + g * ocg * (split ? 2 : 1);
      const int32_t *lo = split ? hi + ocg : nullptr;
      const int64_t c0 = g * ocg;
      int64_t j = 0;
      for (; j + 8 <= ocg; j += 8) {
        __m256i v =
            _mm256_loadu_si256(reinterpret_cast<const __m256i *>(hi + j));
        if (lo)
          v = _mm256_add_epi32(
              v, _mm256_loadu_si256(reinterpret_cast<const __m256i *>(lo + j)));
        v = _mm256_sub_epi32(
            v, _mm256_loadu_si256(
                   reinterpret_cast<const __m256i *>(offset + c0 + j)));
        storeU8x8(out + c0 + j, requantFloat8(v, k, c0 + j));
      }
      groupScalar(rq, hi, lo, offset, out, c0, j, ocg);
    }
}
} // namespace

void Requantizer::pixels(const int32_t *acc, int64_t pixels, int64_t groups,
                         bool split, const int32_t *offset,
                         uint8_t *out) const {
  const int64_t oc = d_.oc, ocg = oc / groups;
  if (isFloat() && cpuHasAvx2()) {
    pixelsAvx2(*this, acc, pixels, oc, groups, split, offset, out);
    return;
  }
  for (int64_t p = 0; p < pixels; ++p, acc += split ? 2 * oc : oc, out += oc)
    for (int64_t g = 0; g < groups; ++g) {
      const int32_t *hi = acc + g * ocg * (split ? 2 : 1);
      groupScalar(*this, hi, split ? hi + ocg : nullptr, offset, out, g * ocg,
                  0, ocg);
    }
}

void Requantizer::rowFast(const int32_t *acc, uint8_t *out) const {
  if (isFloat() && cpuHasAvx2())
    rowFloatAvx2(*this, acc, out, d_.oc);
  else
    row(acc, out);
}
