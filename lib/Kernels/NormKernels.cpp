//===- NormKernels.cpp - Quantized batch norm and layer norm --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// q(norm(dq(x))) for the reference model's `dq -> batch_norm -> q` and
// `dq -> layer_norm -> q`. Neither oneDNN 2.6 (int8) nor XNNPACK 2022 has
// these ops quantized, so qfx runs its own: a portable reference that
// defines the numerics (ATen's float32 formulas: its AVX2 kernels contract
// x * a + b into fused multiply-adds, so the reference uses std::fma) and an
// AVX2 + FMA twin doing the same float32 operations eight values at a time,
// chosen at run time. The file is compiled with -ffp-contract=off: every
// fused multiply-add is explicit.
//
//===----------------------------------------------------------------------===//

#include "Avx2Requant.h"

#include <cmath>

using namespace qfx::kern;

#define QFX_AVX2_FMA __attribute__((target("avx2,fma")))

namespace {

inline float deq(uint8_t q, const QParams &p) {
  return static_cast<float>(int32_t(q) - p.zeroPoint) * p.scale;
}

int32_t reluLo(const QParams &p, bool relu) {
  return relu ? std::max(p.qmin, p.zeroPoint) : p.qmin;
}

bool cpuHasAvx2Fma() {
  static const bool has = cpuHasAvx2() && __builtin_cpu_supports("fma");
  return has;
}

/// The float32 quantize step of quantizeU8 on eight values.
struct Quant8 {
  __m256 inv, zp, lo, hi;
};

QFX_AVX2_FMA Quant8 quant8(const QParams &p, int32_t lo) {
  return {_mm256_set1_ps(1.0f / p.scale),
          _mm256_set1_ps(static_cast<float>(p.zeroPoint)),
          _mm256_set1_ps(static_cast<float>(lo)),
          _mm256_set1_ps(static_cast<float>(p.qmax))};
}

QFX_AVX2_FMA inline void store8(uint8_t *out, __m256 y, const Quant8 &k) {
  __m256 q = _mm256_add_ps(
      k.zp, _mm256_round_ps(_mm256_mul_ps(y, k.inv),
                            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  q = _mm256_min_ps(_mm256_max_ps(q, k.lo), k.hi);
  storeU8x8(out, _mm256_cvttps_epi32(q));
}

QFX_AVX2_FMA inline __m256 deq8(const uint8_t *q, __m256i zp, __m256 s) {
  __m256i v = _mm256_cvtepu8_epi32(
      _mm_loadl_epi64(reinterpret_cast<const __m128i *>(q)));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(v, zp)), s);
}

/// Batch norm, bit-identical to referenceBatchNorm.
QFX_AVX2_FMA void batchNormAvx2(const BatchNormDesc &d, const uint8_t *in,
                                uint8_t *out) {
  const float inv = 1.0f / d.out.scale;
  const int32_t lo = reluLo(d.out, d.relu);
  const Quant8 k = quant8(d.out, lo);
  const __m256i zp = _mm256_set1_epi32(d.in.zeroPoint);
  const __m256 s = _mm256_set1_ps(d.in.scale);
  const float *alpha = d.alpha.data(), *beta = d.beta.data();
  if (d.inner == 1) {
    // Channels-last: eight channels at a time.
    for (int64_t o = 0; o < d.outer; ++o) {
      const uint8_t *x = in + o * d.c;
      uint8_t *y = out + o * d.c;
      int64_t c = 0;
      for (; c + 8 <= d.c; c += 8)
        store8(y + c,
               _mm256_fmadd_ps(deq8(x + c, zp, s), _mm256_loadu_ps(alpha + c),
                               _mm256_loadu_ps(beta + c)),
               k);
      for (; c < d.c; ++c)
        y[c] = quantizeU8(std::fma(deq(x[c], d.in), alpha[c], beta[c]), inv,
                          d.out.zeroPoint, lo, d.out.qmax);
    }
    return;
  }
  for (int64_t o = 0; o < d.outer; ++o)
    for (int64_t c = 0; c < d.c; ++c) {
      const int64_t base = (o * d.c + c) * d.inner;
      const uint8_t *x = in + base;
      uint8_t *y = out + base;
      const __m256 a = _mm256_set1_ps(alpha[c]), b = _mm256_set1_ps(beta[c]);
      int64_t i = 0;
      for (; i + 8 <= d.inner; i += 8)
        store8(y + i, _mm256_fmadd_ps(deq8(x + i, zp, s), a, b), k);
      for (; i < d.inner; ++i)
        y[i] = quantizeU8(std::fma(deq(x[i], d.in), alpha[c], beta[c]), inv,
                          d.out.zeroPoint, lo, d.out.qmax);
    }
}

/// Sum and sum of squares of x - zp over one row (exact integers).
void rowSums(const uint8_t *x, int64_t n, int32_t zp, int64_t &s1,
             int64_t &s2) {
  s1 = s2 = 0;
  for (int64_t j = 0; j < n; ++j) {
    int64_t v = int32_t(x[j]) - zp;
    s1 += v;
    s2 += v * v;
  }
}

QFX_AVX2_FMA void rowSumsAvx2(const uint8_t *x, int64_t n, int32_t zp,
                              int64_t &s1, int64_t &s2) {
  s1 = s2 = 0;
  const __m256i z = _mm256_set1_epi16(static_cast<int16_t>(zp)),
                ones = _mm256_set1_epi16(1);
  int64_t j = 0;
  while (j + 16 <= n) {
    // |x - zp| <= 255: a pair of squares is < 2^17, so 4096 steps of
    // int32 lanes cannot overflow before they are flushed to int64.
    __m256i a1 = _mm256_setzero_si256(), a2 = _mm256_setzero_si256();
    for (int step = 0; step < 4096 && j + 16 <= n; ++step, j += 16) {
      __m256i v =
          _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128(
                               reinterpret_cast<const __m128i *>(x + j))),
                           z);
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(v, ones));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(v, v));
    }
    alignas(32) int32_t l1[8], l2[8];
    _mm256_store_si256(reinterpret_cast<__m256i *>(l1), a1);
    _mm256_store_si256(reinterpret_cast<__m256i *>(l2), a2);
    for (int l = 0; l < 8; ++l) {
      s1 += l1[l];
      s2 += l2[l];
    }
  }
  for (; j < n; ++j) {
    int64_t v = int32_t(x[j]) - zp;
    s1 += v;
    s2 += v * v;
  }
}

