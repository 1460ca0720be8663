//===- FuseBuilder.cpp - what a fuser method builds -----------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13's DefaultFuseHandler.fuse and the fuser methods of
// torch/ao/quantization/fuser_method_mappings.py on qfx IR. The fused
// module replaces the root node (it keeps the root's FX node name and
// module path) at the position of the match's last node. A `qfx.fused` op
// stands for an nn.Sequential-like fused module (ConvReLU2d, ConvBn2d, ...);
// its body holds one op per submodule with provenance `<root>.<index>` and
// the submodule's parameters renamed as in the fused module's state_dict
// (`conv1.0.weight`). Eval-mode conv/linear + batch norm without ReLU is a
// plain conv/linear with folded weights, under the root's own names.
//
//===----------------------------------------------------------------------===//

#include "FoldBatchNorm.h"
#include "FuseImpl.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace qfx;

static const std::string kFuserPrefix =
    "torch.ao.quantization.fuser_method_mappings.";
static const std::string kFused = "torch.ao.nn.intrinsic.modules.fused.";
static const std::string kReLU = "torch.nn.modules.activation.ReLU";

namespace {
/// How the matched ops become the fused module.
struct FusePlan {
  /// The fused module class; empty for a plain folded conv/linear.
  std::string fusedClass;
  /// The ops kept as submodules, root first (a folded batch norm is not).
  SmallVector<Operation *, 3> members;
  /// The batch norm folded into the root, if any.
  BatchNormOp foldedBn;
  BatchNormFoldKind foldKind = BatchNormFoldKind::Conv;
};
} // namespace

/// The fuser method named by the config's `fuser_method`.
static std::optional<std::pair<FuserKind, std::string>>
parseFuserMethod(StringRef text) {
  StringRef rest = text;
  if (rest.consume_front(kFuserPrefix + "reverse_sequential_wrapper2(") &&
      rest.consume_back(")"))
    return std::make_pair(FuserKind::Sequential, rest.str());
  auto wrapped = [&](StringRef reverse, StringRef fn) {
    return (kFuserPrefix + reverse + "(" + kFuserPrefix + fn + ")").str();
  };
  for (auto [reverse, fn, kind] :
       {std::make_tuple("reverse2", "fuse_conv_bn", FuserKind::ConvBn),
        std::make_tuple("reverse3", "fuse_conv_bn_relu", FuserKind::ConvBnReLU),
        std::make_tuple("reverse2", "fuse_linear_bn", FuserKind::LinearBn),
        std::make_tuple("reverse2", "fuse_convtranspose_bn",
                        FuserKind::ConvTransposeBn)})
    if (text == wrapped(reverse, fn))
      return std::make_pair(kind, std::string());
  return std::nullopt;
}

/// The module type get_modules sees: F.relu becomes an nn.ReLU.
static std::string moduleType(Operation *op) {
  NodeAttr node = getNode(op);
  if (node.getKind() == NodeKind::call_function &&
      node.getTarget().getValue() == "torch.nn.functional.relu")
    return kReLU;
  return node.getTarget().str();
}

/// "1d"/"2d"/"3d" for nn.Conv1d/2d/3d.
static std::optional<std::string> convRank(StringRef type) {
  if (!type.consume_front("torch.nn.modules.conv.Conv") ||
      !llvm::is_contained({"1d", "2d", "3d"}, type))
    return std::nullopt;
  return type.str();
}

static LogicalResult fail(Operation *op, FuseState &state, const Twine &msg) {
  op->emitError() << "--qfx-fuse: " << msg;
  state.failed = true;
  return failure();
}

/// get_fuser_method_new for the matched ops: looked up by their module
/// types, which follow from their (kind, target) sequence, so the lookup
/// (pattern building, strings) is done once per distinct sequence. The
/// sequences are those of the BackendConfig's fusion patterns: few.
static const FuserLookup &lookupFuser(ArrayRef<Operation *> ops,
                                      FuseState &state) {
  SmallVector<std::pair<NodeKind, StringAttr>, 3> key;
  for (Operation *op : ops) {
    NodeAttr node = getNode(op);
    key.push_back({node.getKind(), node.getTarget()});
  }
  for (const FuserLookup &known : state.fuserLookups)
    if (known.key == key)
      return known;
  FuserLookup lookup;
  lookup.key = std::move(key);
  config::Pattern types(moduleType(ops.front()));
  for (Operation *op : ops.drop_front())
    types = config::Pattern{config::Pattern(moduleType(op)), types};
  lookup.types = types.str();
  lookup.config = state.table.config.lookup(types);
  if (lookup.config && !lookup.config->fuserMethod.empty())
    lookup.fuser = parseFuserMethod(lookup.config->fuserMethod);
  state.fuserLookups.push_back(std::move(lookup));
  return state.fuserLookups.back();
}

