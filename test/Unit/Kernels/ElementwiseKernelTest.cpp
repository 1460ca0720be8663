//===- ElementwiseKernelTest.cpp - Add, pools, tables, cat ----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/QuantizedKernels.h"
#include "qfx/Runtime/Quantize.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

using namespace qfx::kern;

static float dq(uint8_t q, const QParams &p) {
  return float(int(q) - p.zeroPoint) * p.scale;
}
static int qz(float x, const QParams &p) {
  float q = float(p.zeroPoint) + std::nearbyint(x * (1.0f / p.scale));
  return int(std::min(std::max(q, float(p.qmin)), float(p.qmax)));
}

TEST_CASE("qadd is dq + dq -> q on every input pair", "[kernels]") {
  QParams pa{0.031f, 100, 0, 255}, pb{0.017f, 3, 0, 255}, po{0.05f, 90, 0, 255};
  std::vector<uint8_t> a, b;
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 256; ++j) {
      a.push_back(uint8_t(i));
      b.push_back(uint8_t(j));
    }
  for (bool relu : {false, true}) {
    std::vector<uint8_t> out(a.size());
    qadd(a.data(), pa, b.data(), pb, out.data(), po, relu, a.size());
    size_t bad = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      float y = dq(a[i], pa) + dq(b[i], pb);
      if (relu)
        y = std::max(y, 0.f);
      bad += out[i] != qz(y, po);
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("hardswish table", "[kernels]") {
  QParams pi{0.04f, 128, 0, 255}, po{0.03f, 10, 0, 255};
  auto lut = buildLut(UnaryFn::Hardswish, pi, po);
  for (int q = 0; q < 256; ++q) {
    float x = dq(uint8_t(q), pi);
    float y = x * std::min(std::max(x + 3.f, 0.f), 6.f) / 6.f;
    CHECK(int(lut[q]) == qz(y, po));
  }
}

TEST_CASE("pools on NHWC", "[kernels]") {
  PoolDesc d;
  d.n = 1, d.h = 4, d.w = 4, d.c = 2, d.kh = d.kw = 2, d.strideH = d.strideW = 2;
  d.oh = d.ow = 2;
  std::vector<uint8_t> x(32);
  for (int i = 0; i < 32; ++i)
    x[i] = uint8_t(i * 7 % 256);
  std::vector<uint8_t> out(8);
  qmaxPool(d, x.data(), out.data());
  // channel 0 of the first window: pixels (0,0),(0,1),(1,0),(1,1).
  int m = std::max({x[0], x[2], x[8], x[10]});
  CHECK(int(out[0]) == m);
  QParams p{0.1f, 5, 0, 255};
  qavgPool(d, x.data(), p, out.data(), p);
  float s = (dq(x[0], p) + dq(x[2], p) + dq(x[8], p) + dq(x[10], p)) / 4.f;
  CHECK(int(out[0]) == qz(s, p));
  PoolDesc g = d;
  g.oh = g.ow = 1;
  std::vector<uint8_t> o2(2);
  qadaptiveAvgPool(g, x.data(), p, o2.data(), p);
  float t = 0;
  for (int i = 0; i < 16; ++i)
    t += dq(x[i * 2 + 1], p);
  CHECK(int(o2[1]) == qz(t / 16.f, p));
}

TEST_CASE("cat requantizes inputs with other qparams", "[kernels]") {
  QParams p1{0.1f, 0, 0, 255}, p2{0.2f, 10, 0, 255};
  std::vector<uint8_t> a{1, 2, 3, 4}, b{20, 30};
  std::vector<uint8_t> out(6);
  qcat({a.data(), b.data()}, {p1, p2}, {2, 1}, 2, out.data(), p1);
  CHECK(out[0] == 1);
  CHECK(out[1] == 2);
  CHECK(int(out[2]) == qz(dq(20, p2), p1));
  CHECK(out[3] == 3);
  CHECK(int(out[5]) == qz(dq(30, p2), p1));
}

TEST_CASE("qmul is dq * dq -> q on every input pair", "[kernels]") {
  QParams pa{0.031f, 100, 0, 255}, pb{0.017f, 3, 0, 255}, po{0.05f, 90, 0, 255};
  std::vector<uint8_t> a, b;
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 256; ++j) {
      a.push_back(uint8_t(i));
      b.push_back(uint8_t(j));
    }
  for (bool relu : {false, true}) {
    std::vector<uint8_t> out(a.size());
    qmul(a.data(), pa, b.data(), pb, out.data(), po, relu, a.size());
    size_t bad = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      float y = dq(a[i], pa) * dq(b[i], pb);
      if (relu)
        y = std::max(y, 0.f);
      bad += out[i] != qz(y, po);
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("integer clamp equals q(clamp(dq(x))) for shared qparams",
          "[kernels]") {
  QParams p{0.05f, 62, 0, 255};
  std::vector<uint8_t> x(256), out(256);
  for (int i = 0; i < 256; ++i)
    x[i] = uint8_t(i);
  // ReLU6: [q(0), q(6)] = [62, 182].
  qclamp(x.data(), out.data(), 62, 182, 256);
  for (int i = 0; i < 256; ++i)
    CHECK(int(out[i]) == qz(std::min(std::max(dq(x[i], p), 0.f), 6.f), p));
}

TEST_CASE("sigmoid, tanh, hardsigmoid tables", "[kernels]") {
  QParams pi{0.05f, 128, 0, 255}, ps{1.0f / 256, 0, 0, 255},
      pt{2.0f / 256, 128, 0, 255};
  auto sig = buildLut(UnaryFn::Sigmoid, pi, ps);
  auto tnh = buildLut(UnaryFn::Tanh, pi, pt);
  auto hsig = buildLut(UnaryFn::Hardsigmoid, pi, ps);
  int worst = 0;
  for (int q = 0; q < 256; ++q) {
    double x = dq(uint8_t(q), pi);
    // Double-precision functions: at most one rounding boundary apart.
    worst = std::max(
        worst, std::abs(int(sig[q]) - qz(float(1 / (1 + std::exp(-x))), ps)));
    worst =
        std::max(worst, std::abs(int(tnh[q]) - qz(float(std::tanh(x)), pt)));
    CHECK(int(hsig[q]) ==
          qz(std::min(std::max(float(x) + 3.f, 0.f), 6.f) / 6.f, ps));
  }
  CHECK(worst <= 1);
  CHECK(int(sig[128]) == 128); // sigmoid(0) = 0.5
  CHECK(int(tnh[128]) == 128); // tanh(0) = 0
}

TEST_CASE("softmax along the middle dim", "[kernels]") {
  QParams pi{0.1f, 128, 0, 255}, po{1.0f / 256, 0, 0, 255};
  // outer 2 x n 3 x inner 2.
  std::vector<uint8_t> x = {128, 138, 138, 148, 148, 108,
                            0,   255, 128, 128, 255, 0};
  std::vector<uint8_t> y(x.size());
  qsoftmax(x.data(), pi, y.data(), po, 2, 3, 2);
  for (int o = 0; o < 2; ++o)
    for (int j = 0; j < 2; ++j) {
      double e[3], sum = 0;
      for (int i = 0; i < 3; ++i)
        sum += e[i] = std::exp(double(dq(x[(o * 3 + i) * 2 + j], pi)));
      for (int i = 0; i < 3; ++i) {
        int got = y[(o * 3 + i) * 2 + j];
        CHECK(std::abs(got - qz(float(e[i] / sum), po)) <= 1);
      }
    }
  // Equal logits split evenly: 1/3 -> 85.
  CHECK(int(y[2 * 2 + 0]) > int(y[0]));
}

TEST_CASE("qaddFast and qmulFast equal qadd and qmul bit for bit",
          "[kernels][avx2]") {
  std::vector<uint8_t> a, b;
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 256; ++j) {
      a.push_back(uint8_t(i));
      b.push_back(uint8_t(j));
    }
  // The second set makes many results exact .5 ties (round half to even).
  const QParams sets[][3] = {
      {{0.031f, 100, 0, 255}, {0.017f, 3, 0, 255}, {0.05f, 90, 0, 255}},
      {{0.5f, 128, 0, 255}, {0.5f, 7, 0, 255}, {1.0f, 128, 0, 255}},
      {{0.02f, 0, 0, 255}, {0.3f, 255, 0, 255}, {0.9f, 20, 0, 255}},
  };
  // An odd length leaves a scalar tail after the vector loop.
  const int64_t n = int64_t(a.size()) - 3;
  for (const auto &p : sets)
    for (bool relu : {false, true}) {
      std::vector<uint8_t> ref(n), fast(n, 7);
      qadd(a.data(), p[0], b.data(), p[1], ref.data(), p[2], relu, n);
      qaddFast(a.data(), p[0], b.data(), p[1], fast.data(), p[2], relu, n);
      CHECK(fast == ref);
      qmul(a.data(), p[0], b.data(), p[1], ref.data(), p[2], relu, n);
      std::fill(fast.begin(), fast.end(), 7);
      qmulFast(a.data(), p[0], b.data(), p[1], fast.data(), p[2], relu, n);
      CHECK(fast == ref);
    }
}

TEST_CASE("quantizeU8Fast equals rt::quantizeValue bit for bit", "[kernels]") {
  // Random values, exact ties (k + 0.5 steps, half to even), values beyond
  // the range, and NaN / infinities / huge values (x86: qmin).
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.f, 3.f);
  const float inf = std::numeric_limits<float>::infinity();
  struct P {
    float scale;
    int32_t zp, qmin, qmax;
  };
  for (P p : {P{0.05f, 128, 0, 255}, P{0.5f, 0, 0, 255}, P{0.013f, 7, 0, 127},
              P{1.0f, 255, 10, 200}}) {
    std::vector<float> x;
    for (int i = 0; i < 997; ++i)
      x.push_back(nd(rng));
    for (int k = -300; k <= 300; ++k)
      x.push_back((float(k) + 0.5f) * p.scale);
    for (float v : {std::nanf(""), inf, -inf, 3e38f, -3e38f, 1e19f, -1e19f,
                    9.2233720368547758e18f, -0.0f, 1e-40f})
      x.push_back(v);
    for (int64_t n : {int64_t(x.size()), int64_t(7), int64_t(8)}) {
      std::vector<uint8_t> got(n, 1);
      quantizeU8Fast(x.data(), got.data(), n, p.scale, p.zp, p.qmin, p.qmax);
      size_t mismatches = 0;
      for (int64_t i = 0; i < n; ++i)
        mismatches += got[i] != qfx::rt::quantizeValue(x[i], p.scale, p.zp,
                                                       p.qmin, p.qmax);
      INFO("scale " << p.scale << " zp " << p.zp << " n " << n);
      CHECK(mismatches == 0);
    }
  }
  // The specials land in the vector loop too (they start at index 1597).
  CHECK(cpuHasAvx2() == bool(__builtin_cpu_supports("avx2")));
}

