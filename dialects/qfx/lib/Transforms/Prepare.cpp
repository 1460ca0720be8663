//===- Prepare.cpp - --qfx-prepare: prepare_fx / prepare_qat_fx -----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// prepare_fx as a pass: fusion (fuseModule, the body of --qfx-fuse, called
// directly rather than as a nested pipeline, which would verify the whole
// module once more), qconfig resolution (annotateQConfigs) and observer
// insertion (insertObservers).
// With `qconfig-mapping` empty the graph's existing `qfx.qconfig`
// attributes are used as they are.
//
//===----------------------------------------------------------------------===//

#include "FuseImpl.h"
#include "PrepareStandaloneQat.h"
#include "QatBatchNorm.h"

#include "qfx/Config/ConfigJson.h"
#include "qfx/Dialect/QFX/ObserverInsertion.h"
#include "qfx/Dialect/QFX/Passes.h"
#include "qfx/Dialect/QFX/QConfigAnnotation.h"

#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MemoryBuffer.h"

namespace qfx {
#define GEN_PASS_DEF_QFXPREPARE
#include "qfx/Dialect/QFX/Passes.h.inc"
} // namespace qfx

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;

static llvm::Expected<std::string> readFile(llvm::StringRef path) {
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read '%s'",
                                   path.str().c_str());
  return (*buf)->getBuffer().str();
}

/// `_validate_fixed_qparams_qconfigs`: prepare_fx raises when a fixed-
/// qparams op (sigmoid, tanh, hardsigmoid, softmax) resolves to a qconfig
/// whose activation is not the op's fixed-qparams observer (the resolved
/// qconfig counts, whether or not the backend then supports it).
static LogicalResult
validateFixedQParamsQConfigs(const QConfigAnnotation &annotation) {
  bool ok = true;
  for (const OpQConfigInfo &info : annotation.ops) {
    cfg::NodeKind kind = info.node.getKind() == NodeKind::call_module
                             ? cfg::NodeKind::CallModule
                         : info.node.getKind() == NodeKind::call_function
                             ? cfg::NodeKind::CallFunction
                             : cfg::NodeKind::Other;
    if (!cfg::isInvalidFixedQParamsQConfig(kind, info.node.getTarget(),
                                           info.resolution->qconfig))
      continue;
    info.op->emitError()
        << "fixed-qparams op '" << info.name << "' ("
        << info.node.getTarget().getValue()
        << ") needs its fixed-qparams observer as the qconfig's activation: "
           "QConfigMapping must specify fixed qparams observer for fixed "
           "qparams op (prepare_fx raises; use the default qconfig mapping's "
           "entry for it)";
    ok = false;
  }
  return success(ok);
}

/// The standalone module's own QConfigMapping, whose module names are
/// relative to it, for the nested function whose ops carry the model's
/// module paths: module names and regexes get the module's path in front.
/// module_name "" is dropped (1.13 never looks it up: the root falls back
/// to the other rules), module_name_object_type_order's "" is the module
/// itself.
static cfg::QConfigMapping prefixModuleNames(const cfg::QConfigMapping &m,
                                             StringRef path) {
  cfg::QConfigMapping r;
  r.setGlobal(m.getGlobal());
  for (const auto &e : m.getObjectTypes())
    r.setObjectType(e.key, e.qconfig);
  std::string escaped;
  for (char c : path) {
    if (c == '.')
      escaped += '\\';
    escaped += c;
  }
  for (const auto &e : m.getModuleNameRegexes())
    r.setModuleNameRegex(escaped + "\\.(" + e.key + ")", e.qconfig);
  for (const auto &e : m.getModuleNames())
    if (!e.key.empty())
      r.setModuleName((path + "." + e.key).str(), e.qconfig);
  for (const auto &e : m.getModuleNameObjectTypeOrders())
    r.setModuleNameObjectTypeOrder(e.key.moduleName.empty()
                                       ? path.str()
                                       : (path + "." + e.key.moduleName).str(),
                                   e.key.objectType, e.key.index, e.qconfig);
  return r;
}

namespace {
/// What one graph (the model's, or a standalone module's nested function)
/// is prepared with.
struct PrepareScope {
  /// None: the ops' `qfx.qconfig` attributes are used as they are.
  std::optional<cfg::QConfigMapping> mapping;
  const cfg::BackendConfig *backend = nullptr;
  ObserverInsertionOptions options;
};

/// _prepare_fx on one graph: qconfig resolution, then every standalone
/// module call's nested function with the module's own configs
/// (run_prepare_fx_on_standalone_modules), then the graph's observers.
class GraphPreparer {
public:
  GraphPreparer(ModuleOp module, bool qat, StandaloneQatSwaps qatSwaps)
      : symbols(module), rewriter(module.getContext()), qat(qat),
        qatSwaps(std::move(qatSwaps)) {
    for (auto &[op, qconfig] : this->qatSwaps)
      if (qconfig)
        swappedOps.insert(op);
  }

  LogicalResult prepare(func::FuncOp func, const PrepareScope &scope);

private:
  LogicalResult prepareStandaloneCall(func::CallOp call, NodeAttr node,
                                      StringRef relativePath,
                                      const PrepareScope &scope);

