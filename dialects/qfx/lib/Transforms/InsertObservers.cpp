//===- InsertObservers.cpp - prepare_fx's observer placement --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13's insert_observers_for_model (fx/prepare.py), on qfx IR:
//
//  1. match BackendConfig patterns, last op first (fx/match_utils.py
//     find_matches: tuple patterns before single ops, longest first);
//  2. give every FX node its target dtypes
//     (get_target_activation_dtype_for_node);
//  3. walk the graph in order: the root op of a match gets input observers
//     for the args whose dtype differs (weights included), the last op of a
//     match gets an output observer; graph outputs are observed when
//     output_quantized_idxs says so.
//
// Ops that share their input's observer (OUTPUT_SHARE_OBSERVER_WITH_INPUT,
// ReuseInputObserver qconfigs; cat's inputs) get an output observer that is
// the same observer as the input's: PyTorch keeps one call site per value
// and points them at one module instance; qfx marks the observer ops with
// one `qfx.observer_group` name (and configuration), and the runtime keeps
// one set of statistics per group.
//
// Matching and target dtypes are in ObserverMatches.cpp and
// ObserverDTypes.cpp. Linear time: every op is visited a constant number of
// times (pattern depth is bounded).
//
//===----------------------------------------------------------------------===//

#include "ObserverInsertionImpl.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::observers;
namespace cfg = qfx::config;

//===----------------------------------------------------------------------===//
// Insertion
//===----------------------------------------------------------------------===//

Value ObserverInserter::insertObserver(Value v, ObsCtor ctor) {
  OpBuilder::InsertionGuard guard(rewriter);
  if (auto arg = dyn_cast<BlockArgument>(v))
    rewriter.setInsertionPointToStart(arg.getOwner());
  else
    rewriter.setInsertionPointAfter(v.getDefiningOp());
  std::string prefix =
      options.modulePath.empty() ? "" : options.modulePath + ".";
  Location loc = NameLoc::get(rewriter.getStringAttr(
      prefix + "activation_post_process_" + std::to_string(nextIndex++)));
  ++numInserted;
  if (ctor.fakeQuant)
    return FakeQuantizeOp::create(rewriter, loc, v.getType(), v,
                                  ctor.fakeQuant, ctor.observer,
                                  ObserverStateAttr(), QParamsAttr());
  return ObserverOp::create(rewriter, loc, v.getType(), v, ctor.observer,
                            ObserverStateAttr());
}

/// maybe_insert_input_observer_for_arg_or_kwarg. Returns the observed value
/// (or `arg` itself).
Value ObserverInserter::maybeObserveArg(Operation *node, Value arg, Role role,
                                        QConfigAttr q, const Match &m,
                                        bool isFirstArg) {
  const TargetDTypes &t = dtypes[node];
  bool needsObs = false;
  bool isWeight = role == Role::Weight || role == Role::NonQuantizableWeight;
  ObsCtor ctor = isWeight ? getWeightCtor(q) : getActivationCtor(q);
  std::optional<DType> argOut = getArgOutputDType(arg);
  DType argIn = role == Role::Weight ? t.weight
                : role == Role::Bias ? t.bias
                                     : t.input;
  if (role == Role::NonQuantizableWeight) {
    // Target dtype None: differs from the arg's, is not float, and no
    // existing observer has dtype None.
    if (!argOut || !ctor || m.standalone)
      return arg;
    return insertObserver(arg, ctor);
  }
  bool argDynamic = role == Role::Activation && t.inputDynamic;
  bool reuseInput = q.getActivation() &&
                    q.getActivation().getKind() == ObserverKind::reuse_input &&
                    (!q.getWeight() ||
                     q.getWeight().getKind() == ObserverKind::noop);
  needsObs = (!argDynamic && argOut != argIn && argIn != DType::Float32 &&
              argOut.has_value() && !reuseInput) ||
             (argDynamic && isFirstArg);
  if (!needsObs || !ctor)
    return arg;
  return reuseOrInsertObserver(arg, ctor, argIn);
}

/// Reuses an observer of the same class and dtype already on `arg`
/// (one observer per value), else inserts one.
Value ObserverInserter::reuseOrInsertObserver(Value arg, ObsCtor ctor,
                                              DType dtype) {
  for (Operation *user : arg.getUsers()) {
    if (auto o = dyn_cast<ObserverOp>(user)) {
      if (!ctor.fakeQuant &&
          o.getConfig().getKind() == ctor.observer.getKind() &&
          dtypeOf(o.getConfig()) == dtype)
        return o.getResult();
    } else if (auto f = dyn_cast<FakeQuantizeOp>(user)) {
      if (ctor.fakeQuant &&
          f.getConfig().getKind() == ctor.fakeQuant.getKind() &&
          dtypeOf(f.getObserver()) == dtype)
        return f.getResult();
    }
  }
  return insertObserver(arg, ctor);
}

