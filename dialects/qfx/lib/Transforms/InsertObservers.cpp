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
//  2. give every FX node its target dtypes (get_target_activation_dtype_for_node);
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
// Linear time: every op is visited a constant number of times (patterns are
// indexed by their last op's target; pattern depth is bounded).
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/ObserverInsertion.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;
using cfg::DType;

static constexpr llvm::StringLiteral kObserverGroupAttrName =
    "qfx.observer_group";
static constexpr llvm::StringLiteral kMatchAll =
    "torch.ao.quantization.utils.MatchAllNode";

namespace {

/// What prepare.py's node_name_to_target_dtype holds for one node; `valid`
/// false is PyTorch's None (the node is not a Tensor).
struct TargetDTypes {
  bool valid = true;
  DType input = DType::Float32;
  DType output = DType::Float32;
  DType weight = DType::Float32;
  DType bias = DType::Float32;
  bool inputDynamic = false;
};

/// One find_matches entry.
struct Match {
  Operation *root = nullptr;
  Operation *last = nullptr;
  const cfg::BackendPatternConfig *config = nullptr;
  bool shareWithInput = false;
  bool inputOutputObserved = true;
  bool standalone = false;
  bool custom = false;
};

/// An observer or fake-quantize constructor.
struct ObsCtor {
  ObserverConfigAttr observer;
  FakeQuantizeConfigAttr fakeQuant;
  explicit operator bool() const { return bool(observer); }
};

enum class Role {
  Activation,
  Weight,
  /// The weight of F.layer_norm / group_norm / instance_norm
  /// (NON_QUANTIZABLE_WEIGHT_OPS): its target dtype is None, so 1.13
  /// observes it with qconfig.weight at every use, never reusing one.
  NonQuantizableWeight,
  Bias,
  Internal
};

class ObserverInserter {
public:
  ObserverInserter(RewriterBase &rewriter, func::FuncOp func,
                   const cfg::BackendConfig &backend,
                   const ObserverInsertionOptions &options, int64_t nextIndex)
      : rewriter(rewriter), func(func), backend(backend), options(options),
        nextIndex(nextIndex) {}

  FailureOr<ObserverInsertionResult> run();

private:
  // FX structure of qfx IR.
  static NodeAttr getNode(Operation *op) {
    return op->getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
  }
  static bool isObserver(Operation *op) {
    return isa_and_nonnull<ObserverOp, FakeQuantizeOp>(op);
  }
  static bool isNodeValue(Value v) {
    if (isa<BlockArgument>(v))
      return true;
    Operation *def = v.getDefiningOp();
    return getNode(def) || isObserver(def);
  }
  static Role getRole(Operation *op, unsigned idx);
  static SmallVector<Value> getFxArgs(Operation *op);
  static unsigned getNumUsers(Operation *op);

  // Matching.
  void indexPatterns();
  bool isMatch(Operation *op, const cfg::Pattern &p, unsigned maxUses);
  void recordMatch(Operation *op, const cfg::Pattern &p, Match &m,
                   Operation *&root);
  void findMatches(Block &body);

  // Target dtypes.
  TargetDTypes computeDTypes(Operation *op);
  std::optional<DType> getArgOutputDType(Value v);
  QConfigAttr getQConfig(Operation *op) const {
    return op->getAttrOfType<QConfigAttr>(QFXDialect::getQConfigAttrName());
  }
  bool isSupported(Operation *op, const Match &m, QConfigAttr qconfig);
  void propagateIntDType(Value v);

  // Insertion.
  ObsCtor getActivationCtor(QConfigAttr q) {
    return {q.getActivation(), q.getActivationFakeQuantize()};
  }
  ObsCtor getWeightCtor(QConfigAttr q) {
    return {q.getWeight(), q.getWeightFakeQuantize()};
  }
  ObsCtor getOutputCtor(Operation *op, const Match &m, QConfigAttr q);
  Value insertObserver(Value v, ObsCtor ctor);
  Value maybeObserveArg(Operation *node, Value arg, Role role,
                        QConfigAttr qconfig, const Match &m, bool isFirstArg);
  void insertInputObservers(Operation *op, const Match &m, QConfigAttr q);
  void insertWeightObserversInBody(FusedOp fused, QConfigAttr q);
  LogicalResult observeGraphOutputs(Operation *ret);
  Operation *traceToObserver(Value v, bool firstNodeArg);
  bool shareInputObserver(Operation *op, Operation *outputObserver);

