//===- LayoutAvx2.cpp - NCHW -> NHWC of three-channel images --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The quantized image enters a convolutional model as NCHW with three
// channels and leaves qfxk.to_nhwc interleaved. The portable loop stores one
// byte at a time with a stride of three (about 0.1 ms of mobilenet_v2's
// run); here 16 pixels of each plane are interleaved into 48 bytes with
// nine byte shuffles (pshufb). A permutation of bytes: identical results.
//
//===----------------------------------------------------------------------===//

#include "Avx2Requant.h"

using namespace qfx::kern;

namespace {

/// Byte i of the 48 output bytes of 16 RGB pixels comes from plane i % 3 at
/// index i / 3: per output vector v and plane ch, a pshufb mask selecting
/// those bytes (0x80: zero, or'd with the other planes' bytes).
struct Masks {
  alignas(16) int8_t m[3][3][16];
  Masks() {
    for (int v = 0; v < 3; ++v)
      for (int ch = 0; ch < 3; ++ch)
        for (int i = 0; i < 16; ++i) {
          const int b = 16 * v + i;
          m[v][ch][i] = b % 3 == ch ? static_cast<int8_t>(b / 3) : -128;
        }
  }
};

QFX_AVX2 int64_t interleave3(const uint8_t *r, const uint8_t *g,
                             const uint8_t *b, uint8_t *out, int64_t hw) {
  static const Masks masks;
  __m128i m[3][3];
  for (int v = 0; v < 3; ++v)
    for (int ch = 0; ch < 3; ++ch)
      m[v][ch] =
          _mm_load_si128(reinterpret_cast<const __m128i *>(masks.m[v][ch]));
  int64_t p = 0;
  for (; p + 16 <= hw; p += 16, out += 48) {
    const __m128i x[3] = {
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(r + p)),
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(g + p)),
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(b + p))};
    for (int v = 0; v < 3; ++v)
      _mm_storeu_si128(
          reinterpret_cast<__m128i *>(out + 16 * v),
          _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(x[0], m[v][0]),
                                    _mm_shuffle_epi8(x[1], m[v][1])),
                       _mm_shuffle_epi8(x[2], m[v][2])));
  }
  return p;
}

} // namespace

bool qfx::kern::nchwToNhwcFast(const uint8_t *in, uint8_t *out, int64_t n,
                               int64_t c, int64_t hw) {
  if (c != 3 || !cpuHasAvx2()) {
    nchwToNhwc(in, out, n, c, hw);
    return false;
  }
  for (int64_t b = 0; b < n; ++b) {
    const uint8_t *r = in + b * 3 * hw;
    uint8_t *o = out + b * 3 * hw;
    const int64_t done = interleave3(r, r + hw, r + 2 * hw, o, hw);
    for (int64_t p = done; p < hw; ++p)
      for (int64_t ch = 0; ch < 3; ++ch)
        o[p * 3 + ch] = r[ch * hw + p];
  }
  return true;
}
