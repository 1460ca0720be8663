//===- LstmCell.cpp - The LSTM cell's float32 gate math -------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The vector expf and tanhf below are not approximations of their own: they
// perform, lane by lane, the operations glibc (2.27 and later, x86-64)
// performs, so that the gates keep the numerics of the scalar loop.
// * expf: glibc's table-driven algorithm in double precision (x * 32 / ln2
//   split into k + r, 2^(k/32) from a 32-entry table, a cubic in r), with
//   the fused multiply-adds its FMA variant (chosen on every CPU with AVX2
//   and FMA) contains;
// * tanhf: fdlibm's, 1 - 2 / (expm1(2|x|) + 2) for |x| >= 1 and
//   -t / (t + 2), t = expm1(-2|x|), below, with fdlibm's float expm1f
//   (argument reduction by ln2 in two parts, a rational approximation and
//   a per-k reconstruction), every operation a float32 rounding.
// Each branch of the scalar code is computed for all lanes and selected
// with blends. LstmCellTest compares both with libm on a million inputs
// spread over all floats, and "[exhaustive]" on all 2^32; at first use a
// self-check on a few thousand inputs leaves the scalar loop in place where
// the C library computes otherwise.
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/LstmCell.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <initializer_list>

using namespace qfx::kern;

#define QFX_AVX2_FMA __attribute__((target("avx2,fma")))

namespace {

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

void lstmCellScalar(const float *ghh, const float *gih, float *h, float *c,
                    float *out, int64_t from, int64_t n) {
  for (int64_t j = from; j < n; ++j) {
    const float i = sigmoid(ghh[j] + gih[j]);
    const float f = sigmoid(ghh[n + j] + gih[n + j]);
    const float g = std::tanh(ghh[2 * n + j] + gih[2 * n + j]);
    const float o = sigmoid(ghh[3 * n + j] + gih[3 * n + j]);
    const float fc = f * c[j];
    const float ig = i * g;
    c[j] = fc + ig;
    h[j] = o * std::tanh(c[j]);
    out[j] = h[j];
  }
}

/// The bits of 2^(i/32) (nearest double) minus i << 47: adding k << 47 for
/// any k = i (mod 32) gives the bits of 2^(k/32).
struct Exp2Table {
  alignas(32) int64_t bits[32];
  Exp2Table() {
    for (int i = 0; i < 32; ++i) {
      const double v =
          static_cast<double>(std::exp2l(static_cast<long double>(i) / 32));
      int64_t b;
      std::memcpy(&b, &v, sizeof(b));
      bits[i] = b - (static_cast<int64_t>(i) << 47);
    }
  }
};
const Exp2Table exp2Table;

/// Lanes where the int32 \p a is greater than / equal to \p v.
QFX_AVX2_FMA inline __m256 above(__m256i a, int32_t v) {
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(a, _mm256_set1_epi32(v)));
}
QFX_AVX2_FMA inline __m256 equal(__m256i a, int32_t v) {
  return _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, _mm256_set1_epi32(v)));
}

/// exp of four floats widened to double, before the final rounding.
QFX_AVX2_FMA inline __m256d expWide(__m256d x) {
  const __m256d scale = _mm256_set1_pd(0x1.71547652b82fep+0 * 32),
                shift = _mm256_set1_pd(0x1.8p+52),
                c0 = _mm256_set1_pd(0x1.c6af84b912394p-5 / 32 / 32 / 32),
                c1 = _mm256_set1_pd(0x1.ebfce50fac4f3p-3 / 32 / 32),
                c2 = _mm256_set1_pd(0x1.62e42ff0c52d6p-1 / 32);
  // k = round(x * 32 / ln2) sits in the low mantissa bits of kd.
  __m256d kd = _mm256_fmadd_pd(scale, x, shift);
  const __m256i k = _mm256_castpd_si256(kd);
  kd = _mm256_sub_pd(kd, shift);
  const __m256d r = _mm256_fmsub_pd(scale, x, kd);
  __m256i s = _mm256_i64gather_epi64(
      reinterpret_cast<const long long *>(exp2Table.bits),
      _mm256_and_si256(k, _mm256_set1_epi64x(31)), 8);
  s = _mm256_add_epi64(s, _mm256_slli_epi64(k, 47));
  const __m256d z = _mm256_fmadd_pd(c0, r, c1);
  __m256d y = _mm256_fmadd_pd(c2, r, _mm256_set1_pd(1.0));
  y = _mm256_fmadd_pd(z, _mm256_mul_pd(r, r), y);
  return _mm256_mul_pd(y, _mm256_castsi256_pd(s));
}