  RewriterBase &rewriter;
  func::FuncOp func;
  const cfg::BackendConfig &backend;
  const ObserverInsertionOptions &options;
  int64_t nextIndex;
  int64_t numInserted = 0;

  llvm::StringMap<SmallVector<const cfg::BackendPatternConfig *, 2>> patterns;
  DenseMap<Operation *, Match> matches;
  DenseMap<Operation *, TargetDTypes> dtypes;
  /// Values whose target dtype propagate_dtypes_for_known_nodes made `int`.
  llvm::DenseSet<Value> intValues;
  SmallVector<DType> placeholderDTypes;
  DenseMap<const void *, ObsCtor> overwriteCtors;
};

} // namespace

//===----------------------------------------------------------------------===//
// FX structure
//===----------------------------------------------------------------------===//

Role ObserverInserter::getRole(Operation *op, unsigned idx) {
  Value v = op->getOperand(idx);
  if (isa<ConvOp, ConvTransposeOp, LinearOp>(op) && idx > 0)
    return idx == 1 ? Role::Weight : Role::Bias;
  if (!isNodeValue(v))
    return Role::Internal;
  // Functional normalizations: weight/bias per the backend's
  // input_type_to_index (layer/group/instance norm); F.batch_norm has none,
  // so its running stats and affine parameters are activations.
  // node_arg_is_weight compares the arg itself: F.group_norm(x, 2, g, g)
  // has its weight at both positions.
  auto isSegment = [&](unsigned segment) {
    auto [start, length] =
        TypeSwitch<Operation *, std::pair<unsigned, unsigned>>(op)
            .Case<LayerNormOp, GroupNormOp, InstanceNormOp>(
                [&](auto norm) {
                  return norm.getODSOperandIndexAndLength(segment);
                })
            .Default([](Operation *) { return std::make_pair(0u, 0u); });
    return length == 1 && op->getOperand(start) == v;
  };
  if (isa<LayerNormOp, GroupNormOp, InstanceNormOp>(op) && idx > 0) {
    if (isSegment(1))
      return Role::NonQuantizableWeight;
    if (isSegment(2))
      return Role::Bias;
  }
  return Role::Activation;
}

/// The values PyTorch's node.args holds as Nodes, in order: operands that
/// are FX nodes, plus the weight and bias of functional conv/linear.
SmallVector<Value> ObserverInserter::getFxArgs(Operation *op) {
  SmallVector<Value> args;
  for (OpOperand &o : op->getOpOperands())
    if (isNodeValue(o.get()))
      args.push_back(o.get());
  return args;
}

unsigned ObserverInserter::getNumUsers(Operation *op) {
  llvm::SmallPtrSet<Operation *, 4> users;
  for (Operation *u : op->getUsers())
    users.insert(u);
  return users.size();
}

//===----------------------------------------------------------------------===//
// find_matches
//===----------------------------------------------------------------------===//

static int64_t patternLength(const cfg::Pattern &p) {
  if (!p.isTuple())
    return 1;
  int64_t n = 0;
  for (const cfg::Pattern &e : p.elements)
    n += patternLength(e);
  return n;
}

void ObserverInserter::indexPatterns() {
  // sorted_patterns_dict: tuples first, longest first; stable otherwise.
  SmallVector<const cfg::BackendPatternConfig *> sorted;
  for (const cfg::BackendPatternConfig &c : backend.getConfigs())
    sorted.push_back(&c);
  llvm::stable_sort(sorted, [](const auto *a, const auto *b) {
    auto key = [](const cfg::Pattern &p) {
      return p.isTuple() ? -patternLength(p) : int64_t(1);
    };
    return key(a->pattern) < key(b->pattern);
  });
  for (const cfg::BackendPatternConfig *c : sorted) {
    const cfg::Pattern &self =
        c->pattern.isTuple() ? c->pattern.elements.front() : c->pattern;
    patterns[self.op].push_back(c);
  }
}

bool ObserverInserter::isMatch(Operation *op, const cfg::Pattern &p,
                               unsigned maxUses) {
  const cfg::Pattern &self = p.isTuple() ? p.elements.front() : p;
  if (self.op == kMatchAll)
    return true;
  if (!op || !getNode(op) || getNumUsers(op) > maxUses)
    return false;
  if (getNode(op).getTarget().getValue() != self.op)
    return false;
  if (!p.isTuple())
    return true;
  SmallVector<Value> args = getFxArgs(op);
  if (args.size() != p.elements.size() - 1)
    return false;
  for (auto [arg, sub] : llvm::zip(args, ArrayRef(p.elements).drop_front()))
    if (!isMatch(arg.getDefiningOp(), sub, 1))
      return false;
  return true;
}