  SymbolTable symbols;
  IRRewriter rewriter;
  bool qat;
  StandaloneQatSwaps qatSwaps;
  /// The ops of `qatSwaps` with a qconfig: swapped to nnqat modules, so
  /// never fused (they are never erased before observer insertion).
  llvm::DenseSet<Operation *> swappedOps;
  llvm::DenseSet<Operation *> prepared;
  llvm::StringMap<int64_t> nextIndex;
  /// The resolved qconfig of each standalone call (qconfig_map's entry).
  llvm::DenseMap<Operation *, cfg::QConfigOrNone> callQConfigs;
};
} // namespace

LogicalResult GraphPreparer::prepare(func::FuncOp func,
                                     const PrepareScope &scope) {
  prepared.insert(func);
  std::optional<QConfigAnnotation> annotation;
  if (scope.mapping) {
    const llvm::DenseSet<Operation *> *swapped = scope.options.qatSwappedOps;
    auto isSwapped = [&](Operation *op) { return swapped->contains(op); };
    FailureOr<QConfigAnnotation> a = annotateQConfigs(
        func, *scope.mapping, *scope.backend, qat,
        swapped ? llvm::function_ref<bool(Operation *)>(isSwapped) : nullptr);
    if (failed(a) || failed(validateFixedQParamsQConfigs(*a)))
      return failure();
    annotation = std::move(*a);
  }
  const PrepareCustomConfig &cc = scope.options.customConfig;
  for (Operation &op : func.getBody().getOps()) {
    auto node = op.getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
    if (!node || node.getKind() != NodeKind::call_module)
      continue;
    std::optional<StringRef> path = getRelativeModulePath(
        node.getModule().getValue(), scope.options.modulePath);
    StringRef cls = node.getTarget().getValue();
    bool standalone =
        path && (llvm::is_contained(cc.standaloneModuleNames, *path) ||
                 llvm::is_contained(cc.standaloneModuleClasses, cls));
    auto call = dyn_cast<func::CallOp>(op);
    if (!standalone) {
      if (call)
        return call.emitError()
               << "call of the nested function @" << call.getCallee()
               << " (module '" << node.getModule().getValue()
               << "'): its module is not a standalone module of the "
                  "prepare custom config (list it in standalone_module_name "
                  "or standalone_module_class, or export it without "
                  "standalone_modules)";
      continue;
    }
    // qconfig_map has the resolved qconfig of the call node whether or not
    // a pattern matches it: input observers, the nested function's
    // fallback global qconfig and the output's target dtype use it.
    if (annotation) {
      const OpQConfigInfo *info = annotation->lookup(&op);
      QConfigAttr attr;
      if (info)
        callQConfigs[&op] = info->resolution->qconfig;
      if (info && info->resolution->qconfig) {
        FailureOr<QConfigAttr> a =
            getQConfigAttr(op.getContext(), *info->resolution->qconfig);
        if (failed(a))
          return op.emitError()
                 << "qconfig of standalone module '"
                 << node.getModule().getValue() << "' has no qfx form";
        attr = *a;
      }
      if (attr)
        op.setAttr(QFXDialect::getQConfigAttrName(), attr);
      else
        op.removeAttr(QFXDialect::getQConfigAttrName());
    }
    if (call && failed(prepareStandaloneCall(call, node, *path, scope)))
      return failure();
  }
  // Observer names count on across the graphs of one module namespace.
  int64_t &next = nextIndex[scope.options.modulePath];
  FailureOr<ObserverInsertionResult> r =
      insertObservers(rewriter, func, *scope.backend, scope.options, next);
  if (failed(r))
    return failure();
  next += r->numInserted;
  if (qat)
    scaleQatBatchNormWeights(func);
  return success();
}

