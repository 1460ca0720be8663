//===- KernelTest.cpp - Executor kernels against reference loops ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"
#include "qfx/Executor/QuantizedOps.h"
#include "qfx/Runtime/Observers.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

using namespace qfx;
using namespace qfx::exec;

namespace {

/// A plan with float32 inputs filled from vectors.
struct Fixture {
  Plan plan;
  std::vector<std::vector<float>> owned;

  int input(Shape shape, std::vector<float> values) {
    owned.push_back(std::move(values));
    return plan.addExternalConstant(ElemType::F32, std::move(shape),
                                    owned.back().data());
  }
  int output(Shape shape, ElemType t = ElemType::F32) {
    return plan.addBuffer(t, std::move(shape));
  }
  std::vector<float> run(int out) {
    Status s = plan.finalize();
    INFO(s.message());
    REQUIRE(s.ok());
    Status r = plan.run();
    INFO(r.message());
    REQUIRE(r.ok());
    const float *p = plan.data<float>(out);
    return std::vector<float>(p, p + plan.slot(out).numel());
  }
};

std::vector<float> iota(int n, float start = 0.0f, float step = 1.0f) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i)
    v[i] = start + step * i;
  return v;
}

} // namespace

TEST_CASE("binary add broadcasts like PyTorch", "[executor]") {
  Fixture f;
  int a = f.input({2, 3}, iota(6));
  int b = f.input({3}, {10, 20, 30});
  int c = f.output({2, 3});
  f.plan.addKernel(createBinaryKernel(BinaryKind::Add, a, b, c));
  CHECK(f.run(c) == std::vector<float>{10, 21, 32, 13, 24, 35});
}

TEST_CASE("binary div broadcasts a column against a row", "[executor]") {
  Fixture f;
  int a = f.input({2, 1}, {1, 2});
  int b = f.input({1, 3}, {1, 2, 4});
  int c = f.output({2, 3});
  f.plan.addKernel(createBinaryKernel(BinaryKind::Div, a, b, c));
  CHECK(f.run(c) == std::vector<float>{1, 0.5f, 0.25f, 2, 1, 0.5f});
}

TEST_CASE("binary op rejects shapes that do not broadcast", "[executor]") {
  Fixture f;
  int a = f.input({2, 3}, iota(6));
  int b = f.input({2}, {1, 2});
  int c = f.output({2, 3});
  f.plan.addKernel(createBinaryKernel(BinaryKind::Mul, a, b, c));
  Status s = f.plan.finalize();
  CHECK(s.failed());
  CHECK(s.message().find("do not broadcast") != std::string::npos);
}

TEST_CASE("unary activations", "[executor]") {
  std::vector<float> x = {-4, -1, 0, 0.5f, 4};
  auto apply = [&](UnaryKind k, double a = 0, double b = 0) {
    Fixture f;
    int in = f.input({5}, x);
    int out = f.output({5});
    f.plan.addKernel(createUnaryKernel(k, in, out, a, b));
    return f.run(out);
  };
  CHECK(apply(UnaryKind::Relu) == std::vector<float>{0, 0, 0, 0.5f, 4});
  CHECK(apply(UnaryKind::Clamp, 0.0, 6.0) ==
        std::vector<float>{0, 0, 0, 0.5f, 4});
  CHECK(apply(UnaryKind::Clamp, -1.0, std::nan("")) ==
        std::vector<float>{-1, -1, 0, 0.5f, 4});
  CHECK(apply(UnaryKind::Hardsigmoid) ==
        std::vector<float>{0, 2.0f / 6, 0.5f, 3.5f / 6, 1});
  CHECK(apply(UnaryKind::LeakyRelu, 0.1)[0] == Approx(-0.4f));
  auto hs = apply(UnaryKind::Hardswish);
  CHECK(hs[1] == Approx(-1 * 2.0f / 6));
  CHECK(hs[4] == 4.0f);
  auto ge = apply(UnaryKind::GeluErf);
  CHECK(ge[3] == Approx(0.5 * 0.5 * (1 + std::erf(0.5 / std::sqrt(2.0)))));
  auto elu = apply(UnaryKind::Elu, 2.0);
  CHECK(elu[1] == Approx(2.0 * (std::exp(-1.0) - 1)));
}

