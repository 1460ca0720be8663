//===- QConfigAnnotation.cpp - Resolve QConfigs on qfx graphs -------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The mechanism behind --qfx-annotate-qconfig and --qfx-explain: fusion view,
// generate_qconfig_map, find_matches and the backend dtype check of 1.13's
// prepare_fx (see QConfigAnnotation.h).
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/QConfigAnnotation.h"
#include "qfx/Dialect/QFX/QFXDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;

static constexpr llvm::StringLiteral kReLUClass =
    "torch.nn.modules.activation.ReLU";

static NodeAttr getNode(Operation *op) {
  // Discardable by its dialect prefix: skip the inherent-attribute lookup.
  return dyn_cast_or_null<NodeAttr>(
      op->getDiscardableAttr(QFXDialect::getNodeAttrName()));
}

static std::string getNodeName(Operation *op) {
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    return loc.getName().str();
  return op->getName().getStringRef().str();
}

static llvm::StringRef parentName(llvm::StringRef path) {
  size_t dot = path.rfind('.');
  return dot == llvm::StringRef::npos ? llvm::StringRef() : path.take_front(dot);
}

static bool isBatchNormClass(llvm::StringRef cls) {
  return cls.starts_with("torch.nn.modules.batchnorm.BatchNorm");
}

/// The class a fused module has for this op: module calls their class,
/// functional ReLUs become `nn.ReLU` (as the fuser methods build them).
static std::string getChildModuleType(NodeAttr node) {
  llvm::StringRef target = node.getTarget().getValue();
  if (node.getKind() != NodeKind::call_module &&
      (target == "torch.nn.functional.relu" || target == "torch.relu" ||
       target == "relu"))
    return kReLUClass.str();
  return target.str();
}

const cfg::QConfigResolution OpQConfigInfo::kUnresolved;

namespace {
/// One run of the annotation over a function.
class Annotator {
public:
  Annotator(func::FuncOp func, const cfg::QConfigMapping &mapping,
            const cfg::BackendConfig &backend, bool qat,
            llvm::function_ref<bool(Operation *)> matchesAloneOnly)
      : func(func), mapping(mapping), backend(backend), qat(qat),
        matchesAloneOnly(matchesAloneOnly) {}

  FailureOr<QConfigAnnotation> run();

private:
  void collectOps();
  void collectModuleTypes();
  LogicalResult applyFusions();
  void resolve();
  void computeNoTensor();
  void buildMatches();
  LogicalResult decide();
  std::optional<std::string> checkSupported(const cfg::QConfig &q,
                                            const cfg::BackendPatternConfig &pc,
                                            Operation *inputOp);
  std::optional<std::string>
  checkSupportedFor(const cfg::QConfig &q, const cfg::BackendPatternConfig &pc,
                    bool hasAct, bool hasWeight, bool hasBias) const;
  cfg::NodeQuery getQuery(const OpQConfigInfo &info) const;

  func::FuncOp func;
  cfg::QConfigMapping mapping;
  const cfg::BackendConfig &backend;
  bool qat;
  llvm::function_ref<bool(Operation *)> matchesAloneOnly;
  QConfigAnnotation result;
  llvm::StringMap<std::string> moduleTypes;
  /// Fusion index per fused op, and the fused module class per fusion.
  llvm::DenseMap<Operation *, size_t> fusionOf;
  std::vector<std::string> fusedTypes;
  llvm::DenseSet<Operation *> noTensor;
  /// The first distinct qconfigs seen and their attributes: models use a
  /// handful, and building the attribute per op costs a uniquer lookup per
  /// kwarg. Bounded, so that a mapping with a qconfig per module stays
  /// linear.
  SmallVector<std::pair<cfg::QConfig, QConfigAttr>, 4> qconfigAttrs;
  /// The first distinct checkSupported answers (bounded like qconfigAttrs).
  struct SupportCheck {
    cfg::QConfig qconfig;
    const cfg::BackendPatternConfig *pattern;
    bool hasAct, hasWeight, hasBias;
    std::optional<std::string> reason;
  };
  std::vector<SupportCheck> supportChecks;
  static constexpr size_t kMaxSupportChecks = 32;

