//===- DynamicLSTMTest.cpp - qfxk.dynamic_lstm's plan kernel --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The dynamic LSTM against a definition written out here from
// docs/kernels.md ("Dynamic LSTM"): per layer and direction one dynamic
// quantization of the whole sequence for W_ih, one of the [B, H] state per
// step for W_hh, int64 sums, fbgemm's float epilogue, float32 gates. The
// fast gate products (oneDNN, qfx's AVX2 int16 kernel) and the portable
// reference must both equal it bit for bit, and the test asserts which
// gate kernel ran.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/QuantizedOps.h"
#include "qfx/Runtime/DynamicQuant.h"
#include "qfx/Runtime/Quantize.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

using namespace qfx;
using namespace qfx::exec;

namespace {

struct Shape3 {
  int64_t t, b, i, h, layers;
  bool bidirectional, batchFirst, bias, perChannel, states, reduceRange;
};

struct Model {
  Shape3 s;
  std::vector<float> x, h0, c0;
  std::vector<kern::DynamicLinearDesc> weights;
};

Model makeModel(const Shape3 &s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Model m{s, {}, {}, {}, {}};
  m.x.resize(s.t * s.b * s.i);
  for (float &v : m.x)
    v = 3.0f * u(rng) + 0.5f;
  const int64_t d = s.bidirectional ? 2 : 1;
  if (s.states) {
    m.h0.resize(s.layers * d * s.b * s.h);
    m.c0.resize(m.h0.size());
    for (float &v : m.h0)
      v = u(rng);
    for (float &v : m.c0)
      v = 2.0f * u(rng);
  }
  std::uniform_int_distribution<int> w8(-128, 127);
  for (int64_t l = 0; l < s.layers; ++l)
    for (int64_t dir = 0; dir < d; ++dir)
      for (int hh = 0; hh < 2; ++hh) {
        kern::DynamicLinearDesc w;
        w.n = 4 * s.h;
        w.k = hh ? s.h : l == 0 ? s.i : d * s.h;
        w.weight.resize(w.n * w.k);
        for (int8_t &v : w.weight)
          v = static_cast<int8_t>(w8(rng));
        w.weight[0] = 127; // full-range states then exceed oneDNN's bound
        for (int64_t j = 0; j < w.n; ++j)
          w.wScales.push_back(s.perChannel ? 0.002f + 0.0001f * j : 0.004f);
        if (s.bias)
          for (int64_t j = 0; j < w.n; ++j)
            w.bias.push_back(0.5f * u(rng));
        m.weights.push_back(std::move(w));
      }
  return m;
}

/// One dynamic linear call, written out.
std::vector<float> dynamicLinear(const kern::DynamicLinearDesc &w,
                                 const float *x, int64_t rows,
                                 bool reduceRange) {
  const int64_t n = rows * w.k;
  float lo = x[0], hi = x[0];
  for (int64_t i = 0; i < n; ++i)
    lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
  auto qp = rt::chooseDynamicQParams(lo, hi, 0, 255, reduceRange);
  REQUIRE(qp.ok());
  const float scale = static_cast<float>(qp->scale);
  std::vector<float> y(rows * w.n);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < w.n; ++j) {
      int64_t acc = 0;
      for (int64_t k = 0; k < w.k; ++k)
        acc +=
            (rt::quantizeValue(x[r * w.k + k], scale, qp->zeroPoint, 0, 255) -
             qp->zeroPoint) *
            w.weight[j * w.k + k];
      const float mult = scale * w.wScales[j];
      float v = static_cast<float>(acc) * mult;
      if (!w.bias.empty())
        v = v + w.bias[j];
      y[r * w.n + j] = v;
    }
  return y;
}

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

