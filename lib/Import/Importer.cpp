//===- Importer.cpp - ONNX ModelProto to qfx ------------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The import driver: validates opsets, runs shape inference, turns
// initializers into qfx.parameter symbols and graph inputs into arguments of
// func.func @forward, then converts nodes in graph order.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "OnnxSafe.h"
#include "qfx/Import/OnnxNaming.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"

#include <google/protobuf/io/coded_stream.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;

static constexpr int64_t kMinOpset = 11;
static constexpr int64_t kMaxOpset = 17;

Importer::Importer(MLIRContext *context, onnx::ModelProto &model,
                   StringRef modelPath, const OnnxImportOptions &options)
    : ctx(context), builder(context), model(model), graph(model.graph()),
      modelPath(modelPath.str()), options(options), paramBuilder(context) {
  populateConvLinearConverters(converters);
  populateElementwiseConverters(converters);
  populateShapeConverters(converters);
  populateQDQConverters(converters);
  populateIndexingConverters(converters);
  populateResampleConverters(converters);
  populatePaddingConverters(converters);
  for (int i = 0; i < graph.node_size(); ++i)
    nodeIndices[&graph.node(i)] = i;
}

//===----------------------------------------------------------------------===//
// Diagnostics and provenance
//===----------------------------------------------------------------------===//

InFlightDiagnostic Importer::emitError() {
  return mlir::emitError(FileLineColLoc::get(ctx, modelPath, 0, 0));
}

InFlightDiagnostic Importer::emitError(const onnx::NodeProto &node) {
  return emitError() << "node '" << nodeName(node) << "' (" << node.op_type()
                     << "): ";
}

std::string Importer::nodeName(const onnx::NodeProto &node) const {
  if (!node.name().empty())
    return node.name();
  return node.op_type() + "_" + std::to_string(indexOf(node));
}

Location Importer::getLoc(const onnx::NodeProto &node) {
  return NameLoc::get(StringAttr::get(ctx, nodeName(node)));
}

int Importer::indexOf(const onnx::NodeProto &node) const {
  auto it = nodeIndices.find(&node);
  return it == nodeIndices.end() ? -1 : it->second;
}

std::string Importer::scopePath(const onnx::NodeProto &node) const {
  int i = indexOf(node);
  if (i < 0 || i >= static_cast<int>(nodeModule.size()))
    return {};
  return nodeModule[i];
}

bool Importer::ownsScope(const onnx::NodeProto &node,
                         ArrayRef<int> group) const {
  int i = indexOf(node);
  if (i < 0 || i >= static_cast<int>(nodeScope.size()) || nodeScope[i].empty())
    return false;
  // A module with submodules is not a leaf: its own ops are functional.
  if (parentScopes.contains(nodeScope[i]))
    return false;
  auto it = scopeNodes.find(nodeScope[i]);
  if (it == scopeNodes.end())
    return false;
  for (int member : it->second)
    if (member != i && !llvm::is_contained(group, member))
      return false;
  return true;
}

void Importer::setProvenance(Operation *op, NodeKind kind, StringRef target,
                             StringRef module) {
  op->setAttr(QFXDialect::getNodeAttrName(),
              NodeAttr::get(ctx, kind, StringAttr::get(ctx, target),
                            StringAttr::get(ctx, module)));
}

void Importer::setModuleOrFunction(Operation *op, const onnx::NodeProto &node,
                                   StringRef moduleClass, StringRef function,
                                   ArrayRef<int> group) {
  if (!moduleClass.empty() && ownsScope(node, group))
    setProvenance(op, NodeKind::call_module, moduleClass, scopePath(node));
  else
    setProvenance(op, NodeKind::call_function, function, scopePath(node));
}

//===----------------------------------------------------------------------===//
// Values and constants
//===----------------------------------------------------------------------===//

bool Importer::hasInput(const onnx::NodeProto &node, int idx) const {
  return idx >= 0 && idx < node.input_size() && !node.input(idx).empty();
}

const ConstTensor *Importer::getConst(StringRef name) const {
  auto it = consts.find(name);
  return it == consts.end() ? nullptr : &it->second;
}

const ConstTensor *Importer::getConstInput(const onnx::NodeProto &node,
                                           int idx) const {
  if (!hasInput(node, idx))
    return nullptr;
  return getConst(node.input(idx));
}