/// The fuser method's result for the matched ops, with PyTorch's checks.
static FailureOr<FusePlan> planFusion(ArrayRef<Operation *> ops,
                                      FuseState &state) {
  Operation *root = ops.front();
  const FuserLookup &lookup = lookupFuser(ops, state);
  const config::BackendPatternConfig *c = lookup.config;
  const std::string &types = lookup.types;
  if (!c || c->fuserMethod.empty())
    return fail(ops.back(), state,
                "did not find fuser method for: " + types);
  const auto &fuser = lookup.fuser;
  if (!fuser)
    return fail(ops.back(), state,
                "unsupported fuser method '" + c->fuserMethod + "'");

  FusePlan plan;
  plan.members.assign(ops.begin(), ops.end());
  if (fuser->first == FuserKind::Sequential) {
    plan.fusedClass = fuser->second;
    return plan;
  }
  // The fuse_*_bn methods: ops are (conv, bn[, relu]).
  auto bn = dyn_cast<BatchNormOp>(ops.size() > 1 ? ops[1] : nullptr);
  if (!bn || !isa<ConvOp, ConvTransposeOp, LinearOp>(root))
    return failure();
  std::string rootType = moduleType(root);
  std::optional<std::string> rank = convRank(rootType);
  bool relu = fuser->first == FuserKind::ConvBnReLU;
  if (state.isQat) {
    if (fuser->first == FuserKind::ConvTransposeBn)
      return fail(root, state,
                  "Fusing ConvTranspose+BatchNorm not yet supported in QAT.");
    if (!bn.getRunningMean() || !bn.getRunningVar())
      return fail(bn, state, "Only support fusing BatchNorm with "
                             "tracking_running_stats set to True");
    if (!bn.getWeight())
      return fail(bn, state,
                  "Only support fusing BatchNorm with affine set to True");
    if (fuser->first == FuserKind::LinearBn) {
      plan.fusedClass = kFused + "LinearBn1d";
      return plan;
    }
    if (!rank)
      return fail(root, state, "Cannot fuse train modules: " + types);
    plan.fusedClass = kFused + (relu ? "ConvBnReLU" : "ConvBn") + *rank;
    return plan;
  }
  if (bn.getTraining())
    return fail(bn, state, "Fusion only for eval!");
  if (relu) {
    if (!rank)
      return fail(root, state, "Cannot fuse eval modules: " + types);
    plan.fusedClass = kFused + "ConvReLU" + *rank;
  }
  plan.foldedBn = bn;
  plan.foldKind = fuser->first == FuserKind::LinearBn ? BatchNormFoldKind::Linear
                  : fuser->first == FuserKind::ConvTransposeBn
                      ? BatchNormFoldKind::ConvTranspose
                      : BatchNormFoldKind::Conv;
  plan.members.erase(plan.members.begin() + 1);
  return plan;
}

/// The parameter read by `v`, or null.
static ParameterOp parameterOf(Value v, FuseState &state) {
  auto get = v ? v.getDefiningOp<GetAttrOp>() : GetAttrOp();
  return get ? state.parameters.lookup(get.getName()) : ParameterOp();
}

static FailureOr<SmallVector<float>> readValue(Value v, FuseState &state) {
  ParameterOp p = parameterOf(v, state);
  if (!p)
    return failure();
  return FuseParameters::readF32(p);
}

namespace {
/// The folded weight and bias of the root.
struct Folded {
  SmallVector<float> weight, bias;
  RankedTensorType biasType;
};
} // namespace

/// fuse_conv_bn_weights / fuse_linear_bn_weights on the root's parameters.
static FailureOr<Folded> foldInto(Operation *root, const FusePlan &plan,
                                  FuseState &state) {
  BatchNormOp bn = plan.foldedBn;
  Value weight = root->getOperand(1);
  Value bias = root->getNumOperands() > 2 ? root->getOperand(2) : Value();
  auto w = readValue(weight, state);
  auto mean = readValue(bn.getRunningMean(), state);
  auto var = readValue(bn.getRunningVar(), state);
  if (failed(w) || failed(mean) || failed(var))
    return failure();
  BatchNormParams params;
  params.runningMean = *mean;
  params.runningVar = *var;
  params.eps = bn.getEps().convertToDouble();
  FailureOr<SmallVector<float>> b, gamma, beta;
  auto optional = [&](Value v, FailureOr<SmallVector<float>> &out,
                      std::optional<ArrayRef<float>> &slot) {
    if (!v)
      return true;
    out = readValue(v, state);
    if (failed(out) || out->size() != mean->size())
      return false;
    slot = *out;
    return true;
  };
  std::optional<ArrayRef<float>> biasData;
  if (!optional(bias, b, biasData) ||
      !optional(bn.getWeight(), gamma, params.weight) ||
      !optional(bn.getBias(), beta, params.bias) || var->size() != mean->size())
    return failure();
  auto wType = cast<RankedTensorType>(weight.getType());
  int64_t channels = plan.foldKind == BatchNormFoldKind::ConvTranspose
                         ? wType.getDimSize(1)
                         : wType.getDimSize(0);
  if (auto ct = dyn_cast<ConvTransposeOp>(root); ct && ct.getGroups() != 1)
    return failure();
  if (channels != static_cast<int64_t>(mean->size()))
    return failure();
  Folded f;
  foldBatchNorm(plan.foldKind, wType.getShape(), *w, biasData, params, f.weight,
                f.bias);
  f.biasType = cast<RankedTensorType>(bn.getRunningMean().getType());
  return f;
}

