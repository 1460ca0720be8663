//===- QConfigAnnotation.h - Resolve QConfigs on qfx graphs -----*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Which QConfig PyTorch 1.13's prepare_fx uses for each FX node of a qfx
// graph, and whether the node is quantized at all:
//
//  1. fusion (`fuse_fx`): BackendConfig fusion patterns are matched; the ops
//     of a match become one fused module (named after the match's input op,
//     typed as the fused class, or as the plain conv/linear when eval-mode
//     fusion folds a BatchNorm away). `update_qconfig_for_fusion`'s rule
//     that all fused module types need equal object_type qconfigs is an
//     error naming both ops.
//  2. `generate_qconfig_map` precedence on that fused view
//     (config::QConfigResolver).
//  3. prepare's `find_matches` with all BackendConfig patterns; a node is
//     quantized ("observed") if its match has a node whose qconfig is not
//     None, whose output is a tensor, and which the pattern's DTypeConfigs
//     support (config::checkQConfigSupported) -- otherwise it silently stays
//     float.
//
// `annotateQConfigs` attaches `qfx.qconfig` to the quantized ops (and
// removes stale ones); `computeQConfigAnnotation` only computes, for
// explaining.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QCONFIGANNOTATION_H
#define QFX_DIALECT_QFX_QCONFIGANNOTATION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "qfx/Config/BackendConfig.h"
#include "qfx/Config/QConfigMapping.h"
#include "qfx/Dialect/QFX/BackendPatterns.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include "llvm/ADT/DenseMap.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qfx {

/// What happened to one FX node (one op with `qfx.node`).
struct OpQConfigInfo {
  /// What `resolution` points to before resolution (a None qconfig).
  static const config::QConfigResolution kUnresolved;

  mlir::Operation *op = nullptr;
  NodeAttr node;
  /// The FX node name (the op's location name).
  std::string name;
  /// Class of the module scope the node was traced in ("" if unknown or
  /// the root, whose class 1.13 does not record).
  std::string scopeType;
  /// The resolved QConfig (before the backend check) and the rule that
  /// chose it. For ops absorbed into a fusion, that of the fused node.
  /// Shared: QConfigAnnotation::resolutions owns one record per distinct
  /// resolution (a QConfig is a few hundred bytes; copying it into every
  /// op's record made the working set grow with the graph). Never null.
  const config::QConfigResolution *resolution = &kUnresolved;
  /// Set for ops that fusion merges into the op `fusedInto` (the fused
  /// node); `fusedType` is the fused module's class.
  mlir::Operation *fusedInto = nullptr;
  std::string fusedType;
  /// The prepare-time pattern match containing this op (index into
  /// QConfigAnnotation::matches), if any.
  std::optional<size_t> match;
  /// The BackendPatternConfig whose dtype_configs were checked.
  const config::BackendPatternConfig *checkedPattern = nullptr;
  /// Why the backend rejects the resolved QConfig (checkQConfigSupported).
  std::optional<std::string> unsupportedReason;
  /// Empty if quantized; otherwise why the op stays float.
  std::string floatReason;
  /// The attached attribute; null iff the op stays float.
  QConfigAttr qconfig;

  bool isQuantized() const { return static_cast<bool>(qconfig); }
};

/// The result for one function: every FX node in graph order.
struct QConfigAnnotation {
  std::vector<OpQConfigInfo> ops;
  /// The distinct resolutions OpQConfigInfo::resolution points to (owned
  /// here, stable addresses).
  std::vector<std::unique_ptr<config::QConfigResolution>> resolutions;
  /// Fusion matches (BackendPatternSet::Fusion).
  llvm::SmallVector<BackendPatternMatch> fusions;
  /// Prepare-time matches on the fused view.
  llvm::SmallVector<BackendPatternMatch> matches;
  llvm::DenseMap<mlir::Operation *, size_t> index;

  /// nullptr if `op` is not an FX node of the function.
  const OpQConfigInfo *lookup(mlir::Operation *op) const {
    auto it = index.find(op);
    return it == index.end() ? nullptr : &ops[it->second];
  }
};

/// Computes the annotation without changing the IR. Fails (after emitting an
/// error) when fused ops have different object_type qconfigs, as 1.13 raises
/// during fusion, or when a QConfig has no `#qfx.qconfig` form.
/// `matchesAloneOnly`: ops that take part in no fusion and no multi-op
/// prepare match (see findBackendPatternMatches).
mlir::FailureOr<QConfigAnnotation> computeQConfigAnnotation(
    mlir::func::FuncOp func, const config::QConfigMapping &mapping,
    const config::BackendConfig &backend, bool qat,
    llvm::function_ref<bool(mlir::Operation *)> matchesAloneOnly = nullptr);

/// computeQConfigAnnotation, then sets `qfx.qconfig` on every quantized op
/// and removes it from all other ops of `func`.
mlir::FailureOr<QConfigAnnotation> annotateQConfigs(
    mlir::func::FuncOp func, const config::QConfigMapping &mapping,
    const config::BackendConfig &backend, bool qat,
    llvm::function_ref<bool(mlir::Operation *)> matchesAloneOnly = nullptr);

/// The `#qfx.qconfig` form of `qconfig`: fake-quantize sides become the
/// effective observer plus `*_fake_quantize`; `torch.nn.Identity` sides are
/// absent. Fails for RecordingObserver, which has no observer kind.
mlir::FailureOr<QConfigAttr> getQConfigAttr(mlir::MLIRContext *ctx,
                                            const config::QConfig &qconfig);

/// Module attributes carrying configuration (JSON text or a preset name).
inline constexpr llvm::StringLiteral kQConfigMappingAttrName =
    "qfx.qconfig_mapping";
inline constexpr llvm::StringLiteral kBackendConfigAttrName =
    "qfx.backend_config";
/// Module attribute: DictionaryAttr from module path to module class
/// (canonical name), written by the exporter.
inline constexpr llvm::StringLiteral kModuleTypesAttrName = "qfx.module_types";

/// Loads a QConfigMapping from `spec`: a preset (`fbgemm`, `x86`,
/// `qnnpack`, `onednn`, ...; the default QAT mapping when `qat`), inline
/// JSON text (starting with `{`), or a JSON file path. Errors name the
/// file and the JSON path of the offending value.
llvm::Expected<config::QConfigMapping> loadQConfigMapping(llvm::StringRef spec,
                                                          bool qat);
/// Loads a BackendConfig: a preset name (`native`, `fbgemm`, `x86`,
/// `qnnpack`, `onednn`, ...; empty = `native`), inline JSON, or a path.
llvm::Expected<config::BackendConfig> loadBackendConfig(llvm::StringRef spec);

/// The config specs for `func`: the pass option if non-empty, else the
/// enclosing module's attribute, else (backend only) `native`. Emits an
/// error at `func` and fails when no QConfigMapping is given or loading
/// fails.
mlir::FailureOr<std::pair<config::QConfigMapping, config::BackendConfig>>
loadConfigsFor(mlir::func::FuncOp func, llvm::StringRef mappingOption,
               llvm::StringRef backendOption, bool qat);

} // namespace qfx

#endif // QFX_DIALECT_QFX_QCONFIGANNOTATION_H
