//===- PrepareStandaloneQat.cpp - QAT swap in standalone modules ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// prepare() (fx/prepare.py) runs propagate_qconfig_ and qat_swap_modules
// on the whole model before run_prepare_fx_on_standalone_modules: the
// standalone module's Conv / Linear / Embedding / EmbeddingBag submodules
// become nnqat modules whose weight_fake_quant comes from the parent's
// QConfigMapping, propagated
// down the module tree with the eager rules (global, then per module on the
// path: object_type of its class, then its exact module_name; no regexes,
// no object-type order). The module's own prepare then no longer fuses
// them (nnqat classes match no fusion pattern): qfx's fusion rejects the
// matches that hold such an op (Prepare.cpp), and this file puts the
// parent's weight fake-quantize on the swapped ops after the module's own
// prepare. nnqat.Embedding(Bag).from_float asserts that the qconfig's
// weight has the per_channel_affine_float_qparams qscheme: any other
// qconfig is an error here, where prepare_qat_fx fails.
//
// An op the parent leaves without qconfig keeps `qconfig = None` as a
// module attribute, which the module's own propagate_qconfig_ does not
// override: it is never swapped on its own, only fused (with float
// neighbours) by the module's own fuse_fx and then swapped with the
// module's own qconfig, as qfx's insertion does for any fused op.
//
//===----------------------------------------------------------------------===//

#include "PrepareStandaloneQat.h"

#include "qfx/Dialect/QFX/ObserverInsertion.h"
#include "qfx/Dialect/QFX/QConfigAnnotation.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;

/// The module ops prepare_qat_fx's qat_swap_modules swaps (the native
/// BackendConfig's qat_module entries for non-fused modules).
static bool isQatSwappable(Operation &op) {
  return isa<ConvOp, LinearOp, EmbeddingOp, EmbeddingBagOp>(op);
}

/// The weight operand: the table of an embedding, the second of the rest.
static OpOperand &getWeightOperand(Operation &op) {
  return op.getOpOperand(isa<EmbeddingOp, EmbeddingBagOp>(op) ? 0 : 1);
}

template <typename Entries>
static void applyEntry(const Entries &entries, StringRef key,
                       cfg::QConfigOrNone &qconfig) {
  for (const auto &e : entries)
    if (e.key == key)
      qconfig = e.qconfig;
}

/// propagate_qconfig_'s qconfig for the module at `path`: every prefix of
/// the path in turn, its class's object_type entry (known for the
/// standalone module and the op's own module) then its module_name entry.
static cfg::QConfigOrNone
eagerQConfig(const cfg::QConfigMapping &m, StringRef path,
             const llvm::StringMap<StringRef> &classes) {
  cfg::QConfigOrNone qconfig = m.getGlobal();
  size_t end = 0;
  while (end != StringRef::npos) {
    end = path.find('.', end + 1);
    StringRef prefix = path.substr(0, end);
    if (auto it = classes.find(prefix); it != classes.end())
      applyEntry(m.getObjectTypes(), it->second, qconfig);
    applyEntry(m.getModuleNames(), prefix, qconfig);
  }
  return qconfig;
}

/// nnqat.Embedding(Bag).from_float's assertion: the weight of the qconfig
/// an embedding is swapped with must have float qparams.
static LogicalResult checkEmbeddingQatWeight(Operation &op, QConfigAttr q,
                                             StringRef path,
                                             StringRef modulePath) {
  if (!isa<EmbeddingOp, EmbeddingBagOp>(op) ||
      (q.getWeight() &&
       q.getWeight().getQscheme() == QScheme::per_channel_affine_float_qparams))
    return success();
  InFlightDiagnostic diag = op.emitError() << "module '" << path << "'";
  if (!modulePath.empty())
    diag << " of standalone module '" << modulePath << "'";
  return diag << ": prepare_qat_fx swaps it to its QAT class with the "
              << (modulePath.empty() ? "" : "parent's ")
              << "qconfig, whose weight must have the "
                 "per_channel_affine_float_qparams qscheme (got "
              << (q.getWeight() ? stringifyQScheme(q.getWeight().getQscheme())
                                : StringRef("no weight"))
              << "); give it a float-qparams embedding QAT qconfig such as "
                 "default_embedding_qat_qconfig";
}