  /// The shared record of resolution `r`: the first distinct ones are
  /// looked up (a handful in practice), later ones get their own record, so
  /// that a mapping with a rule per module stays linear.
  const cfg::QConfigResolution *share(cfg::QConfigResolution r) {
    for (const auto &known :
         llvm::ArrayRef(result.resolutions).take_front(kMaxSharedResolutions))
      if (known->rule == r.rule && known->ruleKey == r.ruleKey &&
          known->qconfig == r.qconfig)
        return known.get();
    result.resolutions.push_back(
        std::make_unique<cfg::QConfigResolution>(std::move(r)));
    return result.resolutions.back().get();
  }
  static constexpr size_t kMaxSharedResolutions = 16;

  FailureOr<QConfigAttr> getCachedQConfigAttr(MLIRContext *ctx,
                                              const cfg::QConfig &q) {
    for (const auto &[known, attr] : qconfigAttrs)
      if (known == q)
        return attr;
    FailureOr<QConfigAttr> attr = getQConfigAttr(ctx, q);
    if (succeeded(attr) && qconfigAttrs.size() < 16)
      qconfigAttrs.emplace_back(q, *attr);
    return attr;
  }
};
} // namespace

void Annotator::collectOps() {
  size_t numOps = 0;
  func.walk([&](Operation *op) { numOps += getNode(op) ? 1 : 0; });
  result.ops.reserve(numOps);
  result.index.reserve(numOps);
  func.walk([&](Operation *op) {
    NodeAttr node = getNode(op);
    if (!node)
      return;
    OpQConfigInfo info;
    info.op = op;
    info.node = node;
    info.name = getNodeName(op);
    result.index[op] = result.ops.size();
    result.ops.push_back(std::move(info));
  });
}

void Annotator::collectModuleTypes() {
  if (auto module = func->getParentOfType<ModuleOp>())
    if (auto dict = module->getAttrOfType<DictionaryAttr>(kModuleTypesAttrName))
      for (NamedAttribute na : dict)
        if (auto cls = dyn_cast<StringAttr>(na.getValue()))
          moduleTypes[na.getName().getValue()] = cls.str();
  for (const OpQConfigInfo &info : result.ops)
    if (info.node.getKind() == NodeKind::call_module)
      moduleTypes.try_emplace(info.node.getModule().getValue(),
                              info.node.getTarget().str());
  for (OpQConfigInfo &info : result.ops) {
    llvm::StringRef path = info.node.getModule().getValue();
    // 1.13's tracer records no class for the root scope.
    if (!path.empty())
      info.scopeType = moduleTypes.lookup(path);
  }
}

