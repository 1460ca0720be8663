//===- Fuse.cpp - fuse_fx driven by a BackendConfig -----------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// --qfx-fuse: PyTorch 1.13's fuse_fx (torch/ao/quantization/fx/fuse.py).
// The fusion patterns are the BackendConfig's configs with a fuser method,
// longest first; the graph is matched from its last op backwards, an op
// already claimed by a match is never matched again, and every op of a
// match but its last must have a single use (is_match's max_uses=1). The
// fuser method is looked up by the matched *module types* (F.relu counts as
// nn.ReLU), as DefaultFuseHandler does. FuseBuilder.cpp builds the result.
//
//===----------------------------------------------------------------------===//

#include "FuseImpl.h"

#include "qfx/Config/ConfigJson.h"
#include "qfx/Dialect/QFX/Passes.h"

#include "mlir/Rewrite/PatternApplicator.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MemoryBuffer.h"

namespace qfx {
#define GEN_PASS_DEF_QFXFUSE
#include "qfx/Dialect/QFX/Passes.h.inc"
} // namespace qfx

using namespace mlir;
using namespace qfx;

//===----------------------------------------------------------------------===//
// Pattern table
//===----------------------------------------------------------------------===//

/// Flattens a chain pattern `(A, (B, C))` to [A, B, C]; fails for patterns
/// with more than one argument per node (e.g. MatchAllNode inputs).
static bool flattenChain(const config::Pattern &p,
                         SmallVectorImpl<std::string> &targets) {
  const config::Pattern *cur = &p;
  while (cur->isTuple()) {
    if (cur->elements.size() != 2 || cur->elements[0].isTuple())
      return false;
    targets.push_back(cur->elements[0].op);
    cur = &cur->elements[1];
  }
  targets.push_back(cur->op);
  return targets.size() > 1;
}

FusionPatternTable::FusionPatternTable(const config::BackendConfig &config)
    : config(config) {
  // sorted_patterns_dict: a stable sort on -(number of leaves).
  for (const config::BackendPatternConfig &c : config.getConfigs()) {
    FusionPattern p;
    p.config = &c;
    if (c.fuserMethod.empty() || !flattenChain(c.pattern, p.targets))
      continue;
    patterns.push_back(std::move(p));
  }
  std::stable_sort(patterns.begin(), patterns.end(),
                   [](const FusionPattern &a, const FusionPattern &b) {
                     return a.targets.size() > b.targets.size();
                   });
  for (const FusionPattern &p : patterns)
    byLastTarget[p.targets.front()].push_back(&p);
}

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

NodeAttr qfx::getNode(Operation *op) {
  // Discardable by its dialect prefix: skip the inherent-attribute lookup.
  return dyn_cast_or_null<NodeAttr>(
      op->getDiscardableAttr(QFXDialect::getNodeAttrName()));
}

/// is_match for one pattern element: a class matches call_module nodes of
/// that class, a function call_function nodes, a method name call_method.
static bool matchesTarget(Operation *op, StringRef target) {
  NodeAttr node = getNode(op);
  if (!node || op->getNumResults() != 1 || op->getNumOperands() == 0)
    return false;
  NodeKind kind = node.getKind();
  return (kind == NodeKind::call_module || kind == NodeKind::call_function ||
          kind == NodeKind::call_method) &&
         node.getTarget().getValue() == target;
}

std::optional<SmallVector<Operation *, 3>>
qfx::matchFusionChain(Operation *last, ArrayRef<std::string> targets) {
  SmallVector<Operation *, 3> ops;
  Operation *cur = last;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!cur || !matchesTarget(cur, targets[i]))
      return std::nullopt;
    // Every node but the last feeds only the next one.
    if (i != 0 && !cur->getResult(0).hasOneUse())
      return std::nullopt;
    ops.push_back(cur);
    if (i + 1 < targets.size())
      cur = cur->getOperand(0).getDefiningOp();
  }
  std::reverse(ops.begin(), ops.end());
  return ops;
}

//===----------------------------------------------------------------------===//
// Pattern
//===----------------------------------------------------------------------===//

