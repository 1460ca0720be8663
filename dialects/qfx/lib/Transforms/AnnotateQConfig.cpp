//===- AnnotateQConfig.cpp - Attach resolved QConfigs to ops --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// --qfx-annotate-qconfig: the policy (which configs) comes from the pass
// options or module attributes; the mechanism is annotateQConfigs.
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/Passes.h"
#include "qfx/Dialect/QFX/QConfigAnnotation.h"

namespace qfx {
#define GEN_PASS_DEF_QFXANNOTATEQCONFIG
#include "qfx/Dialect/QFX/Passes.h.inc"
} // namespace qfx

using namespace mlir;
using namespace qfx;

namespace {
struct AnnotateQConfigPass
    : public qfx::impl::QfxAnnotateQConfigBase<AnnotateQConfigPass> {
  using QfxAnnotateQConfigBase::QfxAnnotateQConfigBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    auto configs = loadConfigsFor(func, qconfigMapping, backend, qat);
    if (failed(configs) ||
        failed(annotateQConfigs(func, configs->first, configs->second, qat)))
      return signalPassFailure();
  }
};
} // namespace
