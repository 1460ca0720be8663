//===- ConvTestData.h - Data and checks shared by the conv tests -*- C++
//-*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The 2-d, 3-d and transposed convolution tests build their descriptions
// from the same weight and input distributions and check a kernel against
// the reference the same way.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_TEST_UNIT_KERNELS_CONVTESTDATA_H
#define QFX_TEST_UNIT_KERNELS_CONVTESTDATA_H

#include "qfx/Kernels/QuantizedKernels.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

namespace qfx::kern::test {

// FewLarge: 1 % of the values above the direct kernel's limit, SomeLarge
// 8 % (full-range activations after a ReLU have 1-6 %). Extreme: all
// inputs at qmax, weights at -128 and 127 (every third).
enum class Data { Random, Extreme, Small, FewLarge, SomeLarge };

inline bool isSmall(Data data) {
  return data == Data::Small || data == Data::FewLarge ||
         data == Data::SomeLarge;
}

/// \p taps weights per output channel and input channel of its group,
/// random or extreme, with per-channel scales and a bias in \p d.requant's
/// convention.
inline void fillConvWeights(ConvDesc &d, int64_t taps, Data data,
                            std::mt19937 &rng) {
  std::uniform_int_distribution<int> wd(-128, 127);
  std::uniform_real_distribution<float> sd(0.001f, 0.01f), bd(-2.f, 2.f);
  d.weight.resize(d.oc * (d.c / d.groups) * taps);
  for (size_t i = 0; i < d.weight.size(); ++i)
    d.weight[i] =
        data == Data::Extreme ? int8_t(i % 3 ? -128 : 127) : int8_t(wd(rng));
  for (int64_t o = 0; o < d.oc; ++o) {
    d.wScales.push_back(data == Data::Extreme ? 1e-4f : sd(rng));
    if (d.requant == Requant::Float)
      d.biasF.push_back(bd(rng));
    else
      d.biasI.push_back(int32_t(bd(rng) / (d.in.scale * d.wScales.back())));
  }
}

/// \p numel input values in d.in's range (at most 127 for the small kinds,
/// plus a few values near qmax for FewLarge / SomeLarge, the first and last
/// element included: they feed padded borders).
inline std::vector<uint8_t> makeConvInput(const ConvDesc &d, int64_t numel,
                                          Data data, std::mt19937 &rng) {
  std::vector<uint8_t> x(numel);
  std::uniform_int_distribution<int> xd(
      d.in.qmin, isSmall(data) ? std::min(d.in.qmax, 127) : d.in.qmax);
  for (auto &v : x)
    v = data == Data::Extreme ? uint8_t(d.in.qmax) : uint8_t(xd(rng));
  if (data == Data::FewLarge || data == Data::SomeLarge) {
    for (size_t i = 0; i < x.size(); i += data == Data::FewLarge ? 97 : 13)
      x[i] = uint8_t(d.in.qmax - i % 3);
    x.back() = uint8_t(d.in.qmax);
  }
  return x;
}

/// Runs \p k on \p x and checks the implementation it was built as, the one
/// its run used, and its output against the reference \p ref bit for bit;
/// with \p spread, also that \p ref is not trivially saturated.
inline void checkConvRun(ConvKernel &k, const std::vector<uint8_t> &x,
                         const std::vector<uint8_t> &ref, Impl built, Impl ran,
                         bool spread) {
  CHECK(k.impl() == built);
  std::vector<uint8_t> out(ref.size(), 7);
  k.run(x.data(), out.data());
  CHECK(k.lastImpl() == ran);
  INFO(k.libraryInfo());
  size_t mismatches = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    mismatches += out[i] != ref[i];
  CHECK(mismatches == 0);
  if (spread) {
    std::vector<bool> seen(256);
    size_t distinct = 0;
    for (uint8_t v : ref)
      distinct += !seen[v], seen[v] = true;
    CHECK(distinct > 8);
  }
}

/// Runs \p k reading int8 (each byte xor 0x80) when \p in and writing
/// int8 when \p out (ConvKernel::setInt8Io), twice from buffers at other
/// addresses (the kernel must follow them), and checks the bytes against the
/// uint8 \p ref. The input carries the 16 bytes of slack XNNPACK reads past
/// the end.
inline void checkInt8Run(ConvKernel &k, const std::vector<uint8_t> &x,
                         const std::vector<uint8_t> &ref, bool in, bool out) {
  INFO("int8 in=" << in << " out=" << out);
  REQUIRE(k.setInt8Io(in, out));
  const uint8_t inMask = in ? 0x80 : 0, outMask = out ? 0x80 : 0;
  std::vector<uint8_t> xs[2], ys[2];
  for (int run = 0; run < 2; ++run) {
    xs[run].assign(x.size() + 16, 0x5a);
    ys[run].assign(ref.size(), 7);
    for (size_t i = 0; i < x.size(); ++i)
      xs[run][i] = x[i] ^ inMask;
    k.run(xs[run].data(), ys[run].data());
    // Garbage where the first run read: the second must not look there.
    std::fill(xs[0].begin(), xs[0].end(), 0xa5);
    size_t mismatches = 0;
    for (size_t i = 0; i < ref.size(); ++i)
      mismatches += (ys[run][i] ^ outMask) != ref[i];
    CHECK(mismatches == 0);
  }
}

} // namespace qfx::kern::test

#endif // QFX_TEST_UNIT_KERNELS_CONVTESTDATA_H
