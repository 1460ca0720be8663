//===- ObserverInsertion.h - prepare_fx's observer placement ----*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The mechanism behind --qfx-prepare: given a graph whose ops carry their
// resolved `qfx.qconfig` (see --qfx-annotate-qconfig) and a BackendConfig,
// insert observers (PTQ) or fake-quantize ops (QAT) where PyTorch 1.13's
// `insert_observers_for_model` (torch/ao/quantization/fx/prepare.py) puts
// them. Also the one mapping from config::ObserverSpec to the dialect's
// #qfx.observer / #qfx.fake_quantize attributes, and back.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_OBSERVERINSERTION_H
#define QFX_DIALECT_QFX_OBSERVERINSERTION_H

#include "qfx/Config/BackendConfig.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

#include <cstdint>
#include <vector>

namespace qfx {

/// The observer class and kwargs of `spec` (for a fake-quantize spec: its
/// effective observer) as a #qfx.observer; failure (with `reason`) for
/// classes the dialect has no kind for (RecordingObserver, Identity).
mlir::FailureOr<ObserverConfigAttr>
getObserverConfigAttr(mlir::MLIRContext *ctx, const config::ObserverSpec &spec,
                      std::string *reason = nullptr);

/// The fake-quantize class of `spec` as #qfx.fake_quantize, or null when
/// `spec` is an observer.
FakeQuantizeConfigAttr
getFakeQuantizeConfigAttr(mlir::MLIRContext *ctx,
                          const config::ObserverSpec &spec);

/// The inverse: an ObserverSpec with every kwarg the attribute states.
config::ObserverSpec getObserverSpec(ObserverConfigAttr observer,
                                     FakeQuantizeConfigAttr fakeQuant = {});

/// A #qfx.qconfig as a config::QConfig (for checkQConfigSupported).
config::QConfig getQConfig(QConfigAttr qconfig);

/// prepare_fx's PrepareCustomConfig, as far as qfx implements it.
struct PrepareCustomConfig {
  /// Graph inputs (placeholders, in order) that arrive quantized (quint8).
  std::vector<int64_t> inputQuantizedIndexes;
  /// `[0]`: the graph output is quantized (quint8) and observed.
  std::vector<int64_t> outputQuantizedIndexes;
  /// Modules (qualified names) prepared as standalone modules: observed at
  /// their boundary only, as `input/output_quantized_indexes` of their own
  /// config say (qfx: float boundary, nothing inside is observed).
  std::vector<std::string> standaloneModuleNames;
  std::vector<std::string> standaloneModuleClasses;
  /// Module classes kept as opaque custom modules (input observed, output
  /// observed, as prepare_fx does for custom module classes).
  std::vector<std::string> floatToObservedClasses;
  /// Non-traceable names/classes: only meaningful at trace time; kept for
  /// round trips.
  std::vector<std::string> nonTraceableModuleNames;
  std::vector<std::string> nonTraceableModuleClasses;
};

/// Parses PrepareCustomConfig.to_dict() JSON (as written by
/// qfx_torch.save_prepare_custom_config).
llvm::Expected<PrepareCustomConfig>
parsePrepareCustomConfig(llvm::StringRef text);

struct ObserverInsertionOptions {
  bool isQAT = false;
  PrepareCustomConfig customConfig;
};

/// What insertObservers did.
struct ObserverInsertionResult {
  /// Observer / fake-quantize ops created.
  int64_t numInserted = 0;
};

/// Inserts observers or fake-quantize ops into `func` (a qfx graph whose
/// ops carry `qfx.qconfig`). Ops whose qconfig the backend does not support
/// are left unobserved with a remark. Observers are named (NameLoc)
/// `activation_post_process_N` like PyTorch's modules, counting on from
/// `firstObserverIndex`.
mlir::FailureOr<ObserverInsertionResult>
insertObservers(mlir::RewriterBase &rewriter, mlir::func::FuncOp func,
                const config::BackendConfig &backend,
                const ObserverInsertionOptions &options,
                int64_t firstObserverIndex = 0);

} // namespace qfx

#endif // QFX_DIALECT_QFX_OBSERVERINSERTION_H
