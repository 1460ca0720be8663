//===- BackendPatterns.cpp - Match BackendConfig patterns on qfx ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/BackendPatterns.h"
#include "qfx/Dialect/QFX/QFXDialect.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace qfx;

static constexpr llvm::StringLiteral kMatchAllNode =
    "torch.ao.quantization.utils.MatchAllNode";

/// `get_len` of `sorted_patterns_dict`: the number of leaves.
static int64_t patternLength(const config::Pattern &p) {
  if (!p.isTuple())
    return 1;
  int64_t n = 0;
  for (const config::Pattern &e : p.elements)
    n += patternLength(e);
  return n;
}

SmallVector<const config::BackendPatternConfig *>
qfx::getSortedBackendPatterns(const config::BackendConfig &config,
                              BackendPatternSet set) {
  SmallVector<const config::BackendPatternConfig *> result;
  for (const config::BackendPatternConfig &c : config.getConfigs())
    if (set == BackendPatternSet::All || !c.fuserMethod.empty())
      result.push_back(&c);
  // Sort key: -len for tuples, 1 for single ops; stable like Python sorted.
  llvm::stable_sort(result, [](const auto *a, const auto *b) {
    auto key = [](const config::Pattern &p) {
      return p.isTuple() ? -patternLength(p) : int64_t(1);
    };
    return key(a->pattern) < key(b->pattern);
  });
  return result;
}

static NodeAttr getNode(Operation *op) {
  // Discardable by its dialect prefix: skip the inherent-attribute lookup.
  return dyn_cast_or_null<NodeAttr>(
      op->getDiscardableAttr(QFXDialect::getNodeAttrName()));
}

bool qfx::matchesPatternElement(Operation *op, StringRef name) {
  NodeAttr node = getNode(op);
  if (!node)
    return false;
  NodeKind kind = node.getKind();
  if (kind != NodeKind::call_module && kind != NodeKind::call_function &&
      kind != NodeKind::call_method)
    return false;
  return node.getTarget().getValue() == name;
}

/// True if `v` stands for an FX value (an argument the FX node had), as
/// opposed to a weight read the exporter adds for a module call.
static bool isFxValue(Value v) {
  Operation *def = v.getDefiningOp();
  return !def || getNode(def) || !isa<GetAttrOp>(def);
}

/// Counts `{operand = N}` references inside a params value.
static void collectOperandRefs(Attribute attr, llvm::DenseSet<int64_t> &refs) {
  if (auto dict = dyn_cast<DictionaryAttr>(attr)) {
    if (auto idx = dict.getAs<IntegerAttr>("operand"); idx && dict.size() == 1)
      refs.insert(idx.getInt());
    for (NamedAttribute na : dict)
      collectOperandRefs(na.getValue(), refs);
  } else if (auto arr = dyn_cast<ArrayAttr>(attr)) {
    for (Attribute a : arr)
      collectOperandRefs(a, refs);
  }
}

std::pair<SmallVector<Value>, int64_t> qfx::getFxArguments(Operation *op) {
  SmallVector<Value> values;
  if (auto call = dyn_cast<CallOp>(op)) {
    llvm::DenseSet<int64_t> refs;
    int64_t positional = 0;
    if (DictionaryAttr params = call.getParamsAttr()) {
      collectOperandRefs(params, refs);
      for (NamedAttribute na : params)
        if (llvm::all_of(na.getName().getValue(), [](char c) { return llvm::isDigit(c); }))
          ++positional;
    }
    for (auto [i, v] : llvm::enumerate(call.getInputs()))
      if (!refs.contains(i))
        values.push_back(v);
    return {values, positional + int64_t(values.size())};
  }
  for (Value v : op->getOperands())
    if (isFxValue(v))
      values.push_back(v);
  return {values, int64_t(values.size())};
}

/// FX `len(node.users)`: distinct user ops of any result.
static size_t countUsers(Operation *op) {
  llvm::SmallPtrSet<Operation *, 4> users;
  for (Value r : op->getResults())
    for (Operation *u : r.getUsers())
      users.insert(u);
  return users.size();
}

namespace {
/// Which ops may take part in a match (findBackendPatternMatches).
struct OpFilter {
  llvm::function_ref<bool(Operation *)> isExcluded;
  llvm::function_ref<bool(Operation *)> matchesAloneOnly;
  /// The BackendConfig's qat_module of each float module class: the class
  /// of a `matchesAloneOnly` op, which prepare_qat_fx swapped to it.
  llvm::StringMap<StringRef> qatClasses;

  /// The class patterns must name to match `op`.
  StringRef getTarget(Operation *op, NodeAttr node) const {
    StringRef target = node.getTarget().getValue();
    if (qatClasses.empty() || !matchesAloneOnly || !matchesAloneOnly(op))
      return target;
    auto it = qatClasses.find(target);
    return it == qatClasses.end() ? target : it->second;
  }
};
} // namespace

/// matchesPatternElement for a swapped op: its QAT class's patterns match
/// it, the float class's do not (find_matches sees the nnqat module).
static bool matchesElement(Operation *op, StringRef name,
                           const OpFilter &filter) {
  NodeAttr node = getNode(op);
  return node && filter.getTarget(op, node) == name &&
         matchesPatternElement(op, node.getTarget().getValue());
}

/// A pattern of more than one element (a 1-tuple is a single op).
static bool isMultiOp(const config::Pattern &p) {
  return p.isTuple() && p.elements.size() > 1;
}

