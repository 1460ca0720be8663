//===- ConvertQDQ.cpp - QuantizeLinear / DequantizeLinear -----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Q/DQ nodes with constant scale and zero point become qfx.quantize /
// qfx.dequantize on `!quant.uniform` tensors (per-tensor, or per-axis for
// 1-d scales). Integer initializers feeding DequantizeLinear (quantized
// weights) are read in their storage type and cast with quant.scast.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;
using onnx::TensorProto;

/// The quantized element type described by a Q/DQ node's scale and zero
/// point for a tensor of `shape`; null (no error) when they are not
/// constant or not representable.
static FailureOr<quant::QuantizedType>
getQuantType(Importer &imp, const onnx::NodeProto &node,
             ArrayRef<int64_t> shape, Type expressed) {
  auto scales = imp.getConstDoubles(node, 1);
  if (!scales || scales->empty())
    return quant::QuantizedType();
  int32_t storageDType = TensorProto::UINT8;
  SmallVector<int64_t> zps(scales->size(), 0);
  if (imp.hasInput(node, 2)) {
    const ConstTensor *zp = imp.getConstInput(node, 2);
    if (!zp)
      return quant::QuantizedType();
    storageDType = zp->data->dtype;
    auto v = zp->data->toInts();
    if (!v || v->size() != scales->size())
      return quant::QuantizedType();
    zps = *v;
  }
  unsigned width;
  bool isSigned;
  switch (storageDType) {
  case TensorProto::UINT8:
    width = 8, isSigned = false;
    break;
  case TensorProto::INT8:
    width = 8, isSigned = true;
    break;
  case TensorProto::INT32:
    width = 32, isSigned = true;
    break;
  default:
    return imp.emitError(node) << "unsupported zero-point dtype "
                               << onnxDTypeName(storageDType);
  }
  Type storage = IntegerType::get(imp.ctx, width);
  int64_t qmin = isSigned ? -(int64_t(1) << (width - 1)) : 0;
  int64_t qmax = isSigned ? (int64_t(1) << (width - 1)) - 1
                          : (int64_t(1) << width) - 1;
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  for (double s : *scales)
    if (!(s > 0.0) || !std::isfinite(s))
      return imp.emitError(node) << "scales must be positive and finite";
  auto emitErr = [&]() { return imp.emitError(node); };
  const ConstTensor *scaleTensor = imp.getConstInput(node, 1);
  bool perTensor = scaleTensor->data->shape.empty() ||
                   (scales->size() == 1 && imp.opset < 13);
  if (perTensor || (scales->size() == 1 && !imp.getAttr(node, "axis")))
    return quant::QuantizedType(quant::UniformQuantizedType::getChecked(
        emitErr, flags, storage, expressed, (*scales)[0], zps[0], qmin, qmax));
  auto axis = imp.getIntAttr(node, "axis", 1);
  if (failed(axis))
    return failure();
  int64_t rank = shape.size();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a >= rank)
    return imp.emitError(node) << "axis " << *axis << " out of range";
  if (!ShapedType::isDynamic(shape[a]) &&
      shape[a] != static_cast<int64_t>(scales->size()))
    return imp.emitError(node) << "has " << scales->size()
                               << " scales for axis " << a << " of size "
                               << shape[a];
  return quant::QuantizedType(quant::UniformQuantizedPerAxisType::getChecked(
      emitErr, flags, storage, expressed, *scales, zps, a, qmin, qmax));
}

static LogicalResult convertQuantize(Importer &imp,
                                     const onnx::NodeProto &node) {
  if (node.input_size() < 2)
    return imp.emitError(node) << "expects at least 2 inputs";
  auto inType = imp.getTensorType(node.input(0), &node);
  if (failed(inType))
    return failure();
  if (!isa<FloatType>(inType->getElementType()))
    return imp.emitGenericCall(node);
  auto qtype = getQuantType(imp, node, inType->getShape(),
                            inType->getElementType());
  if (failed(qtype))
    return failure();
  if (!*qtype)
    return imp.emitGenericCall(node);
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  auto resultType = RankedTensorType::get(inType->getShape(), *qtype);
  auto op = QuantizeOp::create(imp.builder, imp.getLoc(node), resultType,
                               *input);
  imp.setProvenance(op, NodeKind::call_function,
                    isa<quant::UniformQuantizedPerAxisType>(*qtype)
                        ? "torch.quantize_per_channel"
                        : "torch.quantize_per_tensor",
                    imp.scopePath(node));
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertDequantize(Importer &imp,
                                       const onnx::NodeProto &node) {
  if (node.input_size() < 2)
    return imp.emitError(node) << "expects at least 2 inputs";
  auto resultType = imp.getResultType(node);
  auto inType = imp.getTensorType(node.input(0), &node);
  if (failed(resultType) || failed(inType))
    return failure();
  if (!isa<FloatType>(resultType->getElementType()))
    return imp.emitGenericCall(node);
  auto qtype = getQuantType(imp, node, inType->getShape(),
                            resultType->getElementType());
  if (failed(qtype))
    return failure();
  if (!*qtype)
    return imp.emitGenericCall(node);
  auto quantTensor = RankedTensorType::get(inType->getShape(), *qtype);
  Value input;
  if (const ConstTensor *c = imp.getConstInput(node, 0)) {
    // A quantized weight: the bytes are the storage values.
    std::string name = c->initializerName;
    std::string path = imp.scopePath(node);
    if (!c->isInitializer() || !isTorchParameterName(name))
      name = path.empty() ? node.input(0) : path + ".weight";
    Value raw;
    if (c->isInitializer()) {
      raw = imp.getParameter(*c, name, imp.getLoc(node),
                             qtype->getStorageType());
    } else {
      auto v = imp.getInput(node, 0);
      if (failed(v))
        return failure();
      raw = *v;
    }
    if (getElementTypeOrSelf(raw.getType()) != qtype->getStorageType())
      return imp.emitGenericCall(node);
    input = quant::StorageCastOp::create(imp.builder, imp.getLoc(node),
                                         quantTensor, raw);
  } else {
    auto v = imp.getInput(node, 0);
    if (failed(v))
      return failure();
    input = *v;
    if (input.getType() != Type(quantTensor)) {
      auto elem = getElementTypeOrSelf(input.getType());
      if (!elem.isInteger(qtype->getStorageTypeIntegralWidth()))
        return imp.emitError(node)
               << "input type " << input.getType()
               << " does not match the dequantization parameters ("
               << quantTensor << ")";
      // An integer tensor from another op: reinterpret its storage.
      if (!elem.isSignlessInteger())
        return imp.emitGenericCall(node);
      input = quant::StorageCastOp::create(imp.builder, imp.getLoc(node),
                                           quantTensor, input);
    }
  }
  auto op = DequantizeOp::create(imp.builder, imp.getLoc(node), *resultType,
                                 input);
  imp.setProvenance(op, NodeKind::call_method, "dequantize",
                    imp.scopePath(node));
  imp.setResult(node, 0, op.getResult());
  return success();
}

void qfx::onnx_import::populateQDQConverters(llvm::StringMap<ConvertFn> &table) {
  table["QuantizeLinear"] = convertQuantize;
  table["DequantizeLinear"] = convertDequantize;
}