/// The custom flow of maybe_insert_input_observer_for_arg_or_kwarg for a
/// standalone module call: arg i is observed with the parent's activation
/// observer when the module's own input_quantized_idxs contain i and the
/// arg is not quint8 already. The call's operands are its FX args.
void ObserverInserter::insertStandaloneInputObservers(Operation *op,
                                                      const Match &m,
                                                      QConfigAttr q) {
  const PrepareCustomConfig *sm =
      m.standaloneConfig ? m.standaloneConfig->prepareCustomConfig.get()
                         : nullptr;
  ObsCtor ctor = getActivationCtor(q);
  if (!sm || !ctor)
    return;
  for (OpOperand &operand : op->getOpOperands()) {
    Value arg = operand.get();
    if (!isNodeValue(arg) ||
        !llvm::is_contained(sm->inputQuantizedIndexes,
                            operand.getOperandNumber()) ||
        getArgOutputDType(arg) == DType::QUInt8)
      continue;
    Value observed = reuseOrInsertObserver(arg, ctor, DType::QUInt8);
    if (observed != arg)
      rewriter.modifyOpInPlace(op, [&] { operand.set(observed); });
  }
}

void ObserverInserter::insertInputObservers(Operation *op, const Match &m,
                                            QConfigAttr q) {
  // Roles are decided on the original args (PyTorch assigns node.args
  // after visiting all of them).
  SmallVector<Role> roles;
  for (unsigned i = 0, e = op->getNumOperands(); i < e; ++i)
    roles.push_back(getRole(op, i));
  bool first = true;
  for (OpOperand &operand : op->getOpOperands()) {
    Role role = roles[operand.getOperandNumber()];
    if (role == Role::Internal && !isa<ConvOp, ConvTransposeOp, LinearOp>(op))
      continue;
    Value arg = operand.get();
    bool isFirst = first && role == Role::Activation;
    if (role == Role::Activation)
      first = false;
    if ((!isNodeValue(arg) && role != Role::Weight) || m.standalone)
      continue;
    // Module weights are observed like functional ones, except where
    // prepare_qat_fx has no QAT module to swap in (1.13: ConvTranspose).
    if (role == Role::Weight && !isNodeValue(arg) && options.isQAT &&
        isa<ConvTransposeOp>(op))
      continue;
    Value observed = maybeObserveArg(op, arg, role, q, m, isFirst);
    if (observed != arg)
      rewriter.modifyOpInPlace(op, [&] { operand.set(observed); });
  }
  if (auto fused = dyn_cast<FusedOp>(op); fused && !m.standalone)
    insertWeightObserversInBody(fused, q);
}

/// Patterns whose inputs and outputs stay float (embeddings): only the
/// module's weight is observed, by the qconfig's weight observer (PyTorch
/// creates it at convert, or as the QAT module's weight_fake_quant), when
/// the backend takes the qconfig's weight dtype.
void ObserverInserter::insertWeightOnlyObserver(Operation *op, const Match &m,
                                                QConfigAttr q) {
  ObsCtor ctor = getWeightCtor(q);
  if (!ctor || m.standalone || dtypeOf(q.getWeight()) == DType::Float32 ||
      !isWeightOnlySupported(m, q))
    return;
  for (OpOperand &operand : op->getOpOperands()) {
    Value arg = operand.get();
    if (getRole(op, operand.getOperandNumber()) != Role::Weight ||
        isNodeValue(arg))
      continue;
    Value observed = insertObserver(arg, ctor);
    rewriter.modifyOpInPlace(op, [&] { operand.set(observed); });
  }
}

/// Fused modules keep their weights inside: observe the weight operand of
/// every conv/linear in the body with the fused op's qconfig.
void ObserverInserter::insertWeightObserversInBody(FusedOp fused,
                                                   QConfigAttr q) {
  const TargetDTypes &t = dtypes[fused];
  ObsCtor ctor = getWeightCtor(q);
  if (!ctor || t.weight == DType::Float32)
    return;
  for (Operation &inner : fused.getBody().front()) {
    if (!isa<ConvOp, ConvTransposeOp, LinearOp>(inner))
      continue;
    OpOperand &w = inner.getOpOperand(1);
    if (isObserver(w.get().getDefiningOp()))
      continue;
    Value observed = insertObserver(w.get(), ctor);
    rewriter.modifyOpInPlace(&inner, [&] { w.set(observed); });
  }
}

