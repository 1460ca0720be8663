//===- GoldenTest.cpp - Observers and kernels against PyTorch goldens -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Replays every case of the golden file (the committed one, or the file named
// by QFX_OBSERVER_GOLDEN, which the `conformance` ctest regenerates with
// torch). Min/max/histograms and zero points must match exactly, scales
// within one ulp.
//
//===----------------------------------------------------------------------===//

#include "GoldenData.h"

#include "qfx/Runtime/Observers.h"
#include "qfx/Runtime/Quantize.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>

using namespace qfx::rt;
using namespace qfx::test;

namespace {
std::string goldenPath() {
  if (const char *env = std::getenv("QFX_OBSERVER_GOLDEN"))
    if (*env)
      return env;
  return std::string(QFX_RUNTIME_GOLDEN_DIR) + "/observer_golden.txt";
}

const std::vector<GoldenCase> &goldenCases() {
  static std::vector<GoldenCase> cases;
  static std::string error;
  static bool loaded = readGoldenFile(goldenPath(), cases, error);
  INFO("golden file: " << goldenPath() << ": " << error);
  REQUIRE(loaded);
  return cases;
}

/// Parses "key=value" config words into an ObserverConfig.
ObserverConfig parseConfig(const std::vector<std::string> &words) {
  ObserverConfig c;
  for (const std::string &w : words) {
    size_t eq = w.find('=');
    REQUIRE(eq != std::string::npos);
    std::string key = w.substr(0, eq), value = w.substr(eq + 1);
    if (key == "kind") {
      auto kind = parseObserverKind(value.c_str());
      REQUIRE(kind);
      c.kind = *kind;
    } else if (key == "dtype") {
      auto dtype = parseQDType(value.c_str());
      REQUIRE(dtype);
      c.dtype = *dtype;
    } else if (key == "qscheme") {
      auto qscheme = parseQScheme(value.c_str());
      REQUIRE(qscheme);
      c.qscheme = *qscheme;
    } else if (key == "reduce_range") {
      c.reduceRange = value == "1";
    } else if (key == "quant_min") {
      c.quantMin = std::stoll(value);
    } else if (key == "quant_max") {
      c.quantMax = std::stoll(value);
    } else if (key == "ch_axis") {
      c.chAxis = std::stoll(value);
    } else if (key == "averaging_constant") {
      // The script writes Python floats through float32; PyTorch rounds the
      // constant to float32 before using it, so this is lossless.
      c.averagingConstant = hexToFloat(value);
    } else if (key == "bins") {
      c.bins = std::stoll(value);
    } else if (key == "upsample_rate") {
      c.upsampleRate = std::stoll(value);
    } else {
      FAIL("unknown config key " << key);
    }
  }
  return c;
}

std::vector<float> hexFloats(const std::vector<std::string> &words,
                             size_t skip = 0) {
  std::vector<float> out;
  for (size_t i = skip; i < words.size(); ++i)
    out.push_back(hexToFloat(words[i]));
  return out;
}

/// Generates a batch and checks it against the hash recorded by Python.
std::vector<float> checkedBatch(const GoldenBatch &b) {
  std::vector<float> x = generateBatch(b);
  INFO("input generator " << b.gen << " seed " << b.seed);
  REQUIRE(fnv64(x.data(), x.size()) == b.hash);
  return x;
}

void checkFloatsExact(const char *what, const std::vector<float> &got,
                      const std::vector<float> &want) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("index " << i << ": got " << got[i] << ", want " << want[i]);
    CHECK(ulpDistance(got[i], want[i]) == 0);
  }
}

void checkQParams(const QParams &p, const GoldenCase &c) {
  std::vector<float> scales = hexFloats(c.fields.at("scale"));
  REQUIRE(p.scales.size() == scales.size());
  for (size_t i = 0; i < scales.size(); ++i) {
    INFO("scale " << i << ": got " << p.scales[i] << ", want " << scales[i]);
    CHECK(ulpDistance(p.scales[i], scales[i]) <= 1);
  }
  if (c.fields.count("fzp")) {
    checkFloatsExact("float zero points", p.floatZeroPoints,
                     hexFloats(c.fields.at("fzp")));
    return;
  }
  const std::vector<std::string> &zps = c.fields.at("zp");
  REQUIRE(p.zeroPoints.size() == zps.size());
  for (size_t i = 0; i < zps.size(); ++i)
    CHECK(p.zeroPoints[i] == std::stoll(zps[i]));
}