std::optional<SmallVector<int64_t>>
Importer::getConstInts(const onnx::NodeProto &node, int idx) const {
  const ConstTensor *c = getConstInput(node, idx);
  if (!c)
    return std::nullopt;
  return c->data->toInts();
}

std::optional<SmallVector<double>>
Importer::getConstDoubles(const onnx::NodeProto &node, int idx) const {
  const ConstTensor *c = getConstInput(node, idx);
  if (!c)
    return std::nullopt;
  return c->data->toDoubles();
}

std::optional<Importer::SliceArgs>
Importer::getConstSliceArgs(const onnx::NodeProto &node) const {
  auto starts = getConstInts(node, 1), ends = getConstInts(node, 2);
  if (!starts || !ends)
    return std::nullopt;
  SliceArgs args{*starts, *ends, {}, SmallVector<int64_t>(starts->size(), 1)};
  for (size_t i = 0; i < starts->size(); ++i)
    args.axes.push_back(i);
  for (auto [idx, out] : {std::pair{3, &args.axes}, std::pair{4, &args.steps}})
    if (hasInput(node, idx)) {
      auto v = getConstInts(node, idx);
      if (!v)
        return std::nullopt;
      *out = *v;
    }
  return args;
}

Value Importer::lookupValue(StringRef name) const {
  return values.lookup(name);
}

void Importer::setResult(const onnx::NodeProto &node, int idx, Value value) {
  if (idx < node.output_size() && !node.output(idx).empty())
    values[node.output(idx)] = value;
}

void Importer::setConst(StringRef name, ConstTensor value) {
  consts[name] = std::move(value);
}

bool Importer::isOutputUsed(const onnx::NodeProto &node, int idx) const {
  if (idx >= node.output_size() || node.output(idx).empty())
    return false;
  return useCount.lookup(node.output(idx)) > 0;
}

std::optional<RankedTensorType> Importer::lookupTensorType(StringRef name) {
  if (Value v = values.lookup(name))
    if (auto t = dyn_cast<RankedTensorType>(v.getType()))
      return t;
  if (const ConstTensor *c = getConst(name)) {
    if (Type elem = getElementType(c->data->dtype))
      return RankedTensorType::get(c->data->shape, elem);
    return std::nullopt;
  }
  const onnx::TypeProto *type = valueTypes.lookup(name);
  if (!type || !type->has_tensor_type() || !type->tensor_type().has_shape())
    return std::nullopt;
  Type elem = getElementType(type->tensor_type().elem_type());
  if (!elem)
    return std::nullopt;
  SmallVector<int64_t> shape;
  for (const auto &dim : type->tensor_type().shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);
  return RankedTensorType::get(shape, elem);
}

FailureOr<RankedTensorType>
Importer::getTensorType(StringRef name, const onnx::NodeProto *user) {
  auto fail = [&]() -> InFlightDiagnostic {
    if (user)
      return emitError(*user);
    return emitError();
  };
  if (auto t = lookupTensorType(name))
    return *t;
  if (const ConstTensor *c = getConst(name)) {
    Type elem = getElementType(c->data->dtype);
    if (!elem)
      return fail() << "tensor '" << name << "' has unsupported dtype "
                    << onnxDTypeName(c->data->dtype);
    return RankedTensorType::get(c->data->shape, elem);
  }
  const onnx::TypeProto *type = valueTypes.lookup(name);
  if (!type || !type->has_tensor_type())
    return fail() << "cannot determine the type of tensor '" << name
                  << "' (no type in the model and shape inference gave none)";
  const auto &tt = type->tensor_type();
  Type elem = getElementType(tt.elem_type());
  if (!elem)
    return fail() << "tensor '" << name << "' has unsupported dtype "
                  << onnxDTypeName(tt.elem_type());
  if (!tt.has_shape())
    return fail() << "cannot determine the rank of tensor '" << name << "'";
  SmallVector<int64_t> shape;
  for (const auto &dim : tt.shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() >= 0)
      shape.push_back(dim.dim_value());
    else
      shape.push_back(ShapedType::kDynamic);
  }
  return RankedTensorType::get(shape, elem);
}