LogicalResult Annotator::applyFusions() {
  result.fusions = findBackendPatternMatches(
      func, backend, BackendPatternSet::Fusion, nullptr, matchesAloneOnly);
  bool checkTypes = !mapping.getObjectTypes().empty();
  cfg::QConfigMapping original = mapping;
  // The object_type entry last set per fused class: a graph repeats a
  // handful of fusions many times, and setObjectType copies a QConfig.
  llvm::StringMap<cfg::QConfigOrNone> fusedEntries;
  for (auto [i, m] : llvm::enumerate(result.fusions)) {
    // Children of the fused module, in module order (input op first).
    // Eval-mode fuser methods fold BatchNorm into the conv/linear.
    SmallVector<Operation *> children;
    for (Operation *op : llvm::reverse(m.ops)) {
      fusionOf[op] = i;
      std::string cls = getChildModuleType(getNode(op));
      if (!qat && isBatchNormClass(cls))
        continue;
      children.push_back(op);
    }
    bool isFusedModule = children.size() > 1;
    std::string fusedType =
        isFusedModule && !m.config->fusedModule.empty()
            ? m.config->fusedModule
            : getChildModuleType(getNode(children.front()));
    fusedTypes.push_back(fusedType);
    if (!isFusedModule || !checkTypes)
      continue;
    // update_qconfig_for_fusion: equal object_type qconfigs or LookupError.
    auto lookup = [&](Operation *op) -> cfg::QConfigOrNone {
      const auto *e = original.findObjectType(getChildModuleType(getNode(op)));
      return e ? e->qconfig : std::nullopt;
    };
    cfg::QConfigOrNone first = lookup(children.front());
    for (Operation *op : llvm::drop_begin(children)) {
      if (lookup(op) == first)
        continue;
      InFlightDiagnostic diag = op->emitError()
          << "ops fused by pattern " << m.config->pattern.str()
          << " need equal object_type qconfigs: '"
          << getNodeName(children.front()) << "' ("
          << getChildModuleType(getNode(children.front())) << ") and '"
          << getNodeName(op) << "' (" << getChildModuleType(getNode(op))
          << ") differ (PyTorch 1.13 raises during fusion)";
      diag.attachNote(children.front()->getLoc()) << "fused with this op";
      return failure();
    }
    if (!first)
      continue;
    auto [entry, inserted] = fusedEntries.try_emplace(fusedType, first);
    if (!inserted && entry->second == first)
      continue;
    entry->second = first;
    mapping.setObjectType(fusedType, first);
  }
  return success();
}

cfg::NodeQuery Annotator::getQuery(const OpQConfigInfo &info) const {
  cfg::NodeQuery q;
  llvm::StringRef target = info.node.getTarget().getValue();
  llvm::StringRef path = info.node.getModule().getValue();
  q.modulePath = path.str();
  q.moduleType = info.scopeType;
  switch (info.node.getKind()) {
  case NodeKind::call_module:
    q.kind = cfg::NodeKind::CallModule;
    q.target = path.str();
    q.targetModuleType = target.str();
    q.moduleType = target.str();
    // A standalone module's embedding that prepare_qat_fx swapped to its
    // nnqat class is looked up by that class: 1.13's update_qconfig_for_qat
    // maps only the default QAT module mappings' object_type entries (conv,
    // linear, ...) to their nnqat classes, not nn.Embedding(Bag)'s.
    if (matchesAloneOnly && isa<EmbeddingOp, EmbeddingBagOp>(info.op) &&
        matchesAloneOnly(info.op))
      for (const cfg::BackendPatternConfig &c : backend.getConfigs())
        if (!c.pattern.isTuple() && c.pattern.op == target &&
            !c.qatModule.empty())
          q.targetModuleType = q.moduleType = c.qatModule;
    break;
  case NodeKind::call_function:
    q.kind = cfg::NodeKind::CallFunction;
    q.target = target.str();
    break;
  case NodeKind::call_method:
    q.kind = cfg::NodeKind::CallMethod;
    q.target = target.str();
    break;
  case NodeKind::get_attr:
    // 1.13 looks at the module owning the attribute (the root included).
    q.kind = cfg::NodeKind::GetAttr;
    q.target = target.str();
    q.targetModuleType = moduleTypes.lookup(parentName(target));
    break;
  default:
    q.kind = cfg::NodeKind::Other;
    break;
  }
  return q;
}

void Annotator::resolve() {
  cfg::QConfigResolver resolver(mapping);
  for (OpQConfigInfo &info : result.ops) {
    auto it = fusionOf.find(info.op);
    if (it == fusionOf.end()) {
      info.resolution = share(resolver.resolve(getQuery(info)));
      continue;
    }
    // The fused node replaces the match at its last op, named and placed
    // like the input op's module.
    const BackendPatternMatch &m = result.fusions[it->second];
    if (info.op != m.root)
      continue;
    cfg::NodeQuery q;
    q.kind = cfg::NodeKind::CallModule;
    q.target = getNode(m.getInputOp()).getModule().str();
    q.modulePath = q.target;
    q.targetModuleType = q.moduleType = fusedTypes[it->second];
    const cfg::QConfigResolution *res = share(resolver.resolve(q));
    for (Operation *op : m.ops) {
      OpQConfigInfo &member = result.ops[result.index[op]];
      member.resolution = res;
      member.fusedInto = m.getInputOp();
      member.fusedType = fusedTypes[it->second];
    }
  }
}

