//===- ConvertConvLinear.cpp - Conv, Gemm, MatMul, norms, Gather ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The ops with weights. An op whose weight is an initializer and that is all
// its torch.onnx scope computes becomes a call_module of the module class
// (Conv2d, Linear, BatchNorm2d, ...) on that scope; otherwise the
// functional form (F.conv2d, ...) in the enclosing module.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;

/// `<scope>.<role>`, or empty at the top level (the initializer name is
/// used then).
static std::string roleName(Importer &imp, const onnx::NodeProto &node,
                            StringRef role) {
  std::string path = imp.scopePath(node);
  if (path.empty())
    return {};
  return path + "." + role.str();
}

/// Input 2, the optional bias, as a value (null when omitted).
static FailureOr<Value> getOptionalBias(Importer &imp,
                                        const onnx::NodeProto &node) {
  if (!imp.hasInput(node, 2))
    return Value();
  return imp.getInput(node, 2, roleName(imp, node, "bias"));
}

/// The module path implied by a torch-named weight (`conv1.weight`), for
/// graphs without scope names.
static std::string modulePathFromWeight(Importer &imp,
                                        const onnx::NodeProto &node, int idx) {
  const ConstTensor *c = imp.getConstInput(node, idx);
  if (!c || !c->isInitializer())
    return {};
  StringRef name = c->initializerName;
  if (!name.ends_with(".weight"))
    return {};
  return name.drop_back(strlen(".weight")).str();
}

/// A module's weight: a constant, or in a Q/DQ model a DequantizeLinear of
/// one (int8 initializer) or of a QuantizeLinear of one (fake-quantized
/// float weights, as torch.onnx exports QAT models).
static bool isConstWeight(Importer &imp, const onnx::NodeProto &node, int idx) {
  if (imp.getConstInput(node, idx))
    return true;
  const onnx::NodeProto *user = &node;
  for (StringRef opType : {"DequantizeLinear", "QuantizeLinear"}) {
    if (!imp.hasInput(*user, idx))
      return false;
    auto it = imp.producer.find(user->input(idx));
    if (it == imp.producer.end())
      return false;
    const onnx::NodeProto &q = imp.graph.node(it->second);
    if (q.op_type() != opType)
      return false;
    if (imp.getConstInput(q, 0))
      return true;
    user = &q;
    idx = 0;
  }
  return false;
}

/// Sets call_module provenance when the node owns its scope (or, without
/// scopes, its weight is named after a module) and the weight is constant.
static void setWeightedProvenance(Importer &imp, Operation *op,
                                  const onnx::NodeProto &node,
                                  StringRef moduleClass, StringRef function,
                                  int weightIdx, ArrayRef<int> group = {}) {
  bool constWeight = isConstWeight(imp, node, weightIdx);
  if (constWeight && imp.ownsScope(node, group)) {
    imp.setProvenance(op, NodeKind::call_module, moduleClass,
                      imp.scopePath(node));
    return;
  }
  if (constWeight && imp.scopePath(node).empty()) {
    std::string path = modulePathFromWeight(imp, node, weightIdx);
    if (!path.empty()) {
      imp.setProvenance(op, NodeKind::call_module, moduleClass, path);
      return;
    }
  }
  imp.setProvenance(op, NodeKind::call_function, function, imp.scopePath(node));
}

/// Spatial attributes shared by Conv and ConvTranspose.
struct SpatialAttrs {
  SmallVector<int64_t> stride, dilation;
  SpatialPadding pad;
};

/// Reads strides/pads/dilations for `n` spatial dims. Returns failure with
/// an error for malformed attributes, std::nullopt (no error) for valid ONNX
/// that no torch op expresses: for ConvTranspose, padding that is not
/// symmetric (it crops the output there).
static FailureOr<std::optional<SpatialAttrs>>
readSpatial(Importer &imp, const onnx::NodeProto &node, size_t n,
            RankedTensorType inType, ArrayRef<int64_t> kernel,
            bool transposed) {
  auto autoPad = imp.getStringAttr(node, "auto_pad", "NOTSET");
  auto strides = imp.getIntsAttr(node, "strides", SmallVector<int64_t>(n, 1));
  auto dilations =
      imp.getIntsAttr(node, "dilations", SmallVector<int64_t>(n, 1));
  if (failed(autoPad) || failed(strides) || failed(dilations))
    return failure();
  if (strides->size() != n || dilations->size() != n)
    return imp.emitError(node)
           << "strides and dilations need " << n << " entries";
  if (llvm::any_of(*strides, [](int64_t s) { return s < 1; }) ||
      llvm::any_of(*dilations, [](int64_t d) { return d < 1; }))
    return imp.emitError(node) << "strides and dilations must be positive";
  if (transposed && *autoPad != "NOTSET" && *autoPad != "VALID")
    return std::optional<SpatialAttrs>();
  auto pad = resolvePadding(imp, node, inType, kernel, *strides, *dilations);
  if (failed(pad))
    return failure();
  if (!*pad || (transposed && (*pad)->needsExplicitPad()))
    return std::optional<SpatialAttrs>();
  return std::optional<SpatialAttrs>(
      SpatialAttrs{*strides, *dilations, std::move(**pad)});
}