FailureOr<RankedTensorType> Importer::getResultType(const onnx::NodeProto &node,
                                                    int idx) {
  if (idx >= node.output_size() || node.output(idx).empty())
    return emitError(node) << "missing output " << idx;
  return getTensorType(node.output(idx), &node);
}

/// The elements attribute of constant data (a blob unless bool).
static ElementsAttr makeDenseAttr(RankedTensorType type,
                                  const TensorData &data) {
  if (type.getElementType().isInteger(1)) {
    SmallVector<bool> bits;
    for (char ch : data.bytes)
      bits.push_back(ch != 0);
    return DenseElementsAttr::get(type, bits);
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(data.bytes.data(), data.bytes.size()));
}

Value Importer::getParameter(const ConstTensor &c, StringRef name, Location loc,
                             Type elementType, bool transpose2d) {
  const TensorData &data = *c.data;
  if (!elementType)
    elementType = getElementType(data.dtype);
  SmallVector<int64_t> shape(data.shape);
  if (transpose2d && shape.size() == 2)
    std::swap(shape[0], shape[1]);
  auto type = RankedTensorType::get(shape, elementType);

  std::string source = c.initializerName + (transpose2d ? "^T" : "");
  std::string symbol = name.str();
  // The same name may be derived for two different tensors; keep both.
  for (int suffix = 1; parameters.count(symbol); ++suffix) {
    if (paramSource.lookup(symbol) == source &&
        parameters[symbol].getType() == type)
      return parameterReads.lookup(symbol);
    symbol = name.str() + "_" + std::to_string(suffix);
  }

  {
    // Element alignment: readers of bytecode from unaligned buffers
    // (stdin) cannot honor more.
    size_t align = std::max<int64_t>(1, onnxDTypeSize(data.dtype));
    Attribute value;
    if (elementType.isInteger(1)) {
      value = makeDenseAttr(type, data);
    } else if (transpose2d && shape.size() == 2) {
      int64_t rows = data.shape[0], cols = data.shape[1];
      int64_t elem = onnxDTypeSize(data.dtype);
      std::vector<char> out(data.bytes.size());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t col = 0; col < cols; ++col)
          std::memcpy(&out[(col * rows + r) * elem],
                      data.bytes.data() + (r * cols + col) * elem, elem);
      value = DenseResourceElementsAttr::get(
          type, blobKeyForName(symbol),
          HeapAsmResourceBlob::allocateAndCopyWithAlign(out, align));
    } else {
      Attribute &blob = blobs[c.data.get()];
      if (!blob) {
        blob = DenseResourceElementsAttr::get(
            type, blobKeyForName(symbol),
            HeapAsmResourceBlob::allocateAndCopyWithAlign(
                ArrayRef<char>(data.bytes.data(), data.bytes.size()), align));
        value = blob;
      } else {
        value = DenseResourceElementsAttr::get(
            type, cast<DenseResourceElementsAttr>(blob).getRawHandle());
      }
    }
    ParameterKind kind = isTorchBufferName(symbol) ? ParameterKind::buffer
                                                   : ParameterKind::parameter;
    ParameterOp param = ParameterOp::create(
        paramBuilder, NameLoc::get(StringAttr::get(ctx, symbol)),
        StringAttr::get(ctx, symbol), ParameterKindAttr::get(ctx, kind),
        cast<TypedAttr>(value));
    paramSource[symbol] = source;
    parameters[symbol] = param;
  }
  (void)loc;
  std::string fxName = symbol;
  std::replace(fxName.begin(), fxName.end(), '.', '_');
  Value read =
      GetAttrOp::create(builder, NameLoc::get(StringAttr::get(ctx, fxName)),
                        type, FlatSymbolRefAttr::get(ctx, symbol));
  parameterReads[symbol] = read;
  return read;
}

FailureOr<Value> Importer::materialize(const ConstTensor &c,
                                       StringRef paramName, Location loc) {
  if (c.isInitializer()) {
    std::string name = c.initializerName;
    if (!isTorchParameterName(name) && !paramName.empty())
      name = paramName.str();
    return getParameter(c, name, loc);
  }
  Type elem = getElementType(c.data->dtype);
  if (!elem)
    return emitError() << "constant of unsupported dtype "
                       << onnxDTypeName(c.data->dtype);
  auto type = RankedTensorType::get(c.data->shape, elem);
  auto op = ConstantOp::create(builder, loc, type, type.getRank() == 0,
                               makeDenseAttr(type, *c.data));
  return op.getResult();
}

