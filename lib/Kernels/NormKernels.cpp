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

// Layer-norm moments: ATen's RowwiseMoments in float32, on the dequantized
// row. Eight lanes (one AVX2 vector) each run Welford's update over chunks
// of up to 16 vectors; chunk results are combined in a binary cascade
// (stack level j holds 2^j chunks); the tail past the last full vector runs
// a scalar Welford, and the eight lanes are then added to it one by one.
// No multiply-add is fused: PyTorch's build does not contract this code
// (checked against torch.native_layer_norm's mean and rstd).

constexpr int64_t kLanes = 8, kChunk = 16;

int64_t cascadeDepth(int64_t chunks) {
  int64_t d = 1;
  while ((int64_t(1) << d) < chunks)
    ++d;
  return d;
}

/// One lane's running (count, mean, sum of squared deviations).
struct Moments {
  int64_t count = 0;
  float m1 = 0.0f, m2 = 0.0f;
  /// Chan et al.'s combination of another run's moments into this one.
  void add(int64_t oCount, float oM1, float oM2) {
    const int64_t n = count + oCount;
    const float c = n == 0 ? 0.0f : float(oCount) / float(n);
    const float delta = oM1 - m1;
    m1 += c * delta;
    m2 += oM2 + delta * delta * c * float(count);
    count = n;
  }
  /// Welford's update with one more value (the rows' scalar tails).
  void push(float v) {
    const float delta = v - m1;
    ++count;
    m1 += delta / float(count);
    m2 += delta * (v - m1);
  }
};

/// Mean and biased variance of one row, lane by lane (the definition).
void rowMoments(const uint8_t *x, int64_t n, const QParams &p, float &mean,
                float &var) {
  const int64_t vecs = n / kLanes, chunks = (vecs + kChunk - 1) / kChunk;
  const int64_t depth = cascadeDepth(chunks);
  std::vector<Moments> stack(depth * kLanes);
  for (int64_t i = 0; i < chunks; ++i) {
    const int64_t m0 = std::min(kChunk, vecs - i * kChunk);
    for (int64_t l = 0; l < kLanes; ++l) {
      float m1 = 0.0f, m2 = 0.0f;
      for (int64_t j = 0; j < m0; ++j) {
        const float v = deq(x[(i * kChunk + j) * kLanes + l], p);
        const float delta = v - m1;
        m1 += delta * (1.0f / float(j + 1));
        m2 += delta * (v - m1);
      }
      stack[l].add(m0, m1, m2);
    }
    int64_t mask = i + 1;
    for (int64_t j = 1; j < depth && (mask & 1) == 0; ++j, mask >>= 1)
      for (int64_t l = 0; l < kLanes; ++l) {
        Moments &lo = stack[(j - 1) * kLanes + l];
        stack[j * kLanes + l].add(lo.count, lo.m1, lo.m2);
        lo = Moments();
      }
  }
  for (int64_t j = 1; j < depth; ++j)
    for (int64_t l = 0; l < kLanes; ++l) {
      const Moments &hi = stack[j * kLanes + l];
      stack[l].add(hi.count, hi.m1, hi.m2);
    }
  Moments tail;
  for (int64_t i = vecs * kLanes; i < n; ++i)
    tail.push(deq(x[i], p));
  for (int64_t l = 0; l < kLanes; ++l)
    tail.add(vecs, stack[l].m1, stack[l].m2);
  mean = tail.m1;
  var = tail.m2 / float(n);
}

/// Moments of the eight lanes of one AVX2 vector.
struct VecMoments {
  int64_t count;
  __m256 m1, m2;
};

QFX_AVX2_FMA inline VecMoments zeroMoments() {
  return {0, _mm256_setzero_ps(), _mm256_setzero_ps()};
}

/// Moments::add on eight lanes.
QFX_AVX2_FMA inline void addMoments(VecMoments &to, int64_t oCount, __m256 oM1,
                                    __m256 oM2) {
  const int64_t n = to.count + oCount;
  const __m256 c = _mm256_set1_ps(n == 0 ? 0.0f : float(oCount) / float(n));
  const __m256 delta = _mm256_sub_ps(oM1, to.m1);
  to.m1 = _mm256_add_ps(to.m1, _mm256_mul_ps(c, delta));
  const __m256 t = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(delta, delta), c),
                                 _mm256_set1_ps(float(to.count)));
  to.m2 = _mm256_add_ps(to.m2, _mm256_add_ps(oM2, t));
  to.count = n;
}

/// rowMoments with the eight lanes in one AVX2 vector (no FMA: the same
/// float32 operations per lane).
QFX_AVX2_FMA void rowMomentsAvx2(const uint8_t *x, int64_t n, const QParams &p,
                                 float &mean, float &var) {
  const int64_t vecs = n / kLanes, chunks = (vecs + kChunk - 1) / kChunk;
  const int64_t depth = cascadeDepth(chunks); // <= 61 for any int64 size
  const __m256i zp = _mm256_set1_epi32(p.zeroPoint);
  const __m256 s = _mm256_set1_ps(p.scale);
  VecMoments stack[64];
  for (int64_t j = 0; j < depth; ++j)
    stack[j] = zeroMoments();
  for (int64_t i = 0; i < chunks; ++i) {
    const int64_t m0 = std::min(kChunk, vecs - i * kChunk);
    __m256 m1 = _mm256_setzero_ps(), m2 = _mm256_setzero_ps();
    for (int64_t j = 0; j < m0; ++j) {
      const __m256 v = deq8(x + (i * kChunk + j) * kLanes, zp, s);
      const __m256 delta = _mm256_sub_ps(v, m1);
      m1 = _mm256_add_ps(
          m1, _mm256_mul_ps(delta, _mm256_set1_ps(1.0f / float(j + 1))));
      m2 = _mm256_add_ps(m2, _mm256_mul_ps(delta, _mm256_sub_ps(v, m1)));
    }
    addMoments(stack[0], m0, m1, m2);
    int64_t mask = i + 1;
    for (int64_t j = 1; j < depth && (mask & 1) == 0; ++j, mask >>= 1) {
      addMoments(stack[j], stack[j - 1].count, stack[j - 1].m1,
                 stack[j - 1].m2);
      stack[j - 1] = zeroMoments();
    }
  }
  for (int64_t j = 1; j < depth; ++j)
    addMoments(stack[0], stack[j].count, stack[j].m1, stack[j].m2);
  alignas(32) float l1[kLanes], l2[kLanes];
  _mm256_store_ps(l1, stack[0].m1);
  _mm256_store_ps(l2, stack[0].m2);
  Moments tail;
  for (int64_t i = vecs * kLanes; i < n; ++i)
    tail.push(deq(x[i], p));
  for (int64_t l = 0; l < kLanes; ++l)
    tail.add(vecs, l1[l], l2[l]);
  mean = tail.m1;
  var = tail.m2 / float(n);
}

/// ATen's rstd and -rstd * mean.
void rowAffine(const LayerNormDesc &d, float mean, float var, float &rstd,
               float &nb) {
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
    float mean, var, rstd, nb;
    rowMomentsAvx2(x, d.n, d.in, mean, var);
    rowAffine(d, mean, var, rstd, nb);
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
    float mean, var, rstd, nb;
    rowMoments(x, d.n, d.in, mean, var);
    rowAffine(d, mean, var, rstd, nb);
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