void runObserverCase(const GoldenCase &c) {
  ObserverConfig config = parseConfig(c.fields.at("config"));
  Expected<std::unique_ptr<Observer>> obs = createObserver(config);
  INFO(obs.message());
  REQUIRE(obs.ok());
  for (const GoldenBatch &b : c.batches) {
    std::vector<float> x = checkedBatch(b);
    Status s = (*obs)->observe(TensorView(x.data(), b.shape));
    INFO(s.message());
    REQUIRE(s.ok());
  }
  ObserverState state = (*obs)->exportState();
  checkFloatsExact("min_val", state.minVals, hexFloats(c.fields.at("min")));
  checkFloatsExact("max_val", state.maxVals, hexFloats(c.fields.at("max")));
  if (c.fields.count("hist")) {
    const std::vector<std::string> &h = c.fields.at("hist");
    REQUIRE(state.histogram.size() == std::stoul(h[0]));
    if (h.size() > 2)
      checkFloatsExact("histogram", state.histogram, hexFloats(h, 2));
    CHECK(fnv64(state.histogram.data(), state.histogram.size()) == h[1]);
  }
  Expected<QParams> p = (*obs)->calculateQParams();
  INFO(p.message());
  REQUIRE(p.ok());
  checkQParams(*p, c);
}

/// Widens a quantized tensor to int32 for hashing like the script.
std::vector<int32_t> widen(const Tensor &q) {
  std::vector<int32_t> out(q.numel());
  for (int64_t i = 0; i < q.numel(); ++i) {
    switch (q.dtype()) {
    case DType::UInt8:
      out[i] = q.data<uint8_t>()[i];
      break;
    case DType::Int8:
      out[i] = q.data<int8_t>()[i];
      break;
    default:
      out[i] = q.data<int32_t>()[i];
      break;
    }
  }
  return out;
}

void runQuantizeCase(const GoldenCase &c) {
  REQUIRE(c.batches.size() == 1);
  const GoldenBatch &b = c.batches[0];
  std::vector<float> xs = checkedBatch(b);
  TensorView x(xs.data(), b.shape);
  const std::vector<std::string> &fq = c.fields.at("fq");
  const int64_t fqMin = std::stoll(fq[0]), fqMax = std::stoll(fq[1]);
  Expected<Tensor> q = Status::error("unset"), dq = Status::error("unset"),
                   f = Status::error("unset");
  if (c.fields.count("qparams")) {
    const std::vector<std::string> &qp = c.fields.at("qparams");
    QDType dtype = *parseQDType(qp[0].c_str());
    float scale = hexToFloat(qp[1]);
    int64_t zp = std::stoll(qp[2]);
    q = quantizePerTensor(x, scale, zp, dtype);
    REQUIRE(q.ok());
    dq = dequantizePerTensor(*q, scale, zp);
    f = fakeQuantizePerTensor(x, scale, zp, fqMin, fqMax);
  } else {
    const std::vector<std::string> &pc = c.fields.at("pcparams");
    QDType dtype = *parseQDType(pc[0].c_str());
    int64_t axis = std::stoll(pc[1]);
    size_t channels = (pc.size() - 2) / 2;
    std::vector<float> scales;
    std::vector<int64_t> zps;
    for (size_t i = 0; i < channels; ++i) {
      scales.push_back(hexToFloat(pc[2 + i]));
      zps.push_back(std::stoll(pc[2 + channels + i]));
    }
    q = quantizePerChannel(x, scales, zps, axis, dtype);
    REQUIRE(q.ok());
    dq = dequantizePerChannel(*q, scales, zps, axis);
    f = fakeQuantizePerChannel(x, scales, zps, axis, fqMin, fqMax);
  }
  REQUIRE(dq.ok());
  REQUIRE(f.ok());
  std::vector<int32_t> qi = widen(*q);
  CHECK(fnv64(qi.data(), qi.size()) == c.fields.at("q")[0]);
  CHECK(fnv64(dq->rawData(), dq->numel()) == c.fields.at("dq")[0]);
  CHECK(fnv64(f->rawData(), f->numel()) == fq[2]);
}
} // namespace

TEST_CASE("golden: observers match PyTorch 1.13", "[golden]") {
  size_t count = 0;
  for (const GoldenCase &c : goldenCases()) {
    if (c.isQuantize)
      continue;
    INFO("case " << c.name);
    runObserverCase(c);
    ++count;
  }
  CHECK(count > 100);
}

TEST_CASE("golden: quantize kernels match PyTorch 1.13", "[golden]") {
  size_t count = 0;
  for (const GoldenCase &c : goldenCases()) {
    if (!c.isQuantize)
      continue;
    INFO("case " << c.name);
    runQuantizeCase(c);
    ++count;
  }
  CHECK(count > 10);
}