namespace {
/// Fuses the longest BackendConfig fusion pattern ending at an op.
struct FuseBackendPattern : public RewritePattern {
  FuseBackendPattern(MLIRContext *ctx, FuseState &state,
                     ControlFuseFn controlFn)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), state(state),
        controlFn(std::move(controlFn)) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    NodeAttr node = getNode(op);
    if (!node)
      return rewriter.notifyMatchFailure(op, "not an FX node");
    if (isa_and_nonnull<FusedOp>(op->getParentOp()) || state.fused.contains(op))
      return rewriter.notifyMatchFailure(op, "already fused");
    auto it = state.table.byLastTarget.find(node.getTarget().getValue());
    if (it == state.table.byLastTarget.end())
      return rewriter.notifyMatchFailure(op, "no fusion pattern ends here");
    for (const FusionPattern *pattern : it->second) {
      std::optional<SmallVector<Operation *, 3>> ops =
          matchFusionChain(op, pattern->targets);
      // A match the control rejects is no match (an nnqat module matches
      // no fusion pattern): a shorter pattern may still match, e.g. the
      // batch_norm + relu after a swapped conv.
      if (!ops || (controlFn && !controlFn(*ops)))
        continue;
      // The first (longest) matching pattern claims the ops, as in
      // _find_matches; a failure to fuse them is not retried with a shorter
      // pattern.
      if (failed(fuseMatchedOps(rewriter, *ops, state)))
        return rewriter.notifyMatchFailure(op, "cannot fuse the match");
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no fusion pattern matches");
  }

  FuseState &state;
  ControlFuseFn controlFn;
};
} // namespace

void qfx::populateQfxFusePatterns(RewritePatternSet &patterns,
                                  FuseState &state, ControlFuseFn controlFn) {
  patterns.add<FuseBackendPattern>(patterns.getContext(), state,
                                   std::move(controlFn));
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

/// The preset `name`, or the JSON file `name` when it names a file path.
static FailureOr<config::BackendConfig> loadBackendConfig(ModuleOp module,
                                                          StringRef name) {
  if (!name.ends_with(".json") && !name.contains('/')) {
    auto preset = config::getBackendConfig(name);
    if (!preset) {
      module.emitError() << "--qfx-fuse: " << llvm::toString(preset.takeError());
      return failure();
    }
    return std::move(*preset);
  }
  auto file = llvm::MemoryBuffer::getFile(name);
  if (!file) {
    module.emitError() << "--qfx-fuse: cannot read backend config '" << name
                       << "': " << file.getError().message();
    return failure();
  }
  auto parsed = config::parseBackendConfig((*file)->getBuffer());
  if (!parsed) {
    module.emitError() << "--qfx-fuse: invalid backend config '" << name
                       << "': " << llvm::toString(parsed.takeError());
    return failure();
  }
  return std::move(*parsed);
}

namespace {
/// Remembers the FX nodes a rewrite erased so that the sweep skips them
/// (the sweep visits nothing else; parameters and their reads, most of the
/// erased ops, need no entry).
struct ErasedOpsListener : public RewriterBase::Listener {
  void notifyOperationErased(Operation *op) override {
    if (getNode(op))
      erased.insert(op);
  }
  DenseSet<Operation *> erased;
};

} // namespace

LogicalResult qfx::fuseModule(ModuleOp module,
                              const config::BackendConfig &backendConfig,
                              ControlFuseFn controlFn) {
  MLIRContext *ctx = module.getContext();
  auto training =
      module->getAttrOfType<BoolAttr>(QFXDialect::getTrainingAttrName());
  FuseState state(backendConfig, module, training && training.getValue());

  RewritePatternSet patterns(ctx);
  populateQfxFusePatterns(patterns, state, std::move(controlFn));
  FrozenRewritePatternSet frozen(std::move(patterns));
  PatternApplicator applicator(frozen);
  applicator.applyDefaultCostModel();

  // _find_matches: one sweep over the ops that exist now, from the last
  // one backwards (`reversed(graph.nodes)`). Not the greedy driver: it
  // would erase dead ops FX keeps and, iterating to a fixpoint, match
  // again around the ops a fusion created (Linear + BatchNorm1d + ReLU
  // would become a LinearReLU; fuse_fx leaves the ReLU alone).
  SmallVector<Operation *> candidates;
  module.walk([&](Operation *op) {
    if (getNode(op))
      candidates.push_back(op);
  });
  ErasedOpsListener listener;
  state.fused.reserve(candidates.size());
  PatternRewriter rewriter(ctx);
  rewriter.setListener(&listener);
  for (Operation *op : llvm::reverse(candidates)) {
    if (listener.erased.contains(op))
      continue;
    rewriter.setInsertionPoint(op);
    (void)applicator.matchAndRewrite(op, rewriter);
  }
  if (state.failed)
    return failure();
  // fuseMatchedOps counts every read it creates or erases. The sweep is
  // over: the retired parameters' erasure needs no listener.
  rewriter.setListener(nullptr);
  state.parameters.eraseUnreadCounted(rewriter);
  return success();
}

namespace {
struct QfxFusePass : public qfx::impl::QfxFuseBase<QfxFusePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<config::BackendConfig> backendConfig =
        loadBackendConfig(module, backend);
    if (failed(backendConfig) || failed(fuseModule(module, *backendConfig)))
      return signalPassFailure();
  }
};
} // namespace