/// output, h_n, c_n.
std::vector<std::vector<float>> definition(const Model &m) {
  const Shape3 &s = m.s;
  const int64_t d = s.bidirectional ? 2 : 1, h = s.h;
  std::vector<float> seq(s.t * s.b * s.i);
  for (int64_t t = 0; t < s.t; ++t)
    for (int64_t b = 0; b < s.b; ++b)
      for (int64_t i = 0; i < s.i; ++i)
        seq[(t * s.b + b) * s.i + i] =
            m.x[((s.batchFirst ? b * s.t + t : t * s.b + b)) * s.i + i];
  std::vector<float> hn(s.layers * d * s.b * h), cn(hn.size());
  for (int64_t l = 0; l < s.layers; ++l) {
    std::vector<float> out(s.t * s.b * d * h);
    for (int64_t dir = 0; dir < d; ++dir) {
      const int64_t sd = l * d + dir;
      const auto &wih = m.weights[2 * sd], &whh = m.weights[2 * sd + 1];
      std::vector<float> gi =
          dynamicLinear(wih, seq.data(), s.t * s.b, s.reduceRange);
      std::vector<float> hs(s.b * h, 0.0f), cs(s.b * h, 0.0f);
      if (s.states) {
        std::copy_n(&m.h0[sd * s.b * h], s.b * h, hs.begin());
        std::copy_n(&m.c0[sd * s.b * h], s.b * h, cs.begin());
      }
      for (int64_t step = 0; step < s.t; ++step) {
        const int64_t t = dir == 0 ? step : s.t - 1 - step;
        std::vector<float> gh =
            dynamicLinear(whh, hs.data(), s.b, s.reduceRange);
        for (int64_t b = 0; b < s.b; ++b)
          for (int64_t j = 0; j < h; ++j) {
            auto gate = [&](int g) {
              return gh[b * 4 * h + g * h + j] +
                     gi[(t * s.b + b) * 4 * h + g * h + j];
            };
            float ig = sigmoid(gate(0)), fg = sigmoid(gate(1));
            float cg = std::tanh(gate(2)), og = sigmoid(gate(3));
            float fc = fg * cs[b * h + j];
            float ic = ig * cg;
            cs[b * h + j] = fc + ic;
            hs[b * h + j] = og * std::tanh(cs[b * h + j]);
            out[(t * s.b + b) * d * h + dir * h + j] = hs[b * h + j];
          }
      }
      std::copy(hs.begin(), hs.end(), &hn[sd * s.b * h]);
      std::copy(cs.begin(), cs.end(), &cn[sd * s.b * h]);
    }
    seq = out;
  }
  std::vector<float> y(seq.size());
  const int64_t row = d * h;
  for (int64_t t = 0; t < s.t; ++t)
    for (int64_t b = 0; b < s.b; ++b)
      std::copy_n(&seq[(t * s.b + b) * row], row,
                  &y[(s.batchFirst ? b * s.t + t : t * s.b + b) * row]);
  return {y, hn, cn};
}

struct Result {
  std::vector<std::vector<float>> outputs;
  std::string impl;
};

Result runKernel(const Model &m, kern::ImplChoice choice) {
  const Shape3 &s = m.s;
  const int64_t d = s.bidirectional ? 2 : 1;
  Plan plan;
  QDynamicLSTMParams p;
  Shape in = s.batchFirst ? Shape{s.b, s.t, s.i} : Shape{s.t, s.b, s.i};
  Shape out =
      s.batchFirst ? Shape{s.b, s.t, d * s.h} : Shape{s.t, s.b, d * s.h};
  Shape state{s.layers * d, s.b, s.h};
  p.input = plan.addExternalConstant(ElemType::F32, in, m.x.data());
  if (s.states) {
    p.h0 = plan.addExternalConstant(ElemType::F32, state, m.h0.data());
    p.c0 = plan.addExternalConstant(ElemType::F32, state, m.c0.data());
  }
  p.output = plan.addBuffer(ElemType::F32, out);
  p.hn = plan.addBuffer(ElemType::F32, state);
  p.cn = plan.addBuffer(ElemType::F32, state);
  p.hiddenSize = s.h, p.numLayers = s.layers;
  p.batchFirst = s.batchFirst, p.bidirectional = s.bidirectional;
  p.reduceRange = s.reduceRange;
  p.weights = m.weights;
  p.choice = choice;
  Kernel *k = plan.addKernel(createQDynamicLSTMKernel(std::move(p)));
  Status st = plan.finalize();
  INFO(st.message());
  REQUIRE(st.ok());
  Result r;
  Status rs = plan.run();
  INFO(rs.message());
  REQUIRE(rs.ok());
  for (int id : {p.output, p.hn, p.cn}) {
    const float *v = plan.data<float>(id);
    r.outputs.emplace_back(v, v + plan.slot(id).numel());
  }
  r.impl = k->implName();
  return r;
}