/// `all_node_args_have_no_tensors`, forward over the graph.
void Annotator::computeNoTensor() {
  for (const OpQConfigInfo &info : result.ops) {
    Operation *op = info.op;
    NodeKind kind = info.node.getKind();
    llvm::StringRef target = info.node.getTarget().getValue();
    if (kind == NodeKind::call_module || kind == NodeKind::get_attr)
      continue;
    if (kind == NodeKind::call_method && target == "size") {
      noTensor.insert(op);
      continue;
    }
    bool foundTensor = false;
    for (Value v : getFxArguments(op).first) {
      Operation *def = v.getDefiningOp();
      if (!def) {
        foundTensor = true; // placeholder
      } else if (isa<ConstantOp>(def) && !getNode(def)) {
        // A Python number: ints pass, anything else counts as a tensor.
        auto dense = dyn_cast<DenseElementsAttr>(cast<ConstantOp>(def).getValue());
        if (!dense || !dense.isSplat() ||
            (isa<FloatType>(dense.getElementType()) &&
             !dense.getSplatValue<llvm::APFloat>().isInteger()))
          foundTensor = true;
      } else if (!noTensor.contains(def)) {
        foundTensor = true;
      }
      if (foundTensor)
        break;
    }
    if (auto call = dyn_cast<CallOp>(op); call && !foundTensor)
      if (DictionaryAttr params = call.getParamsAttr())
        for (NamedAttribute na : params)
          if (llvm::all_of(na.getName().getValue(), [](char c) { return llvm::isDigit(c); }) &&
              !isa<IntegerAttr, ArrayAttr>(na.getValue()))
            foundTensor = true;
    if (!foundTensor)
      noTensor.insert(op);
  }
}

void Annotator::buildMatches() {
  for (auto [i, f] : llvm::enumerate(result.fusions)) {
    BackendPatternMatch m = f;
    if (const cfg::BackendPatternConfig *pc =
            backend.lookup(cfg::Pattern(fusedTypes[i])))
      m.config = pc;
    result.matches.push_back(std::move(m));
  }
  auto rest = findBackendPatternMatches(
      func, backend, BackendPatternSet::All,
      [&](Operation *op) { return fusionOf.contains(op); }, matchesAloneOnly);
  result.matches.append(rest.begin(), rest.end());
  for (auto [i, m] : llvm::enumerate(result.matches))
    for (Operation *op : m.ops)
      result.ops[result.index[op]].match = i;
}

std::optional<std::string>
Annotator::checkSupported(const cfg::QConfig &q,
                          const cfg::BackendPatternConfig &pc,
                          Operation *inputOp) {
  // Roles of the input op's FX arguments (node_arg_is_weight / _bias).
  bool hasAct = false, hasWeight = false, hasBias = false;
  bool isFunction = getNode(inputOp).getKind() == NodeKind::call_function;
  auto roleIndex = [&](llvm::StringRef role) -> int64_t {
    auto it = pc.inputTypeToIndex.find(role.str());
    return isFunction && it != pc.inputTypeToIndex.end() ? it->second : -1;
  };
  for (auto [i, v] : llvm::enumerate(getFxArguments(inputOp).first)) {
    Operation *def = v.getDefiningOp();
    if (def && isa<ConstantOp>(def) && !getNode(def))
      continue; // a Python number, not an FX node
    if (int64_t(i) == roleIndex("weight"))
      hasWeight = true;
    else if (int64_t(i) == roleIndex("bias"))
      hasBias = true;
    else
      hasAct = true;
  }
  // The answer depends on the qconfig, the pattern and these roles only;
  // a graph repeats a few combinations.
  for (const SupportCheck &known : supportChecks)
    if (known.pattern == &pc && known.hasAct == hasAct &&
        known.hasWeight == hasWeight && known.hasBias == hasBias &&
        known.qconfig == q)
      return known.reason;
  std::optional<std::string> reason =
      checkSupportedFor(q, pc, hasAct, hasWeight, hasBias);
  if (supportChecks.size() < kMaxSupportChecks)
    supportChecks.push_back({q, &pc, hasAct, hasWeight, hasBias, reason});
  return reason;
}