/// rstd and -rstd * mean of one row from its exact integer sums.
void rowStats(const LayerNormDesc &d, int64_t s1, int64_t s2, float &rstd,
              float &nb) {
  const double sc = d.in.scale, n = static_cast<double>(d.n);
  const float mean = static_cast<float>(sc * static_cast<double>(s1) / n);
  // n * S2 - S1^2 >= 0 exactly (Cauchy-Schwarz), no cancellation.
  const __int128 m2 =
      static_cast<__int128>(d.n) * s2 - static_cast<__int128>(s1) * s1;
  const float var =
      static_cast<float>(sc * sc * static_cast<double>(m2) / (n * n));
  rstd = 1.0f / std::sqrt(var + static_cast<float>(d.eps));
  nb = -rstd * mean;
}

QFX_AVX2_FMA void layerNormAvx2(const LayerNormDesc &d, const uint8_t *in,
                                uint8_t *out) {
  const float inv = 1.0f / d.out.scale;
  const Quant8 k = quant8(d.out, d.out.qmin);
  const __m256i zp = _mm256_set1_epi32(d.in.zeroPoint);
  const __m256 s = _mm256_set1_ps(d.in.scale);
  const bool affine = !d.gamma.empty();
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  for (int64_t r = 0; r < d.rows; ++r) {
    const uint8_t *x = in + r * d.n;
    uint8_t *y = out + r * d.n;
    int64_t s1, s2;
    rowSumsAvx2(x, d.n, d.in.zeroPoint, s1, s2);
    float rstd, nb;
    rowStats(d, s1, s2, rstd, nb);
    const __m256 vr = _mm256_set1_ps(rstd), vb = _mm256_set1_ps(nb);
    int64_t j = 0;
    for (; j + 8 <= d.n; j += 8) {
      __m256 t = _mm256_fmadd_ps(deq8(x + j, zp, s), vr, vb);
      __m256 g = affine ? _mm256_loadu_ps(d.gamma.data() + j) : one;
      __m256 b = affine ? _mm256_loadu_ps(d.beta.data() + j) : zero;
      store8(y + j, _mm256_fmadd_ps(t, g, b), k);
    }
    for (; j < d.n; ++j) {
      float t = std::fma(deq(x[j], d.in), rstd, nb);
      float v = affine ? std::fma(t, d.gamma[j], d.beta[j]) : t;
      y[j] = quantizeU8(v, inv, d.out.zeroPoint, d.out.qmin, d.out.qmax);
    }
  }
}

} // namespace