LogicalResult GraphPreparer::prepareStandaloneCall(func::CallOp call,
                                                   NodeAttr node,
                                                   StringRef relativePath,
                                                   const PrepareScope &scope) {
  auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
  if (!callee || callee.isExternal())
    return call.emitError()
           << "standalone module '" << node.getModule().getValue()
           << "' calls @" << call.getCallee()
           << ", which is not a function with a body";
  // A module called twice is one observed module in PyTorch.
  if (prepared.contains(callee))
    return success();
  const StandaloneModuleConfig *sm = findStandaloneModuleConfig(
      scope.options.customConfig, relativePath, node.getTarget().getValue());
  PrepareScope child;
  child.options.isQAT = qat;
  child.options.modulePath = node.getModule().getValue().str();
  if (qat && !swappedOps.empty())
    child.options.qatSwappedOps = &swappedOps;
  // get_standalone_module_configs: without its own mapping the module is
  // prepared with QConfigMapping().set_global(<the call's qconfig>).
  if (sm && sm->qconfigMapping) {
    child.mapping =
        prefixModuleNames(*sm->qconfigMapping, child.options.modulePath);
  } else {
    cfg::QConfigOrNone parent;
    if (auto it = callQConfigs.find(call); it != callQConfigs.end())
      parent = it->second;
    else if (auto q = call->getAttrOfType<QConfigAttr>(
                 QFXDialect::getQConfigAttrName()))
      parent = getQConfig(q);
    child.mapping.emplace();
    child.mapping->setGlobal(parent);
  }
  child.backend = sm && sm->backendConfig ? &*sm->backendConfig : scope.backend;
  if (sm && sm->prepareCustomConfig)
    child.options.customConfig = *sm->prepareCustomConfig;
  if (!child.options.customConfig.outputQuantizedIndexes.empty() &&
      callee.getNumResults() != 1)
    return call.emitError()
           << "standalone module '" << child.options.modulePath
           << "' has output_quantized_idxs but returns "
           << callee.getNumResults()
           << " values (1.13: standalone module only supports returning "
              "simple value)";
  if (failed(prepare(callee, child)))
    return failure();
  // prepare_qat_fx swapped the module's conv / linear submodules to QAT
  // modules with the parent's qconfigs before this (PrepareStandaloneQat).
  if (qat && failed(applyStandaloneQatWeights(
                 qatSwaps, callee, child.options.modulePath,
                 nextIndex[child.options.modulePath])))
    return failure();
  // _standalone_module_input/output_quantized_idxs of the observed module:
  // convert would take and give quantized values at these positions.
  Builder b(call.getContext());
  const PrepareCustomConfig &cc = child.options.customConfig;
  if (!cc.inputQuantizedIndexes.empty())
    callee->setAttr(kStandaloneInputQuantizedIdxsAttrName,
                    b.getDenseI64ArrayAttr(cc.inputQuantizedIndexes));
  if (!cc.outputQuantizedIndexes.empty())
    callee->setAttr(kStandaloneOutputQuantizedIdxsAttrName,
                    b.getDenseI64ArrayAttr(cc.outputQuantizedIndexes));
  return success();
}

namespace {
struct QfxPreparePass : qfx::impl::QfxPrepareBase<QfxPreparePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::Expected<cfg::BackendConfig> backendConfig = loadBackendConfig(backend);
    if (!backendConfig) {
      module.emitError() << "backend '" << backend
                         << "': " << llvm::toString(backendConfig.takeError());
      return signalPassFailure();
    }
    ObserverInsertionOptions options;
    options.isQAT = qat;
    if (!prepareCustomConfig.empty()) {
      llvm::Expected<std::string> text = readFile(prepareCustomConfig);
      llvm::Expected<PrepareCustomConfig> parsed =
          text ? parsePrepareCustomConfig(*text)
               : llvm::Expected<PrepareCustomConfig>(text.takeError());
      if (!parsed) {
        module.emitError() << "prepare-custom-config '" << prepareCustomConfig
                           << "': " << llvm::toString(parsed.takeError());
        return signalPassFailure();
      }
      options.customConfig = std::move(*parsed);
    }
    // Pass options override the custom config's indexes.
    if (!inputQuantizedIdxs.empty())
      options.customConfig.inputQuantizedIndexes.assign(
          inputQuantizedIdxs.begin(), inputQuantizedIdxs.end());
    if (!outputQuantizedIdxs.empty())
      options.customConfig.outputQuantizedIndexes.assign(
          outputQuantizedIdxs.begin(), outputQuantizedIdxs.end());

    PrepareScope scope;
    scope.backend = &*backendConfig;
    scope.options = std::move(options);
    if (!qconfigMapping.empty()) {
      llvm::Expected<cfg::QConfigMapping> mapping =
          loadQConfigMapping(qconfigMapping, qat);
      if (!mapping) {
        module.emitError() << "qconfig-mapping '" << qconfigMapping
                           << "': " << llvm::toString(mapping.takeError());
        return signalPassFailure();
      }
      scope.mapping = std::move(*mapping);
    }
    // prepare_qat_fx has swapped some of the standalone modules' modules to
    // QAT classes before their own fusion, which then leaves them alone.
    StandaloneQatSwaps qatSwaps;
    if (qat && scope.mapping &&
        failed(checkQatEmbeddingQConfigs(module, *scope.mapping)))
      return signalPassFailure();
    if (qat)
      qatSwaps = findStandaloneQatSwaps(module, scope.mapping ? &*scope.mapping
                                                              : nullptr);
    ControlFuseFn control;
    if (!qatSwaps.empty())
      control = [&](ArrayRef<Operation *> ops) {
        return llvm::none_of(ops, [&](Operation *op) {
          auto it = qatSwaps.find(op);
          return it != qatSwaps.end() && it->second.has_value();
        });
      };
    if (fuse && failed(fuseModule(module, *backendConfig, control)))
      return signalPassFailure();

    // Standalone modules' nested functions are prepared from their call.
    llvm::DenseSet<StringRef> callees;
    module.walk([&](func::CallOp call) { callees.insert(call.getCallee()); });
    GraphPreparer preparer(module, qat, std::move(qatSwaps));
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || callees.contains(func.getSymName()))
        continue;
      if (failed(preparer.prepare(func, scope)))
        return signalPassFailure();
    }
  }
};
} // namespace
