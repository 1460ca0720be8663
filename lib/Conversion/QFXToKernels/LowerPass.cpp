//===- LowerPass.cpp - --qfx-lower ----------------------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Conversion/QFXToKernels/QFXToKernels.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "qfx/Dialect/QFX/QFXOps.h"

namespace qfx {
#define GEN_PASS_DEF_QFXLOWER
#include "qfx/Conversion/QFXToKernels/Passes.h.inc"
} // namespace qfx

using namespace mlir;
using namespace qfx;

namespace {
struct QfxLowerPass : qfx::impl::QfxLowerBase<QfxLowerPass> {
  using QfxLowerBase::QfxLowerBase;

  void runOnOperation() override {
    kernels::Requant requant;
    if (backend == "fbgemm" || backend == "x86" || backend == "onednn")
      requant = kernels::Requant::float_;
    else if (backend == "qnnpack")
      requant = kernels::Requant::fp32;
    else {
      getOperation().emitError()
          << "--qfx-lower: unknown backend '" << backend
          << "' (expected fbgemm, x86, onednn or qnnpack)";
      return signalPassFailure();
    }
    LowerFailures failures;
    RewritePatternSet patterns(&getContext());
    populateQFXToKernelsPatterns(patterns, requant, &failures);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Remarks for the ops still in the IR (to_nhwc(to_nchw(x)) pairs fold
    // away through the layout ops' folders during the rewrite).
    getOperation().walk([&](Operation *op) {
      auto it = failures.find(op);
      if (it != failures.end())
        op->emitRemark() << "left in reference form: " << it->second;
    });
  }
};
} // namespace
