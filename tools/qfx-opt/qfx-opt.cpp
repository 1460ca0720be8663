//===- qfx-opt.cpp - qfx optimizer driver ---------------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mlir-opt for qfx: parses, verifies, runs qfx and upstream passes, prints.
// `--qfx-pass-cpu-time` also prints the process CPU time of every top-level
// pass (its verification included, like --mlir-timing's wall time): on a
// shared machine wall time mostly measures the other processes, so
// bench/pass_scaling.py judges linearity on CPU time. Inputs of 32 MiB and
// more run with malloc on transparent huge pages (qfx/Support/HugePages.h).
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/Extensions/AllExtensions.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "qfx/Dialect/QFX/Passes.h"
#include "qfx/Dialect/QFX/QFXDialect.h"
#include "qfx/Conversion/QFXToKernels/QFXToKernels.h"
#include "qfx/Dialect/QFXK/QFXKDialect.h"
#include "qfx/Pipelines/Pipelines.h"
#include "qfx/Support/HugePages.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <ctime>

static llvm::cl::opt<bool> passCpuTime(
    "qfx-pass-cpu-time",
    llvm::cl::desc("Print each top-level pass's process CPU time, its "
                   "verification included ('qfx-pass-cpu-time: <s> <pass>')"),
    llvm::cl::init(false));

namespace {
/// Process CPU time (all threads) from before a top-level pass to after it
/// and its verification.
struct CpuTimeInstrumentation : public mlir::PassInstrumentation {
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
  }
  void runBeforePass(mlir::Pass *pass, mlir::Operation *op) override {
    if (depth++ == 0)
      start = now();
  }
  void runAfterPass(mlir::Pass *pass, mlir::Operation *op) override {
    finish(pass);
  }
  void runAfterPassFailed(mlir::Pass *pass, mlir::Operation *op) override {
    finish(pass);
  }
  void finish(mlir::Pass *pass) {
    if (--depth == 0)
      llvm::errs() << llvm::format("qfx-pass-cpu-time: %.6f ", now() - start)
                   << pass->getName() << "\n";
  }
  int depth = 0;
  double start = 0;
};

/// MlirOptMain with the CPU time instrumentation added to the pipeline the
/// command line describes.
static mlir::LogicalResult runWithCpuTime(llvm::StringRef inputFilename,
                                          llvm::StringRef outputFilename,
                                          mlir::DialectRegistry &registry) {
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  mlir::MlirOptMainConfig base = config;
  config.setPassPipelineSetupFn([base](mlir::PassManager &pm) {
    if (mlir::failed(base.setupPassPipeline(pm)))
      return mlir::failure();
    pm.addInstrumentation(std::make_unique<CpuTimeInstrumentation>());
    return mlir::success();
  });
  // Whether malloc ran on huge pages is part of what was measured.
  llvm::errs() << "qfx-malloc: " << qfx::mallocName() << "\n";
  std::string error;
  auto input = mlir::openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return mlir::failure();
  }
  auto output = mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << error << "\n";
    return mlir::failure();
  }
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return mlir::failure();
  output->keep();
  return mlir::success();
}
} // namespace

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

  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "qfx optimizer driver\n", registry);
  // Before the input is read: a large module runs on huge pages.
  qfx::reexecWithHugePages(inputFilename, argv);
  if (passCpuTime)
    return mlir::asMainReturnCode(
        runWithCpuTime(inputFilename, outputFilename, registry));
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
}