FailureOr<Value> Importer::getInput(const onnx::NodeProto &node, int idx,
                                    StringRef paramName) {
  if (!hasInput(node, idx))
    return emitError(node) << "missing input " << idx;
  return getTensor(node.input(idx), node, paramName);
}

FailureOr<Value> Importer::getTensor(StringRef name,
                                     const onnx::NodeProto &node,
                                     StringRef paramName) {
  if (Value v = values.lookup(name))
    return v;
  if (const ConstTensor *c = getConst(name)) {
    Location loc = getLoc(node);
    if (!c->isInitializer()) {
      auto prod = producer.find(name);
      if (prod != producer.end())
        loc = getLoc(graph.node(prod->second));
    }
    auto v = materialize(*c, paramName, loc);
    if (succeeded(v) && !c->isInitializer())
      values[name] = *v;
    return v;
  }
  return emitError(node) << "input '" << name
                         << "' is not a graph input, an initializer or the "
                            "output of an earlier node";
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

double qfx::onnx_import::roundTripFloat(float f) {
  if (!std::isfinite(f))
    return f;
  char buf[64];
  for (int precision = 1; precision <= 9; ++precision) {
    snprintf(buf, sizeof(buf), "%.*g", precision, static_cast<double>(f));
    double d = strtod(buf, nullptr);
    if (static_cast<float>(d) == f)
      return d;
  }
  return f;
}

const onnx::AttributeProto *Importer::getAttr(const onnx::NodeProto &node,
                                              StringRef name) const {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

FailureOr<int64_t> Importer::getIntAttr(const onnx::NodeProto &node,
                                        StringRef name, int64_t dflt) {
  const auto *attr = getAttr(node, name);
  if (!attr)
    return dflt;
  if (attr->type() != onnx::AttributeProto::INT)
    return emitError(node) << "attribute '" << name << "' must be an int";
  return attr->i();
}

FailureOr<double> Importer::getFloatAttr(const onnx::NodeProto &node,
                                         StringRef name, double dflt) {
  const auto *attr = getAttr(node, name);
  if (!attr)
    return dflt;
  if (attr->type() != onnx::AttributeProto::FLOAT)
    return emitError(node) << "attribute '" << name << "' must be a float";
  return roundTripFloat(attr->f());
}

FailureOr<SmallVector<int64_t>>
Importer::getIntsAttr(const onnx::NodeProto &node, StringRef name,
                      ArrayRef<int64_t> dflt) {
  const auto *attr = getAttr(node, name);
  if (!attr)
    return SmallVector<int64_t>(dflt);
  if (attr->type() != onnx::AttributeProto::INTS)
    return emitError(node) << "attribute '" << name << "' must be ints";
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

FailureOr<std::string> Importer::getStringAttr(const onnx::NodeProto &node,
                                               StringRef name, StringRef dflt) {
  const auto *attr = getAttr(node, name);
  if (!attr)
    return dflt.str();
  if (attr->type() != onnx::AttributeProto::STRING)
    return emitError(node) << "attribute '" << name << "' must be a string";
  return attr->s();
}

Attribute Importer::convertAttribute(const onnx::AttributeProto &attr) {
  Builder b(ctx);
  switch (attr.type()) {
  case onnx::AttributeProto::INT:
    return b.getI64IntegerAttr(attr.i());
  case onnx::AttributeProto::FLOAT:
    return b.getF32FloatAttr(attr.f());
  case onnx::AttributeProto::STRING:
    return b.getStringAttr(attr.s());
  case onnx::AttributeProto::INTS:
    return b.getDenseI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end()));
  case onnx::AttributeProto::FLOATS:
    return b.getDenseF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end()));
  case onnx::AttributeProto::STRINGS: {
    SmallVector<Attribute> strs;
    for (const auto &s : attr.strings())
      strs.push_back(b.getStringAttr(s));
    return b.getArrayAttr(strs);
  }
  case onnx::AttributeProto::TENSOR: {
    auto data = loadTensor(attr.t(), "attribute '" + attr.name() + "'");
    if (failed(data))
      return {};
    Type elem = getElementType((*data)->dtype);
    if (!elem)
      return {};
    return makeDenseAttr(RankedTensorType::get((*data)->shape, elem), **data);
  }
  default:
    return {};
  }
}

