//===- Convert.cpp - --qfx-convert: the reference quantized model ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13's convert_to_reference_fx on qfx IR (fx/convert.py):
//
// 1. weighted ops with a quantized weight (conv, conv_transpose, linear;
//    also inside qfx.fused) whose activation input is observed get
//    quantize -> dequantize on their get_attr weight, with qparams from a
//    fresh weight observer of their qconfig run on the weight values
//    (convert_weighted_module);
// 2. weight fake-quantizes of QAT modules become quantize -> dequantize
//    with the qparams of their observer after one more observation of the
//    weight (when observer_enabled), as weight_post_process(weight) does;
// 3. activation observers / fake-quantizes of integer dtypes become
//    quantize -> dequantize (get_quantize_node_info), unless every producer
//    and consumer has a None qconfig; the others are removed.
//
// 4. dynamic placeholder observers (is_dynamic, quint8 / qint8) become
//    quantize_dynamic -> dequantize: qparams chosen per call at run time
//    (torch.quantize_per_tensor_dynamic), reduce_range from the engine;
//    float16 ones (float16_dynamic_qconfig) round to float16 and back.
//    Static float16 observers (float16_static_qconfig) become
//    x.to(float16) -> dequantize, spelled the same way.
//
// 5. with decomposed=true, the result is rewritten to integer storage
//    tensors and quantize_affine / dequantize_affine / choose_qparams
//    (ConvertDecomposed.cpp).
//
// 5. weight-only embeddings (float-qparams weight qconfig): their weight
//    observer / fake-quantize, or a fresh weight observer when the weight
//    has none, gives scales and float zero points; the weight becomes
//    quantize_float_qparams -> dequantize_float_qparams
//    (ConvertFloatQParams.cpp).
//
// 6. dynamically quantized LSTMs (reference nn.LSTM): every flat weight
//    gets quantize -> dequantize with a fresh weight observer's qparams;
//    GRU stays float, as in 1.13 (ConvertRecurrent.cpp).
//
// 7. standalone modules' functions with quantized idxs take and return
//    quantized values across their calls (ConvertStandalone.cpp).
//
// Decisions are taken on the prepared graph before any rewrite, so that
// step 3 sees the qconfig neighbourhood PyTorch sees.
//
//===----------------------------------------------------------------------===//

#include "ConvertQParams.h"
#include "QatBatchNorm.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "qfx/Dialect/QFX/ObserverInsertion.h"
#include "qfx/Dialect/QFX/Passes.h"

namespace qfx {
#define GEN_PASS_DEF_QFXCONVERT
#include "qfx/Dialect/QFX/Passes.h.inc"
} // namespace qfx

using namespace mlir;
using namespace qfx;

static constexpr llvm::StringLiteral kQConfig = "qfx.qconfig";
static constexpr llvm::StringLiteral kNode = "qfx.node";

/// The resolved QConfig of `op`: its own, or that of the qfx.fused op whose
/// body holds it.
static QConfigAttr qconfigOf(Operation *op) {
  if (auto q = op->getAttrOfType<QConfigAttr>(kQConfig))
    return q;
  if (auto fused = dyn_cast_or_null<FusedOp>(op->getParentOp()))
    return fused->getAttrOfType<QConfigAttr>(kQConfig);
  return {};
}

/// PyTorch's has_none_qconfig: an FX node whose QConfig is None. Block
/// arguments, returns, get_attr and observers are never "None" here.
static bool hasNoneQConfig(Operation *op) {
  if (!op || isa<ObserverOp, FakeQuantizeOp, GetAttrOp>(op) ||
      !op->hasAttr(kNode))
    return false;
  return !qconfigOf(op);
}

/// An observed value, or a standalone module's quantized input (its
/// observer is in the parent; PyTorch counts the op as observed either way).
static bool isObserved(Value v) {
  return v && (isa_and_nonnull<ObserverOp, FakeQuantizeOp>(v.getDefiningOp()) ||
               convert::isQuantizedStandaloneInput(v));
}