LogicalResult
qfx::checkQatEmbeddingQConfigs(ModuleOp module,
                               const cfg::QConfigMapping &mapping) {
  llvm::StringMap<StringRef> classes;
  if (auto types = module->getAttrOfType<DictionaryAttr>(kModuleTypesAttrName))
    for (NamedAttribute t : types)
      if (auto cls = dyn_cast<StringAttr>(t.getValue()))
        classes[t.getName().getValue()] = cls.getValue();
  llvm::DenseSet<StringRef> callees;
  module.walk([&](func::CallOp call) { callees.insert(call.getCallee()); });
  bool ok = true;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal() || callees.contains(func.getSymName()))
      continue; // standalone modules: applyStandaloneQatWeights checks.
    for (Operation &op : func.getBody().getOps()) {
      auto node = op.getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
      if (!isa<EmbeddingOp, EmbeddingBagOp>(op) || !node ||
          node.getKind() != NodeKind::call_module)
        continue;
      StringRef path = node.getModule().getValue();
      llvm::StringMap<StringRef> known = classes;
      known[path] = node.getTarget().getValue();
      cfg::QConfigOrNone qconfig = eagerQConfig(mapping, path, known);
      if (!qconfig)
        continue;
      FailureOr<QConfigAttr> attr = getQConfigAttr(op.getContext(), *qconfig);
      if (succeeded(attr))
        ok &= succeeded(checkEmbeddingQatWeight(op, *attr, path, ""));
    }
  }
  return success(ok);
}

StandaloneQatSwaps
qfx::findStandaloneQatSwaps(ModuleOp module,
                            const cfg::QConfigMapping *parent) {
  StandaloneQatSwaps swaps;
  SymbolTable symbols(module);
  llvm::DenseSet<StringRef> callees;
  module.walk([&](func::CallOp call) { callees.insert(call.getCallee()); });
  for (auto func : module.getOps<func::FuncOp>()) {
    if (callees.contains(func.getSymName()))
      continue; // calls inside a standalone module are traced through.
    func.walk([&](func::CallOp call) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      auto callNode =
          call->getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
      if (!callee || callee.isExternal() || !callNode)
        return;
      for (Operation &op : callee.getBody().getOps()) {
        auto node = op.getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
        if (!isQatSwappable(op) || !node ||
            node.getKind() != NodeKind::call_module)
          continue;
        StringRef path = node.getModule().getValue();
        cfg::QConfigOrNone qconfig;
        if (parent) {
          llvm::StringMap<StringRef> classes;
          classes[callNode.getModule().getValue()] =
              callNode.getTarget().getValue();
          classes[path] = node.getTarget().getValue();
          qconfig = eagerQConfig(*parent, path, classes);
        } else if (auto q = call->getAttrOfType<QConfigAttr>(
                       QFXDialect::getQConfigAttrName())) {
          qconfig = getQConfig(q);
        }
        swaps.try_emplace(&op, qconfig);
      }
    });
  }
  return swaps;
}

LogicalResult qfx::applyStandaloneQatWeights(const StandaloneQatSwaps &swaps,
                                             func::FuncOp callee,
                                             StringRef modulePath,
                                             int64_t &nextIndex) {
  MLIRContext *ctx = callee.getContext();
  IRRewriter rewriter(ctx);
  for (Operation &op : callee.getBody().getOps()) {
    // Fusion may have erased unswapped ops: only a swappable op here is
    // the op the entry names.
    auto it = swaps.find(&op);
    if (it == swaps.end() || !isQatSwappable(op))
      continue;
    OpOperand &weight = getWeightOperand(op);
    Value w = weight.get();
    Operation *old = w.getDefiningOp();
    bool replace = isa_and_nonnull<ObserverOp, FakeQuantizeOp>(old);
    if (!it->second) {
      // A float module: its weight is not observed in the graph.
      if (replace)
        rewriter.modifyOpInPlace(&op, [&] { weight.set(old->getOperand(0)); });
      if (replace && old->use_empty())
        rewriter.eraseOp(old);
      continue;
    }
    FailureOr<QConfigAttr> attr = getQConfigAttr(ctx, *it->second);
    auto node = op.getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
    StringRef path = node ? node.getModule().getValue() : "";
    if (failed(attr))
      return op.emitError()
             << "module '" << path << "' of standalone module '" << modulePath
             << "': prepare_qat_fx swaps it to its QAT class with the "
                "parent's qconfig, which has no qfx form (e.g. a "
                "RecordingObserver)";
    if (failed(checkEmbeddingQatWeight(op, *attr, path, modulePath)))
      return failure();
    if (!attr->getWeight())
      continue;
    Location loc = NameLoc::get(rewriter.getStringAttr(
        modulePath + ".activation_post_process_" + std::to_string(nextIndex)));
    if (replace) {
      loc = old->getLoc();
      w = old->getOperand(0);
      rewriter.setInsertionPoint(old);
    } else {
      ++nextIndex;
      rewriter.setInsertionPointAfterValue(w);
    }
    Value replacement;
    if (FakeQuantizeConfigAttr fq = attr->getWeightFakeQuantize())
      replacement = FakeQuantizeOp::create(rewriter, loc, w.getType(), w, fq,
                                           attr->getWeight(),
                                           ObserverStateAttr(), QParamsAttr());
    else
      replacement = ObserverOp::create(rewriter, loc, w.getType(), w,
                                       attr->getWeight(), ObserverStateAttr());
    if (replace)
      rewriter.replaceOp(old, replacement);
    else
      rewriter.modifyOpInPlace(&op, [&] { weight.set(replacement); });
  }
  return success();
}
