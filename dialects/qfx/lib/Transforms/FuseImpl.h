//===- FuseImpl.h - internals of --qfx-fuse ---------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Shared by Fuse.cpp (pattern table, matching, pass) and FuseBuilder.cpp
// (what a fuser method builds). Matching is behind matchFusionChain so that
// it can move to the shared BackendConfig pattern matcher.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_TRANSFORMS_FUSEIMPL_H
#define QFX_DIALECT_QFX_TRANSFORMS_FUSEIMPL_H

#include "FuseParameters.h"

#include "qfx/Config/BackendConfig.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

#include <functional>

namespace qfx {

/// A fusion pattern of the BackendConfig as a chain of targets.
struct FusionPattern {
  const config::BackendPatternConfig *config = nullptr;
  /// From the last node to the root: (ReLU, (BatchNorm2d, Conv2d)) is
  /// [ReLU, BatchNorm2d, Conv2d].
  llvm::SmallVector<std::string, 3> targets;
};

/// The fusion patterns of a BackendConfig, longest first (1.13's
/// sorted_patterns_dict), indexed by the target of their last node.
struct FusionPatternTable {
  explicit FusionPatternTable(const config::BackendConfig &config);

  const config::BackendConfig &config;
  std::vector<FusionPattern> patterns;
  llvm::StringMap<llvm::SmallVector<const FusionPattern *, 4>> byLastTarget;
};

/// The fuser methods of fuser_method_mappings.py that qfx builds.
enum class FuserKind { Sequential, ConvBn, ConvBnReLU, LinearBn, ConvTransposeBn };

/// What planFusion derives from the matched ops' (kind, target) sequence
/// alone: the BackendConfig entry and fuser method of their module types.
struct FuserLookup {
  llvm::SmallVector<std::pair<NodeKind, mlir::StringAttr>, 3> key;
  /// The module types as a pattern, for messages.
  std::string types;
  const config::BackendPatternConfig *config = nullptr;
  /// The parsed fuser method of `config` (with the fused class of a
  /// reverse_sequential_wrapper2), if it is one qfx builds.
  std::optional<std::pair<FuserKind, std::string>> fuser;
};

/// What one run of the pass shares between matches.
struct FuseState {
  FuseState(const config::BackendConfig &config, mlir::ModuleOp module,
            bool isQat)
      : table(config), parameters(module), isQat(isQat),
        nodeAttrName(mlir::StringAttr::get(module.getContext(),
                                           QFXDialect::getNodeAttrName())) {}

  /// `name` as a StringAttr, uniqued once per run: class names repeat with
  /// every match, and each uniquer lookup of a large module is a cache
  /// miss.
  mlir::StringAttr getClassAttr(mlir::MLIRContext *ctx, llvm::StringRef name) {
    mlir::StringAttr &attr = classAttrs[name];
    if (!attr)
      attr = mlir::StringAttr::get(ctx, name);
    return attr;
  }

  FusionPatternTable table;
  FuseParameters parameters;
  /// QAT fusion (prepare_qat_fx) for a training-mode graph, else fuse_fx.
  bool isQat;
  /// Set when a match hit an error PyTorch raises (reported already).
  bool failed = false;
  /// The ops fused so far (they move into the fused op's body, or a folded
  /// conv/linear stays in place): _find_matches never matches them again.
  llvm::DenseSet<mlir::Operation *> fused;
  /// `qfx.node`.
  mlir::StringAttr nodeAttrName;
  llvm::StringMap<mlir::StringAttr> classAttrs;
  /// planFusion's lookups by matched (kind, target) sequence; a graph
  /// repeats a handful of fusions.
  std::vector<FuserLookup> fuserLookups;
};

/// The op's FX provenance, or null.
NodeAttr getNode(mlir::Operation *op);

/// Matches `targets` (last node first) against `last` and the chain of its
/// first operands. Returns the ops from the root to `last`.
std::optional<llvm::SmallVector<mlir::Operation *, 3>>
matchFusionChain(mlir::Operation *last, llvm::ArrayRef<std::string> targets);

/// Replaces the matched ops (root first) by what the BackendConfig's fuser
/// method builds: a `qfx.fused` op, or for eval-mode conv/linear + batch
/// norm the conv/linear with folded weights. Reports PyTorch's errors and
/// sets `state.failed`.
mlir::LogicalResult fuseMatchedOps(mlir::RewriterBase &rewriter,
                                   llvm::ArrayRef<mlir::Operation *> ops,
                                   FuseState &state);

/// Decides whether a match (root first) may be fused; a rejected match is no
/// match, so a shorter pattern ending at the same op is tried next.
using ControlFuseFn = std::function<bool(llvm::ArrayRef<mlir::Operation *>)>;

/// The pattern of --qfx-fuse.
void populateQfxFusePatterns(mlir::RewritePatternSet &patterns,
                             FuseState &state, ControlFuseFn controlFn = {});

/// fuse_fx on `module` with the fusion patterns of `config` (the body of
/// --qfx-fuse; --qfx-prepare calls it directly, so that the module is not
/// verified once more between fusion and observer insertion). Fails after
/// reporting the errors PyTorch raises. `controlFn` may veto matches.
mlir::LogicalResult fuseModule(mlir::ModuleOp module,
                               const config::BackendConfig &config,
                               ControlFuseFn controlFn = {});

} // namespace qfx

#endif // QFX_DIALECT_QFX_TRANSFORMS_FUSEIMPL_H