/// The weight operand of a weighted op and the value whose observation
/// makes the op "observed" (its activation input; the fused op's input
/// inside a qfx.fused body).
static std::pair<OpOperand *, Value> weightAndActivation(Operation *op) {
  OpOperand *weight = nullptr;
  Value input;
  if (auto conv = dyn_cast<ConvOp>(op))
    weight = &conv.getWeightMutable(), input = conv.getInput();
  else if (auto convT = dyn_cast<ConvTransposeOp>(op))
    weight = &convT.getWeightMutable(), input = convT.getInput();
  else if (auto linear = dyn_cast<LinearOp>(op))
    weight = &linear.getWeightMutable(), input = linear.getInput();
  if (auto arg = dyn_cast_or_null<BlockArgument>(input))
    if (auto fused = dyn_cast<FusedOp>(arg.getOwner()->getParentOp()))
      input = fused.getInputs()[arg.getArgNumber()];
  return {weight, input};
}

/// The values of the parameter `getAttr` reads.
static FailureOr<std::vector<float>> weightValues(GetAttrOp getAttr) {
  auto param =
      SymbolTable::lookupNearestSymbolFrom<ParameterOp>(getAttr,
                                                        getAttr.getNameAttr());
  if (!param)
    return failure();
  return convert::readF32Values(param.getValue());
}

/// quantize -> dequantize of `input` before `anchor`; returns the
/// dequantized value. Activation pairs carry the FX provenance PyTorch's
/// quantize_per_tensor / dequantize nodes would have.
static FailureOr<Value> insertQDQ(RewriterBase &rewriter, Operation *anchor,
                                  Value input, ObserverConfigAttr config,
                                  const rt::QParams &qparams,
                                  NodeAttr provenance) {
  auto type = cast<RankedTensorType>(input.getType());
  std::string error;
  FailureOr<RankedTensorType> qtype =
      convert::quantizedTensorType(type, config, qparams, error);
  if (failed(qtype))
    return anchor->emitError() << "cannot convert: " << error;
  rewriter.setInsertionPoint(anchor);
  Location loc = anchor->getLoc();
  auto q = QuantizeOp::create(rewriter, loc, *qtype, input);
  auto dq = DequantizeOp::create(rewriter, loc, type, q);
  if (provenance) {
    MLIRContext *ctx = rewriter.getContext();
    StringRef fn = config.isPerChannel() ? "torch.quantize_per_channel"
                                         : "torch.quantize_per_tensor";
    q->setAttr(kNode, NodeAttr::get(ctx, NodeKind::call_function,
                                    StringAttr::get(ctx, fn),
                                    provenance.getModule()));
    dq->setAttr(kNode, NodeAttr::get(ctx, NodeKind::call_method,
                                     StringAttr::get(ctx, "dequantize"),
                                     provenance.getModule()));
  }
  return dq.getResult();
}

/// The provenance of the quantize / dequantize pair that replaces graph
/// observer `op`: its own qfx.node, or — for activation observers placed by
/// qfx's prepare, which carry none — one whose module is the observer's name
/// (its NameLoc, `activation_post_process_N`). Weight observers and
/// fake-quantizes without qfx.node are folded into the reference module.
static NodeAttr graphProvenance(Operation *op) {
  if (auto node = op->getAttrOfType<NodeAttr>(kNode))
    return node;
  if (op->getOperand(0).getDefiningOp<GetAttrOp>())
    return {};
  MLIRContext *ctx = op->getContext();
  StringAttr module = StringAttr::get(ctx, "");
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    module = name.getName();
  return NodeAttr::get(ctx, NodeKind::call_module,
                       StringAttr::get(ctx, "torch.ao.quantization.observer"),
                       module);
}

/// Step 1: quantize the weight of `op` with its qconfig's weight observer.
static LogicalResult convertWeight(RewriterBase &rewriter, Operation *op) {
  auto [weight, input] = weightAndActivation(op);
  QConfigAttr qconfig = qconfigOf(op);
  if (!weight || !qconfig || !qconfig.getWeight() || !isObserved(input))
    return success();
  ObserverConfigAttr config = qconfig.getWeight();
  auto getAttr = weight->get().getDefiningOp<GetAttrOp>();
  if (!getAttr) // QAT weights go through their fake-quantize (step 2).
    return success();
  // A float16 weight (float16_dynamic_qconfig / float16_static_qconfig)
  // gets weight_qscheme None in the reference module, which then uses the
  // float weight unchanged (_quantize_and_dequantize_weight).
  if (config.getDtype() == QuantDType::float16)
    return success();
  if (!convert::isStaticIntQuant(config))
    return op->emitError() << "cannot convert: weight dtype '"
                           << stringifyQuantDType(config.getDtype())
                           << "' is not supported yet";
  FailureOr<std::vector<float>> values = weightValues(getAttr);
  if (failed(values))
    return op->emitError()
           << "cannot convert: weight " << getAttr.getNameAttr()
           << " is not a float32 qfx.parameter with data";
  std::string error;
  auto shape = getAttr.getType().getShape();
  FailureOr<rt::QParams> qparams =
      convert::computeQParams(config, {}, *values, shape, error);
  if (failed(qparams))
    return op->emitError() << "cannot convert the weight: " << error;
  FailureOr<Value> dq = insertQDQ(rewriter, op, weight->get(), config,
                                  *qparams, /*provenance=*/{});
  if (failed(dq))
    return failure();
  rewriter.modifyOpInPlace(op, [&] { weight->set(*dq); });
  return success();
}

