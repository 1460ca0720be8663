//===- PoolAvx2.cpp - Vectorised quantized max pooling --------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// qmaxPool (ReferenceKernels.cpp) 32 channels at a time: the maximum of the
// window's valid taps, starting from 0 like the reference (every window has
// a valid tap), so the results are identical. The reference's byte loop
// does not vectorise (its stores may alias the input), and resnet's 3x3 / 2
// max pool took about 3 % of the model.
//
//===----------------------------------------------------------------------===//

#include "Avx2Requant.h"

#include <cstring>

using namespace qfx::kern;

namespace {

QFX_AVX2 void maxPoolAvx2(const PoolDesc &d, const uint8_t *in, uint8_t *out) {
  const int64_t c = d.c;
  std::vector<const uint8_t *> taps(d.kh * d.kw);
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t oy = 0; oy < d.oh; ++oy)
      for (int64_t ox = 0; ox < d.ow; ++ox) {
        size_t nt = 0;
        for (int64_t ky = 0; ky < d.kh; ++ky) {
          const int64_t iy = oy * d.strideH - d.padT + ky * d.dilH;
          if (iy < 0 || iy >= d.h)
            continue;
          for (int64_t kx = 0; kx < d.kw; ++kx) {
            const int64_t ix = ox * d.strideW - d.padL + kx * d.dilW;
            if (ix >= 0 && ix < d.w)
              taps[nt++] = in + ((n * d.h + iy) * d.w + ix) * c;
          }
        }
        uint8_t *o = out + ((n * d.oh + oy) * d.ow + ox) * c;
        int64_t j = 0;
        for (; j + 32 <= c; j += 32) {
          __m256i m = _mm256_setzero_si256();
          for (size_t t = 0; t < nt; ++t)
            m = _mm256_max_epu8(
                m, _mm256_loadu_si256(
                       reinterpret_cast<const __m256i *>(taps[t] + j)));
          _mm256_storeu_si256(reinterpret_cast<__m256i *>(o + j), m);
        }
        for (; j < c; ++j) {
          uint8_t m = 0;
          for (size_t t = 0; t < nt; ++t)
            m = std::max(m, taps[t][j]);
          o[j] = m;
        }
      }
}

} // namespace

void qfx::kern::qmaxPoolFast(const PoolDesc &d, const uint8_t *in,
                             uint8_t *out) {
  if (cpuHasAvx2())
    maxPoolAvx2(d, in, out);
  else
    qmaxPool(d, in, out);
}