/// Records every op the (already matched) pattern covers; `root` becomes
/// _default_root_node_getter's choice: the last element, recursively.
void ObserverInserter::recordMatch(Operation *op, const cfg::Pattern &p,
                                   Match &m, Operation *&root) {
  matches[op] = m;
  root = op;
  if (!p.isTuple())
    return;
  SmallVector<Value> args = getFxArgs(op);
  for (auto [i, sub] : llvm::enumerate(ArrayRef(p.elements).drop_front())) {
    const cfg::Pattern &self = sub.isTuple() ? sub.elements.front() : sub;
    if (self.op == kMatchAll)
      continue;
    Operation *subRoot = nullptr;
    recordMatch(args[i].getDefiningOp(), sub, m, subRoot);
    if (i + 2 == p.elements.size())
      root = subRoot;
  }
}

void ObserverInserter::findMatches(Block &body) {
  const auto &cc = options.customConfig;
  for (Operation &op : llvm::reverse(body)) {
    NodeAttr node = getNode(&op);
    if (!node || matches.count(&op))
      continue;
    if (node.getKind() == NodeKind::call_module) {
      StringRef path = node.getModule().getValue();
      StringRef cls = node.getTarget().getValue();
      if (llvm::is_contained(cc.standaloneModuleNames, path) ||
          llvm::is_contained(cc.standaloneModuleClasses, cls)) {
        Match m;
        m.root = m.last = &op;
        m.standalone = true;
        matches[&op] = m;
        continue;
      }
      if (llvm::is_contained(cc.floatToObservedClasses, cls)) {
        Match m;
        m.root = m.last = &op;
        m.custom = true;
        matches[&op] = m;
        continue;
      }
    }
    auto it = patterns.find(node.getTarget().getValue());
    if (it == patterns.end())
      continue;
    for (const cfg::BackendPatternConfig *c : it->second) {
      if (!isMatch(&op, c->pattern, std::numeric_limits<unsigned>::max()))
        continue;
      Match m;
      m.last = &op;
      m.config = c;
      m.inputOutputObserved = c->inputOutputObserved.value_or(true);
      // Temporarily record to find the root, then store the final match.
      Operation *root = nullptr;
      recordMatch(&op, c->pattern, m, root);
      m.root = root;
      // ConfigurableQuantizeHandler: the observation type may depend on how
      // many of the root's args are tensors (x + y vs. x + 1).
      cfg::ObservationType type = c->observationType;
      if (!c->numTensorArgsToObservationType.empty()) {
        int64_t numTensors = 0;
        for (Value a : getFxArgs(root))
          if (isa<TensorType>(a.getType()) &&
              cast<TensorType>(a.getType()).getRank() > 0 &&
              !(a.getDefiningOp() && isa<ConstantOp>(a.getDefiningOp())))
            ++numTensors;
        auto t = c->numTensorArgsToObservationType.find(numTensors);
        if (t != c->numTensorArgsToObservationType.end())
          type = t->second;
      }
      m.shareWithInput =
          type == cfg::ObservationType::OutputShareObserverWithInput;
      recordMatch(&op, c->pattern, m, root);
      break;
    }
  }
}

//===----------------------------------------------------------------------===//
// Target dtypes
//===----------------------------------------------------------------------===//

static DType dtypeOf(ObserverConfigAttr a) {
  switch (a.getDtype()) {
  case QuantDType::quint8:
    return DType::QUInt8;
  case QuantDType::qint8:
    return DType::QInt8;
  case QuantDType::qint32:
    return DType::QInt32;
  case QuantDType::quint4x2:
    return DType::QUInt4x2;
  case QuantDType::float16:
    return DType::Float16;
  case QuantDType::float32:
    return DType::Float32;
  }
  return DType::Float32;
}

static bool isDynamic(QConfigAttr q) {
  return q.getActivation() &&
         q.getActivation().getKind() == ObserverKind::placeholder &&
         q.getActivation().getIsDynamic();
}

static bool isFloatTensor(Type t) {
  auto tt = dyn_cast<RankedTensorType>(t);
  return tt && isa<FloatType>(tt.getElementType());
}