namespace {
/// What step 2/3 does with one observer or fake-quantize.
struct ObserverPlan {
  Operation *op;
  enum { Remove, QuantDequant, DynamicQuantDequant, Float16 } action;
  rt::QParams qparams;
};
} // namespace

/// Steps 2 and 3: decide the fate of an observer / fake-quantize.
static FailureOr<ObserverPlan> planObserver(Operation *op) {
  Value input = op->getOperand(0);
  ObserverConfigAttr config;
  ObserverStateAttr state;
  bool observeAgain = false;
  if (auto obs = dyn_cast<ObserverOp>(op)) {
    config = obs.getConfig(), state = obs.getStateAttr();
  } else {
    auto fq = cast<FakeQuantizeOp>(op);
    config = fq.getObserver(), state = fq.getStateAttr();
    observeAgain = fq.getConfig().getObserverEnabled();
  }
  ObserverPlan plan{op, ObserverPlan::Remove, {}};
  auto getAttr = input.getDefiningOp<GetAttrOp>();
  if (getAttr) {
    // A weight, quantized when its consumers have a qconfig. A QAT weight
    // fake-quantize observes the weight once more (observer_enabled); a
    // weight observer (functional weights) uses its calibrated state, or
    // observes the weight when it has none.
    bool quantized = llvm::any_of(op->getUsers(), [](Operation *user) {
      QConfigAttr q = qconfigOf(user);
      // An embedding is converted only with a float-qparams weight qconfig
      // (as convertEmbeddingWeight decides); with any other, prepare_fx did
      // not observe its node and convert_weighted_module keeps the float
      // module, dropping a QAT module's weight_fake_quant (to_float()).
      if (q && isa<EmbeddingOp, EmbeddingBagOp>(user))
        return q.getWeight() && convert::isFloatQParamsQuant(q.getWeight());
      return static_cast<bool>(q);
    });
    if (!quantized)
      return plan;
    // The weight observer qfx's prepare puts on a module weight (no FX
    // node) stands for the module's own: float16 leaves it float (above).
    if (config.getDtype() == QuantDType::float16 && !op->hasAttr(kNode))
      return plan;
    if (isa<ObserverOp>(op))
      observeAgain = !state;
  } else {
    bool allNone = hasNoneQConfig(input.getDefiningOp()) &&
                   llvm::all_of(op->getUsers(), hasNoneQConfig);
    if (allNone)
      return plan;
    observeAgain = false;
  }
  if (config.getIsDynamic()) {
    QuantDType dtype = config.getDtype();
    if (dtype != QuantDType::quint8 && dtype != QuantDType::qint8 &&
        dtype != QuantDType::float16)
      return op->emitError()
             << "cannot convert: dynamic quantization to '"
             << stringifyQuantDType(dtype) << "' is not supported yet";
    plan.action = ObserverPlan::DynamicQuantDequant;
    return plan;
  }
  if (config.getDtype() == QuantDType::float16) {
    // get_quantize_node_info: a static float16 observer becomes
    // x.to(float16) -> dequantize.
    if (!isa<ObserverOp>(op))
      return op->emitError() << "cannot convert: float16 fake-quantize is "
                                "not supported";
    plan.action = ObserverPlan::Float16;
    return plan;
  }
  if (!convert::isStaticIntQuant(config) &&
      !convert::isFloatQParamsQuant(config))
    return plan; // float32 placeholder, noop, reuse_input: removed.
  std::vector<float> values;
  SmallVector<int64_t> shape;
  if (observeAgain && getAttr) {
    FailureOr<std::vector<float>> v = weightValues(getAttr);
    if (failed(v))
      return op->emitError()
             << "cannot convert: weight " << getAttr.getNameAttr()
             << " is not a float32 qfx.parameter with data";
    values = std::move(*v);
    llvm::append_range(shape, getAttr.getType().getShape());
  }
  std::string error;
  FailureOr<rt::QParams> qparams =
      convert::computeQParams(config, state, values, shape, error);
  if (failed(qparams))
    return op->emitError() << "cannot convert: " << error;
  plan.action = ObserverPlan::QuantDequant;
  plan.qparams = std::move(*qparams);
  return plan;
}

