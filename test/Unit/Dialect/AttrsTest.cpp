//===- AttrsTest.cpp - qfx attribute unit tests ---------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "qfx/Dialect/QFX/QFXOps.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>

using namespace mlir;
using namespace qfx;

namespace {
struct DialectFixture {
  DialectFixture() { context.loadDialect<QFXDialect>(); }
  MLIRContext context;
};

std::string print(Attribute attr) {
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}

ObserverConfigAttr makeConfig(MLIRContext *ctx, ObserverKind kind,
                              QuantDType dtype, QScheme scheme,
                              std::optional<int64_t> qmin = std::nullopt,
                              std::optional<int64_t> qmax = std::nullopt,
                              bool reduceRange = false) {
  return ObserverConfigAttr::get(ctx, kind, dtype, scheme, qmin, qmax,
                                 reduceRange, /*chAxis=*/0, llvm::APFloat(0.01),
                                 llvm::APFloat(1.1920928955078125e-07),
                                 /*bins=*/2048, /*upsampleRate=*/128,
                                 /*isDynamic=*/false, llvm::APFloat(0.0),
                                 /*zeroPoint=*/0);
}
} // namespace

TEST_CASE_METHOD(DialectFixture, "observer state floats round-trip bit for bit",
                 "[dialect][attrs]") {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<uint32_t> anyBits;
  std::vector<float> values;
  while (values.size() < 2000) {
    uint32_t b = anyBits(rng);
    float f;
    std::memcpy(&f, &b, sizeof(f));
    if (!std::isnan(f))
      values.push_back(f);
  }
  // Calibration produces values like these too: tiny, huge, denormal.
  values.push_back(std::numeric_limits<float>::denorm_min());
  values.push_back(std::numeric_limits<float>::infinity());
  values.push_back(-0.0f);
  auto state = ObserverStateAttr::get(
      &context, DenseF32ArrayAttr::get(&context, values),
      DenseF32ArrayAttr::get(&context, values), DenseF32ArrayAttr());
  std::string text = print(state);
  Attribute parsed = parseAttribute(text, &context);
  REQUIRE(parsed);
  auto reparsed = dyn_cast<ObserverStateAttr>(parsed);
  REQUIRE(reparsed);
  ArrayRef<float> got = reparsed.getMin().asArrayRef();
  REQUIRE(got.size() == values.size());
  for (size_t i = 0; i < values.size(); ++i)
    REQUIRE(bits(got[i]) == bits(values[i]));
  CHECK(reparsed == state);
}

TEST_CASE_METHOD(DialectFixture, "observer config prints only non-defaults",
                 "[dialect][attrs]") {
  auto config = makeConfig(&context, ObserverKind::histogram,
                           QuantDType::quint8, QScheme::per_tensor_affine,
                           std::nullopt, std::nullopt, /*reduceRange=*/true);
  CHECK(print(config) == "#qfx.observer<kind = histogram, dtype = quint8, "
                         "qscheme = per_tensor_affine, reduce_range = true>");
  CHECK(parseAttribute(print(config), &context) == config);
}

TEST_CASE_METHOD(DialectFixture,
                 "effective quant range follows calculate_qmin_qmax",
                 "[dialect][attrs]") {
  using Range = std::pair<int64_t, int64_t>;
  auto range = [&](QuantDType dtype, bool reduce,
                   std::optional<int64_t> qmin = std::nullopt,
                   std::optional<int64_t> qmax = std::nullopt) {
    return makeConfig(&context, ObserverKind::min_max, dtype,
                      QScheme::per_tensor_affine, qmin, qmax, reduce)
        .getEffectiveQuantRange();
  };
  CHECK(range(QuantDType::quint8, false) == Range(0, 255));
  CHECK(range(QuantDType::quint8, true) == Range(0, 127));
  CHECK(range(QuantDType::qint8, false) == Range(-128, 127));
  CHECK(range(QuantDType::qint8, true) == Range(-64, 63));
  CHECK(range(QuantDType::qint32, false) == Range(INT32_MIN, INT32_MAX));
  CHECK(range(QuantDType::quint4x2, false) == Range(0, 15));
  // A customized range is floor-divided by two under reduce_range, as
  // Python's `//` does for negative numbers.
  CHECK(range(QuantDType::qint8, true, -127, 127) == Range(-64, 63));
  CHECK(range(QuantDType::qint8, false, -127, 127) == Range(-127, 127));
  CHECK(range(QuantDType::quint8, true, 0, 255) == Range(0, 127));
}

