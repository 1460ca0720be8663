//===- qfx-opt.cpp - qfx optimizer driver ---------------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mlir-opt for qfx: parses, verifies, runs qfx and upstream passes, prints.
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/Extensions/AllExtensions.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "qfx/Dialect/QFX/Passes.h"
#include "qfx/Dialect/QFX/QFXDialect.h"
#include "qfx/Conversion/QFXToKernels/QFXToKernels.h"
#include "qfx/Dialect/QFXK/QFXKDialect.h"
#include "qfx/Pipelines/Pipelines.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::registerInlinerPass();
  qfx::registerQFXPasses();
  qfx::registerQFXToKernelsPasses();
  qfx::registerQFXPipelines();

  mlir::DialectRegistry registry;
  registry.insert<qfx::QFXDialect, qfx::kernels::QFXKDialect, mlir::func::FuncDialect,
                  mlir::quant::QuantDialect, mlir::arith::ArithDialect>();
  mlir::func::registerAllExtensions(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qfx optimizer driver\n", registry));
}