/// Step 4: quantize_dynamic -> dequantize in place of a dynamic observer,
/// the nodes get_quantize_node_info gives (quantize_per_tensor_dynamic with
/// the observer's compute dtype, then dequantize).
static void applyDynamicPlan(RewriterBase &rewriter, ObserverOp op,
                             bool reduceRange) {
  MLIRContext *ctx = rewriter.getContext();
  QuantDType dtype = op.getConfig().getDtype();
  bool isSigned = dtype == QuantDType::qint8;
  auto type = cast<RankedTensorType>(op.getInput().getType());
  Type element;
  if (dtype == QuantDType::float16) {
    // quantize_per_tensor_dynamic(x, float16, ...) is x.to(float16).
    element = Float16Type::get(ctx);
    reduceRange = false;
  } else {
    element = quant::AnyQuantizedType::get(
        isSigned ? quant::QuantizationFlags::Signed : 0,
        IntegerType::get(ctx, 8), type.getElementType(),
        quant::QuantizedType::getDefaultMinimumForInteger(isSigned, 8),
        quant::QuantizedType::getDefaultMaximumForInteger(isSigned, 8));
  }
  rewriter.setInsertionPoint(op);
  auto q = QuantizeDynamicOp::create(
      rewriter, op.getLoc(), RankedTensorType::get(type.getShape(), element),
      op.getInput(), reduceRange);
  auto dq = DequantizeOp::create(rewriter, op.getLoc(), type, q);
  if (NodeAttr provenance = graphProvenance(op)) {
    q->setAttr(
        kNode,
        NodeAttr::get(ctx, NodeKind::call_function,
                      StringAttr::get(ctx, "torch.quantize_per_tensor_dynamic"),
                      provenance.getModule()));
    dq->setAttr(kNode, NodeAttr::get(ctx, NodeKind::call_method,
                                     StringAttr::get(ctx, "dequantize"),
                                     provenance.getModule()));
  }
  rewriter.replaceOp(op, dq);
}

/// Step 5: a static float16 observer (float16_static_qconfig) becomes
/// PyTorch's `x.to(torch.float16)` -> `dequantize()`, spelled as float16
/// dynamic quantization spells the same rounding (quantize_dynamic to f16,
/// which has no run-time qparams).
static void applyFloat16Plan(RewriterBase &rewriter, ObserverOp op) {
  MLIRContext *ctx = rewriter.getContext();
  auto type = cast<RankedTensorType>(op.getInput().getType());
  rewriter.setInsertionPoint(op);
  auto q = QuantizeDynamicOp::create(
      rewriter, op.getLoc(),
      RankedTensorType::get(type.getShape(), Float16Type::get(ctx)),
      op.getInput(), /*reduce_range=*/false);
  auto dq = DequantizeOp::create(rewriter, op.getLoc(), type, q);
  if (NodeAttr provenance = graphProvenance(op)) {
    q->setAttr(kNode, NodeAttr::get(ctx, NodeKind::call_method,
                                    StringAttr::get(ctx, "to"),
                                    provenance.getModule()));
    dq->setAttr(kNode, NodeAttr::get(ctx, NodeKind::call_method,
                                     StringAttr::get(ctx, "dequantize"),
                                     provenance.getModule()));
  }
  rewriter.replaceOp(op, dq);
}

