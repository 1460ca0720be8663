//===- SetQatState.cpp - QAT observer / fake-quant / BN switches ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A QAT schedule in PyTorch flips module flags between epochs:
// `model.apply(torch.ao.quantization.disable_observer)` freezes the
// fake-quantize qparams, `model.apply(nniqat.freeze_bn_stats)` makes the
// ConvBn modules normalize with their running statistics. In qfx those flags
// are IR: the `#qfx.fake_quantize` config's observer_enabled /
// fake_quant_enabled and the `training` unit attribute of the batch norm in
// a QAT ConvBn body. This pass sets them, so that qfx-run runs (and
// --calibrate updates) the model as PyTorch would after the same calls.
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/Passes.h"
#include "qfx/Dialect/QFX/QFXOps.h"

namespace qfx {
#define GEN_PASS_DEF_QFXSETQATSTATE
#include "qfx/Dialect/QFX/Passes.h.inc"
} // namespace qfx

using namespace mlir;
using namespace qfx;

/// The batch norm of a QAT ConvBn / ConvBnReLU body: a fused body whose conv
/// reads a fake-quantized weight and which holds a batch norm with running
/// statistics. LinearBn1d bodies (a linear root) are excluded because
/// PyTorch 1.13's freeze_bn_stats / update_bn_stats only act on the ConvBn
/// classes.
static BatchNormOp qatConvBnBatchNorm(FusedOp fused) {
  bool convWithFakeQuantWeight = false;
  BatchNormOp bn;
  for (Operation &op : fused.getBody().front()) {
    if (auto conv = dyn_cast<ConvOp>(op))
      convWithFakeQuantWeight |=
          static_cast<bool>(conv.getWeight().getDefiningOp<FakeQuantizeOp>());
    else if (auto b = dyn_cast<BatchNormOp>(op))
      bn = b;
  }
  if (!convWithFakeQuantWeight || !bn || !bn.getRunningMean() ||
      !bn.getRunningVar())
    return {};
  return bn;
}

/// `on` / `off` mapped to the new flag value; nullopt leaves it alone.
static std::optional<bool> requested(bool on, bool off) {
  if (on)
    return true;
  if (off)
    return false;
  return std::nullopt;
}

namespace {
struct SetQatStatePass : public qfx::impl::QfxSetQatStateBase<SetQatStatePass> {
  using QfxSetQatStateBase::QfxSetQatStateBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto conflict = [&](bool a, bool b, StringRef what) {
      if (a && b)
        module.emitError() << "--qfx-set-qat-state: both enable and disable "
                           << what << " given";
      return a && b;
    };
    if (conflict(enableObserver, disableObserver, "observer") ||
        conflict(enableFakeQuant, disableFakeQuant, "fake-quant") ||
        conflict(updateBnStats, freezeBnStats, "BN statistics updates"))
      return signalPassFailure();
    std::optional<bool> observer = requested(enableObserver, disableObserver);
    std::optional<bool> fakeQuant =
        requested(enableFakeQuant, disableFakeQuant);
    std::optional<bool> bnTraining = requested(updateBnStats, freezeBnStats);

    module.walk([&](Operation *op) {
      if (auto fq = dyn_cast<FakeQuantizeOp>(op)) {
        FakeQuantizeConfigAttr old = fq.getConfig();
        auto updated = FakeQuantizeConfigAttr::get(
            op->getContext(), old.getKind(),
            observer.value_or(old.getObserverEnabled()),
            fakeQuant.value_or(old.getFakeQuantEnabled()));
        if (updated != old)
          fq.setConfigAttr(updated);
        return;
      }
      auto fused = dyn_cast<FusedOp>(op);
      if (!fused || !bnTraining)
        return;
      if (BatchNormOp bn = qatConvBnBatchNorm(fused))
        bn.setTraining(*bnTraining);
    });
  }
};
} // namespace
