//===- Reductions.cpp - Vectorisable min/max reductions -------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The loops keep kLanes independent accumulators of fixed size so that the
// compiler turns them into SIMD min/max without -ffast-math. Finiteness is an
// integer OR over the exponent bits, which also vectorises.
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/Reductions.h"
#include "qfx/Runtime/Quantize.h"

#include <cstring>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace qfx::rt;

static constexpr int kLanes = 16;
static constexpr uint32_t kExponentMask = 0x7f800000u;

/// 1 when \p v is NaN or +-Inf.
static inline uint32_t isNonFinite(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return (bits & kExponentMask) == kExponentMask;
}

#if defined(__x86_64__)
/// The AVX2 body of computeMinMax: _mm256_min_ps(v, m) is exactly
/// `v < m ? v : m` (NaN keeps m), the scalar loop's selection.
__attribute__((target("avx2"))) static int64_t
minMaxAvx2(const float *data, int64_t n, float *mins, float *maxs,
           uint32_t *bad) {
  __m256 lo0 = _mm256_set1_ps(data[0]), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  const __m256i mask = _mm256_set1_epi32(static_cast<int>(kExponentMask));
  __m256i nonFinite = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 a = _mm256_loadu_ps(data + i), b = _mm256_loadu_ps(data + i + 8);
    lo0 = _mm256_min_ps(a, lo0);
    hi0 = _mm256_max_ps(a, hi0);
    lo1 = _mm256_min_ps(b, lo1);
    hi1 = _mm256_max_ps(b, hi1);
    __m256i ea = _mm256_and_si256(_mm256_castps_si256(a), mask);
    __m256i eb = _mm256_and_si256(_mm256_castps_si256(b), mask);
    nonFinite = _mm256_or_si256(nonFinite,
                                _mm256_or_si256(_mm256_cmpeq_epi32(ea, mask),
                                                _mm256_cmpeq_epi32(eb, mask)));
  }
  _mm256_storeu_ps(mins, lo0);
  _mm256_storeu_ps(mins + 8, lo1);
  _mm256_storeu_ps(maxs, hi0);
  _mm256_storeu_ps(maxs + 8, hi1);
  bad[0] = !_mm256_testz_si256(nonFinite, nonFinite);
  return i;
}
#endif

MinMax qfx::rt::computeMinMax(const float *data, int64_t n) {
  float mins[kLanes], maxs[kLanes];
  uint32_t bad[kLanes];
  for (int k = 0; k < kLanes; ++k) {
    mins[k] = maxs[k] = data[0];
    bad[k] = 0;
  }
  int64_t i = 0;
#if defined(__x86_64__)
  static const bool hasAvx2 = __builtin_cpu_supports("avx2");
  if (hasAvx2 && n > 0)
    i = minMaxAvx2(data, n, mins, maxs, bad);
#endif
  for (; i + kLanes <= n; i += kLanes) {
    for (int k = 0; k < kLanes; ++k) {
      float v = data[i + k];
      mins[k] = v < mins[k] ? v : mins[k];
      maxs[k] = v > maxs[k] ? v : maxs[k];
      bad[k] |= isNonFinite(v);
    }
  }
  for (; i < n; ++i) {
    float v = data[i];
    mins[0] = v < mins[0] ? v : mins[0];
    maxs[0] = v > maxs[0] ? v : maxs[0];
    bad[0] |= isNonFinite(v);
  }
  MinMax r{mins[0], maxs[0], true};
  uint32_t anyBad = 0;
  for (int k = 0; k < kLanes; ++k) {
    r.min = mins[k] < r.min ? mins[k] : r.min;
    r.max = maxs[k] > r.max ? maxs[k] : r.max;
    anyBad |= bad[k];
  }
  // A NaN in the first element seeds the accumulators and never loses a
  // comparison; the exponent test still catches it.
  r.allFinite = anyBad == 0;
  return r;
}

Status qfx::rt::computePerChannelMinMax(const TensorView &x, int64_t axis,
                                        std::vector<float> &mins,
                                        std::vector<float> &maxs,
                                        bool &allFinite) {
  int64_t outer, channels, inner;
  if (Status s = splitAroundAxis(x.shape, axis, outer, channels, inner);
      s.failed())
    return s;
  allFinite = true;
  mins.assign(channels, 0.0f);
  maxs.assign(channels, 0.0f);
  if (outer * channels * inner == 0)
    return Status::success();

  if (inner == 1) {
    // Channels are the innermost dimension: sweep rows, updating all channel
    // accumulators with unit-stride loads.
    uint32_t bad = 0;
    std::memcpy(mins.data(), x.data, channels * sizeof(float));
    std::memcpy(maxs.data(), x.data, channels * sizeof(float));
    float *mn = mins.data();
    float *mx = maxs.data();
    for (int64_t o = 0; o < outer; ++o) {
      const float *row = x.data + o * channels;
      for (int64_t c = 0; c < channels; ++c) {
        float v = row[c];
        mn[c] = v < mn[c] ? v : mn[c];
        mx[c] = v > mx[c] ? v : mx[c];
        bad |= isNonFinite(v);
      }
    }
    allFinite = bad == 0;
    return Status::success();
  }

  for (int64_t c = 0; c < channels; ++c) {
    MinMax first = computeMinMax(x.data + c * inner, inner);
    mins[c] = first.min;
    maxs[c] = first.max;
    allFinite &= first.allFinite;
  }
  for (int64_t o = 1; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      MinMax block = computeMinMax(x.data + (o * channels + c) * inner, inner);
      mins[c] = block.min < mins[c] ? block.min : mins[c];
      maxs[c] = block.max > maxs[c] ? block.max : maxs[c];
      allFinite &= block.allFinite;
    }
  return Status::success();
}