/// The name `name` (owned by module `from`) takes under module `to`.
static std::string rename(StringRef name, StringRef from, StringRef to) {
  if (!from.empty() && !(name.starts_with(from) && name.drop_front(from.size()).starts_with(".")))
    return name.str();
  StringRef attr = name.drop_front(from.empty() ? 0 : from.size() + 1);
  return to.empty() ? attr.str() : (to + "." + attr).str();
}

/// Whether every parameter name the members take (as emitMember names them)
/// is free: distinct within the match and not a parameter something else
/// still reads. A name clash (possible in hand-written IR: `conv.0.weight`
/// next to a module `conv`) leaves the match unfused.
static bool namesAreFree(ArrayRef<Operation *> members, StringRef path,
                         bool sequential, bool folded, FuseState &state) {
  FuseParameters &params = state.parameters;
  llvm::StringSet<> taken;
  auto take = [&](const std::string &name) {
    if (!taken.insert(name).second)
      return false;
    ParameterOp existing = params.lookup(name);
    return !existing || params.uses(existing.getSymNameAttr()) == 0;
  };
  for (auto [index, op] : llvm::enumerate(members)) {
    std::string sub =
        sequential ? (path + "." + Twine(index)).str() : path.str();
    StringRef from = getNode(op).getModule().getValue();
    for (Value v : op->getOperands().drop_front())
      if (!take(rename(parameterOf(v, state).getSymName(), from, sub)))
        return false;
    if (folded && index == 0 && op->getNumOperands() == 2 &&
        !take(rename((from + ".bias").str(), from, sub)))
      return false;
  }
  return true;
}

/// Moves member `op` to the insertion point, reading `input` and its own
/// parameters moved from its module path to `path` (`folded` replaces
/// weight and bias). Moving rather than cloning and erasing keeps the
/// allocator's churn (and so the cost per op of large graphs) down.
static Value emitMember(RewriterBase &rewriter, Operation *op, Value input,
                        StringRef path, NodeAttr node, const Folded *folded,
                        FuseState &state) {
  FuseParameters &params = state.parameters;
  StringRef from = getNode(op).getModule().getValue();
  auto readParam = [&](StringRef name, ParameterKind kind, TypedAttr value,
                       Operation *anchor, Location loc) -> Value {
    ParameterOp p = params.define(rewriter, anchor, name, kind, value);
    ++params.uses(p.getSymNameAttr());
    return GetAttrOp::create(rewriter, loc, p.getType(),
                             FlatSymbolRefAttr::get(p.getSymNameAttr()));
  };
  SmallVector<Value> operands{input};
  ParameterOp weightParam;
  for (unsigned i = 1, e = op->getNumOperands(); i < e; ++i) {
    Value v = op->getOperand(i);
    ParameterOp old = parameterOf(v, state);
    std::string name = rename(old.getSymName(), from, path);
    TypedAttr value = old.getValue();
    if (folded)
      value = FuseParameters::makeF32Value(
          old.getType(), name, i == 1 ? ArrayRef(folded->weight) : folded->bias);
    Value read = readParam(name, old.getKind(), value, old, op->getLoc());
    if (i == 1)
      weightParam = params.lookup(name);
    operands.push_back(read);
  }
  // Parameters and buffers of the module that the op does not read
  // (num_batches_tracked) move with it.
  if (getNode(op).getKind() == NodeKind::call_module)
    for (StringAttr name : params.ownedBy(from)) {
      ParameterOp old = params.lookup(name.getValue());
      std::string to = rename(name.getValue(), from, path);
      if (old && !params.lookup(to) && !folded)
        params.define(rewriter, old, to, old.getKind(), old.getValue());
    }
  Value bias;
  if (folded && op->getNumOperands() == 2) {
    std::string name = rename((from + ".bias").str(), from, path);
    bias = readParam(name, ParameterKind::parameter,
                     FuseParameters::makeF32Value(folded->biasType, name,
                                                  folded->bias),
                     weightParam->getNextNode(), op->getLoc());
  }
  rewriter.moveOpBefore(op, rewriter.getInsertionBlock(),
                        rewriter.getInsertionPoint());
  rewriter.modifyOpInPlace(op, [&] {
    op->setOperands(operands);
    if (bias)
      op->insertOperands(op->getNumOperands(), bias);
    op->setDiscardableAttr(state.nodeAttrName, node);
  });
  return op->getResult(0);
}

