//===- BackendPatterns.h - Match BackendConfig patterns on qfx --*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13's pattern matcher (`fx/match_utils.py: is_match` with the
// walks of `fuse.py: _find_matches` and `match_utils.py: find_matches`) over
// qfx ops. Ops are identified by their `#qfx.node` provenance: a pattern
// element (canonical class / function / method name) matches an op whose
// `qfx.node` target is that name and whose kind is call_module,
// call_function or call_method. Patterns are in the reversed nested tuple
// form, `(ReLU, (BatchNorm2d, Conv2d))`: the first element matches the op,
// the others its FX arguments, which (besides the matched op itself) may
// have only one user. `torch.ao.quantization.utils.MatchAllNode` matches
// any value and is not recorded.
//
// FX argument count: FX requires `len(pattern) - 1 == len(node.args)`. The
// IR does not record non-tensor positional arguments of typed ops, so the
// count used is: for `qfx.call`, operands plus positional `params`; for
// typed ops, the operands that are FX values (block arguments, ops with
// `qfx.node`, scalar `qfx.constant`s), i.e. weight reads of module calls
// are not counted. `F.leaky_relu(x, 0.1)` therefore counts 1 argument
// where FX counts 2.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_BACKENDPATTERNS_H
#define QFX_DIALECT_QFX_BACKENDPATTERNS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"
#include "qfx/Config/BackendConfig.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace qfx {

/// One match of a BackendConfig pattern.
struct BackendPatternMatch {
  /// The pattern config that matched (owned by the BackendConfig).
  const config::BackendPatternConfig *config = nullptr;
  /// The op the match was found at: the pattern's first element, the last
  /// op of the matched chain in graph order (PyTorch's `last_node`).
  mlir::Operation *root = nullptr;
  /// All matched ops in PyTorch's flattened `matched_node_pattern` order
  /// (root first, then depth-first through the argument subpatterns);
  /// MatchAllNode positions are not included.
  llvm::SmallVector<mlir::Operation *> ops;

  /// `_default_root_node_getter`: the op of the innermost last element,
  /// e.g. the conv of `(ReLU, (BatchNorm2d, Conv2d))` (PyTorch's root node /
  /// input node, the op whose module a fusion replaces).
  mlir::Operation *getInputOp() const { return inputOp; }
  mlir::Operation *inputOp = nullptr;
};

/// Which patterns to match, and with whose walk.
enum class BackendPatternSet {
  /// Patterns with a `fuser_method`, walked like `fuse_fx` (first match of
  /// an op wins; an op already in a match is not re-recorded).
  Fusion,
  /// All patterns, walked like prepare's `find_matches` (an op already in a
  /// match is not a match root again).
  All,
};

/// The patterns of `config` selected by `set`, in PyTorch's
/// `sorted_patterns_dict` order: tuple patterns by decreasing number of
/// leaves, then single-op patterns, each group in insertion order.
llvm::SmallVector<const config::BackendPatternConfig *>
getSortedBackendPatterns(const config::BackendConfig &config,
                         BackendPatternSet set);

/// Matches the patterns of `config` on `func`, visiting ops from the last
/// one backwards and trying patterns in sorted order. Returns the matches in
/// the order found (last root first). Ops without `qfx.node` never match,
/// nor do ops for which `isExcluded` returns true (e.g. ops already fused).
/// Ops for which `matchesAloneOnly` returns true match single-op patterns
/// only: module calls prepare_qat_fx swapped to their QAT class before the
/// graph was traced (a standalone module's conv / linear), whose nnqat
/// classes appear in no multi-op pattern while their float classes do.
llvm::SmallVector<BackendPatternMatch> findBackendPatternMatches(
    mlir::func::FuncOp func, const config::BackendConfig &config,
    BackendPatternSet set,
    llvm::function_ref<bool(mlir::Operation *)> isExcluded = nullptr,
    llvm::function_ref<bool(mlir::Operation *)> matchesAloneOnly = nullptr);

/// The FX positional arguments of `op` that are graph values (in order),
/// and the number of FX positional arguments (see the file comment).
std::pair<llvm::SmallVector<mlir::Value>, int64_t>
getFxArguments(mlir::Operation *op);

/// True if `op` matches the single pattern element `name` (kind and target
/// of its `qfx.node`).
bool matchesPatternElement(mlir::Operation *op, llvm::StringRef name);

} // namespace qfx

#endif // QFX_DIALECT_QFX_BACKENDPATTERNS_H