static const char *convClass(int64_t n, bool transposed) {
  static const char *conv[] = {"torch.nn.modules.conv.Conv1d",
                               "torch.nn.modules.conv.Conv2d",
                               "torch.nn.modules.conv.Conv3d"};
  static const char *convT[] = {"torch.nn.modules.conv.ConvTranspose1d",
                                "torch.nn.modules.conv.ConvTranspose2d",
                                "torch.nn.modules.conv.ConvTranspose3d"};
  return transposed ? convT[n - 1] : conv[n - 1];
}

static const char *convFunction(int64_t n, bool transposed) {
  static const char *conv[] = {"torch.nn.functional.conv1d",
                               "torch.nn.functional.conv2d",
                               "torch.nn.functional.conv3d"};
  static const char *convT[] = {"torch.nn.functional.conv_transpose1d",
                                "torch.nn.functional.conv_transpose2d",
                                "torch.nn.functional.conv_transpose3d"};
  return transposed ? convT[n - 1] : conv[n - 1];
}

static LogicalResult convertConv(Importer &imp, const onnx::NodeProto &node) {
  bool transposed = node.op_type() == "ConvTranspose";
  if (node.input_size() < 2)
    return imp.emitError(node) << "expects at least 2 inputs";
  auto wType = imp.getTensorType(node.input(1), &node);
  if (failed(wType))
    return failure();
  int64_t n = wType->getRank() - 2;
  if (n < 1 || n > 3 || !wType->hasStaticShape())
    return imp.emitGenericCall(node);
  auto inType = imp.getTensorType(node.input(0), &node);
  if (failed(inType))
    return failure();
  if (inType->getRank() != n + 2)
    return imp.emitError(node) << "input rank " << inType->getRank()
                               << " does not match the " << n << "-d weight";
  auto spatial = readSpatial(imp, node, n, *inType,
                             wType->getShape().drop_front(2), transposed);
  auto group = imp.getIntAttr(node, "group", 1);
  if (failed(spatial) || failed(group))
    return failure();
  SmallVector<int64_t> outputPadding(n, 0);
  if (transposed) {
    auto op = imp.getIntsAttr(node, "output_padding", outputPadding);
    if (failed(op))
      return failure();
    if (op->size() != static_cast<size_t>(n))
      return imp.emitError(node) << "output_padding needs " << n << " entries";
    outputPadding = *op;
    // An explicit output_shape implies padding we do not recompute.
    if (imp.getAttr(node, "output_shape"))
      return imp.emitGenericCall(node);
  }
  if (!*spatial)
    return imp.emitGenericCall(node);
  auto resultType = imp.getResultType(node);
  if (failed(resultType))
    return failure();
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  const SpatialPadding &pad = (*spatial)->pad;
  if (pad.needsExplicitPad())
    *input = emitExplicitPad(imp, node, *input, pad, 0.0);
  auto weight = imp.getInput(node, 1, roleName(imp, node, "weight"));
  if (failed(weight))
    return failure();
  auto bias = getOptionalBias(imp, node);
  if (failed(bias))
    return failure();
  OpBuilder &b = imp.builder;
  Operation *op;
  if (transposed)
    op = ConvTransposeOp::create(b, imp.getLoc(node), *resultType, *input,
                                 *weight, *bias,
                                 b.getDenseI64ArrayAttr((*spatial)->stride),
                                 b.getDenseI64ArrayAttr(pad.symmetric),
                                 b.getDenseI64ArrayAttr(outputPadding),
                                 b.getDenseI64ArrayAttr((*spatial)->dilation),
                                 b.getI64IntegerAttr(*group));
  else
    op = ConvOp::create(b, imp.getLoc(node), *resultType, *input, *weight,
                        *bias, b.getDenseI64ArrayAttr((*spatial)->stride),
                        b.getDenseI64ArrayAttr(pad.symmetric),
                        b.getDenseI64ArrayAttr((*spatial)->dilation),
                        b.getI64IntegerAttr(*group));
  setWeightedProvenance(imp, op, node, convClass(n, transposed),
                        convFunction(n, transposed), 1);
  imp.setResult(node, 0, op->getResult(0));
  return success();
}

