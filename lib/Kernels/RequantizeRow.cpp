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
} // namespace

void Requantizer::rowFast(const int32_t *acc, uint8_t *out) const {
  if (isFloat() && cpuHasAvx2())
    rowFloatAvx2(*this, acc, out, d_.oc);
  else
    row(acc, out);
}