TEST_CASE("conv2d through oneDNN matches a reference loop", "[executor]") {
  // 1x2x5x5 input, 3 output channels, 3x3 kernel, stride 2, padding 1.
  Fixture f;
  std::vector<float> x = iota(50, -1.0f, 0.05f), w = iota(54, 0.5f, -0.02f);
  int in = f.input({1, 2, 5, 5}, x);
  int wt = f.input({3, 2, 3, 3}, w);
  int b = f.input({3}, {0.1f, -0.2f, 0.3f});
  int out = f.output({1, 3, 3, 3});
  ConvParams p;
  p.input = in, p.weight = wt, p.bias = b, p.output = out;
  p.stride = {2, 2}, p.padding = {1, 1}, p.dilation = {1, 1};
  f.plan.addKernel(createConvKernel(p));
  auto y = f.run(out);
  for (int o = 0; o < 3; ++o)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double acc = o == 0 ? 0.1 : o == 1 ? -0.2 : 0.3;
        for (int c = 0; c < 2; ++c)
          for (int ki = 0; ki < 3; ++ki)
            for (int kj = 0; kj < 3; ++kj) {
              int ii = i * 2 - 1 + ki, jj = j * 2 - 1 + kj;
              if (ii < 0 || ii >= 5 || jj < 0 || jj >= 5)
                continue;
              acc += x[(c * 5 + ii) * 5 + jj] * w[((o * 2 + c) * 3 + ki) * 3 + kj];
            }
        CHECK(y[(o * 3 + i) * 3 + j] == Approx(acc).margin(1e-5));
      }
}

TEST_CASE("linear computes x W^T + b", "[executor]") {
  Fixture f;
  int x = f.input({2, 3}, {1, 2, 3, 4, 5, 6});
  int w = f.input({2, 3}, {1, 0, 0, 0, 1, 1});
  int b = f.input({2}, {0.5f, -1});
  int y = f.output({2, 2});
  f.plan.addKernel(createLinearKernel(x, w, b, y));
  CHECK(f.run(y) == std::vector<float>{1.5f, 4, 4.5f, 10});
}

TEST_CASE("matmul broadcasts batch dims", "[executor]") {
  Fixture f;
  int a = f.input({2, 1, 2}, {1, 2, 3, 4});
  int b = f.input({2, 2}, {1, 0, 0, 2});
  int c = f.output({2, 1, 2});
  f.plan.addKernel(createMatmulKernel(a, b, c));
  CHECK(f.run(c) == std::vector<float>{1, 4, 3, 8});
}

TEST_CASE("batch_norm eval uses running statistics", "[executor]") {
  Fixture f;
  int x = f.input({1, 2, 2}, {1, 2, 3, 4});
  int w = f.input({2}, {1, 2});
  int b = f.input({2}, {0, 1});
  int m = f.input({2}, {1, 3});
  int v = f.input({2}, {4, 1});
  int y = f.output({1, 2, 2});
  BatchNormParams p;
  p.input = x, p.weight = w, p.bias = b, p.mean = m, p.var = v, p.output = y;
  p.eps = 0.0;
  f.plan.addKernel(createBatchNormKernel(p));
  CHECK(f.run(y) == std::vector<float>{0, 0.5f, 1, 3});
}

TEST_CASE("avg_pool honours count_include_pad and ceil_mode", "[executor]") {
  // 1-d: input [1, 2, 3, 4, 5], kernel 2, stride 2, padding 1, ceil_mode:
  // windows [-1,1) [1,3) [3,5) (ceil adds none: it would start in padding).
  for (bool include : {true, false}) {
    Fixture f;
    int x = f.input({1, 1, 5}, {1, 2, 3, 4, 5});
    int y = f.output({1, 1, 3});
    PoolParams p;
    p.input = x, p.output = y, p.kernel = {2}, p.stride = {2}, p.padding = {1};
    p.countIncludePad = include;
    f.plan.addKernel(createAvgPoolKernel(p));
    auto v = f.run(y);
    CHECK(v[0] == (include ? 0.5f : 1.0f));
    CHECK(v[1] == 2.5f);
    CHECK(v[2] == 4.5f);
  }
}

TEST_CASE("max_pool and adaptive_avg_pool", "[executor]") {
  Fixture f;
  int x = f.input({1, 1, 3, 3}, iota(9));
  int y = f.output({1, 1, 2, 2});
  int z = f.output({1, 1, 2, 2});
  PoolParams p;
  p.input = x, p.output = y, p.kernel = {2, 2}, p.stride = {1, 1},
  p.padding = {0, 0}, p.dilation = {1, 1};
  f.plan.addKernel(createMaxPoolKernel(p));
  f.plan.addKernel(createAdaptiveAvgPoolKernel(x, z));
  auto v = f.run(y);
  CHECK(v == std::vector<float>{4, 5, 7, 8});
  const float *a = f.plan.data<float>(z);
  CHECK(a[0] == 2.0f); // mean of 0 1 3 4
  CHECK(a[3] == 6.0f); // mean of 4 5 7 8
}