LogicalResult qfx::fuseMatchedOps(RewriterBase &rewriter,
                                  ArrayRef<Operation *> ops, FuseState &state) {
  Operation *root = ops.front(), *last = ops.back();
  NodeAttr rootNode = getNode(root);
  // DefaultFuseHandler: "Expecting module node to be a call_module Node".
  if (rootNode.getKind() != NodeKind::call_module)
    return failure();
  for (Operation *op : ops)
    for (Value v : op->getOperands().drop_front())
      if (!parameterOf(v, state))
        return failure();
  FailureOr<FusePlan> plan = planFusion(ops, state);
  if (failed(plan))
    return failure();
  std::optional<Folded> folded;
  if (plan->foldedBn) {
    FailureOr<Folded> f = foldInto(root, *plan, state);
    if (failed(f))
      return failure();
    folded = std::move(*f);
  }

  // The reads of the matched ops go away; their modules' parameters are
  // retired unless the fused module takes them over.
  FuseParameters &params = state.parameters;
  SmallVector<Operation *> reads;
  for (Operation *op : ops) {
    for (Value v : op->getOperands().drop_front())
      if (v.hasOneUse())
        reads.push_back(v.getDefiningOp());
    if (getNode(op).getKind() == NodeKind::call_module)
      for (StringAttr name : params.ownedBy(getNode(op).getModule()))
        params.retire(name);
  }
  auto countReads = [&](int delta) {
    for (Operation *read : reads)
      params.uses(cast<GetAttrOp>(read).getNameAttr().getAttr()) += delta;
  };
  countReads(-1);
  // The names the fused module's parameters take must be free (a plain
  // folded conv/linear keeps the root's names: nothing else may read them).
  if (!namesAreFree(plan->members, rootNode.getModule().getValue(),
                    !plan->fusedClass.empty(), folded.has_value(), state)) {
    countReads(+1);
    return failure();
  }

  MLIRContext *ctx = rewriter.getContext();
  StringAttr path = rootNode.getModule();
  rewriter.setInsertionPoint(last);
  Value input = root->getOperand(0);
  if (plan->fusedClass.empty()) {
    Value result = emitMember(rewriter, root, input, path, rootNode,
                              folded ? &*folded : nullptr, state);
    rewriter.replaceAllUsesWith(last->getResult(0), result);
  } else {
    Type resultType = last->getResult(0).getType();
    // Created with its provenance: one attribute dictionary, not two.
    NamedAttribute fusedNode(
        state.nodeAttrName,
        NodeAttr::get(ctx, NodeKind::call_module,
                      state.getClassAttr(ctx, plan->fusedClass), path));
    auto fused = FusedOp::create(rewriter, root->getLoc(), TypeRange{resultType},
                                 ValueRange{input}, fusedNode);
    // Before the members move into the body, where `last` feeds the yield.
    rewriter.replaceAllUsesWith(last->getResult(0), fused->getResult(0));
    rewriter.createBlock(&fused.getBody(), {}, {input.getType()},
                         {root->getLoc()});
    Value v = fused.getBody().getArgument(0);
    for (auto [index, op] : llvm::enumerate(plan->members)) {
      std::string sub = (path.getValue() + "." + Twine(index)).str();
      NodeAttr opNode = getNode(op);
      StringAttr cls = opNode.getKind() == NodeKind::call_module
                           ? opNode.getTarget()
                           : state.getClassAttr(ctx, moduleType(op));
      NodeAttr node = NodeAttr::get(ctx, NodeKind::call_module, cls,
                                    StringAttr::get(ctx, sub));
      v = emitMember(rewriter, op, v, sub, node,
                     op == root && folded ? &*folded : nullptr, state);
    }
    YieldOp::create(rewriter, last->getLoc(), ValueRange{v});
  }
  // The members moved; what is left is a folded batch norm.
  state.fused.insert(plan->members.begin(), plan->members.end());
  for (Operation *op : llvm::reverse(ops))
    if (!llvm::is_contained(plan->members, op))
      rewriter.eraseOp(op);
  for (Operation *read : reads)
    rewriter.eraseOp(read);
  return success();
}