std::optional<std::string>
Annotator::checkSupportedFor(const cfg::QConfig &q,
                             const cfg::BackendPatternConfig &pc, bool hasAct,
                             bool hasWeight, bool hasBias) const {
  if (pc.dtypeConfigs.empty())
    return std::string("pattern ") + pc.pattern.str() +
           " has no dtype_configs";
  cfg::QConfigDTypes qd = cfg::getQConfigDTypes(q);
  bool observed = pc.inputOutputObserved.value_or(true);
  cfg::DType act = observed ? qd.activation : cfg::DType::Float32;
  bool inDynamic = observed && qd.compute.has_value();
  cfg::DType out = inDynamic ? cfg::DType::Float32 : act;
  cfg::DType bias = (qd.activation == cfg::DType::Float16 &&
                     qd.weight == cfg::DType::Float16 && !qd.compute)
                        ? cfg::DType::Float16
                        : cfg::DType::Float32;
  auto name = [](cfg::DType d) { return cfg::stringifyDType(d).str(); };
  std::string reasons;
  for (auto [i, dc] : llvm::enumerate(pc.dtypeConfigs)) {
    std::string r;
    if (hasAct && dc.input.dtype &&
        (*dc.input.dtype != act || dc.isDynamic.value_or(false) != inDynamic))
      r = "input dtype " + name(*dc.input.dtype) +
          (dc.isDynamic.value_or(false) ? " (dynamic)" : "") +
          " != qconfig input activation dtype " + name(act) +
          (inDynamic ? " (dynamic)" : "");
    else if (hasWeight && dc.weight.dtype && *dc.weight.dtype != qd.weight)
      r = "weight dtype " + name(*dc.weight.dtype) +
          " != qconfig weight dtype " + name(qd.weight);
    else if (hasBias && dc.bias && *dc.bias != bias)
      r = "bias dtype " + name(*dc.bias) + " != qconfig bias dtype " +
          name(bias);
    else if (dc.output.dtype && *dc.output.dtype != out)
      r = "output dtype " + name(*dc.output.dtype) +
          " != qconfig output activation dtype " + name(out);
    else {
      // Only the DTypeWithConstraints bounds remain: let the config
      // library check them on a DTypeConfig that agrees on dtypes.
      cfg::DTypeConfig adj;
      adj.input = hasAct && dc.input.dtype ? dc.input : cfg::DTypeWithConstraints();
      adj.output = dc.output.dtype ? dc.output : cfg::DTypeWithConstraints();
      adj.weight =
          hasWeight && dc.weight.dtype ? dc.weight : cfg::DTypeWithConstraints();
      adj.input.dtype = qd.activation;
      adj.output.dtype = qd.activation;
      adj.weight.dtype = qd.weight;
      adj.bias = (qd.activation == cfg::DType::Float16 &&
                  qd.weight == cfg::DType::Float16)
                     ? cfg::DType::Float16
                     : cfg::DType::Float32;
      adj.isDynamic = false;
      if (auto why = cfg::checkQConfigSupported(q, {adj})) {
        llvm::StringRef text(*why);
        text.consume_front("dtype_configs[0]: ");
        r = text.str();
      }
    }
    if (r.empty())
      return std::nullopt;
    reasons += (i ? "; " : "") + ("dtype_configs[" + llvm::Twine(i) + "]: " + r).str();
  }
  return reasons;
}

