//===- Avx2Requant.h - The float requantization, 8 lanes at a time -*- C++
//-*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Requant::Float on eight int32 accumulators: the float32 operations of
// Requantizer::channel in the same order (convert, multiply, add the bias,
// multiply by the reciprocal, round half to even, add the zero point, clamp),
// so results are bit-identical. The build does not use -mavx2: these
// functions carry a target attribute and run only after cpuHasAvx2();
// QFXKernels compiles with -ffp-contract=off and "avx2" does not enable FMA,
// so no multiply-add is fused.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_KERNELS_AVX2REQUANT_H
#define QFX_LIB_KERNELS_AVX2REQUANT_H

#include "KernelsImpl.h"

#include <immintrin.h>

#define QFX_AVX2 __attribute__((target("avx2")))

namespace qfx::kern {

/// The per-tensor constants of Requant::Float, broadcast.
struct FloatRequant8 {
  __m256 inv, zp, lo, hi;
  const float *mult, *bias;
};

QFX_AVX2 inline FloatRequant8 broadcastRequant(const Requantizer &rq) {
  return {_mm256_set1_ps(rq.invOut()),
          _mm256_set1_ps(rq.zpOut()),
          _mm256_set1_ps(static_cast<float>(rq.lo())),
          _mm256_set1_ps(static_cast<float>(rq.hi())),
          rq.mult(),
          rq.bias()};
}

/// Channels c..c+7 as int32 values in [lo, hi].
QFX_AVX2 inline __m256i requantFloat8(__m256i acc, const FloatRequant8 &k,
                                      int64_t c) {
  __m256 y =
      _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(k.mult + c));
  y = _mm256_add_ps(y, _mm256_loadu_ps(k.bias + c));
  __m256 r = _mm256_round_ps(_mm256_mul_ps(y, k.inv),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 q = _mm256_add_ps(k.zp, r);
  q = _mm256_min_ps(_mm256_max_ps(q, k.lo), k.hi);
  return _mm256_cvttps_epi32(q);
}

/// The per-tensor constants of Requant::Fp32, broadcast: the clamp bounds
/// relative to the output zero point, as Requantizer::channel applies them.
struct Fp32Requant8 {
  __m256 lo, hi;
  __m256i zp;
  const float *mult;
  const int32_t *bias;
};

QFX_AVX2 inline Fp32Requant8 broadcastFp32Requant(const Requantizer &rq) {
  const int32_t zp = rq.zpOutInt();
  return {_mm256_set1_ps(static_cast<float>(rq.lo() - zp)),
          _mm256_set1_ps(static_cast<float>(rq.hi() - zp)),
          _mm256_set1_epi32(zp), rq.mult(), rq.biasI()};
}

/// Requant::Fp32 on channels c..c+7, the operations of
/// Requantizer::channel in the same order (add the int32 bias, convert,
/// multiply, clamp, round half to even, add the zero point).
QFX_AVX2 inline __m256i requantFp328(__m256i acc, const Fp32Requant8 &k,
                                     int64_t c) {
  acc = _mm256_add_epi32(
      acc, _mm256_loadu_si256(reinterpret_cast<const __m256i *>(k.bias + c)));
  __m256 v =
      _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(k.mult + c));
  v = _mm256_min_ps(_mm256_max_ps(v, k.lo), k.hi);
  v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  return _mm256_add_epi32(_mm256_cvttps_epi32(v), k.zp);
}

/// Stores eight int32 values in [0, 255] as bytes.
QFX_AVX2 inline void storeU8x8(uint8_t *out, __m256i v) {
  __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v),
                              _mm256_extracti128_si256(v, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i *>(out), _mm_packus_epi16(w, w));
}

/// Stores sixteen int32 values in [0, 255] (channels 0-7 in \p a, 8-15 in
/// \p b) as bytes.
QFX_AVX2 inline void storeU8x16(uint8_t *out, __m256i a, __m256i b) {
  // packs works within 128-bit lanes: [a0-3 b0-3 | a4-7 b4-7] -> reorder.
  __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
  _mm_storeu_si128(reinterpret_cast<__m128i *>(out),
                   _mm_packus_epi16(_mm256_castsi256_si128(w),
                                    _mm256_extracti128_si256(w, 1)));
}

} // namespace qfx::kern

#endif // QFX_LIB_KERNELS_AVX2REQUANT_H