ObsCtor ObserverInserter::getOutputCtor(Operation *op, const Match &m,
                                        QConfigAttr q) {
  ObsCtor ctor = getActivationCtor(q);
  if (!ctor || !m.config)
    return ctor;
  DType act = dtypeOf(q.getActivation());
  if (act != DType::QUInt8)
    return ctor;
  const std::optional<cfg::ObserverSpec> &overwrite =
      options.isQAT ? m.config->overwriteOutputFakeQuantize
                    : m.config->overwriteOutputObserver;
  if (!overwrite)
    return ctor;
  auto it = overwriteCtors.find(&*overwrite);
  if (it != overwriteCtors.end())
    return it->second;
  MLIRContext *ctx = op->getContext();
  FailureOr<ObserverConfigAttr> obs = getObserverConfigAttr(ctx, *overwrite);
  ObsCtor result = ctor;
  if (succeeded(obs))
    result = {*obs, getFakeQuantizeConfigAttr(ctx, *overwrite)};
  overwriteCtors[&*overwrite] = result;
  return result;
}

/// The observer a value is (transitively) computed from, following each
/// op's first FX arg as maybe_make_input_output_share_observers does.
Operation *ObserverInserter::traceToObserver(Value v) {
  for (int guard = 0; guard < 10000; ++guard) {
    Operation *def = v.getDefiningOp();
    if (isObserver(def))
      return def;
    if (!def || !getNode(def))
      return nullptr; // a placeholder or a constant
    SmallVector<Value> args = getFxArgs(def);
    if (args.empty())
      return nullptr;
    v = args.front();
  }
  return nullptr;
}

/// maybe_make_input_output_share_observers: the output observer of `op`
/// and the observers of its inputs become one observer (PyTorch points
/// their module attributes at the first input observer's instance). qfx
/// marks the ops with the same `qfx.observer_group` (the first observer's
/// name) and the same configuration; the runtime gives them one state.
bool ObserverInserter::shareInputObserver(Operation *op,
                                          Operation *outputObserver) {
  SmallVector<Value> inputs;
  if (isa<CatOp>(op))
    llvm::append_range(inputs, op->getOperands());
  else if (SmallVector<Value> args = getFxArgs(op); !args.empty())
    inputs.push_back(args.front());
  if (inputs.empty())
    return false;
  Operation *owner = traceToObserver(inputs.front());
  if (!owner)
    return false;
  auto group =
      owner->getAttrOfType<StringAttr>(QFXDialect::getObserverGroupAttrName());
  if (!group) {
    auto name = dyn_cast<NameLoc>(owner->getLoc());
    group = name ? name.getName()
                 : rewriter.getStringAttr("activation_post_process");
  }
  auto join = [&](Operation *member) {
    if (member != owner && member->getName() != owner->getName()) {
      // PyTorch points the member's attribute at the owner's instance, so
      // the member becomes an op of the owner's kind (a fixed-qparams
      // fake-quantize owner makes a PTQ mapping's histogram observer
      // member a fake-quantize too: prepare_qat_fx with a PTQ mapping).
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(member);
      Value in = member->getOperand(0);
      Operation *replacement;
      if (auto f = dyn_cast<FakeQuantizeOp>(owner))
        replacement = FakeQuantizeOp::create(
            rewriter, member->getLoc(), in.getType(), in, f.getConfig(),
            f.getObserver(), ObserverStateAttr(), QParamsAttr());
      else
        replacement = ObserverOp::create(
            rewriter, member->getLoc(), in.getType(), in,
            cast<ObserverOp>(owner).getConfig(), ObserverStateAttr());
      replacement->setAttr(QFXDialect::getObserverGroupAttrName(), group);
      rewriter.replaceOp(member, replacement);
      return;
    }
    rewriter.modifyOpInPlace(member, [&] {
      member->setAttr(QFXDialect::getObserverGroupAttrName(), group);
      if (auto o = dyn_cast<ObserverOp>(member))
        o.setConfigAttr(cast<ObserverOp>(owner).getConfig());
      else if (auto f = dyn_cast<FakeQuantizeOp>(member)) {
        f.setConfigAttr(cast<FakeQuantizeOp>(owner).getConfig());
        f.setObserverAttr(cast<FakeQuantizeOp>(owner).getObserver());
      }
    });
  };
  join(owner);
  for (Value in : llvm::drop_begin(inputs)) {
    Operation *member = traceToObserver(in);
    if (!member)
      return false;
    join(member);
  }
  join(outputObserver);
  return true;
}

