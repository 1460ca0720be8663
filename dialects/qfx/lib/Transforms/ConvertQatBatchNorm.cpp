//===- ConvertQatBatchNorm.cpp - nniqat ConvBn/LinearBn to_float() --------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// convert_fx turns a QAT ConvBn{1,2,3}d / ConvBnReLU{1,2,3}d / LinearBn1d
// into its float module first (`to_float()`: fuse_conv_bn_weights /
// fuse_linear_bn_weights on the running statistics), then observes the
// folded weight once more with the module's weight_fake_quant and builds
// the reference module from it. This is the first half: the body
// scaleQatBatchNormWeights wrote becomes the folded float module, its
// weight fake-quantize reading the folded weight; Convert.cpp then converts
// it like any QAT Conv / ConvReLU / Linear.
//
//===----------------------------------------------------------------------===//

#include "FoldBatchNorm.h"
#include "FuseParameters.h"
#include "QatBatchNorm.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace qfx;

namespace {
/// One body in the form scaleQatBatchNormWeights writes.
struct ScaledBody {
  FusedOp fused;
  Operation *root; // conv or linear
  FakeQuantizeOp weightFakeQuant;
  GetAttrOp weight;
  GetAttrOp bias; // may be null
  BatchNormOp bn;
  /// Everything between the weight and the batch norm that only serves the
  /// scaling (erased after folding).
  SmallVector<Operation *> scaling;
};
} // namespace

static Value throughReshape(Value v) {
  if (auto r = v.getDefiningOp<ReshapeOp>())
    return r.getInput();
  return {};
}

/// Matches fake_quantize(mul(get_attr w, reshape(div(gamma, sqrt(add(var,
/// eps)))))) -> root(x, fq, zero) -> div(root, reshape(scale))
/// [-> add(., reshape(bias))] -> batch_norm.
static std::optional<ScaledBody> matchScaled(FusedOp fused) {
  for (Operation &op : fused.getBody().front()) {
    auto fq = dyn_cast<FakeQuantizeOp>(op);
    if (!fq)
      continue;
    auto mul = fq.getInput().getDefiningOp<MulOp>();
    if (!mul)
      continue;
    auto weight = mul.getLhs().getDefiningOp<GetAttrOp>();
    Value scale = throughReshape(mul.getRhs());
    auto div = scale ? scale.getDefiningOp<DivOp>() : DivOp();
    auto sqrt = div ? div.getRhs().getDefiningOp<SqrtOp>() : SqrtOp();
    auto varEps = sqrt ? sqrt.getInput().getDefiningOp<AddOp>() : AddOp();
    if (!weight || !varEps || !fq->hasOneUse())
      continue;
    Operation *root = *fq->getUsers().begin();
    if (!isa<ConvOp, LinearOp>(root) || root->getNumOperands() != 3 ||
        root->getOperand(1) != fq.getResult() || !root->hasOneUse())
      return std::nullopt;
    ScaledBody m{fused, root, fq, weight, {}, {}, {}};
    m.scaling = {mul, mul.getRhs().getDefiningOp(), div, sqrt, varEps};
    Operation *next = *root->getUsers().begin();
    auto unscale = dyn_cast<DivOp>(next);
    if (!unscale || throughReshape(unscale.getRhs()) != scale ||
        !unscale->hasOneUse())
      return std::nullopt;
    m.scaling.append({unscale, unscale.getRhs().getDefiningOp()});
    next = *unscale->getUsers().begin();
    if (auto addBias = dyn_cast<AddOp>(next)) {
      Value b = throughReshape(addBias.getRhs());
      m.bias = b ? b.getDefiningOp<GetAttrOp>() : GetAttrOp();
      if (!m.bias || !addBias->hasOneUse())
        return std::nullopt;
      m.scaling.append({addBias, addBias.getRhs().getDefiningOp()});
      next = *addBias->getUsers().begin();
    }
    m.bn = dyn_cast<BatchNormOp>(next);
    if (!m.bn || !m.bn.getRunningMean() || !m.bn.getRunningVar())
      return std::nullopt;
    return m;
  }
  return std::nullopt;
}

static FailureOr<SmallVector<float>> readParameter(Value v,
                                                   FuseParameters &params) {
  auto get = v ? v.getDefiningOp<GetAttrOp>() : GetAttrOp();
  ParameterOp p = get ? params.lookup(get.getName()) : ParameterOp();
  if (!p)
    return failure();
  return FuseParameters::readF32(p);
}