/// `is_match(modules, node, pattern, max_uses)` without recursion on the
/// IR: nested patterns are at most a few levels deep. `inMultiOp`: the
/// element is part of a multi-op pattern.
static bool isMatch(Value v, const config::Pattern &pattern, size_t maxUses,
                    const OpFilter &filter, bool inMultiOp) {
  const config::Pattern &self =
      pattern.isTuple() ? pattern.elements.front() : pattern;
  if (!self.isTuple() && self.op == kMatchAllNode)
    return true;
  Operation *op = v ? v.getDefiningOp() : nullptr;
  if (!op || self.isTuple() || countUsers(op) > maxUses ||
      (filter.isExcluded && filter.isExcluded(op)) ||
      !matchesElement(op, self.op, filter) ||
      (inMultiOp && filter.matchesAloneOnly && filter.matchesAloneOnly(op)))
    return false;
  if (!isMultiOp(pattern))
    return true;
  auto [args, numArgs] = getFxArguments(op);
  if (numArgs != int64_t(pattern.elements.size()) - 1 ||
      args.size() < pattern.elements.size() - 1)
    return false;
  for (size_t i = 1; i < pattern.elements.size(); ++i)
    if (!isMatch(args[i - 1], pattern.elements[i], /*maxUses=*/1, filter,
                 /*inMultiOp=*/true))
      return false;
  return true;
}

static bool isMatchAt(Operation *op, const config::Pattern &pattern,
                      const OpFilter &filter) {
  if (op->getNumResults() == 0) {
    // Ops without results (none in practice) match only single patterns.
    return !pattern.isTuple() && matchesPatternElement(op, pattern.op);
  }
  return isMatch(op->getResult(0), pattern, SIZE_MAX, filter,
                 isMultiOp(pattern));
}

/// Records the ops of a successful match in `record_match` order; returns
/// the `_default_root_node_getter` op.
static Operation *recordMatch(Operation *op, const config::Pattern &pattern,
                              SmallVectorImpl<Operation *> &ops) {
  const config::Pattern &self =
      pattern.isTuple() ? pattern.elements.front() : pattern;
  if (self.op == kMatchAllNode || !op)
    return nullptr;
  ops.push_back(op);
  Operation *inputOp = op;
  if (!pattern.isTuple())
    return inputOp;
  SmallVector<Value> args = getFxArguments(op).first;
  for (size_t i = 1; i < pattern.elements.size(); ++i) {
    Operation *argOp = args[i - 1].getDefiningOp();
    Operation *inner = recordMatch(argOp, pattern.elements[i], ops);
    // `_default_root_node_getter` follows the last element down.
    if (i + 1 == pattern.elements.size() && inner)
      inputOp = inner;
  }
  return inputOp;
}

SmallVector<BackendPatternMatch> qfx::findBackendPatternMatches(
    func::FuncOp func, const config::BackendConfig &config,
    BackendPatternSet set, llvm::function_ref<bool(Operation *)> isExcluded,
    llvm::function_ref<bool(Operation *)> matchesAloneOnly) {
  OpFilter filter{isExcluded, matchesAloneOnly, {}};
  if (matchesAloneOnly)
    for (const config::BackendPatternConfig &c : config.getConfigs())
      if (!c.pattern.isTuple() && !c.qatModule.empty())
        filter.qatClasses.try_emplace(c.pattern.op, c.qatModule);
  SmallVector<const config::BackendPatternConfig *> patterns =
      getSortedBackendPatterns(config, set);
  // A pattern can only match at an op whose target is its first element
  // (or at any op, for MatchAllNode): index the sorted patterns by that
  // target so that each op tries its few candidates instead of all of the
  // BackendConfig's (hundreds), in the same order.
  llvm::StringMap<SmallVector<unsigned, 4>> byTarget;
  SmallVector<unsigned> matchAll;
  for (auto [i, pc] : llvm::enumerate(patterns)) {
    const config::Pattern &self = pc->pattern.isTuple()
                                      ? pc->pattern.elements.front()
                                      : pc->pattern;
    if (self.isTuple())
      continue; // never matches (isMatch)
    if (self.op == kMatchAllNode)
      matchAll.push_back(i);
    else
      byTarget[self.op].push_back(i);
  }
  SmallVector<std::pair<Operation *, NodeAttr>> graph;
  func.walk([&](Operation *op) {
    NodeAttr node = getNode(op);
    if (node && !(isExcluded && isExcluded(op)))
      graph.push_back({op, node});
  });
  SmallVector<BackendPatternMatch> matches;
  llvm::DenseSet<Operation *> matched;
  SmallVector<unsigned, 8> candidates;
  for (auto [op, node] : llvm::reverse(graph)) {
    if (matched.contains(op))
      continue;
    candidates.clear();
    auto it = byTarget.find(filter.getTarget(op, node));
    if (it != byTarget.end())
      candidates.append(it->second.begin(), it->second.end());
    if (!matchAll.empty()) {
      candidates.append(matchAll.begin(), matchAll.end());
      llvm::sort(candidates);
    }
    for (unsigned index : candidates) {
      const config::BackendPatternConfig *pc = patterns[index];
      if (!isMatchAt(op, pc->pattern, filter))
        continue;
      BackendPatternMatch m;
      m.config = pc;
      m.root = op;
      SmallVector<Operation *> ops;
      m.inputOp = recordMatch(op, pc->pattern, ops);
      for (Operation *o : ops) {
        // fuse_fx keeps the first match of an op; find_matches overwrites,
        // which only differs for overlapping matches (not produced by the
        // single-user rule in practice).
        if (matched.insert(o).second || set == BackendPatternSet::All)
          m.ops.push_back(o);
      }
      matches.push_back(std::move(m));
      break;
    }
  }
  return matches;
}