TEST_CASE_METHOD(DialectFixture, "observer config verifier rejects bad configs",
                 "[dialect][attrs]") {
  std::string diagnostic;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostic = diag.str();
    return success();
  });
  auto loc = UnknownLoc::get(&context);
  auto emit = [&]() { return emitError(loc); };
  auto verify = [&](ObserverKind kind, QuantDType dtype, QScheme scheme,
                    std::optional<int64_t> qmin, std::optional<int64_t> qmax,
                    bool reduce) {
    diagnostic.clear();
    return succeeded(ObserverConfigAttr::verifyInvariants(
        emit, kind, dtype, scheme, qmin, qmax, reduce, 0, llvm::APFloat(0.01),
        llvm::APFloat(1e-7), 2048, 128, false, llvm::APFloat(0.0), 0));
  };
  CHECK(verify(ObserverKind::min_max, QuantDType::quint8,
               QScheme::per_tensor_affine, 0, 255, false));
  CHECK_FALSE(verify(ObserverKind::min_max, QuantDType::quint8,
                     QScheme::per_tensor_affine, 10, 5, false));
  CHECK(diagnostic == "quant_min (10) must not exceed quant_max (5)");
  CHECK_FALSE(verify(ObserverKind::per_channel_min_max, QuantDType::qint8,
                     QScheme::per_tensor_affine, std::nullopt, std::nullopt,
                     false));
  CHECK(diagnostic == "observer 'per_channel_min_max' does not support qscheme "
                      "'per_tensor_affine'");
  CHECK_FALSE(verify(ObserverKind::min_max, QuantDType::quint8,
                     QScheme::per_tensor_symmetric, std::nullopt, std::nullopt,
                     true));
  CHECK(verify(ObserverKind::placeholder, QuantDType::float16,
               QScheme::per_tensor_affine, std::nullopt, std::nullopt, false));
}

TEST_CASE_METHOD(DialectFixture, "node provenance attribute",
                 "[dialect][attrs]") {
  auto node =
      NodeAttr::get(&context, NodeKind::call_module,
                    StringAttr::get(&context, "torch.nn.modules.conv.Conv2d"),
                    StringAttr::get(&context, "layer1.0.conv1"));
  CHECK(print(node) ==
        "#qfx.node<call_module, \"torch.nn.modules.conv.Conv2d\", "
        "module = \"layer1.0.conv1\">");
  auto topLevel = NodeAttr::get(&context, NodeKind::call_function,
                                StringAttr::get(&context, "operator.add"),
                                StringAttr::get(&context, ""));
  CHECK(print(topLevel) == "#qfx.node<call_function, \"operator.add\">");
  CHECK(parseAttribute(print(topLevel), &context) == topLevel);
}

TEST_CASE("torch dtype storage ranges", "[dialect][attrs]") {
  CHECK(getDTypeRange(QuantDType::quint8) ==
        std::make_pair<int64_t, int64_t>(0, 255));
  CHECK(getDTypeRange(QuantDType::qint8) ==
        std::make_pair<int64_t, int64_t>(-128, 127));
  CHECK(getDTypeRange(QuantDType::quint4x2) ==
        std::make_pair<int64_t, int64_t>(0, 15));
  CHECK_FALSE(getDTypeRange(QuantDType::float16).has_value());
}