static LogicalResult applyPlan(RewriterBase &rewriter, const ObserverPlan &plan,
                               bool reduceRange) {
  Operation *op = plan.op;
  Value input = op->getOperand(0);
  if (plan.action == ObserverPlan::Remove) {
    rewriter.replaceOp(op, input);
    return success();
  }
  if (plan.action == ObserverPlan::DynamicQuantDequant) {
    applyDynamicPlan(rewriter, cast<ObserverOp>(op), reduceRange);
    return success();
  }
  if (plan.action == ObserverPlan::Float16) {
    applyFloat16Plan(rewriter, cast<ObserverOp>(op));
    return success();
  }
  ObserverConfigAttr config = isa<ObserverOp>(op)
                                  ? cast<ObserverOp>(op).getConfig()
                                  : cast<FakeQuantizeOp>(op).getObserver();
  // Graph observers become graph nodes; a QAT module's weight fake-quantize
  // (no qfx.node) is folded into the reference module.
  NodeAttr provenance = graphProvenance(op);
  // Weight-only embeddings: float zero points (their weight observer is
  // folded into the reference module, like a module weight's).
  FailureOr<Value> dq =
      convert::isFloatQParamsQuant(config)
          ? convert::insertFloatQParamsQDQ(rewriter, op, input, config,
                                           plan.qparams)
          : insertQDQ(rewriter, op, input, config, plan.qparams, provenance);
  if (failed(dq))
    return failure();
  rewriter.replaceOp(op, *dq);
  return success();
}

namespace {
struct QfxConvertPass : qfx::impl::QfxConvertBase<QfxConvertPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // get_quantize_node_info: reduce_range = engine in ("fbgemm", "x86").
    if (!llvm::is_contained({"fbgemm", "x86", "qnnpack", "onednn"},
                            StringRef(engine))) {
      module.emitError() << "--qfx-convert: unknown engine '" << engine
                         << "' (expected fbgemm, x86, qnnpack or onednn)";
      return signalPassFailure();
    }
    bool dynamicReduceRange = engine == "fbgemm" || engine == "x86";
    if (!qconfigMapping.empty()) {
      bool ok = true;
      for (auto func : module.getOps<func::FuncOp>())
        ok &= succeeded(
            convert::applyConvertQConfigMapping(func, qconfigMapping));
      if (!ok)
        return signalPassFailure();
    }
    // QAT ConvBn / LinearBn modules become their float modules first
    // (exported PyTorch modules are in the unscaled form: scale them as
    // --qfx-prepare does, then fold).
    for (auto func : module.getOps<func::FuncOp>())
      scaleQatBatchNormWeights(func);
    if (failed(foldQatBatchNorms(module)))
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> weighted, embeddings, recurrent, observers;
    module.walk([&](Operation *op) {
      if (isa<LSTMOp>(op))
        recurrent.push_back(op);
      if (isa<EmbeddingOp, EmbeddingBagOp>(op))
        embeddings.push_back(op);
      if (isa<ConvOp, ConvTransposeOp, LinearOp>(op))
        weighted.push_back(op);
      else if (isa<ObserverOp, FakeQuantizeOp>(op))
        observers.push_back(op);
    });
    // Plan everything on the prepared graph first.
    SmallVector<ObserverPlan> plans;
    bool failedAny = false;
    for (Operation *op : observers) {
      FailureOr<ObserverPlan> plan = planObserver(op);
      if (failed(plan))
        failedAny = true;
      else
        plans.push_back(std::move(*plan));
    }
    for (Operation *op : weighted)
      failedAny |= failed(convertWeight(rewriter, op));
    for (Operation *op : embeddings)
      failedAny |= failed(
          convert::convertEmbeddingWeight(rewriter, op, qconfigOf(op)));
    for (Operation *op : recurrent)
      failedAny |=
          failed(convert::convertRecurrentWeights(rewriter, op, qconfigOf(op)));
    for (const ObserverPlan &plan : plans)
      failedAny |= failed(applyPlan(rewriter, plan, dynamicReduceRange));
    if (failedAny)
      return signalPassFailure();
    // Every function is converted on its own (convert_standalone_module);
    // those with quantized idxs then hand quantized values across calls.
    if (failed(convert::convertStandaloneBoundaries(module, rewriter)))
      return signalPassFailure();
    if (decomposed && failed(convert::decomposeFunctionBoundaries(module)))
      return signalPassFailure();
    if (decomposed)
      for (auto func : module.getOps<func::FuncOp>())
        if (failed(convert::decomposeQuantizedTensors(func)))
          return signalPassFailure();
    if (removeQConfig)
      module.walk([&](Operation *op) {
        if (op->hasAttr(kQConfig))
          rewriter.modifyOpInPlace(op, [&] { op->removeAttr(kQConfig); });
      });
  }
};
} // namespace