/// "torch.ao.nn.intrinsic.modules.fused.ConvBnReLU2d" -> the class and
/// member layout to_float() returns.
static StringRef floatModuleClass(StringRef fusedClass, bool &sequential) {
  sequential = false;
  if (fusedClass.contains("ConvBnReLU")) {
    sequential = true;
    if (fusedClass.ends_with("1d"))
      return "torch.ao.nn.intrinsic.modules.fused.ConvReLU1d";
    if (fusedClass.ends_with("3d"))
      return "torch.ao.nn.intrinsic.modules.fused.ConvReLU3d";
    return "torch.ao.nn.intrinsic.modules.fused.ConvReLU2d";
  }
  return {};
}

static LogicalResult fold(ScaledBody &m, FuseParameters &params,
                          IRRewriter &rewriter) {
  BatchNormOp bn = m.bn;
  auto w = readParameter(m.weight, params);
  auto mean = readParameter(bn.getRunningMean(), params);
  auto var = readParameter(bn.getRunningVar(), params);
  auto gamma = readParameter(bn.getWeight(), params);
  FailureOr<SmallVector<float>> beta, bias;
  if (bn.getBias())
    beta = readParameter(bn.getBias(), params);
  if (m.bias)
    bias = readParameter(m.bias, params);
  if (failed(w) || failed(mean) || failed(var) || failed(gamma) ||
      (bn.getBias() && failed(beta)) || (m.bias && failed(bias)))
    return m.fused.emitError()
           << "cannot fold the batch norm of this QAT module: its weight, "
              "bias and statistics must be float32 qfx.parameters";
  size_t channels = mean->size();
  if (var->size() != channels || gamma->size() != channels ||
      (bn.getBias() && beta->size() != channels) ||
      (m.bias && bias->size() != channels))
    return m.fused.emitError() << "batch norm statistics do not match the "
                                  "QAT module's output channels";

  BatchNormParams bnParams;
  bnParams.runningMean = *mean;
  bnParams.runningVar = *var;
  bnParams.weight = ArrayRef<float>(*gamma);
  if (bn.getBias())
    bnParams.bias = ArrayRef<float>(*beta);
  bnParams.eps = bn.getEps().convertToDouble();
  auto wType = cast<RankedTensorType>(m.weight.getType());
  SmallVector<float> foldedWeight, foldedBias;
  std::optional<ArrayRef<float>> biasData;
  if (m.bias)
    biasData = ArrayRef<float>(*bias);
  foldBatchNorm(isa<LinearOp>(m.root) ? BatchNormFoldKind::Linear
                                      : BatchNormFoldKind::Conv,
                wType.getShape(), *w, biasData, bnParams, foldedWeight,
                foldedBias);

  // Names as in PyTorch's converted model: to_float() puts the conv / linear
  // at the module itself, or at `<module>.0` inside a ConvReLU.
  NodeAttr fusedNode =
      m.fused->getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
  if (!fusedNode)
    return m.fused.emitError() << "QAT module without qfx.node";
  bool sequential = false;
  StringRef floatClass =
      floatModuleClass(fusedNode.getTarget().getValue(), sequential);
  std::string path = fusedNode.getModule().getValue().str();
  std::string rootPath = sequential ? path + ".0" : path;
  ModuleOp module = m.fused->getParentOfType<ModuleOp>();
  Operation *anchor = &module.getBody()->front();
  auto biasType = RankedTensorType::get({static_cast<int64_t>(channels)},
                                        wType.getElementType());
  // The QAT module's own reads go away below: a folded parameter may take
  // the name of the one it replaces (`<m>.0.weight` in a ConvReLU).
  --params.uses(m.weight.getNameAttr().getAttr());
  if (m.bias)
    --params.uses(m.bias.getNameAttr().getAttr());
  ParameterOp newWeight = params.define(
      rewriter, anchor, rootPath + ".weight", ParameterKind::parameter,
      FuseParameters::makeF32Value(wType, rootPath + ".weight", foldedWeight));
  ParameterOp newBias = params.define(
      rewriter, anchor, rootPath + ".bias", ParameterKind::parameter,
      FuseParameters::makeF32Value(biasType, rootPath + ".bias", foldedBias));
  if (!newWeight || !newBias)
    return m.fused.emitError()
           << "cannot name the folded parameters '" << rootPath
           << ".weight' / '.bias': the names are taken";

  // Rewire: fake_quantize(folded weight) -> root(x, fq, folded bias) -> the
  // batch norm's users.
  rewriter.setInsertionPoint(m.weightFakeQuant);
  auto getWeight = GetAttrOp::create(rewriter, m.weight.getLoc(), wType,
                                     newWeight.getSymName());
  m.weightFakeQuant.getInputMutable().assign(getWeight);
  rewriter.setInsertionPoint(m.root);
  auto getBias = GetAttrOp::create(rewriter, m.weight.getLoc(), biasType,
                                   newBias.getSymName());
  Operation *zero = m.root->getOperand(2).getDefiningOp();
  m.root->setOperand(2, getBias);
  rewriter.replaceAllUsesWith(bn.getResult(), m.root->getResult(0));
  // Erase what only served the batch norm and the scaling, users first.
  llvm::SetVector<Operation *> candidates;
  candidates.insert(bn);
  candidates.insert(m.scaling.begin(), m.scaling.end());
  candidates.insert(zero);
  SmallVector<Value> inputs = {bn.getWeight(), bn.getBias(),
                               bn.getRunningMean(), bn.getRunningVar(),
                               m.scaling[4]->getOperand(1)};
  candidates.insert(m.weight);
  if (m.bias)
    candidates.insert(m.bias);
  for (Value v : inputs)
    if (Operation *def = v ? v.getDefiningOp() : nullptr)
      candidates.insert(def);
  for (Operation *op : candidates)
    if (auto get = dyn_cast<GetAttrOp>(op))
      params.retire(get.getNameAttr().getAttr());
  // The batch norm's counter has no reader in the graph.
  if (auto get = bn.getRunningMean().getDefiningOp<GetAttrOp>()) {
    StringRef prefix = get.getName();
    if (prefix.consume_back("running_mean"))
      if (ParameterOp counter =
              params.lookup((prefix + "num_batches_tracked").str()))
        params.retire(counter.getSymNameAttr());
  }
  SmallVector<Operation *> pending(candidates.begin(), candidates.end());
  for (bool progress = true; progress;) {
    progress = false;
    for (Operation *&op : pending)
      if (op && op->use_empty()) {
        rewriter.eraseOp(op);
        op = nullptr;
        progress = true;
      }
  }

  // The module to_float() returns.
  MLIRContext *ctx = rewriter.getContext();
  // The float class (the ops of an exported PyTorch QAT module carry the
  // QAT class).
  std::string rootClass = isa<LinearOp>(m.root)
                              ? std::string("torch.nn.modules.linear.Linear")
                              : "torch.nn.modules.conv.Conv" +
                                    std::to_string(wType.getRank() - 2) + "d";
  m.root->setAttr(QFXDialect::getNodeAttrName(),
                  NodeAttr::get(ctx, NodeKind::call_module,
                                StringAttr::get(ctx, rootClass),
                                StringAttr::get(ctx, rootPath)));
  if (sequential) {
    m.fused->setAttr(QFXDialect::getNodeAttrName(),
                     NodeAttr::get(ctx, NodeKind::call_module,
                                   StringAttr::get(ctx, floatClass),
                                   fusedNode.getModule()));
    // The ReLU moves from member 2 to member 1.
    for (Operation &op : m.fused.getBody().front())
      if (auto node = op.getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
          node && &op != m.root && node.getModule().getValue() == path + ".2")
        op.setAttr(QFXDialect::getNodeAttrName(),
                   NodeAttr::get(ctx, node.getKind(), node.getTarget(),
                                 StringAttr::get(ctx, path + ".1")));
    return success();
  }
  // A plain Conv / Linear: the fused op goes away.
  Block &body = m.fused.getBody().front();
  for (auto [arg, input] : llvm::zip(body.getArguments(), m.fused.getInputs()))
    rewriter.replaceAllUsesWith(arg, input);
  auto yield = cast<YieldOp>(body.getTerminator());
  Value result = yield.getOperand(0);
  for (Operation &op : llvm::make_early_inc_range(body.without_terminator()))
    op.moveBefore(m.fused);
  if (!m.root->hasAttr("qfx.qconfig"))
    if (Attribute q = m.fused->getAttr("qfx.qconfig"))
      m.root->setAttr("qfx.qconfig", q);
  rewriter.replaceOp(m.fused, result);
  return success();
}

LogicalResult qfx::foldQatBatchNorms(ModuleOp module) {
  SmallVector<ScaledBody> bodies;
  module.walk([&](FusedOp fused) {
    if (auto m = matchScaled(fused))
      bodies.push_back(*m);
  });
  if (bodies.empty())
    return success();
  FuseParameters params(module);
  IRRewriter rewriter(module.getContext());
  for (ScaledBody &m : bodies)
    if (failed(fold(m, params, rewriter)))
      return failure();
  // The QAT module's own parameters are no longer read.
  params.eraseUnread(rewriter, module);
  return success();
}