TargetDTypes ObserverInserter::computeDTypes(Operation *op) {
  TargetDTypes t;
  if (op->getNumResults() == 0 ||
      !llvm::all_of(op->getResultTypes(), isFloatTensor)) {
    t.valid = false;
    return t;
  }
  if (isa<GetItemOp>(op))
    return t;
  auto it = matches.find(op);
  QConfigAttr q = getQConfig(op);
  if (!q || it == matches.end() || !it->second.inputOutputObserved)
    return t;
  DType act = q.getActivation() ? dtypeOf(q.getActivation()) : DType::Float32;
  DType weight = q.getWeight() ? dtypeOf(q.getWeight()) : DType::Float32;
  t.inputDynamic = isDynamic(q);
  t.input = act;
  t.output = t.inputDynamic ? DType::Float32 : act;
  t.weight = weight;
  t.bias = (act == DType::Float16 && weight == DType::Float16 &&
            !t.inputDynamic)
               ? DType::Float16
               : DType::Float32;
  return t;
}

/// get_arg_target_dtype_as_output: through observers to the observed value.
std::optional<DType> ObserverInserter::getArgOutputDType(Value v) {
  while (isObserver(v.getDefiningOp()))
    v = v.getDefiningOp()->getOperand(0);
  if (intValues.contains(v))
    return std::nullopt;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getOwner() == &func.getBody().front() &&
        arg.getArgNumber() < placeholderDTypes.size())
      return placeholderDTypes[arg.getArgNumber()];
    return DType::Float32;
  }
  Operation *def = v.getDefiningOp();
  if (isa<GetAttrOp>(def))
    return DType::Float32;
  auto it = dtypes.find(def);
  if (it == dtypes.end())
    return DType::Float32;
  if (!it->second.valid)
    return std::nullopt;
  return it->second.output;
}

/// _qconfig_satisfies_dtype_config_constraints for one side.
static bool satisfiesConstraints(ObserverConfigAttr side,
                                 FakeQuantizeConfigAttr fq,
                                 const cfg::DTypeWithConstraints &c) {
  if (!side || !c.dtype || !c.hasConstraints())
    return true;
  cfg::ObserverSpec spec = getObserverSpec(side, fq);
  if (spec.getDType() != *c.dtype)
    return true;
  if (c.quantMinLowerBound && c.quantMaxUpperBound) {
    auto range = spec.getQuantRange();
    if (!range || range->first < *c.quantMinLowerBound ||
        range->second > *c.quantMaxUpperBound)
      return false;
  }
  if (c.scaleMinLowerBound) {
    ObserverKind k = side.getKind();
    bool hasEps = k == ObserverKind::min_max ||
                  k == ObserverKind::moving_average_min_max ||
                  k == ObserverKind::per_channel_min_max ||
                  k == ObserverKind::moving_average_per_channel_min_max ||
                  k == ObserverKind::histogram;
    if (!hasEps || side.getEps().convertToDouble() < *c.scaleMinLowerBound)
      return false;
  }
  return true;
}

/// _is_pattern_dtype_config_and_qconfig_supported_by_backend: the root's
/// args (weights and biases only where they are FX args) and the last op's
/// output against each DTypeConfig.
/// maybe_propagate_dtype_for_node(node, int): a `Tensor.size()` result is
/// a non-observable (shape) argument of view/reshape/...; 1.13 marks it
/// int and, through general tensor value ops, its first argument too, so
/// that value is never observed as an input. (qfx folds the shape operand
/// into an attribute; the size op that produced it remains.)
void ObserverInserter::propagateIntDType(Value v) {
  for (int guard = 0; guard < 10000; ++guard) {
    if (!intValues.insert(v).second)
      return;
    Operation *def = v.getDefiningOp();
    if (!def)
      return;
    auto it = matches.find(def);
    if (it == matches.end() || !it->second.shareWithInput)
      return;
    SmallVector<Value> args = getFxArgs(def);
    if (args.empty())
      return;
    v = args.front();
  }
}

