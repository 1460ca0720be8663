//===- ElementwiseAvx2.cpp - Vectorised quantized add and mul -------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// q(dq(a) + dq(b)) and q(dq(a) * dq(b)) with the float32 operations of the
// reference loops (ReferenceKernels.cpp) in the same order, and the float ->
// uint8 quantize of a model's input (ATen's quantize_val): dequantize is
// float(q - zp) * scale, quantize is zp + round-half-even(y * (1 / scale))
// clamped, so the results are bit-identical.
//
//===----------------------------------------------------------------------===//

#include "Avx2Requant.h"

using namespace qfx::kern;

namespace {

QFX_AVX2 inline __m256 dequant8(const uint8_t *q, __m256i zp, __m256 scale) {
  __m256i v = _mm256_cvtepu8_epi32(
      _mm_loadl_epi64(reinterpret_cast<const __m128i *>(q)));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, zp)), scale);
}

template <bool Mul>
QFX_AVX2 int64_t binaryAvx2(const uint8_t *a, const QParams &pa,
                            const uint8_t *b, const QParams &pb, uint8_t *out,
                            const QParams &po, bool relu, int64_t numel) {
  const __m256i za = _mm256_set1_epi32(pa.zeroPoint),
                zb = _mm256_set1_epi32(pb.zeroPoint);
  const __m256 sa = _mm256_set1_ps(pa.scale), sb = _mm256_set1_ps(pb.scale);
  const __m256 inv = _mm256_set1_ps(1.0f / po.scale),
               zo = _mm256_set1_ps(static_cast<float>(po.zeroPoint));
  const __m256 lo = _mm256_set1_ps(static_cast<float>(
                   relu ? std::max(po.qmin, po.zeroPoint) : po.qmin)),
               hi = _mm256_set1_ps(static_cast<float>(po.qmax));
  int64_t i = 0;
  for (; i + 8 <= numel; i += 8) {
    __m256 x = dequant8(a + i, za, sa), y = dequant8(b + i, zb, sb);
    __m256 v = Mul ? _mm256_mul_ps(x, y) : _mm256_add_ps(x, y);
    __m256 q = _mm256_add_ps(
        zo, _mm256_round_ps(_mm256_mul_ps(v, inv),
                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    q = _mm256_min_ps(_mm256_max_ps(q, lo), hi);
    storeU8x8(out + i, _mm256_cvttps_epi32(q));
  }
  return i;
}

/// float32 -> uint8 quantization, eight values at a time (see
/// quantizeU8Fast). Values whose zp + round(x / s) is not a finite float in
/// int64 range (NaN, infinities) become qmin, as x86's conversion of them
/// to int64 (INT64_MIN) clamped does.
QFX_AVX2 int64_t quantizeAvx2(const float *x, uint8_t *out, int64_t n,
                              float inv, float zp, float qmin, float qmax) {
  const __m256 vinv = _mm256_set1_ps(inv), vzp = _mm256_set1_ps(zp),
               lo = _mm256_set1_ps(qmin), hi = _mm256_set1_ps(qmax),
               minI64 = _mm256_set1_ps(-9.2233720368547758e18f),
               maxI64 = _mm256_set1_ps(9.2233720368547758e18f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 t = _mm256_add_ps(
        vzp, _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vinv),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    __m256 inRange = _mm256_and_ps(_mm256_cmp_ps(t, minI64, _CMP_GE_OQ),
                                   _mm256_cmp_ps(t, maxI64, _CMP_LT_OQ));
    __m256 q = _mm256_min_ps(_mm256_max_ps(t, lo), hi);
    q = _mm256_blendv_ps(lo, q, inRange);
    storeU8x8(out + i, _mm256_cvttps_epi32(q));
  }
  return i;
}

} // namespace

void qfx::kern::quantizeU8Fast(const float *x, uint8_t *out, int64_t n,
                               float scale, int32_t zeroPoint, int32_t qmin,
                               int32_t qmax) {
  const float inv = 1.0f / scale, zp = static_cast<float>(zeroPoint);
  int64_t i = 0;
  if (cpuHasAvx2())
    i = quantizeAvx2(x, out, n, inv, zp, static_cast<float>(qmin),
                     static_cast<float>(qmax));
  for (; i < n; ++i) {
    const float t = zp + std::nearbyint(x[i] * inv);
    int64_t q = qmin;
    if (t >= -9.2233720368547758e18f && t < 9.2233720368547758e18f)
      q = std::clamp<int64_t>(static_cast<int64_t>(t), qmin, qmax);
    out[i] = static_cast<uint8_t>(q);
  }
}

void qfx::kern::qaddFast(const uint8_t *a, const QParams &pa, const uint8_t *b,
                         const QParams &pb, uint8_t *out, const QParams &po,
                         bool relu, int64_t numel) {
  int64_t done = 0;
  if (cpuHasAvx2())
    done = binaryAvx2<false>(a, pa, b, pb, out, po, relu, numel);
  qadd(a + done, pa, b + done, pb, out + done, po, relu, numel - done);
}

void qfx::kern::qmulFast(const uint8_t *a, const QParams &pa, const uint8_t *b,
                         const QParams &pb, uint8_t *out, const QParams &po,
                         bool relu, int64_t numel) {
  int64_t done = 0;
  if (cpuHasAvx2())
    done = binaryAvx2<true>(a, pa, b, pb, out, po, relu, numel);
  qmul(a + done, pa, b + done, pb, out + done, po, relu, numel - done);
}