QFX_AVX2_FMA inline __m256 exp8(__m256 x) {
  const __m128 lo =
      _mm256_cvtpd_ps(expWide(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));
  const __m128 hi =
      _mm256_cvtpd_ps(expWide(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))));
  __m256 y = _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
  // Overflow to +inf, underflow to +0, NaN as x + x, as the scalar code.
  y = _mm256_blendv_ps(
      y, _mm256_set1_ps(INFINITY),
      _mm256_cmp_ps(x, _mm256_set1_ps(0x1.62e42ep6f), _CMP_GT_OQ));
  y = _mm256_blendv_ps(
      y, _mm256_setzero_ps(),
      _mm256_cmp_ps(x, _mm256_set1_ps(-0x1.9fe368p6f), _CMP_LT_OQ));
  return _mm256_blendv_ps(y, _mm256_add_ps(x, x),
                          _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

/// y * 2^k for k << 23 in \p k23 (added to the exponent field).
QFX_AVX2_FMA inline __m256 addToExponent(__m256i k23, __m256 y) {
  return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(y), k23));
}

/// fdlibm's expm1f for |u| < 44 (tanh's arguments: no overflow, no NaN).
QFX_AVX2_FMA inline __m256 expm1Small(__m256 u) {
  const __m256 one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
  const __m256i bits = _mm256_castps_si256(u);
  const __m256i hx = _mm256_andnot_si256(_mm256_set1_epi32(0x80000000), bits);
  const __m256 neg =
      _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_setzero_si256(), bits));
  const __m256 reduced = above(hx, 0x3eb17218); // |u| > ln2 / 2
  const __m256 nearLn2 = _mm256_andnot_ps(above(hx, 0x3f851591), reduced);

  // Reduction u = k ln2 + x, ln2 in a high and a low part; k = +-1 for
  // |u| < 1.5 ln2, else trunc(u / ln2 +- 0.5).
  const __m256 ln2Hi = _mm256_set1_ps(6.9313812256e-01f),
               ln2Lo = _mm256_set1_ps(9.0580006145e-06f);
  __m256i k = _mm256_cvttps_epi32(
      _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(1.4426950216e+00f), u),
                    _mm256_blendv_ps(half, _mm256_set1_ps(-0.5f), neg)));
  const __m256 kf = _mm256_cvtepi32_ps(k);
  __m256 hi = _mm256_sub_ps(u, _mm256_mul_ps(kf, ln2Hi));
  __m256 lo = _mm256_mul_ps(kf, ln2Lo);
  hi = _mm256_blendv_ps(
      hi,
      _mm256_blendv_ps(_mm256_sub_ps(u, ln2Hi), _mm256_add_ps(u, ln2Hi), neg),
      nearLn2);
  lo = _mm256_blendv_ps(
      lo,
      _mm256_blendv_ps(ln2Lo, _mm256_sub_ps(_mm256_setzero_ps(), ln2Lo), neg),
      nearLn2);
  k = _mm256_blendv_epi8(k,
                         _mm256_blendv_epi8(_mm256_set1_epi32(1),
                                            _mm256_set1_epi32(-1),
                                            _mm256_castps_si256(neg)),
                         _mm256_castps_si256(nearLn2));
  k = _mm256_and_si256(k, _mm256_castps_si256(reduced));
  const __m256 xr = _mm256_sub_ps(hi, lo);
  const __m256 c = _mm256_sub_ps(_mm256_sub_ps(hi, xr), lo);
  const __m256 x = _mm256_blendv_ps(u, xr, reduced);

  // expm1(x) on |x| <= ln2 / 2 from a rational approximation.
  const __m256 hfx = _mm256_mul_ps(half, x);
  const __m256 hxs = _mm256_mul_ps(x, hfx);
  __m256 p = _mm256_mul_ps(hxs, _mm256_set1_ps(-2.0109921195e-07f));
  p = _mm256_mul_ps(hxs, _mm256_add_ps(_mm256_set1_ps(4.0082177293e-06f), p));
  p = _mm256_mul_ps(hxs, _mm256_add_ps(_mm256_set1_ps(-7.9365076090e-05f), p));
  p = _mm256_mul_ps(hxs, _mm256_add_ps(_mm256_set1_ps(1.5873016091e-03f), p));
  p = _mm256_mul_ps(hxs, _mm256_add_ps(_mm256_set1_ps(-3.3333335072e-02f), p));
  const __m256 r1 = _mm256_add_ps(one, p);
  const __m256 t = _mm256_sub_ps(_mm256_set1_ps(3.0f), _mm256_mul_ps(r1, hfx));
  const __m256 e = _mm256_mul_ps(
      hxs,
      _mm256_div_ps(_mm256_sub_ps(r1, t),
                    _mm256_sub_ps(_mm256_set1_ps(6.0f), _mm256_mul_ps(x, t))));
  const __m256 res0 = _mm256_sub_ps(x, _mm256_sub_ps(_mm256_mul_ps(x, e), hxs));

  // k != 0: 2^k (1 + expm1(x)) - 1, rebuilt per range of k; 2^k is added
  // to the exponent field.
  __m256 ek = _mm256_sub_ps(_mm256_mul_ps(x, _mm256_sub_ps(e, c)), c);
  ek = _mm256_sub_ps(ek, hxs);
  const __m256i k23 = _mm256_slli_epi32(k, 23);
  const __m256 resMinus1 =
      _mm256_sub_ps(_mm256_mul_ps(half, _mm256_sub_ps(x, ek)), half);
  const __m256 resPlus1 =
      _mm256_blendv_ps(_mm256_add_ps(one, _mm256_mul_ps(_mm256_set1_ps(2.0f),
                                                        _mm256_sub_ps(x, ek))),
                       _mm256_mul_ps(_mm256_set1_ps(-2.0f),
                                     _mm256_sub_ps(ek, _mm256_add_ps(x, half))),
                       _mm256_cmp_ps(x, _mm256_set1_ps(-0.25f), _CMP_LT_OQ));
  const __m256 resFar = _mm256_sub_ps(
      addToExponent(k23, _mm256_sub_ps(one, _mm256_sub_ps(ek, x))), one);
  const __m256 oneMinus2K = _mm256_castsi256_ps(
      _mm256_sub_epi32(_mm256_set1_epi32(0x3f800000),
                       _mm256_srlv_epi32(_mm256_set1_epi32(0x1000000), k)));
  const __m256 resMid =
      addToExponent(k23, _mm256_sub_ps(oneMinus2K, _mm256_sub_ps(ek, x)));
  const __m256 twoMinusK = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_sub_epi32(_mm256_set1_epi32(0x7f), k), 23));
  const __m256 resHigh = addToExponent(
      k23, _mm256_add_ps(_mm256_sub_ps(x, _mm256_add_ps(ek, twoMinusK)), one));

  __m256 res = resFar; // k <= -2 or k > 56
  res = _mm256_blendv_ps(res, resMid,
                         _mm256_andnot_ps(above(k, 22), above(k, 1)));
  res = _mm256_blendv_ps(res, resHigh,
                         _mm256_andnot_ps(above(k, 56), above(k, 22)));
  res = _mm256_blendv_ps(res, resPlus1, equal(k, 1));
  res = _mm256_blendv_ps(res, resMinus1, equal(k, -1));
  res = _mm256_blendv_ps(res, res0, equal(k, 0));
  // |u| < 2^-25: u; u <= -27 ln2: -1.
  res = _mm256_blendv_ps(res, u,
                         _mm256_castsi256_ps(_mm256_cmpgt_epi32(
                             _mm256_set1_epi32(0x33000000), hx)));
  return _mm256_blendv_ps(res, _mm256_set1_ps(-1.0f),
                          _mm256_and_ps(neg, above(hx, 0x4195b843)));
}