LogicalResult ObserverInserter::observeGraphOutputs(Operation *ret) {
  for (OpOperand &operand : ret->getOpOperands()) {
    Value v = operand.get();
    if (!isFloatTensor(v.getType()))
      continue;
    std::optional<DType> d = getArgOutputDType(v);
    if (d == DType::QUInt8)
      continue;
    Value observed = v;
    while (isObserver(observed.getDefiningOp()))
      observed = observed.getDefiningOp()->getOperand(0);
    Operation *def = observed.getDefiningOp();
    QConfigAttr q = def ? getQConfig(def) : QConfigAttr();
    if (!q || !q.getActivation())
      return ret->emitError()
             << "output " << operand.getOperandNumber()
             << " is quantized (output_quantized_idxs) but its producer has "
                "no qconfig";
    Value obs = insertObserver(v, getActivationCtor(q));
    rewriter.modifyOpInPlace(ret, [&] { operand.set(obs); });
  }
  return success();
}

FailureOr<ObserverInsertionResult> ObserverInserter::run() {
  if (!func.getBody().hasOneBlock())
    return func.emitError("expected a graph with one block");
  Block &body = func.getBody().front();
  const auto &cc = options.customConfig;
  for (BlockArgument arg : body.getArguments())
    placeholderDTypes.push_back(
        llvm::is_contained(cc.inputQuantizedIndexes, arg.getArgNumber())
            ? DType::QUInt8
            : DType::Float32);
  if (!cc.outputQuantizedIndexes.empty() &&
      cc.outputQuantizedIndexes != std::vector<int64_t>{0})
    return func.emitError("output_quantized_idxs must be [] or [0]");

  findMatches(body);
  for (Operation &op : body)
    if (getNode(&op))
      dtypes[&op] = computeDTypes(&op);
  for (auto size : body.getOps<SizeOp>())
    if (getNode(size))
      propagateIntDType(size->getResult(0));

  SmallVector<Operation *> nodes;
  for (Operation &op : body)
    if (getNode(&op) || op.hasTrait<OpTrait::IsTerminator>())
      nodes.push_back(&op);

  for (Operation *op : nodes) {
    if (op->hasTrait<OpTrait::IsTerminator>()) {
      if (!cc.outputQuantizedIndexes.empty() &&
          failed(observeGraphOutputs(op)))
        return failure();
      continue;
    }
    auto mit = matches.find(op);
    QConfigAttr q = getQConfig(op);
    const TargetDTypes &t = dtypes[op];
    if (!q || !t.valid || isa<GetItemOp>(op) || mit == matches.end() ||
        llvm::any_of(op->getResults(),
                     [&](Value r) { return intValues.contains(r); }))
      continue;
    Match m = mit->second;
    if (!isSupported(op, m, q))
      continue;
    if (!m.inputOutputObserved) {
      if (op == m.root)
        insertWeightOnlyObserver(op, m, q);
      continue;
    }
    if (op == m.root && m.standalone)
      insertStandaloneInputObservers(op, m, q);
    else if (op == m.root)
      insertInputObservers(op, m, q);
    if (op != m.last || m.standalone || op->getNumResults() != 1)
      continue;
    // maybe_insert_output_observer_for_node.
    bool staticAct = (t.output == DType::QUInt8 || t.output == DType::QInt8 ||
                      t.output == DType::Float16) &&
                     !t.inputDynamic;
    if (!staticAct)
      continue;
    bool reuseInput = q.getActivation() &&
                      q.getActivation().getKind() == ObserverKind::reuse_input;
    // is_observer_in_same_graph: an op reading a graph input directly
    // keeps its own output observer.
    SmallVector<Value> args = getFxArgs(op);
    bool readsPlaceholder = !args.empty() && isa<BlockArgument>(args.front());
    bool sameGraph = !(t.output == DType::QUInt8 && readsPlaceholder);
    ObsCtor ctor = getOutputCtor(op, m, q);
    if (!ctor)
      continue;
    Value result = op->getResult(0);
    Value obs = insertObserver(result, ctor);
    rewriter.replaceAllUsesExcept(result, obs, obs.getDefiningOp());
    if (((m.shareWithInput && sameGraph) || reuseInput) &&
        !shareInputObserver(op, obs.getDefiningOp())) {
      // remove_output_observer.
      rewriter.replaceAllUsesWith(obs, result);
      rewriter.eraseOp(obs.getDefiningOp());
    }
  }
  ObserverInsertionResult r;
  r.numInserted = numInserted;
  return r;
}

FailureOr<ObserverInsertionResult>
qfx::insertObservers(RewriterBase &rewriter, func::FuncOp func,
                     const cfg::BackendConfig &backend,
                     const ObserverInsertionOptions &options,
                     int64_t firstObserverIndex) {
  return ObserverInserter(rewriter, func, backend, options, firstObserverIndex)
      .run();
}