TEST_CASE("qmaxPoolFast equals qmaxPool", "[kernels]") {
  struct S {
    int64_t n, h, w, c, kh, kw, sh, sw, ph, pw, dil;
  };
  const S shapes[] = {
      {1, 15, 15, 64, 3, 3, 2, 2, 1, 1, 1}, // resnet stem pool, odd size
      {2, 9, 7, 35, 3, 3, 1, 1, 1, 1, 2},   // 32 + 3 tail channels, dilated
      {1, 6, 6, 7, 2, 2, 2, 2, 0, 0, 1},    // tail only
      {1, 5, 8, 96, 3, 2, 2, 1, 1, 0, 1},   // rectangular window
  };
  std::mt19937 rng(8);
  std::uniform_int_distribution<int> xd(0, 255);
  for (const S &s : shapes) {
    PoolDesc d;
    d.n = s.n, d.h = s.h, d.w = s.w, d.c = s.c, d.kh = s.kh, d.kw = s.kw;
    d.strideH = s.sh, d.strideW = s.sw, d.padT = s.ph, d.padL = s.pw;
    d.dilH = d.dilW = s.dil;
    d.oh = (s.h + 2 * s.ph - s.dil * (s.kh - 1) - 1) / s.sh + 1;
    d.ow = (s.w + 2 * s.pw - s.dil * (s.kw - 1) - 1) / s.sw + 1;
    std::vector<uint8_t> x(d.n * d.h * d.w * d.c);
    for (auto &v : x)
      v = uint8_t(xd(rng));
    std::vector<uint8_t> ref(d.n * d.oh * d.ow * d.c), got(ref.size(), 7);
    qmaxPool(d, x.data(), ref.data());
    qmaxPoolFast(d, x.data(), got.data());
    INFO("c=" << s.c << " k=" << s.kh << "x" << s.kw);
    CHECK(got == ref);
  }
  // The AVX2 loop runs where the CPU has it (else qmaxPool itself).
  CHECK(cpuHasAvx2() == bool(__builtin_cpu_supports("avx2")));
}

TEST_CASE("nchwToNhwcFast equals nchwToNhwc", "[kernels]") {
  std::mt19937 rng(12);
  for (int64_t c : {3, 4, 1})
    for (int64_t hw : {224 * 224, 33, 16, 15, 1})
      for (int64_t n : {1, 2}) {
        std::vector<uint8_t> x(n * c * hw), ref(x.size()), got(x.size(), 7);
        for (auto &v : x)
          v = static_cast<uint8_t>(rng());
        nchwToNhwc(x.data(), ref.data(), n, c, hw);
        INFO("c " << c << " hw " << hw << " n " << n);
        // The vector path runs for three channels only.
        CHECK(nchwToNhwcFast(x.data(), got.data(), n, c, hw) ==
              (c == 3 && cpuHasAvx2()));
        CHECK(got == ref);
      }
}