QFX_AVX2_FMA inline __m256 tanh8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
  const __m256i sign = _mm256_set1_epi32(0x80000000);
  const __m256i jx = _mm256_castps_si256(x);
  const __m256i ix = _mm256_andnot_si256(sign, jx);
  const __m256 atLeast1 = above(ix, 0x3f7fffff);
  const __m256 t = expm1Small(
      _mm256_mul_ps(_mm256_blendv_ps(_mm256_set1_ps(-2.0f), two, atLeast1),
                    _mm256_castsi256_ps(ix)));
  __m256 z = _mm256_blendv_ps(
      _mm256_div_ps(_mm256_sub_ps(_mm256_setzero_ps(), t),
                    _mm256_add_ps(t, two)),
      _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(t, two))), atLeast1);
  z = _mm256_blendv_ps(z, one, above(ix, 0x41afffff)); // |x| >= 22
  z = _mm256_xor_ps(z, _mm256_castsi256_ps(_mm256_and_si256(jx, sign)));
  // |x| < 2^-55, zeros included: x * (1 + x); NaN: 1 / x + 1.
  z = _mm256_blendv_ps(z, _mm256_mul_ps(x, _mm256_add_ps(one, x)),
                       _mm256_castsi256_ps(_mm256_cmpgt_epi32(
                           _mm256_set1_epi32(0x24000000), ix)));
  return _mm256_blendv_ps(z, _mm256_add_ps(_mm256_div_ps(one, x), one),
                          _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

QFX_AVX2_FMA inline __m256 sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 minusX = _mm256_xor_ps(x, _mm256_set1_ps(-0.0f));
  return _mm256_div_ps(one, _mm256_add_ps(one, exp8(minusX)));
}

