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
#include "qfx/Config/QConfigMapping.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseSet.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

struct PrepareCustomConfig;

/// One `standalone_module_name` / `standalone_module_class` entry:
/// (key, qconfig_mapping, example_inputs, prepare_custom_config,
/// backend_config); None stays unset (prepare then falls back to the
/// parent's qconfig for the call as global qconfig, an empty custom config
/// and the parent's backend, as get_standalone_module_configs does).
/// Example inputs are not needed (the nested function has its shapes).
struct StandaloneModuleConfig {
  std::string key;
  std::optional<config::QConfigMapping> qconfigMapping;
  std::shared_ptr<const PrepareCustomConfig> prepareCustomConfig;
  std::optional<config::BackendConfig> backendConfig;
};

/// prepare_fx's PrepareCustomConfig, as far as qfx implements it.
struct PrepareCustomConfig {
  /// Graph inputs (placeholders, in order) that arrive quantized (quint8).
  std::vector<int64_t> inputQuantizedIndexes;
  /// `[0]`: the graph output is quantized (quint8) and observed.
  std::vector<int64_t> outputQuantizedIndexes;
  /// Modules (qualified names / classes) prepared as standalone modules:
  /// the parent observes a standalone call's inputs as the module's own
  /// `input_quantized_idxs` say, never its output; the module's body (a
  /// nested function) is prepared with its own configs.
  std::vector<std::string> standaloneModuleNames;
  std::vector<std::string> standaloneModuleClasses;
  std::vector<StandaloneModuleConfig> standaloneModuleNameConfigs;
  std::vector<StandaloneModuleConfig> standaloneModuleClassConfigs;
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

/// The config of the standalone module called as `path` (a qualified
/// module name) of class `cls`: the class entry, overridden by the name
/// entry; nullptr if neither exists.
const StandaloneModuleConfig *
findStandaloneModuleConfig(const PrepareCustomConfig &config,
                           llvm::StringRef path, llvm::StringRef cls);

struct ObserverInsertionOptions {
  bool isQAT = false;
  PrepareCustomConfig customConfig;
  /// The qualified name of the standalone module whose nested function is
  /// prepared ("" for the top-level graph): its observers are its
  /// submodules (`sub.activation_post_process_0`), and the names in its
  /// own custom config are relative to it, as the module paths in its
  /// function are not (they are the model's).
  std::string modulePath;
  /// Module ops prepare_qat_fx swapped to their QAT class before this graph
  /// was traced (a standalone module's conv / linear with a parent qconfig;
  /// not owned, may be null): they match single-op patterns only.
  const llvm::DenseSet<mlir::Operation *> *qatSwappedOps = nullptr;
};

/// Discardable attributes --qfx-prepare puts on a standalone module's
/// nested function whose own config has input / output_quantized_idxs
/// (PyTorch's `_standalone_module_input_quantized_idxs`).
inline constexpr llvm::StringLiteral kStandaloneInputQuantizedIdxsAttrName =
    "qfx.standalone_input_quantized_idxs";
inline constexpr llvm::StringLiteral kStandaloneOutputQuantizedIdxsAttrName =
    "qfx.standalone_output_quantized_idxs";

/// `path` relative to the standalone module `modulePath` ("" for the
/// graph's own root); std::nullopt if `path` is not inside it.
std::optional<llvm::StringRef>
getRelativeModulePath(llvm::StringRef path, llvm::StringRef modulePath);

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
