//===- Prepare.cpp - --qfx-prepare: prepare_fx / prepare_qat_fx -----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// prepare_fx as a pass: fusion (fuseModule, the body of --qfx-fuse, called
// directly rather than as a nested pipeline, which would verify the whole
// module once more), qconfig resolution (annotateQConfigs) and observer
// insertion (insertObservers).
// With `qconfig-mapping` empty the graph's existing `qfx.qconfig`
// attributes are used as they are.
//
//===----------------------------------------------------------------------===//

#include "FuseImpl.h"
#include "QatBatchNorm.h"

#include "qfx/Config/ConfigJson.h"
#include "qfx/Dialect/QFX/ObserverInsertion.h"
#include "qfx/Dialect/QFX/Passes.h"
#include "qfx/Dialect/QFX/QConfigAnnotation.h"

#include "llvm/Support/MemoryBuffer.h"

namespace qfx {
#define GEN_PASS_DEF_QFXPREPARE
#include "qfx/Dialect/QFX/Passes.h.inc"
} // namespace qfx

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;

static llvm::Expected<std::string> readFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read '%s'",
                                   path.str().c_str());
  return (*buf)->getBuffer().str();
}

/// `_validate_fixed_qparams_qconfigs`: prepare_fx raises when a fixed-
/// qparams op (sigmoid, tanh, hardsigmoid, softmax) resolves to a qconfig
/// whose activation is not the op's fixed-qparams observer (the resolved
/// qconfig counts, whether or not the backend then supports it).
static LogicalResult
validateFixedQParamsQConfigs(const QConfigAnnotation &annotation) {
  bool ok = true;
  for (const OpQConfigInfo &info : annotation.ops) {
    cfg::NodeKind kind = info.node.getKind() == NodeKind::call_module
                             ? cfg::NodeKind::CallModule
                         : info.node.getKind() == NodeKind::call_function
                             ? cfg::NodeKind::CallFunction
                             : cfg::NodeKind::Other;
    if (!cfg::isInvalidFixedQParamsQConfig(kind, info.node.getTarget(),
                                           info.resolution->qconfig))
      continue;
    info.op->emitError()
        << "fixed-qparams op '" << info.name << "' ("
        << info.node.getTarget().getValue()
        << ") needs its fixed-qparams observer as the qconfig's activation: "
           "QConfigMapping must specify fixed qparams observer for fixed "
           "qparams op (prepare_fx raises; use the default qconfig mapping's "
           "entry for it)";
    ok = false;
  }
  return success(ok);
}

namespace {
struct QfxPreparePass : qfx::impl::QfxPrepareBase<QfxPreparePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::Expected<cfg::BackendConfig> backendConfig = loadBackendConfig(backend);
    if (!backendConfig) {
      module.emitError() << "backend '" << backend
                         << "': " << llvm::toString(backendConfig.takeError());
      return signalPassFailure();
    }
    ObserverInsertionOptions options;
    options.isQAT = qat;
    if (!prepareCustomConfig.empty()) {
      llvm::Expected<std::string> text = readFile(prepareCustomConfig);
      llvm::Expected<PrepareCustomConfig> parsed =
          text ? parsePrepareCustomConfig(*text)
               : llvm::Expected<PrepareCustomConfig>(text.takeError());
      if (!parsed) {
        module.emitError() << "prepare-custom-config '" << prepareCustomConfig
                           << "': " << llvm::toString(parsed.takeError());
        return signalPassFailure();
      }
      options.customConfig = std::move(*parsed);
    }
    // Pass options override the custom config's indexes.
    if (!inputQuantizedIdxs.empty())
      options.customConfig.inputQuantizedIndexes.assign(
          inputQuantizedIdxs.begin(), inputQuantizedIdxs.end());
    if (!outputQuantizedIdxs.empty())
      options.customConfig.outputQuantizedIndexes.assign(
          outputQuantizedIdxs.begin(), outputQuantizedIdxs.end());

    if (fuse && failed(fuseModule(module, *backendConfig)))
      return signalPassFailure();
    if (!qconfigMapping.empty()) {
      llvm::Expected<cfg::QConfigMapping> mapping =
          loadQConfigMapping(qconfigMapping, qat);
      if (!mapping) {
        module.emitError() << "qconfig-mapping '" << qconfigMapping
                           << "': " << llvm::toString(mapping.takeError());
        return signalPassFailure();
      }
      for (auto func : module.getOps<func::FuncOp>()) {
        if (func.isExternal())
          continue;
        FailureOr<QConfigAnnotation> annotation =
            annotateQConfigs(func, *mapping, *backendConfig, qat);
        if (failed(annotation) ||
            failed(validateFixedQParamsQConfigs(*annotation)))
          return signalPassFailure();
      }
    }

    IRRewriter rewriter(module.getContext());
    int64_t next = 0;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      FailureOr<ObserverInsertionResult> r =
          insertObservers(rewriter, func, *backendConfig, options, next);
      if (failed(r))
        return signalPassFailure();
      next += r->numInserted;
      if (qat)
        scaleQatBatchNormWeights(func);
    }
  }
};
} // namespace