LogicalResult Importer::emitGenericCall(const onnx::NodeProto &node) {
  SmallVector<Value> inputs;
  SmallVector<int64_t> omitted;
  for (int i = 0; i < node.input_size(); ++i) {
    if (!hasInput(node, i)) {
      omitted.push_back(i);
      continue;
    }
    auto v = getInput(node, i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  SmallVector<Type> resultTypes;
  for (int i = 0; i < node.output_size(); ++i) {
    auto type = getResultType(node, i);
    if (failed(type))
      return failure();
    resultTypes.push_back(*type);
  }
  SmallVector<NamedAttribute> params;
  for (const auto &attr : node.attribute()) {
    Attribute value = convertAttribute(attr);
    if (!value)
      return emitError(node)
             << "attribute '" << attr.name() << "' has an unsupported type";
    params.push_back(NamedAttribute(StringAttr::get(ctx, attr.name()), value));
  }
  if (!omitted.empty())
    params.push_back(NamedAttribute(StringAttr::get(ctx, "omitted_inputs"),
                                    builder.getDenseI64ArrayAttr(omitted)));
  std::string target = "onnx.";
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    target += node.domain() + ".";
  target += node.op_type();
  auto call = CallOp::create(
      builder, getLoc(node), resultTypes,
      NodeKindAttr::get(ctx, NodeKind::call_function),
      builder.getStringAttr(target), inputs,
      params.empty() ? DictionaryAttr() : builder.getDictionaryAttr(params));
  setProvenance(call, NodeKind::call_function, target, scopePath(node));
  for (int i = 0; i < node.output_size(); ++i)
    setResult(node, i, call.getResult(i));
  return success();
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

LogicalResult Importer::loadInitializers() {
  for (const auto &init : graph.initializer()) {
    if (init.name().empty())
      return emitError() << "initializer without a name";
    auto data = loadTensor(init, "initializer '" + init.name() + "'");
    if (failed(data))
      return failure();
    consts[init.name()] = ConstTensor{*data, init.name()};
  }
  if (graph.sparse_initializer_size() > 0)
    return emitError() << "sparse initializers are not supported";
  return success();
}

/// Op types that never count as a module's computation. Q/DQ pairs are
/// quantization, not the module: a QConfigMapping rule for a module must
/// apply to its Q/DQ-wrapped import too.
static bool isBookkeeping(StringRef opType) {
  return opType == "Constant" || opType == "Identity" || opType == "Shape" ||
         opType == "QuantizeLinear" || opType == "DequantizeLinear";
}

LogicalResult Importer::computeScopes() {
  int n = graph.node_size();
  nodeModule.assign(n, "");
  nodeScope.assign(n, "");
  llvm::StringSet<> scopePaths, realModules;
  for (const auto &init : graph.initializer()) {
    StringRef name = init.name();
    if (!isTorchParameterName(name))
      continue;
    while (true) {
      auto dot = name.rfind('.');
      if (dot == StringRef::npos)
        break;
      name = name.take_front(dot);
      realModules.insert(name);
    }
  }
  std::vector<std::string> raw(n);
  for (int i = 0; i < n; ++i) {
    OnnxScope scope = splitOnnxScope(graph.node(i).name());
    raw[i] = joinScopeComponents(scope.components);
    if (!raw[i].empty())
      scopePaths.insert(raw[i]);
    // Every enclosing module path (`a`, `a.b` of `a.b.c`) has submodules.
    for (size_t dot = raw[i].find('.'); dot != std::string::npos;
         dot = raw[i].find('.', dot + 1))
      parentScopes.insert(StringRef(raw[i]).take_front(dot));
  }
  // Tensors computable at import time (initializers, constants, shapes).
  llvm::StringSet<> staticTensors;
  for (const auto &init : graph.initializer())
    staticTensors.insert(init.name());
  for (int i = 0; i < n; ++i) {
    const auto &node = graph.node(i);
    nodeModule[i] = canonicalizeModulePath(raw[i], scopePaths, realModules);
    nodeScope[i] = raw[i];
    bool allStatic = node.op_type() == "Constant" || node.op_type() == "Shape";
    if (!allStatic && node.input_size() > 0) {
      allStatic = true;
      for (const auto &in : node.input())
        if (!in.empty() && !staticTensors.contains(in))
          allStatic = false;
    }
    if (allStatic)
      for (const auto &out : node.output())
        staticTensors.insert(out);
    if (raw[i].empty() || allStatic || isBookkeeping(node.op_type()))
      continue;
    scopeNodes[raw[i]].push_back(i);
  }
  return success();
}

/// A Constant node: its value becomes a known constant (materialized where
/// an op needs it as an operand).
LogicalResult Importer::convertConstant(const onnx::NodeProto &node) {
  if (node.output_size() != 1 || node.attribute_size() != 1)
    return emitError(node) << "expects one output and one attribute";
  const auto &attr = node.attribute(0);
  std::shared_ptr<TensorData> data;
  if (attr.name() == "value" && attr.type() == onnx::AttributeProto::TENSOR) {
    auto loaded =
        loadTensor(attr.t(), "node '" + nodeName(node) + "' (Constant) value");
    if (failed(loaded))
      return failure();
    data = *loaded;
  } else if (attr.name() == "value_int") {
    data = TensorData::fromInts({}, {attr.i()}, onnx::TensorProto::INT64);
  } else if (attr.name() == "value_ints") {
    SmallVector<int64_t> v(attr.ints().begin(), attr.ints().end());
    data = TensorData::fromInts({static_cast<int64_t>(v.size())}, v,
                                onnx::TensorProto::INT64);
  } else if (attr.name() == "value_float" || attr.name() == "value_floats") {
    data = std::make_shared<TensorData>();
    data->dtype = onnx::TensorProto::FLOAT;
    SmallVector<float> v;
    if (attr.name() == "value_float")
      v.push_back(attr.f());
    else {
      v.assign(attr.floats().begin(), attr.floats().end());
      data->shape.push_back(static_cast<int64_t>(v.size()));
    }
    data->owned.assign(reinterpret_cast<const char *>(v.data()),
                       v.size() * sizeof(float));
    data->bytes = data->owned;
  } else {
    return emitError(node) << "unsupported constant attribute '" << attr.name()
                           << "'";
  }
  consts[node.output(0)] = ConstTensor{data, ""};
  return success();
}

void Importer::collectValueTypes() {
  valueTypes.clear();
  for (const auto &vi : graph.input())
    valueTypes[vi.name()] = &vi.type();
  for (const auto &vi : graph.value_info())
    valueTypes[vi.name()] = &vi.type();
  for (const auto &vi : graph.output())
    valueTypes[vi.name()] = &vi.type();
}

LogicalResult Importer::convertNode(int index) {
  currentNode = index;
  const onnx::NodeProto &node = graph.node(index);
  if (absorbed.contains(index))
    return success();
  auto pattern = patterns.find(index);
  if (pattern != patterns.end())
    return emitPattern(*this, pattern->second);

  bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
  for (int i = 0; i < node.input_size(); ++i) {
    const std::string &in = node.input(i);
    if (in.empty() || values.count(in) || consts.count(in))
      continue;
    return emitError(node) << "input '" << in
                           << "' is not a graph input, an initializer or the "
                              "output of an earlier node";
  }
  if (defaultDomain && node.op_type() == "Constant")
    return convertConstant(node);
  if (defaultDomain && tryFoldNode(*this, node))
    return success();
  if (defaultDomain) {
    auto it = converters.find(node.op_type());
    if (it != converters.end())
      return it->second(*this, node);
  }
  return emitGenericCall(node);
}

OwningOpRef<ModuleOp> Importer::run() {
  // Opsets.
  for (const auto &imp : model.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  if (opset == 0) {
    emitError() << "the model imports no default-domain (ai.onnx) opset";
    return {};
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    emitError() << "unsupported opset " << opset << " (supported: " << kMinOpset
                << "-" << kMaxOpset << ")";
    return {};
  }
  if (!model.has_graph()) {
    emitError() << "the model has no graph";
    return {};
  }
  if (options.runChecker) {
    std::string error = onnx_safe::checkModel(model);
    if (!error.empty()) {
      emitError() << "onnx checker: " << error;
      return {};
    }
  }
  if (failed(loadInitializers()))
    return {};
  if (options.shapeInference) {
    std::string error = onnx_safe::inferShapes(model);
    if (!error.empty()) {
      emitError() << "onnx shape inference: " << error;
      return {};
    }
  }
  collectValueTypes();
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto &node = graph.node(i);
    for (const auto &in : node.input())
      if (!in.empty())
        ++useCount[in];
    for (const auto &out : node.output()) {
      if (out.empty())
        continue;
      if (!producer.try_emplace(out, i).second || consts.count(out)) {
        emitError(node) << "tensor '" << out << "' is defined twice";
        return {};
      }
    }
  }
  for (const auto &out : graph.output())
    ++useCount[out.name()];

  Location fileLoc = FileLineColLoc::get(ctx, modelPath, 0, 0);
  OwningOpRef<ModuleOp> owned = ModuleOp::create(fileLoc);
  module = *owned;
  module->setAttr(QFXDialect::getTrainingAttrName(), BoolAttr::get(ctx, false));

  // Graph inputs that are not initializers become arguments.
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &in : graph.input()) {
    if (consts.count(in.name()))
      continue;
    auto type = getTensorType(in.name());
    if (failed(type))
      return {};
    argTypes.push_back(*type);
    argNames.push_back(in.name());
  }
  OpBuilder moduleBuilder = OpBuilder::atBlockEnd(module.getBody());
  auto func = func::FuncOp::create(
      moduleBuilder, NameLoc::get(StringAttr::get(ctx, "forward")), "forward",
      moduleBuilder.getFunctionType(argTypes, {}));
  paramBuilder.setInsertionPoint(func);
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, QFXDialect::getArgNameAttrName(),
                    StringAttr::get(ctx, name));
    entry->getArgument(i).setLoc(NameLoc::get(StringAttr::get(ctx, name)));
    values[name] = entry->getArgument(i);
  }
  builder.setInsertionPointToStart(entry);

  if (options.shapeInference && failed(refineShapes()))
    return {};
  if (failed(computeScopes()))
    return {};
  matchPatterns(*this);
  for (int i = 0; i < graph.node_size(); ++i)
    if (failed(convertNode(i)))
      return {};

  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    Value v = values.lookup(out.name());
    if (!v) {
      const ConstTensor *c = getConst(out.name());
      if (!c) {
        emitError() << "graph output '" << out.name() << "' is never computed";
        return {};
      }
      auto m = materialize(*c, out.name(),
                           NameLoc::get(StringAttr::get(ctx, out.name())));
      if (failed(m))
        return {};
      v = *m;
    }
    results.push_back(v);
  }
  func::ReturnOp::create(builder, NameLoc::get(StringAttr::get(ctx, "output")),
                         results);
  func.setType(
      builder.getFunctionType(argTypes, TypeRange(ValueRange(results))));

  if (failed(verify(module))) {
    emitError() << "the imported IR does not verify (see above)";
    return {};
  }
  return owned;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> qfx::importOnnxModel(StringRef bytes, StringRef modelPath,
                                           MLIRContext *context,
                                           const OnnxImportOptions &options) {
  context->loadDialect<QFXDialect, func::FuncDialect, quant::QuantDialect>();
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(bytes.data()),
      static_cast<int>(std::min<size_t>(bytes.size(), INT_MAX)));
  stream.SetTotalBytesLimit(INT_MAX);
  if (bytes.size() > static_cast<size_t>(INT_MAX) ||
      !model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
    mlir::emitError(FileLineColLoc::get(context, modelPath, 0, 0))
        << "not a valid ONNX model (protobuf parsing failed; truncated or "
           "corrupt file?)";
    return {};
  }
  Importer importer(context, model, modelPath, options);
  return importer.run();
}

OwningOpRef<ModuleOp> qfx::importOnnxFile(StringRef path, MLIRContext *context,
                                          const OnnxImportOptions &options) {
  auto buf =
      llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    mlir::emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot read: " << buf.getError().message();
    return {};
  }
  return importOnnxModel((*buf)->getBuffer(), path, context, options);
}

void qfx::registerOnnxImportDialects(DialectRegistry &registry) {
  registry.insert<QFXDialect, func::FuncDialect, quant::QuantDialect>();
}