bool bitEqual(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

TEST_CASE("dynamic LSTM equals its definition bit for bit",
          "[executor][dynamic-lstm]") {
  // t, b, i, h, layers, bidirectional, batch_first, bias, per-channel,
  // initial states, reduce_range.
  const Shape3 shapes[] = {
      {5, 1, 3, 2, 1, false, false, true, false, false, true},
      {7, 3, 6, 10, 1, false, false, true, true, true, false},
      {6, 2, 5, 8, 2, true, true, true, false, true, true},
      {6, 2, 5, 8, 2, true, true, false, true, true, false},
      {4, 5, 17, 9, 3, true, false, true, true, false, false},
      {1, 1, 1, 1, 1, false, true, false, false, false, true},
  };
  uint32_t seed = 1;
  for (const Shape3 &s : shapes) {
    CAPTURE(s.t, s.b, s.i, s.h, s.layers, s.bidirectional, s.batchFirst, s.bias,
            s.perChannel, s.states, s.reduceRange);
    Model m = makeModel(s, seed++);
    auto expected = definition(m);
    Result fast = runKernel(m, kern::ImplChoice::Auto);
    Result ref = runKernel(m, kern::ImplChoice::Reference);
    for (int o = 0; o < 3; ++o) {
      CAPTURE(o);
      CHECK(bitEqual(fast.outputs[o], expected[o]));
      CHECK(bitEqual(ref.outputs[o], expected[o]));
    }
    const int64_t d = s.bidirectional ? 2 : 1;
    // One W_ih call per layer and direction, one W_hh call per step.
    const int64_t calls = s.layers * d * (1 + s.t);
    CAPTURE(fast.impl, ref.impl);
    CHECK(ref.impl == "qfx:dynamic-lstm, gate products: reference " +
                          std::to_string(calls) + " run(s)");
    if (s.reduceRange) {
      // Inputs <= 127 cannot saturate oneDNN's int16 pair sums.
      CHECK(fast.impl == "qfx:dynamic-lstm, gate products: onednn:u8s8s32 " +
                             std::to_string(calls) + " run(s)");
    } else if (kern::cpuHasAvx2()) {
      // Full-range inputs reach 255 against |w| = 127: qfx's exact kernel.
      CHECK(fast.impl.find("qfx:gemm-u8s8-s16-avx2") != std::string::npos);
    }
  }
}

TEST_CASE("dynamic LSTM rejects weights that do not fit its shapes",
          "[executor][dynamic-lstm]") {
  Shape3 s{3, 1, 4, 2, 1, false, false, true, false, false, true};
  Model m = makeModel(s, 7);
  std::swap(m.weights[0], m.weights[1]);
  Plan plan;
  QDynamicLSTMParams p;
  p.input = plan.addExternalConstant(ElemType::F32, {3, 1, 4}, m.x.data());
  p.output = plan.addBuffer(ElemType::F32, {3, 1, 2});
  p.hn = plan.addBuffer(ElemType::F32, {1, 1, 2});
  p.cn = plan.addBuffer(ElemType::F32, {1, 1, 2});
  p.hiddenSize = 2;
  p.weights = m.weights;
  plan.addKernel(createQDynamicLSTMKernel(std::move(p)));
  Status st = plan.finalize();
  REQUIRE(st.failed());
  CHECK(st.message().find("weight matrix 0 is 8x2, expected 8x4") !=
        std::string::npos);
}
