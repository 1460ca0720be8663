//===- ConvertElementwise.cpp - activations, arithmetic, pooling ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;

namespace {
/// Input 0 and the result type of a float unary op; `ok` is false when the
/// node is not a float op (the caller emits a generic call).
struct UnaryOperands {
  Value input;
  RankedTensorType type;
  bool ok = false;
};
} // namespace

static FailureOr<UnaryOperands> getUnary(Importer &imp,
                                         const onnx::NodeProto &node) {
  if (node.input_size() < 1 || !imp.hasInput(node, 0))
    return imp.emitError(node) << "expects an input";
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  auto type = imp.getResultType(node);
  if (failed(type))
    return failure();
  UnaryOperands out{*input, *type, false};
  out.ok =
      isa<FloatType>(type->getElementType()) && input->getType() == Type(*type);
  return out;
}

/// Defines a converter for a unary op without attributes.
template <typename OpT>
static LogicalResult
convertSimpleUnary(Importer &imp, const onnx::NodeProto &node,
                   StringRef moduleClass, StringRef function) {
  auto u = getUnary(imp, node);
  if (failed(u))
    return failure();
  if (!u->ok)
    return imp.emitGenericCall(node);
  auto op = OpT::create(imp.builder, imp.getLoc(node), u->type, u->input);
  imp.setModuleOrFunction(op, node, moduleClass, function);
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertRelu(Importer &imp, const onnx::NodeProto &node) {
  return convertSimpleUnary<ReluOp>(imp, node,
                                    "torch.nn.modules.activation.ReLU",
                                    "torch.nn.functional.relu");
}
static LogicalResult convertSigmoid(Importer &imp,
                                    const onnx::NodeProto &node) {
  return convertSimpleUnary<SigmoidOp>(
      imp, node, "torch.nn.modules.activation.Sigmoid", "torch.sigmoid");
}
static LogicalResult convertTanh(Importer &imp, const onnx::NodeProto &node) {
  return convertSimpleUnary<TanhOp>(
      imp, node, "torch.nn.modules.activation.Tanh", "torch.tanh");
}
static LogicalResult convertHardSwish(Importer &imp,
                                      const onnx::NodeProto &node) {
  return convertSimpleUnary<HardswishOp>(
      imp, node, "torch.nn.modules.activation.Hardswish",
      "torch.nn.functional.hardswish");
}

static LogicalResult convertHardSigmoid(Importer &imp,
                                        const onnx::NodeProto &node) {
  auto alpha = imp.getFloatAttr(node, "alpha", 0.2);
  auto beta = imp.getFloatAttr(node, "beta", 0.5);
  if (failed(alpha) || failed(beta))
    return failure();
  // torch's hardsigmoid is relu6(x + 3) / 6.
  if (std::abs(*alpha - 1.0 / 6.0) > 1e-6 || *beta != 0.5)
    return imp.emitGenericCall(node);
  return convertSimpleUnary<HardsigmoidOp>(
      imp, node, "torch.nn.modules.activation.Hardsigmoid",
      "torch.nn.functional.hardsigmoid");
}

static LogicalResult convertLeakyRelu(Importer &imp,
                                      const onnx::NodeProto &node) {
  auto alpha = imp.getFloatAttr(node, "alpha", 0.01);
  auto u = getUnary(imp, node);
  if (failed(alpha) || failed(u))
    return failure();
  if (!u->ok)
    return imp.emitGenericCall(node);
  auto op = LeakyReluOp::create(imp.builder, imp.getLoc(node), u->type,
                                u->input, imp.builder.getF64FloatAttr(*alpha));
  imp.setModuleOrFunction(op, node, "torch.nn.modules.activation.LeakyReLU",
                          "torch.nn.functional.leaky_relu");
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertElu(Importer &imp, const onnx::NodeProto &node) {
  auto alpha = imp.getFloatAttr(node, "alpha", 1.0);
  auto u = getUnary(imp, node);
  if (failed(alpha) || failed(u))
    return failure();
  if (!u->ok)
    return imp.emitGenericCall(node);
  auto op = EluOp::create(imp.builder, imp.getLoc(node), u->type, u->input,
                          imp.builder.getF64FloatAttr(*alpha));
  imp.setModuleOrFunction(op, node, "torch.nn.modules.activation.ELU",
                          "torch.nn.functional.elu");
  imp.setResult(node, 0, op.getResult());
  return success();
}

/// Clip with constant bounds: ReLU6 / Hardtanh modules, F.relu6, torch.clamp.
static LogicalResult convertClip(Importer &imp, const onnx::NodeProto &node) {
  std::optional<double> lo, hi;
  if (imp.opset < 11) {
    return imp.emitGenericCall(node);
  }
  for (int i = 1; i <= 2; ++i) {
    if (!imp.hasInput(node, i))
      continue;
    auto v = imp.getConstDoubles(node, i);
    if (!v || v->size() != 1)
      return imp.emitGenericCall(node);
    (i == 1 ? lo : hi) = roundTripFloat(static_cast<float>((*v)[0]));
  }
  auto u = getUnary(imp, node);
  if (failed(u))
    return failure();
  if (!u->ok || (!lo && !hi) || (lo && hi && *lo > *hi))
    return imp.emitGenericCall(node);
  OpBuilder &b = imp.builder;
  Operation *op;
  bool own = imp.ownsScope(node);
  if (lo && hi && (own || (*lo == 0.0 && *hi == 6.0))) {
    op = HardtanhOp::create(b, imp.getLoc(node), u->type, u->input,
                            b.getF64FloatAttr(*lo), b.getF64FloatAttr(*hi));
    bool relu6 = *lo == 0.0 && *hi == 6.0;
    imp.setModuleOrFunction(op, node,
                            relu6 ? "torch.nn.modules.activation.ReLU6"
                                  : "torch.nn.modules.activation.Hardtanh",
                            relu6 ? "torch.nn.functional.relu6"
                                  : "torch.nn.functional.hardtanh");
  } else {
    op = ClampOp::create(b, imp.getLoc(node), u->type, u->input,
                         lo ? b.getF64FloatAttr(*lo) : FloatAttr(),
                         hi ? b.getF64FloatAttr(*hi) : FloatAttr());
    imp.setProvenance(op, NodeKind::call_function, "torch.clamp",
                      imp.scopePath(node));
  }
  imp.setResult(node, 0, op->getResult(0));
  return success();
}

static LogicalResult convertSoftmax(Importer &imp,
                                    const onnx::NodeProto &node) {
  auto axis = imp.getIntAttr(node, "axis", imp.opset < 13 ? 1 : -1);
  auto u = getUnary(imp, node);
  if (failed(axis) || failed(u))
    return failure();
  int64_t rank = u->type.getRank();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a >= rank)
    return imp.emitError(node) << "axis " << *axis << " out of range";
  // Before opset 13 Softmax flattens the dims from axis on; that is torch's
  // softmax only over the last dim.
  if (!u->ok || (imp.opset < 13 && a != rank - 1))
    return imp.emitGenericCall(node);
  auto op = SoftmaxOp::create(imp.builder, imp.getLoc(node), u->type, u->input,
                              imp.builder.getI64IntegerAttr(*axis));
  imp.setModuleOrFunction(op, node, "torch.nn.modules.activation.Softmax",
                          "torch.nn.functional.softmax");
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertDropout(Importer &imp,
                                    const onnx::NodeProto &node) {
  if (imp.isOutputUsed(node, 1))
    return imp.emitGenericCall(node);
  double p = 0.5;
  bool training = false;
  if (imp.hasInput(node, 1)) {
    auto ratio = imp.getConstDoubles(node, 1);
    if (!ratio || ratio->size() != 1)
      return imp.emitGenericCall(node);
    p = roundTripFloat(static_cast<float>((*ratio)[0]));
  } else if (imp.getAttr(node, "ratio")) {
    auto ratio = imp.getFloatAttr(node, "ratio", 0.5);
    if (failed(ratio))
      return failure();
    p = *ratio;
  }
  if (imp.hasInput(node, 2)) {
    auto mode = imp.getConstInts(node, 2);
    if (!mode || mode->size() != 1)
      return imp.emitGenericCall(node);
    training = (*mode)[0] != 0;
  }
  auto u = getUnary(imp, node);
  if (failed(u))
    return failure();
  if (!u->ok || p < 0.0 || p > 1.0)
    return imp.emitGenericCall(node);
  OpBuilder &b = imp.builder;
  auto op = DropoutOp::create(b, imp.getLoc(node), u->type, u->input,
                              b.getF64FloatAttr(p),
                              training ? b.getUnitAttr() : UnitAttr());
  imp.setModuleOrFunction(op, node, "torch.nn.modules.dropout.Dropout",
                          "torch.nn.functional.dropout");
  imp.setResult(node, 0, op.getResult());
  return success();
}

/// Identity of a constant aliases it (torch.onnx names shared parameters
/// this way); nn.Identity scopes keep a qfx.identity; other identities are
/// dropped.
static LogicalResult convertIdentity(Importer &imp,
                                     const onnx::NodeProto &node) {
  if (node.input_size() != 1 || node.output_size() != 1)
    return imp.emitError(node) << "expects one input and one output";
  if (const ConstTensor *c = imp.getConstInput(node, 0)) {
    ConstTensor alias = *c;
    if (c->isInitializer() && isTorchParameterName(node.output(0)))
      alias.initializerName = node.output(0);
    imp.setConst(node.output(0), alias);
    return success();
  }
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  if (!imp.ownsScope(node) || !isa<RankedTensorType>(input->getType()) ||
      !isa<FloatType>(getElementTypeOrSelf(input->getType()))) {
    imp.setResult(node, 0, *input);
    return success();
  }
  auto op = IdentityOp::create(imp.builder, imp.getLoc(node), input->getType(),
                               *input);
  imp.setProvenance(op, NodeKind::call_module,
                    "torch.nn.modules.linear.Identity", imp.scopePath(node));
  imp.setResult(node, 0, op.getResult());
  return success();
}

template <typename OpT>
static LogicalResult convertBinary(Importer &imp, const onnx::NodeProto &node,
                                   StringRef target) {
  if (node.input_size() != 2)
    return imp.emitError(node) << "expects 2 inputs";
  auto type = imp.getResultType(node);
  if (failed(type))
    return failure();
  auto lhsType = imp.getTensorType(node.input(0), &node);
  auto rhsType = imp.getTensorType(node.input(1), &node);
  if (failed(lhsType) || failed(rhsType))
    return failure();
  if (!isa<FloatType>(type->getElementType()) ||
      !isa<FloatType>(lhsType->getElementType()) ||
      !isa<FloatType>(rhsType->getElementType()))
    return imp.emitGenericCall(node);
  auto lhs = imp.getInput(node, 0);
  auto rhs = imp.getInput(node, 1);
  if (failed(lhs) || failed(rhs))
    return failure();
  auto op = OpT::create(imp.builder, imp.getLoc(node), *type, *lhs, *rhs);
  imp.setProvenance(op, NodeKind::call_function, target, imp.scopePath(node));
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertAdd(Importer &imp, const onnx::NodeProto &node) {
  return convertBinary<AddOp>(imp, node, "operator.add");
}
static LogicalResult convertSub(Importer &imp, const onnx::NodeProto &node) {
  return convertBinary<SubOp>(imp, node, "operator.sub");
}
static LogicalResult convertMul(Importer &imp, const onnx::NodeProto &node) {
  return convertBinary<MulOp>(imp, node, "operator.mul");
}
static LogicalResult convertDiv(Importer &imp, const onnx::NodeProto &node) {
  return convertBinary<DivOp>(imp, node, "operator.truediv");
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

static LogicalResult convertPool(Importer &imp, const onnx::NodeProto &node) {
  bool isMax = node.op_type() == "MaxPool";
  if (isMax && imp.isOutputUsed(node, 1))
    return imp.emitGenericCall(node);
  auto kernel = imp.getIntsAttr(node, "kernel_shape");
  if (failed(kernel))
    return failure();
  size_t n = kernel->size();
  if (n < 1 || n > 3)
    return imp.emitError(node) << "kernel_shape needs 1 to 3 entries";
  auto strides = imp.getIntsAttr(node, "strides", SmallVector<int64_t>(n, 1));
  auto dilations =
      imp.getIntsAttr(node, "dilations", SmallVector<int64_t>(n, 1));
  auto ceil = imp.getIntAttr(node, "ceil_mode", 0);
  auto countPad = imp.getIntAttr(node, "count_include_pad", 0);
  if (failed(strides) || failed(dilations) || failed(ceil) || failed(countPad))
    return failure();
  if (strides->size() != n || dilations->size() != n)
    return imp.emitError(node) << "strides and dilations must match "
                                  "kernel_shape";
  if (llvm::any_of(*kernel, [](int64_t k) { return k < 1; }) ||
      llvm::any_of(*strides, [](int64_t s) { return s < 1; }) ||
      llvm::any_of(*dilations, [](int64_t d) { return d < 1; }))
    return imp.emitError(node) << "kernel_shape, strides and dilations must "
                                  "be positive";
  if (!isMax && llvm::any_of(*dilations, [](int64_t d) { return d != 1; }))
    return imp.emitGenericCall(node);
  auto inType = imp.getTensorType(node.input(0), &node);
  if (failed(inType))
    return failure();
  if (!isa<FloatType>(inType->getElementType()) ||
      inType->getRank() != static_cast<int64_t>(n) + 2)
    return imp.emitGenericCall(node);
  auto pad = resolvePadding(imp, node, *inType, *kernel, *strides, *dilations);
  if (failed(pad))
    return failure();
  if (!*pad)
    return imp.emitGenericCall(node);
  auto u = getUnary(imp, node);
  if (failed(u))
    return failure();
  SmallVector<int64_t> padding = (*pad)->symmetric;
  // torch.onnx's AvgPoolNd(padding=p) prelude: a Pad the pool takes over.
  SmallVector<int> group;
  auto producer = imp.producer.find(node.input(0));
  if (!isMax && producer != imp.producer.end()) {
    const onnx::NodeProto &p = imp.graph.node(producer->second);
    if (auto prelude = avgPoolPrelude(imp, p, node)) {
      group.push_back(producer->second);
      if (llvm::any_of(*prelude, [](int64_t a) { return a != 0; })) {
        padding = *prelude;
        *countPad = 1;
      }
    }
  }
  if ((*pad)->needsExplicitPad()) {
    // Padding one side more: F.pad in front, with -inf for max (padding
    // never wins) and zeros for avg, which only counts them like ONNX when
    // count_include_pad is set. ceil_mode's window rules differ once the
    // padding is part of the input: leave those generic.
    if (*ceil || (!isMax && !*countPad))
      return imp.emitGenericCall(node);
    u->input =
        emitExplicitPad(imp, node, u->input, **pad,
                        isMax ? -std::numeric_limits<double>::infinity() : 0.0);
  }
  OpBuilder &b = imp.builder;
  Operation *op;
  std::string dims = std::to_string(n) + "d";
  if (isMax) {
    op = MaxPoolOp::create(
        b, imp.getLoc(node), u->type, u->input, b.getDenseI64ArrayAttr(*kernel),
        b.getDenseI64ArrayAttr(*strides), b.getDenseI64ArrayAttr(padding),
        b.getDenseI64ArrayAttr(*dilations),
        *ceil ? b.getUnitAttr() : UnitAttr());
    imp.setModuleOrFunction(op, node, "torch.nn.modules.pooling.MaxPool" + dims,
                            "torch.nn.functional.max_pool" + dims);
  } else {
    op = AvgPoolOp::create(
        b, imp.getLoc(node), u->type, u->input, b.getDenseI64ArrayAttr(*kernel),
        b.getDenseI64ArrayAttr(*strides), b.getDenseI64ArrayAttr(padding),
        *ceil ? b.getUnitAttr() : UnitAttr(),
        *countPad ? b.getUnitAttr() : UnitAttr(), IntegerAttr());
    // The prelude Pad is part of the module, not an op of it.
    imp.setModuleOrFunction(op, node, "torch.nn.modules.pooling.AvgPool" + dims,
                            "torch.nn.functional.avg_pool" + dims, group);
  }
  imp.setResult(node, 0, op->getResult(0));
  return success();
}

static LogicalResult convertGlobalAveragePool(Importer &imp,
                                              const onnx::NodeProto &node) {
  auto u = getUnary(imp, node);
  if (failed(u))
    return failure();
  int64_t n = u->type.getRank() - 2;
  if (!isa<FloatType>(u->type.getElementType()) || n < 1 || n > 3)
    return imp.emitGenericCall(node);
  OpBuilder &b = imp.builder;
  auto op = AdaptiveAvgPoolOp::create(
      b, imp.getLoc(node), u->type, u->input,
      b.getDenseI64ArrayAttr(SmallVector<int64_t>(n, 1)));
  std::string dims = std::to_string(n) + "d";
  imp.setModuleOrFunction(op, node,
                          "torch.nn.modules.pooling.AdaptiveAvgPool" + dims,
                          "torch.nn.functional.adaptive_avg_pool" + dims);
  imp.setResult(node, 0, op.getResult());
  return success();
}

void qfx::onnx_import::populateElementwiseConverters(
    llvm::StringMap<ConvertFn> &table) {
  table["Relu"] = convertRelu;
  table["Sigmoid"] = convertSigmoid;
  table["Tanh"] = convertTanh;
  table["HardSigmoid"] = convertHardSigmoid;
  table["HardSwish"] = convertHardSwish;
  table["LeakyRelu"] = convertLeakyRelu;
  table["Elu"] = convertElu;
  table["Clip"] = convertClip;
  table["Softmax"] = convertSoftmax;
  table["Dropout"] = convertDropout;
  table["Identity"] = convertIdentity;
  table["Add"] = convertAdd;
  table["Sub"] = convertSub;
  table["Mul"] = convertMul;
  table["Div"] = convertDiv;
  table["MaxPool"] = convertPool;
  table["AveragePool"] = convertPool;
  table["GlobalAveragePool"] = convertGlobalAveragePool;
}