QFX_AVX2_FMA inline __m256 addRows(const float *a, const float *b, int64_t j) {
  return _mm256_add_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j));
}

QFX_AVX2_FMA int64_t lstmCellAvx2(const float *ghh, const float *gih, float *h,
                                  float *c, float *out, int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 i = sigmoid8(addRows(ghh, gih, j));
    const __m256 f = sigmoid8(addRows(ghh, gih, n + j));
    const __m256 g = tanh8(addRows(ghh, gih, 2 * n + j));
    const __m256 o = sigmoid8(addRows(ghh, gih, 3 * n + j));
    const __m256 cj = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(c + j)),
                                    _mm256_mul_ps(i, g));
    const __m256 hj = _mm256_mul_ps(o, tanh8(cj));
    _mm256_storeu_ps(c + j, cj);
    _mm256_storeu_ps(h + j, hj);
    _mm256_storeu_ps(out + j, hj);
  }
  return j;
}

QFX_AVX2_FMA void expAvx2(const float *x, float *y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i)
    y[i] = std::exp(x[i]);
}

QFX_AVX2_FMA void tanhAvx2(const float *x, float *y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, tanh8(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i)
    y[i] = std::tanh(x[i]);
}

/// The vector functions against libm on inputs that reach every branch:
/// 4096 magnitudes from 0 to 2^7 (exp's and tanh's thresholds included) of
/// both signs, and the special values.
bool selfCheck() {
  float x[8192 + 8], a[8192 + 8], b[8192 + 8];
  int64_t n = 0;
  for (uint32_t i = 0; i < 4096; ++i)
    for (uint32_t sign : {0u, 0x80000000u}) {
      const uint32_t bits = sign | (i * (0x43000000u / 4096));
      std::memcpy(&x[n++], &bits, sizeof(float));
    }
  for (float v :
       {0.0f, -0.0f, 22.0f, -22.0f, 88.72f, -103.9f, INFINITY, -INFINITY})
    x[n++] = v;
  expAvx2(x, a, n);
  for (int64_t i = 0; i < n; ++i)
    b[i] = std::exp(x[i]);
  if (std::memcmp(a, b, n * sizeof(float)) != 0)
    return false;
  tanhAvx2(x, a, n);
  for (int64_t i = 0; i < n; ++i)
    b[i] = std::tanh(x[i]);
  return std::memcmp(a, b, n * sizeof(float)) == 0;
}

bool vectorised() {
  static const bool ok = __builtin_cpu_supports("avx2") &&
                         __builtin_cpu_supports("fma") && selfCheck();
  return ok;
}

} // namespace

void qfx::kern::lstmCell(const float *ghh, const float *gih, float *h, float *c,
                         float *out, int64_t n) {
  int64_t done = 0;
  if (vectorised())
    done = lstmCellAvx2(ghh, gih, h, c, out, n);
  lstmCellScalar(ghh, gih, h, c, out, done, n);
}

bool qfx::kern::lstmCellVectorised() { return vectorised(); }

void qfx::kern::expArray(const float *x, float *y, int64_t n) {
  if (vectorised())
    return expAvx2(x, y, n);
  for (int64_t i = 0; i < n; ++i)
    y[i] = std::exp(x[i]);
}

void qfx::kern::tanhArray(const float *x, float *y, int64_t n) {
  if (vectorised())
    return tanhAvx2(x, y, n);
  for (int64_t i = 0; i < n; ++i)
    y[i] = std::tanh(x[i]);
}
