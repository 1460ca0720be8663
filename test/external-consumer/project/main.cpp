//===- main.cpp - a program that embeds qfx through its CMake package -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Parses and verifies a qfx graph with the installed dialect, resolves a
// qconfig with the installed config library, and computes qparams with the
// installed runtime: the three libraries an embedding compiler links.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "qfx/Config/QConfigMapping.h"
#include "qfx/Dialect/QFX/QFXOps.h"
#include "qfx/Runtime/QParams.h"

#include <cstdio>

static const char *kGraph = R"mlir(
  qfx.parameter @"fc.weight" parameter = dense<0.5> : tensor<4x8xf32>
  func.func @forward(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x4xf32> {
    %w = qfx.get_attr @"fc.weight" : tensor<4x8xf32>
    %y = qfx.linear %x, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">}
        : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<1x4xf32>
    %r = qfx.relu %y : tensor<1x4xf32>
    return %r : tensor<1x4xf32>
  }
)mlir";

int main() {
  mlir::MLIRContext context;
  context.loadDialect<qfx::QFXDialect, mlir::func::FuncDialect,
                      mlir::quant::QuantDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kGraph, &context);
  if (!module) {
    std::fprintf(stderr, "qfx-consumer: failed to parse the graph\n");
    return 1;
  }
  int linearOps = 0;
  module->walk([&](qfx::LinearOp) { ++linearOps; });

  qfx::config::QConfigMapping mapping = qfx::config::getDefaultQConfigMapping("qnnpack");
  qfx::config::NodeQuery query;
  query.kind = qfx::config::NodeKind::CallModule;
  query.target = "torch.nn.modules.linear.Linear";
  query.modulePath = "fc";
  query.targetModuleType = "torch.nn.modules.linear.Linear";
  qfx::config::QConfigResolution resolution = qfx::config::resolveQConfig(mapping, query);

  qfx::rt::QParamsConfig config;
  auto qparams = qfx::rt::calculateQParams({-1.0f}, {3.0f}, config, true);
  if (linearOps != 1 || !resolution.qconfig || !qparams.ok()) {
    std::fprintf(stderr, "qfx-consumer: unexpected results\n");
    return 1;
  }
  std::printf("qfx-consumer: ok (1 linear, qconfig from rule %d, scale %g)\n",
              static_cast<int>(resolution.rule), qparams->scales[0]);
  return 0;
}
