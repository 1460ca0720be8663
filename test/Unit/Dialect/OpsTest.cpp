//===- OpsTest.cpp - building and verifying qfx IR through the C++ API ----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "qfx/Dialect/QFX/QFXOps.h"
#include "llvm/Support/raw_ostream.h"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>

using namespace mlir;
using namespace qfx;

namespace {
/// A context with the dialects qfx graphs use, collecting diagnostics.
struct IRFixture {
  IRFixture() : builder(&context) {
    context.loadDialect<QFXDialect, func::FuncDialect, quant::QuantDialect>();
    handler.emplace(&context, [this](Diagnostic &diag) {
      diagnostics.push_back(diag.str());
      return success();
    });
  }

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  /// A module with one parameter and an empty @forward taking `input`.
  std::pair<ModuleOp, func::FuncOp> makeGraph(RankedTensorType input,
                                              RankedTensorType output) {
    Location loc = builder.getUnknownLoc();
    auto module = ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module.getBody());
    auto fn = func::FuncOp::create(builder, loc, "forward",
                                   builder.getFunctionType({input}, {output}));
    fn.setArgAttr(0, QFXDialect::getArgNameAttrName(),
                  builder.getStringAttr("x"));
    builder.setInsertionPointToStart(fn.addEntryBlock());
    return {module, fn};
  }

  MLIRContext context;
  OpBuilder builder;
  std::optional<ScopedDiagnosticHandler> handler;
  std::vector<std::string> diagnostics;
};

std::string printOp(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  op->print(os);
  return text;
}
} // namespace

TEST_CASE_METHOD(IRFixture,
                 "conv-bn-relu graph built through the C++ API verifies",
                 "[dialect][ops]") {
  auto [module, fn] = makeGraph(f32({1, 3, 8, 8}), f32({1, 4, 8, 8}));
  Location loc = NameLoc::get(builder.getStringAttr("conv1"));
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(fn);
  auto weightType = f32({4, 3, 3, 3});
  ParameterOp::create(builder, loc, "conv1.weight", ParameterKind::parameter,
                      DenseElementsAttr::get(weightType, 0.5f));
  for (const char *name : {"bn1.running_mean", "bn1.running_var"})
    ParameterOp::create(builder, loc, name, ParameterKind::buffer,
                        DenseElementsAttr::get(f32({4}), 1.0f));
  builder.setInsertionPointToStart(&fn.getBody().front());
  Value x = fn.getArgument(0);
  Value w = GetAttrOp::create(builder, loc, weightType, "conv1.weight");
  Value mean = GetAttrOp::create(builder, loc, f32({4}), "bn1.running_mean");
  Value var = GetAttrOp::create(builder, loc, f32({4}), "bn1.running_var");
  auto conv = ConvOp::create(
      builder, loc, f32({1, 4, 8, 8}), x, w, /*bias=*/Value(),
      builder.getDenseI64ArrayAttr({1, 1}),
      builder.getDenseI64ArrayAttr({1, 1}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getI64IntegerAttr(1),
      PaddingModeAttr::get(&context, PaddingMode::zeros));
  conv->setAttr(
      QFXDialect::getNodeAttrName(),
      NodeAttr::get(&context, NodeKind::call_module,
                    builder.getStringAttr("torch.nn.modules.conv.Conv2d"),
                    builder.getStringAttr("conv1")));
  auto bn = BatchNormOp::create(
      builder, loc, f32({1, 4, 8, 8}), conv, Value(), Value(), mean, var,
      builder.getF64FloatAttr(1e-5), builder.getF64FloatAttr(0.1), UnitAttr());
  auto relu = ReluOp::create(builder, loc, bn);
  func::ReturnOp::create(builder, loc, ValueRange{relu});

  CHECK(succeeded(verify(module)));
  CHECK(diagnostics.empty());
  std::string text = printOp(module);
  CHECK(text.find("qfx.conv %arg0, %0 stride = [1, 1] padding = [1, 1] "
                  "dilation = [1, 1] groups = 1") != std::string::npos);
  // The printed module parses back to an equivalent, verified module.
  OwningOpRef<ModuleOp> reparsed = parseSourceString<ModuleOp>(text, &context);
  REQUIRE(reparsed);
  CHECK(printOp(*reparsed) == text);
  module->erase();
}

TEST_CASE_METHOD(IRFixture, "verifier reports a bad conv instead of crashing",
                 "[dialect][ops]") {
  auto [module, fn] = makeGraph(f32({1, 3, 8, 8}), f32({1, 4, 8, 8}));
  Location loc = builder.getUnknownLoc();
  Value x = fn.getArgument(0);
  // A weight expecting 5 input channels for a 3-channel input.
  Value w =
      qfx::ConstantOp::create(builder, loc, /*scalar=*/UnitAttr(),
                              DenseElementsAttr::get(f32({4, 5, 3, 3}), 0.0f));
  auto conv = ConvOp::create(
      builder, loc, f32({1, 4, 8, 8}), x, w, Value(),
      builder.getDenseI64ArrayAttr({1, 1}),
      builder.getDenseI64ArrayAttr({1, 1}),
      builder.getDenseI64ArrayAttr({1, 1}), builder.getI64IntegerAttr(1),
      PaddingModeAttr::get(&context, PaddingMode::zeros));
  func::ReturnOp::create(builder, loc, ValueRange{conv});
  CHECK(failed(verify(module)));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0] ==
        "'qfx.conv' op input has 3 channels but weight expects 5");
  module->erase();
}