bool ObserverInserter::isSupported(Operation *op, const Match &m,
                                   QConfigAttr q) {
  if (!m.config || !m.inputOutputObserved)
    return true;
  const TargetDTypes &in = dtypes[m.root];
  const TargetDTypes &out = dtypes[m.last];
  bool hasWeight = false, hasBias = false, hasAct = false;
  for (OpOperand &o : m.root->getOpOperands()) {
    if (!isNodeValue(o.get()))
      continue;
    Role r = getRole(m.root, o.getOperandNumber());
    hasWeight |= r == Role::Weight || r == Role::NonQuantizableWeight;
    hasBias |= r == Role::Bias;
    hasAct |= r == Role::Activation;
  }
  for (const cfg::DTypeConfig &dc : m.config->dtypeConfigs) {
    bool ok = true;
    if (hasAct && dc.input.dtype)
      ok = *dc.input.dtype == in.input &&
           dc.isDynamic.value_or(false) == in.inputDynamic &&
           satisfiesConstraints(q.getActivation(),
                                q.getActivationFakeQuantize(), dc.input);
    if (ok && hasWeight && dc.weight.dtype)
      ok = *dc.weight.dtype == in.weight &&
           satisfiesConstraints(q.getWeight(), q.getWeightFakeQuantize(),
                                dc.weight);
    if (ok && hasBias && dc.bias)
      ok = *dc.bias == in.bias;
    if (ok && dc.output.dtype)
      ok = out.valid && *dc.output.dtype == out.output &&
           satisfiesConstraints(q.getActivation(),
                                q.getActivationFakeQuantize(), dc.output);
    if (ok)
      return true;
  }
  op->emitRemark() << "not observed: backend '" << backend.getName()
                   << "' has no dtype config of pattern "
                   << m.config->pattern.str() << " for this qconfig";
  return false;
}

//===----------------------------------------------------------------------===//
// Insertion
//===----------------------------------------------------------------------===//

Value ObserverInserter::insertObserver(Value v, ObsCtor ctor) {
  OpBuilder::InsertionGuard guard(rewriter);
  if (auto arg = dyn_cast<BlockArgument>(v))
    rewriter.setInsertionPointToStart(arg.getOwner());
  else
    rewriter.setInsertionPointAfter(v.getDefiningOp());
  Location loc = NameLoc::get(rewriter.getStringAttr(
      "activation_post_process_" + std::to_string(nextIndex++)));
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
  if (m.standalone) {
    // Standalone modules: only the args their own input_quantized_idxs
    // name are observed; qfx's standalone configs have none.
    return arg;
  }
  bool reuseInput = q.getActivation() &&
                    q.getActivation().getKind() == ObserverKind::reuse_input &&
                    (!q.getWeight() ||
                     q.getWeight().getKind() == ObserverKind::noop);
  needsObs = (!argDynamic && argOut != argIn && argIn != DType::Float32 &&
              argOut.has_value() && !reuseInput) ||
             (argDynamic && isFirstArg);
  if (!needsObs || !ctor)
    return arg;
  // Reuse an observer of the same class and dtype already on `arg`.
  for (Operation *user : arg.getUsers()) {
    if (auto o = dyn_cast<ObserverOp>(user)) {
      if (!ctor.fakeQuant && o.getConfig().getKind() == ctor.observer.getKind() &&
          dtypeOf(o.getConfig()) == argIn)
        return o.getResult();
    } else if (auto f = dyn_cast<FakeQuantizeOp>(user)) {
      if (ctor.fakeQuant &&
          f.getConfig().getKind() == ctor.fakeQuant.getKind() &&
          dtypeOf(f.getObserver()) == argIn)
        return f.getResult();
    }
  }
  return insertObserver(arg, ctor);
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
Operation *ObserverInserter::traceToObserver(Value v, bool firstNodeArg) {
  for (int guard = 0; guard < 10000; ++guard) {
    Operation *def = v.getDefiningOp();
    if (isObserver(def))
      return def;
    if (!def || !getNode(def))
      return nullptr; // a placeholder or a constant
    SmallVector<Value> args = getFxArgs(def);
    if (args.empty())
      return nullptr;
    (void)firstNodeArg;
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
  Operation *owner = traceToObserver(inputs.front(), true);
  if (!owner)
    return false;
  auto group = owner->getAttrOfType<StringAttr>(kObserverGroupAttrName);
  if (!group) {
    auto name = dyn_cast<NameLoc>(owner->getLoc());
    group = name ? name.getName()
                 : rewriter.getStringAttr("activation_post_process");
  }
  auto join = [&](Operation *member) {
    rewriter.modifyOpInPlace(member, [&] {
      member->setAttr(kObserverGroupAttrName, group);
      if (member->getName() != owner->getName())
        return;
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
    Operation *member = traceToObserver(in, false);
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

  indexPatterns();
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
    if (!m.inputOutputObserved)
      continue;
    if (op == m.root)
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