TEST_CASE("softmax, layer_norm and mean", "[executor]") {
  Fixture f;
  int x = f.input({2, 2}, {0, 0, 1, 3});
  int s = f.output({2, 2});
  int l = f.output({2, 2});
  int m = f.output({2});
  f.plan.addKernel(createSoftmaxKernel(x, s, -1));
  f.plan.addKernel(createLayerNormKernel(x, -1, -1, l, 1, 0.0));
  f.plan.addKernel(createMeanKernel(x, m, {0}));
  auto sm = f.run(s);
  CHECK(sm[0] == Approx(0.5));
  CHECK(sm[3] == Approx(std::exp(2.0) / (1 + std::exp(2.0))));
  const float *ln = f.plan.data<float>(l);
  CHECK(ln[2] == Approx(-1.0));
  CHECK(ln[3] == Approx(1.0));
  const float *mm = f.plan.data<float>(m);
  CHECK(mm[0] == 0.5f);
  CHECK(mm[1] == 1.5f);
}

TEST_CASE("permute, cat and strided copy", "[executor]") {
  Fixture f;
  int x = f.input({2, 3}, iota(6));
  int t = f.output({3, 2});
  int c = f.output({2, 6});
  int s = f.output({2});
  f.plan.addKernel(createPermuteKernel(x, t, {1, 0}));
  f.plan.addKernel(createCatKernel({x, x}, c, -1));
  f.plan.addKernel(createStridedCopyKernel(x, s, {3}, 2)); // x[:, 2]
  CHECK(f.run(t) == std::vector<float>{0, 3, 1, 4, 2, 5});
  const float *cc = f.plan.data<float>(c);
  CHECK(std::vector<float>(cc, cc + 12) ==
        std::vector<float>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
  const float *ss = f.plan.data<float>(s);
  CHECK(ss[0] == 2.0f);
  CHECK(ss[1] == 5.0f);
}

TEST_CASE("nearest and bilinear interpolation", "[executor]") {
  Fixture f;
  int x = f.input({1, 1, 1, 2}, {0, 1});
  int n = f.output({1, 1, 1, 4});
  int b = f.output({1, 1, 1, 4});
  f.plan.addKernel(createInterpolateKernel(x, n, InterpMode::Nearest, {}, false));
  f.plan.addKernel(
      createInterpolateKernel(x, b, InterpMode::Linear, {1.0, 2.0}, false));
  CHECK(f.run(n) == std::vector<float>{0, 0, 1, 1});
  const float *bb = f.plan.data<float>(b);
  CHECK(std::vector<float>(bb, bb + 4) ==
        std::vector<float>{0, 0.25f, 0.75f, 1});
}

TEST_CASE("constant pad adds and crops per dim", "[executor]") {
  Fixture f;
  int x = f.input({1, 2, 3}, {1, 2, 3, 4, 5, 6});
  // One row of -1 above, one column left, and the last column cropped:
  // F.pad(x, [1, -1, 1, 0], value=-1).
  int y = f.output({1, 3, 3});
  f.plan.addKernel(createPadKernel(x, y, {0, 1, 1}, -1.0f));
  CHECK(f.run(y) == std::vector<float>{-1, -1, -1, //
                                       -1, 1, 2,   //
                                       -1, 4, 5});
}

TEST_CASE("pad of leading dims fills whole rows", "[executor]") {
  Fixture f;
  int x = f.input({2, 1}, {7, 8});
  int y = f.output({3, 2});
  f.plan.addKernel(createPadKernel(x, y, {1, 0}, 0.0f));
  CHECK(f.run(y) == std::vector<float>{0, 0, 7, 0, 8, 0});
}

TEST_CASE("embedding rejects out-of-range indices at run time", "[executor]") {
  Plan plan;
  std::vector<float> w = iota(6);
  std::vector<int64_t> idx = {2, 0, 5};
  int wt = plan.addExternalConstant(ElemType::F32, {3, 2}, w.data());
  int ix = plan.addExternalConstant(ElemType::I64, {3}, idx.data());
  int y = plan.addBuffer(ElemType::F32, {3, 2});
  plan.addKernel(createEmbeddingKernel(wt, ix, y));
  REQUIRE(plan.finalize().ok());
  Status s = plan.run();
  CHECK(s.failed());
  CHECK(s.message().find("index 5 is out of range") != std::string::npos);
}

TEST_CASE("quantize and dequantize round trip per tensor and per axis",
          "[executor]") {
  Fixture f;
  int x = f.input({2, 2}, {-1.0f, 0.26f, 0.5f, 10.0f});
  int q = f.output({2, 2}, ElemType::U8);
  int d = f.output({2, 2});
  QuantSpec spec;
  spec.scales = {0.1f};
  spec.zeroPoints = {10};
  spec.qmin = 0;
  spec.qmax = 255;
  f.plan.addKernel(createQuantizeKernel(x, q, spec));
  f.plan.addKernel(createDequantizeKernel(q, d, spec));
  auto v = f.run(d);
  const uint8_t *qq = f.plan.data<uint8_t>(q);
  CHECK(int(qq[0]) == 0);
  CHECK(int(qq[1]) == 13);
  CHECK(int(qq[3]) == 110);
  CHECK(v[0] == Approx(-1.0f));
  CHECK(v[3] == Approx(10.0f));

  Fixture g;
  int y = g.input({2, 2}, {1, 1, 1, 1});
  int qa = g.output({2, 2}, ElemType::I8);
  QuantSpec axis;
  axis.axis = 0;
  axis.scales = {0.5f, 0.25f};
  axis.zeroPoints = {0, 0};
  axis.qmin = -128;
  axis.qmax = 127;
  g.plan.addKernel(createQuantizeKernel(y, qa, axis));
  g.run(y);
  const int8_t *a = g.plan.data<int8_t>(qa);
  CHECK(int(a[0]) == 2);
  CHECK(int(a[2]) == 4);
}

TEST_CASE("observer kernel accumulates and diagnoses non-finite values",
          "[executor]") {
  rt::ObserverConfig cfg;
  cfg.kind = rt::ObserverKind::MinMax;
  auto obs = rt::createObserver(cfg);
  REQUIRE(obs.ok());
  std::vector<float> data = {-1, 2, 0.5f};
  Plan plan;
  int x = plan.addExternalConstant(ElemType::F32, {3}, data.data());
  auto *k = static_cast<ObserverKernel *>(
      plan.addKernel(std::make_unique<ObserverKernel>(x, obs.take())));
  k->setLabel("observer 'obs0'");
  REQUIRE(plan.finalize().ok());
  REQUIRE(plan.run().ok());
  data[1] = 5;
  REQUIRE(plan.run().ok());
  auto st = k->observer().exportState();
  CHECK(st.minVals[0] == -1.0f);
  CHECK(st.maxVals[0] == 5.0f);
  data[2] = NAN;
  Status s = plan.run();
  CHECK(s.failed());
  CHECK(s.message().find("obs0") != std::string::npos);
}

TEST_CASE("fake_quantize observes then quantizes", "[executor]") {
  rt::ObserverConfig cfg;
  cfg.kind = rt::ObserverKind::MinMax;
  auto obs = rt::createObserver(cfg);
  REQUIRE(obs.ok());
  Fixture f;
  int x = f.input({4}, {0.0f, 0.1f, 0.5f, 2.55f});
  int y = f.output({4});
  auto *k = static_cast<FakeQuantizeKernel *>(f.plan.addKernel(
      std::make_unique<FakeQuantizeKernel>(x, y, obs.take(), true, true,
                                           std::vector<float>{},
                                           std::vector<int64_t>{})));
  auto v = f.run(y);
  REQUIRE(k->scales().size() == 1);
  CHECK(k->scales()[0] == Approx(0.01f));
  CHECK(k->zeroPoints()[0] == 0);
  CHECK(v[1] == Approx(0.1f));
  CHECK(v[3] == Approx(2.55f));
}

TEST_CASE("lstm checks its state slots", "[executor]") {
  // T = 1, B = 1, I = 1, H = 1: gates i, f, g, o from one weight each.
  Fixture f;
  RecurrentParams p;
  p.input = f.input({1, 1, 1}, {0.5f});
  p.weights = {f.input({4, 1}, {0.1f, 0.2f, 0.3f, 0.4f}),
               f.input({4, 1}, {-0.5f, 0.6f, -0.7f, 0.8f}),
               f.input({4}, {0.01f, 0.02f, 0.03f, 0.04f}),
               f.input({4}, {0.0f, 0.0f, 0.0f, 0.0f})};
  p.hiddenSize = 1;
  p.output = f.output({1, 1, 1});
  SECTION("states of [L*D, B, H] run") {
    p.h0 = f.input({1, 1, 1}, {0.25f});
    p.c0 = f.input({1, 1, 1}, {-1.0f});
    f.plan.addKernel(createRecurrentKernel(p));
    auto gate = [](float w, float b, float u) {
      return w * 0.5f + b + u * 0.25f;
    };
    auto sig = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
    float c =
        sig(gate(0.2f, 0.02f, 0.6f)) * -1.0f +
        sig(gate(0.1f, 0.01f, -0.5f)) * std::tanh(gate(0.3f, 0.03f, -0.7f));
    float h = sig(gate(0.4f, 0.04f, 0.8f)) * std::tanh(c);
    CHECK(f.run(p.output)[0] == Approx(h).epsilon(1e-6));
  }
  SECTION("states of another size are rejected") {
    p.h0 = f.input({1, 2, 1}, {0.25f, 0.5f});
    f.plan.addKernel(createRecurrentKernel(p));
    Status s = f.plan.finalize();
    CHECK(s.failed());
    CHECK(s.message().find("lstm: states must be [L*D, B, H]") !=
          std::string::npos);
  }
}

TEST_CASE("quantized convolutions keep int8 slots between them", "[executor]") {
  // Two 1x1 convolutions, 16 -> 24 -> 8 channels, the middle slot int8
  // (uint8 xor 0x80). Each runs on XNNPACK (reads / writes the int8 slot
  // in place) or on the reference kernel (uint8 only: the executor shifts
  // around it); the output is the same uint8 either way.
  auto desc = [](int64_t c, int64_t oc, uint32_t seed) {
    kern::ConvDesc d;
    d.n = 1, d.h = 3, d.w = 5, d.c = c, d.oc = oc;
    d.in = {0.05f, 100, 0, 255};
    d.out = {0.1f, 120, 0, 255};
    d.requant = kern::Requant::Fp32;
    for (int64_t i = 0; i < c * oc; ++i)
      d.weight.push_back(static_cast<int8_t>((i * 37 + seed) % 255 - 127));
    d.wScales.assign(oc, 0.004f);
    for (int64_t o = 0; o < oc; ++o)
      d.biasI.push_back(static_cast<int32_t>(o * 50 - 300));
    return d;
  };
  auto runPlan = [&](kern::ImplChoice first, kern::ImplChoice second,
                     bool int8) {
    Plan plan;
    int x = plan.addBuffer(ElemType::U8, {1, 3, 5, 16});
    int mid = plan.addBuffer(ElemType::U8, {1, 3, 5, 24});
    int y = plan.addBuffer(ElemType::U8, {1, 3, 5, 8});
    plan.addKernel(createQConvKernel(x, mid, desc(16, 24, 3), first,
                                     /*int8In=*/false, /*int8Out=*/int8));
    plan.addKernel(createQConvKernel(mid, y, desc(24, 8, 11), second,
                                     /*int8In=*/int8, /*int8Out=*/false));
    REQUIRE(plan.finalize().ok());
    for (int i = 0; i < 16 * 15; ++i)
      plan.data<uint8_t>(x)[i] = static_cast<uint8_t>(i * 53 % 256);
    REQUIRE(plan.run().ok());
    const uint8_t *p = plan.data<uint8_t>(y), *m = plan.data<uint8_t>(mid);
    return std::pair{std::vector<uint8_t>(p, p + 8 * 15),
                     std::vector<uint8_t>(m, m + 24 * 15)};
  };
  using kern::ImplChoice;
  auto [ref, refMid] = runPlan(ImplChoice::Reference, ImplChoice::Reference,
                               /*int8=*/false);
  std::vector<uint8_t> flipped = refMid;
  for (uint8_t &v : flipped)
    v ^= 0x80;
  for (auto [first, second] :
       {std::pair{ImplChoice::Xnnpack, ImplChoice::Xnnpack},
        std::pair{ImplChoice::Reference, ImplChoice::Xnnpack},
        std::pair{ImplChoice::Xnnpack, ImplChoice::Reference},
        std::pair{ImplChoice::Reference, ImplChoice::Reference}}) {
    INFO("first " << int(first) << " second " << int(second));
    auto [out, mid] = runPlan(first, second, /*int8=*/true);
    CHECK(out == ref);
    CHECK(mid == flipped);
  }
}