TEST_CASE_METHOD(IRFixture, "per-axis quantize verifies the scale count",
                 "[dialect][ops]") {
  auto [module, fn] = makeGraph(f32({3, 2}), f32({3, 2}));
  Location loc = builder.getUnknownLoc();
  auto perAxis = [&](ArrayRef<double> scales) {
    SmallVector<int64_t> zeroPoints(scales.size(), 0);
    return quant::UniformQuantizedPerAxisType::get(
        quant::QuantizationFlags::Signed, builder.getIntegerType(8),
        builder.getF32Type(), scales, zeroPoints, /*quantizedDimension=*/0,
        -128, 127);
  };
  auto good = QuantizeOp::create(
      builder, loc, RankedTensorType::get({3, 2}, perAxis({0.1, 0.2, 0.3})),
      fn.getArgument(0));
  auto dq = DequantizeOp::create(builder, loc, f32({3, 2}), good);
  func::ReturnOp::create(builder, loc, ValueRange{dq});
  CHECK(succeeded(verify(module)));

  builder.setInsertionPoint(dq);
  QuantizeOp::create(builder, loc,
                     RankedTensorType::get({3, 2}, perAxis({0.1, 0.2})),
                     fn.getArgument(0));
  CHECK(failed(verify(module)));
  REQUIRE_FALSE(diagnostics.empty());
  CHECK(diagnostics.back() ==
        "'qfx.quantize' op per-axis type has 2 scales but dim 0 has size 3");
  module->erase();
}

TEST_CASE_METHOD(IRFixture, "fake-quantize scales survive print and parse",
                 "[dialect][ops]") {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(1e-6f, 10.0f);
  std::vector<float> scales(64);
  std::vector<int64_t> zeroPoints(64, 0);
  for (float &s : scales)
    s = dist(rng);
  auto [module, fn] = makeGraph(f32({64, 2}), f32({64, 2}));
  Location loc = builder.getUnknownLoc();
  auto config = ObserverConfigAttr::get(
      &context, ObserverKind::moving_average_per_channel_min_max,
      QuantDType::qint8, QScheme::per_channel_symmetric, std::nullopt,
      std::nullopt, false, 0, llvm::APFloat(0.01),
      llvm::APFloat(1.1920928955078125e-07), 2048, 128, false,
      llvm::APFloat(0.0), 0);
  auto fq = FakeQuantizeOp::create(
      builder, loc, fn.getArgument(0),
      FakeQuantizeConfigAttr::get(&context, FakeQuantizeKind::fake_quantize,
                                  true, true),
      config, ObserverStateAttr(),
      QParamsAttr::get(&context, builder.getDenseF32ArrayAttr(scales),
                       builder.getDenseI64ArrayAttr(zeroPoints)));
  func::ReturnOp::create(builder, loc, ValueRange{fq});
  REQUIRE(succeeded(verify(module)));
  OwningOpRef<ModuleOp> reparsed =
      parseSourceString<ModuleOp>(printOp(module), &context);
  REQUIRE(reparsed);
  FakeQuantizeOp got;
  reparsed->walk([&](FakeQuantizeOp op) { got = op; });
  REQUIRE(got);
  ArrayRef<float> parsed = got.getQparamsAttr().getScale().asArrayRef();
  REQUIRE(parsed.size() == scales.size());
  for (size_t i = 0; i < scales.size(); ++i)
    CHECK(std::memcmp(&parsed[i], &scales[i], sizeof(float)) == 0);
  module->erase();
}

TEST_CASE_METHOD(IRFixture, "dense_resource parameters keep their bytes",
                 "[dialect][ops]") {
  // 1.0, 2.0, -3.5, NaN payload: bit patterns must survive.
  const char *source = R"mlir(
    qfx.parameter @"w" parameter = dense_resource<w_blob> : tensor<4xf32>
    {-#
      dialect_resources: {
        builtin: {
          w_blob: "0x040000000000803F00000040000060C00100C07F"
        }
      }
    #-}
  )mlir";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  REQUIRE(module);
  ParameterOp param;
  module->walk([&](ParameterOp op) { param = op; });
  REQUIRE(param);
  auto resource = dyn_cast<DenseResourceElementsAttr>(param.getValue());
  REQUIRE(resource);
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  REQUIRE(blob);
  ArrayRef<char> bytes = blob->getData();
  const uint32_t expected[] = {0x3F800000u, 0x40000000u, 0xC0600000u,
                               0x7FC00001u};
  REQUIRE(bytes.size() == sizeof(expected));
  CHECK(std::memcmp(bytes.data(), expected, sizeof(expected)) == 0);
}

TEST_CASE_METHOD(IRFixture, "get_attr must name an existing parameter",
                 "[dialect][ops]") {
  const char *source = R"mlir(
    func.func @forward() -> tensor<2xf32> {
      %w = qfx.get_attr @missing : tensor<2xf32>
      return %w : tensor<2xf32>
    }
  )mlir";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  CHECK_FALSE(module);
  REQUIRE_FALSE(diagnostics.empty());
  CHECK(diagnostics.back() ==
        "'qfx.get_attr' op 'missing' does not name a qfx.parameter");
}