static LogicalResult convertGemm(Importer &imp, const onnx::NodeProto &node) {
  if (node.input_size() < 2)
    return imp.emitError(node) << "expects at least 2 inputs";
  auto alpha = imp.getFloatAttr(node, "alpha", 1.0);
  auto beta = imp.getFloatAttr(node, "beta", 1.0);
  auto transA = imp.getIntAttr(node, "transA", 0);
  auto transB = imp.getIntAttr(node, "transB", 0);
  if (failed(alpha) || failed(beta) || failed(transA) || failed(transB))
    return failure();
  const ConstTensor *w = imp.getConstInput(node, 1);
  const ConstTensor *c = imp.getConstInput(node, 2);
  bool biasOk = !imp.hasInput(node, 2) || (c && c->data->shape.size() == 1);
  // Only x @ W^T + b is nn.Linear.
  if (*alpha != 1.0 || (*beta != 1.0 && imp.hasInput(node, 2)) || *transA ||
      !w || w->data->shape.size() != 2 || !biasOk)
    return imp.emitGenericCall(node);
  auto resultType = imp.getResultType(node);
  auto input = imp.getInput(node, 0);
  if (failed(resultType) || failed(input))
    return failure();
  std::string weightName = w->initializerName;
  if (!*transB || weightName.empty() || !isTorchParameterName(weightName)) {
    std::string role = roleName(imp, node, "weight");
    if (!role.empty())
      weightName = role;
  }
  Value weight;
  if (w->isInitializer()) {
    weight = imp.getParameter(*w, weightName, imp.getLoc(node), {},
                              /*transpose2d=*/!*transB);
  } else if (*transB) {
    auto v = imp.getInput(node, 1);
    if (failed(v))
      return failure();
    weight = *v;
  } else {
    return imp.emitGenericCall(node);
  }
  auto bias = getOptionalBias(imp, node);
  if (failed(bias))
    return failure();
  auto op = LinearOp::create(imp.builder, imp.getLoc(node), *resultType, *input,
                             weight, *bias);
  setWeightedProvenance(imp, op, node, "torch.nn.modules.linear.Linear",
                        "torch.nn.functional.linear", 1);
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertMatMul(Importer &imp, const onnx::NodeProto &node) {
  if (node.input_size() != 2)
    return imp.emitError(node) << "expects 2 inputs";
  auto resultType = imp.getResultType(node);
  if (failed(resultType))
    return failure();
  const ConstTensor *w = imp.getConstInput(node, 1);
  // A bias-free nn.Linear: x @ W^T with W^T stored as the initializer.
  if (w && w->isInitializer() && w->data->shape.size() == 2 &&
      imp.ownsScope(node)) {
    auto input = imp.getInput(node, 0);
    if (failed(input))
      return failure();
    Value weight = imp.getParameter(*w, roleName(imp, node, "weight"),
                                    imp.getLoc(node), {}, /*transpose2d=*/true);
    auto op = LinearOp::create(imp.builder, imp.getLoc(node), *resultType,
                               *input, weight, Value());
    imp.setProvenance(op, NodeKind::call_module,
                      "torch.nn.modules.linear.Linear", imp.scopePath(node));
    imp.setResult(node, 0, op.getResult());
    return success();
  }
  auto lhs = imp.getInput(node, 0);
  auto rhs = imp.getInput(node, 1);
  if (failed(lhs) || failed(rhs))
    return failure();
  if (!isa<FloatType>(getElementTypeOrSelf(lhs->getType())) ||
      !isa<FloatType>(getElementTypeOrSelf(rhs->getType())))
    return imp.emitGenericCall(node);
  auto op =
      MatmulOp::create(imp.builder, imp.getLoc(node), *resultType, *lhs, *rhs);
  imp.setProvenance(op, NodeKind::call_function, "torch.matmul",
                    imp.scopePath(node));
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertBatchNorm(Importer &imp,
                                      const onnx::NodeProto &node) {
  if (node.input_size() != 5)
    return imp.emitError(node) << "expects 5 inputs";
  auto eps = imp.getFloatAttr(node, "epsilon", 1e-5);
  auto momentum = imp.getFloatAttr(node, "momentum", 0.9);
  auto trainingMode = imp.getIntAttr(node, "training_mode", 0);
  if (failed(eps) || failed(momentum) || failed(trainingMode))
    return failure();
  for (int i = 1; i < node.output_size(); ++i)
    if (imp.isOutputUsed(node, i))
      return imp.emitGenericCall(node);
  auto resultType = imp.getResultType(node);
  if (failed(resultType))
    return failure();
  int64_t rank = resultType->getRank();
  if (rank < 2 || rank > 5)
    return imp.emitGenericCall(node);
  SmallVector<Value> operands;
  static const char *roles[] = {"", "weight", "bias", "running_mean",
                                "running_var"};
  for (int i = 0; i < 5; ++i) {
    auto v = imp.getInput(node, i, i ? roleName(imp, node, roles[i]) : "");
    if (failed(v))
      return failure();
    operands.push_back(*v);
  }
  OpBuilder &b = imp.builder;
  // ONNX: running = running * momentum + batch * (1 - momentum); torch
  // weighs the batch statistic by its momentum.
  auto op = BatchNormOp::create(
      b, imp.getLoc(node), *resultType, operands[0], operands[1], operands[2],
      operands[3], operands[4], b.getF64FloatAttr(*eps),
      b.getF64FloatAttr(roundTripFloat(static_cast<float>(1.0 - *momentum))),
      *trainingMode ? b.getUnitAttr() : UnitAttr());
  static const char *classes[] = {"torch.nn.modules.batchnorm.BatchNorm1d",
                                  "torch.nn.modules.batchnorm.BatchNorm2d",
                                  "torch.nn.modules.batchnorm.BatchNorm3d"};
  int64_t n = rank <= 3 ? 1 : rank - 2;
  setWeightedProvenance(imp, op, node, classes[n - 1],
                        "torch.nn.functional.batch_norm", 1);
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertLayerNorm(Importer &imp,
                                      const onnx::NodeProto &node) {
  if (node.input_size() < 2)
    return imp.emitError(node) << "expects at least 2 inputs";
  auto axis = imp.getIntAttr(node, "axis", -1);
  auto eps = imp.getFloatAttr(node, "epsilon", 1e-5);
  if (failed(axis) || failed(eps))
    return failure();
  for (int i = 1; i < node.output_size(); ++i)
    if (imp.isOutputUsed(node, i))
      return imp.emitGenericCall(node);
  auto resultType = imp.getResultType(node);
  if (failed(resultType))
    return failure();
  int64_t rank = resultType->getRank();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a >= rank)
    return imp.emitError(node) << "axis " << *axis << " out of range";
  SmallVector<int64_t> normShape(resultType->getShape().drop_front(a));
  auto input = imp.getInput(node, 0);
  auto weight = imp.getInput(node, 1, roleName(imp, node, "weight"));
  if (failed(input) || failed(weight))
    return failure();
  auto bias = getOptionalBias(imp, node);
  if (failed(bias))
    return failure();
  OpBuilder &b = imp.builder;
  auto op = LayerNormOp::create(
      b, imp.getLoc(node), *resultType, *input, *weight, *bias,
      b.getDenseI64ArrayAttr(normShape), b.getF64FloatAttr(*eps));
  setWeightedProvenance(imp, op, node,
                        "torch.nn.modules.normalization.LayerNorm",
                        "torch.nn.functional.layer_norm", 1);
  imp.setResult(node, 0, op.getResult());
  return success();
}

/// Gather on a constant 2-d float table along axis 0 is an embedding.
static LogicalResult convertGather(Importer &imp, const onnx::NodeProto &node) {
  if (node.input_size() != 2)
    return imp.emitError(node) << "expects 2 inputs";
  auto axis = imp.getIntAttr(node, "axis", 0);
  if (failed(axis))
    return failure();
  const ConstTensor *table = imp.getConstInput(node, 0);
  if (!table || *axis != 0 || table->data->shape.size() != 2 ||
      !isa_and_nonnull<FloatType>(imp.getElementType(table->data->dtype)) ||
      imp.getConstInput(node, 1))
    return imp.emitGenericCall(node);
  auto resultType = imp.getResultType(node);
  auto weight = imp.getInput(node, 0, roleName(imp, node, "weight"));
  auto indices = imp.getInput(node, 1);
  if (failed(resultType) || failed(weight) || failed(indices))
    return failure();
  if (!getElementTypeOrSelf(indices->getType()).isSignlessInteger(64) &&
      !getElementTypeOrSelf(indices->getType()).isSignlessInteger(32))
    return imp.emitGenericCall(node);
  auto op = EmbeddingOp::create(imp.builder, imp.getLoc(node), *resultType,
                                *weight, *indices, IntegerAttr());
  setWeightedProvenance(imp, op, node, "torch.nn.modules.sparse.Embedding",
                        "torch.nn.functional.embedding", 0);
  imp.setResult(node, 0, op.getResult());
  return success();
}

void qfx::onnx_import::populateConvLinearConverters(
    llvm::StringMap<ConvertFn> &table) {
  table["Conv"] = convertConv;
  table["ConvTranspose"] = convertConv;
  table["Gemm"] = convertGemm;
  table["MatMul"] = convertMatMul;
  table["BatchNormalization"] = convertBatchNorm;
  table["LayerNormalization"] = convertLayerNorm;
  table["Gather"] = convertGather;
}