LogicalResult Annotator::decide() {
  MLIRContext *ctx = func.getContext();
  for (const BackendPatternMatch &m : result.matches) {
    // PyTorch visits each node of the match with its own qconfig; one that
    // passes marks the whole match as observed.
    const cfg::QConfig *chosen = nullptr;
    for (Operation *op : m.ops) {
      OpQConfigInfo &info = result.ops[result.index[op]];
      info.checkedPattern = m.config;
      const cfg::QConfigOrNone &q = info.resolution->qconfig;
      llvm::StringRef target = info.node.getTarget().getValue();
      if (!q)
        info.floatReason = "qconfig is None";
      else if (target == "operator.getitem")
        info.floatReason = "getitem is never observed";
      else if (noTensor.contains(op))
        info.floatReason = "its arguments hold no tensors";
      else if ((info.unsupportedReason =
                    checkSupported(*q, *m.config, m.getInputOp())))
        info.floatReason = "backend '" + backend.getName().str() +
                           "' does not support the qconfig: " +
                           *info.unsupportedReason;
      else if (!chosen)
        chosen = &*q;
    }
    if (!chosen)
      continue;
    for (Operation *op : m.ops) {
      OpQConfigInfo &info = result.ops[result.index[op]];
      const cfg::QConfig &q =
          info.floatReason.empty() ? *info.resolution->qconfig : *chosen;
      FailureOr<QConfigAttr> attr = getCachedQConfigAttr(ctx, q);
      if (failed(attr))
        return op->emitError("qconfig of '")
               << info.name
               << "' uses RecordingObserver, which #qfx.qconfig cannot "
                  "represent";
      info.qconfig = *attr;
      info.floatReason.clear();
    }
  }
  for (OpQConfigInfo &info : result.ops)
    if (!info.match)
      info.floatReason = "no pattern of backend '" +
                         backend.getName().str() + "' matches it";
  return success();
}

FailureOr<QConfigAnnotation> Annotator::run() {
  collectOps();
  collectModuleTypes();
  if (failed(applyFusions()))
    return failure();
  resolve();
  computeNoTensor();
  buildMatches();
  if (failed(decide()))
    return failure();
  return std::move(result);
}

FailureOr<QConfigAnnotation> qfx::computeQConfigAnnotation(
    func::FuncOp func, const cfg::QConfigMapping &mapping,
    const cfg::BackendConfig &backend, bool qat,
    llvm::function_ref<bool(Operation *)> matchesAloneOnly) {
  return Annotator(func, mapping, backend, qat, matchesAloneOnly).run();
}

FailureOr<QConfigAnnotation>
qfx::annotateQConfigs(func::FuncOp func, const cfg::QConfigMapping &mapping,
                      const cfg::BackendConfig &backend, bool qat,
                      llvm::function_ref<bool(Operation *)> matchesAloneOnly) {
  FailureOr<QConfigAnnotation> result =
      computeQConfigAnnotation(func, mapping, backend, qat, matchesAloneOnly);
  if (failed(result))
    return failure();
  // The name uniqued once, and an op's attribute dictionary rebuilt only
  // when its qconfig changes: each new dictionary is a uniquer lookup that
  // misses the caches once the module is large.
  StringAttr name =
      StringAttr::get(func.getContext(), QFXDialect::getQConfigAttrName());
  for (const OpQConfigInfo &info : result->ops)
    if (info.qconfig && info.op->getDiscardableAttr(name) != info.qconfig)
      info.op->setDiscardableAttr(name, info.qconfig);
  func.walk([&](Operation *op) {
    if (!op->getDiscardableAttr(name))
      return;
    const OpQConfigInfo *info = result->lookup(op);
    if (!info || !info->qconfig)
      op->removeDiscardableAttr(name);
  });
  return result;
}