std::string BatchNormDesc::validate() const {
  if (outer < 0 || c < 1 || inner < 0)
    return "non-positive batch norm size";
  if (static_cast<int64_t>(alpha.size()) != c ||
      static_cast<int64_t>(beta.size()) != c)
    return "expected one multiplier and offset per channel (" +
           std::to_string(c) + "), got " + std::to_string(alpha.size()) +
           " and " + std::to_string(beta.size());
  return "";
}

std::string LayerNormDesc::validate() const {
  if (rows < 0 || n < 1)
    return "non-positive layer norm size";
  if ((!gamma.empty() && static_cast<int64_t>(gamma.size()) != n) ||
      gamma.size() != beta.size())
    return "weight and bias must both have " + std::to_string(n) +
           " values, got " + std::to_string(gamma.size()) + " and " +
           std::to_string(beta.size());
  if (!(eps >= 0.0))
    return "eps must be >= 0";
  return "";
}

void qfx::kern::referenceBatchNorm(const BatchNormDesc &d, const uint8_t *in,
                                   uint8_t *out) {
  const float inv = 1.0f / d.out.scale;
  const int32_t lo = reluLo(d.out, d.relu);
  for (int64_t o = 0; o < d.outer; ++o)
    for (int64_t c = 0; c < d.c; ++c)
      for (int64_t i = 0; i < d.inner; ++i) {
        const int64_t at = (o * d.c + c) * d.inner + i;
        out[at] = quantizeU8(std::fma(deq(in[at], d.in), d.alpha[c], d.beta[c]),
                             inv, d.out.zeroPoint, lo, d.out.qmax);
      }
}

Impl qfx::kern::qbatchNorm(const BatchNormDesc &d, const uint8_t *in,
                           uint8_t *out, bool allowSimd) {
  if (allowSimd && cpuHasAvx2Fma()) {
    batchNormAvx2(d, in, out);
    return Impl::NormAvx2;
  }
  referenceBatchNorm(d, in, out);
  return Impl::Reference;
}

void qfx::kern::referenceLayerNorm(const LayerNormDesc &d, const uint8_t *in,
                                   uint8_t *out) {
  const float inv = 1.0f / d.out.scale;
  for (int64_t r = 0; r < d.rows; ++r) {
    const uint8_t *x = in + r * d.n;
    uint8_t *y = out + r * d.n;
    int64_t s1, s2;
    rowSums(x, d.n, d.in.zeroPoint, s1, s2);
    float rstd, nb;
    rowStats(d, s1, s2, rstd, nb);
    for (int64_t j = 0; j < d.n; ++j) {
      float t = std::fma(deq(x[j], d.in), rstd, nb);
      float v = d.gamma.empty() ? t : std::fma(t, d.gamma[j], d.beta[j]);
      y[j] = quantizeU8(v, inv, d.out.zeroPoint, d.out.qmin, d.out.qmax);
    }
  }
}

Impl qfx::kern::qlayerNorm(const LayerNormDesc &d, const uint8_t *in,
                           uint8_t *out, bool allowSimd) {
  if (allowSimd && cpuHasAvx2Fma()) {
    layerNormAvx2(d, in, out);
    return Impl::NormAvx2;
  }
  referenceLayerNorm(d, in, out);
  return Impl::Reference;
}
