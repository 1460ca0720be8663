//===- ConvertShape.cpp - shape ops and shape-subgraph folding ------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Flatten, Reshape, Transpose, Squeeze, Unsqueeze and Concat, plus the
// import-time evaluation of shape computations (Shape -> Gather ->
// Unsqueeze -> Concat -> Reshape) when shapes are static: their results
// become known constants and the consuming Reshape gets a static shape.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <numeric>

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;
using onnx::TensorProto;

/// Folded tensors stay small; larger ones are real data, not shapes.
static constexpr int64_t kMaxFoldElements = 1 << 12;

static bool isIntDType(int32_t dtype) {
  return dtype == TensorProto::INT64 || dtype == TensorProto::INT32;
}

/// Axes from the `axes` attribute (before opset 13) or input 1.
static std::optional<SmallVector<int64_t>>
getAxes(Importer &imp, const onnx::NodeProto &node) {
  if (imp.opset < 13) {
    const auto *attr = imp.getAttr(node, "axes");
    if (!attr)
      return SmallVector<int64_t>();
    return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
  }
  if (!imp.hasInput(node, 1))
    return SmallVector<int64_t>();
  return imp.getConstInts(node, 1);
}

static void setFolded(Importer &imp, const onnx::NodeProto &node,
                      std::shared_ptr<TensorData> data) {
  imp.setConst(node.output(0), ConstTensor{std::move(data), ""});
}

/// A new TensorData sharing `src`'s bytes with another shape.
static std::shared_ptr<TensorData> reshaped(const ConstTensor &src,
                                            ArrayRef<int64_t> shape) {
  auto data = std::make_shared<TensorData>();
  data->dtype = src.data->dtype;
  data->shape.assign(shape.begin(), shape.end());
  data->owned = src.data->bytes.str();
  data->bytes = data->owned;
  return data;
}

static bool foldShape(Importer &imp, const onnx::NodeProto &node) {
  auto type = imp.lookupTensorType(node.input(0));
  if (!type || !type->hasStaticShape())
    return false;
  int64_t rank = type->getRank();
  auto start = imp.getIntAttr(node, "start", 0);
  auto end = imp.getIntAttr(node, "end", rank);
  if (failed(start) || failed(end))
    return false;
  int64_t s = std::clamp<int64_t>(*start < 0 ? *start + rank : *start, 0, rank);
  int64_t e = std::clamp<int64_t>(*end < 0 ? *end + rank : *end, 0, rank);
  SmallVector<int64_t> dims;
  for (int64_t i = s; i < e; ++i)
    dims.push_back(type->getDimSize(i));
  setFolded(imp, node,
            TensorData::fromInts({static_cast<int64_t>(dims.size())}, dims,
                                 TensorProto::INT64));
  return true;
}

/// Elementwise integer math with scalar broadcasting.
static bool foldIntBinary(Importer &imp, const onnx::NodeProto &node) {
  const ConstTensor *a = imp.getConstInput(node, 0);
  const ConstTensor *b = imp.getConstInput(node, 1);
  if (!a || !b || !isIntDType(a->data->dtype) ||
      a->data->dtype != b->data->dtype)
    return false;
  auto x = a->data->toInts(), y = b->data->toInts();
  if (!x || !y)
    return false;
  ArrayRef<int64_t> shape =
      x->size() >= y->size() ? a->data->shape : b->data->shape;
  size_t n = std::max(x->size(), y->size());
  if ((x->size() != n && x->size() != 1) || (y->size() != n && y->size() != 1))
    return false;
  SmallVector<int64_t> out;
  StringRef op = node.op_type();
  for (size_t i = 0; i < n; ++i) {
    int64_t l = (*x)[x->size() == 1 ? 0 : i], r = (*y)[y->size() == 1 ? 0 : i];
    if (op == "Add")
      out.push_back(l + r);
    else if (op == "Sub")
      out.push_back(l - r);
    else if (op == "Mul")
      out.push_back(l * r);
    else if (r == 0)
      return false;
    else // integer Div truncates toward zero in ONNX runtimes.
      out.push_back(l / r);
  }
  setFolded(imp, node, TensorData::fromInts(shape, out, a->data->dtype));
  return true;
}

static bool foldGather(Importer &imp, const onnx::NodeProto &node) {
  const ConstTensor *data = imp.getConstInput(node, 0);
  auto indices = imp.getConstInts(node, 1);
  const ConstTensor *idxTensor = imp.getConstInput(node, 1);
  if (!data || !indices || !isIntDType(data->data->dtype) ||
      data->data->shape.size() != 1)
    return false;
  auto values = data->data->toInts();
  if (!values)
    return false;
  int64_t n = static_cast<int64_t>(values->size());
  SmallVector<int64_t> out;
  for (int64_t i : *indices) {
    if (i < 0)
      i += n;
    if (i < 0 || i >= n)
      return false;
    out.push_back((*values)[i]);
  }
  setFolded(
      imp, node,
      TensorData::fromInts(idxTensor->data->shape, out, data->data->dtype));
  return true;
}

static bool foldConcat(Importer &imp, const onnx::NodeProto &node) {
  auto axis = imp.getIntAttr(node, "axis", 0);
  if (failed(axis))
    return false;
  SmallVector<int64_t> out;
  int32_t dtype = 0;
  for (int i = 0; i < node.input_size(); ++i) {
    const ConstTensor *c = imp.getConstInput(node, i);
    if (!c || c->data->shape.size() != 1 || !isIntDType(c->data->dtype) ||
        (dtype && c->data->dtype != dtype))
      return false;
    dtype = c->data->dtype;
    auto v = c->data->toInts();
    if (!v)
      return false;
    out.append(v->begin(), v->end());
  }
  if (*axis != 0 && *axis != -1)
    return false;
  setFolded(
      imp, node,
      TensorData::fromInts({static_cast<int64_t>(out.size())}, out, dtype));
  return true;
}

static bool foldCast(Importer &imp, const onnx::NodeProto &node) {
  const ConstTensor *c = imp.getConstInput(node, 0);
  auto to = imp.getIntAttr(node, "to", 0);
  if (!c || failed(to) || !isIntDType(static_cast<int32_t>(*to)))
    return false;
  auto v = c->data->toInts();
  if (!v)
    return false;
  setFolded(
      imp, node,
      TensorData::fromInts(c->data->shape, *v, static_cast<int32_t>(*to)));
  return true;
}

/// The row-major strides of `shape`.
static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Gathers `count` elements per dim starting at `begin` with `step` (any
/// sign) from the int values `v` of `shape`, in row-major order.
static SmallVector<int64_t> gatherStrided(ArrayRef<int64_t> v,
                                          ArrayRef<int64_t> shape,
                                          ArrayRef<int64_t> begin,
                                          ArrayRef<int64_t> step,
                                          ArrayRef<int64_t> count) {
  SmallVector<int64_t> strides = stridesOf(shape), out;
  int64_t total = 1;
  for (int64_t c : count)
    total *= c;
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < total; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      src += (begin[d] + idx[d] * step[d]) * strides[d];
    out.push_back(v[src]);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < count[d])
        break;
      idx[d] = 0;
    }
  }
  return out;
}

/// Slice of a small integer constant, any steps (torch.onnx reverses F.pad's
/// amounts with a step -1 Slice).
static bool foldSlice(Importer &imp, const onnx::NodeProto &node) {
  const ConstTensor *c = imp.getConstInput(node, 0);
  if (!c || c->data->shape.empty() || !isIntDType(c->data->dtype) ||
      c->data->numElements() > kMaxFoldElements)
    return false;
  auto args = imp.getConstSliceArgs(node);
  if (!args)
    return false;
  const auto &[starts, ends, axes, steps] = *args;
  size_t n = starts.size();
  ArrayRef<int64_t> shape = c->data->shape;
  int64_t rank = shape.size();
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    return false;
  SmallVector<int64_t> begin(rank, 0), step(rank, 1), count(shape);
  for (size_t i = 0; i < n; ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank || steps[i] == 0)
      return false;
    int64_t dim = shape[axis], st = steps[i];
    int64_t b = starts[i], e = ends[i];
    if (b < 0)
      b = b < -dim ? -1 : b + dim;
    if (e < 0)
      e = e < -dim ? -1 : e + dim;
    int64_t cnt;
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      cnt = e > b ? (e - b + st - 1) / st : 0;
    } else {
      b = std::clamp<int64_t>(b, -1, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      cnt = b > e ? (b - e - st - 1) / -st : 0;
    }
    begin[axis] = b;
    step[axis] = st;
    count[axis] = cnt;
  }
  auto v = c->data->toInts();
  if (!v)
    return false;
  setFolded(imp, node,
            TensorData::fromInts(count,
                                 gatherStrided(*v, shape, begin, step, count),
                                 c->data->dtype));
  return true;
}

/// Transpose of a small integer constant (torch.onnx's F.pad amounts).
static bool foldTranspose(Importer &imp, const onnx::NodeProto &node) {
  const ConstTensor *c = imp.getConstInput(node, 0);
  if (!c || !isIntDType(c->data->dtype) ||
      c->data->numElements() > kMaxFoldElements)
    return false;
  ArrayRef<int64_t> shape = c->data->shape;
  int64_t rank = shape.size();
  SmallVector<int64_t> perm;
  for (int64_t d = rank - 1; d >= 0; --d)
    perm.push_back(d);
  if (const auto *attr = imp.getAttr(node, "perm"))
    perm.assign(attr->ints().begin(), attr->ints().end());
  if (static_cast<int64_t>(perm.size()) != rank)
    return false;
  SmallVector<int64_t> strides = stridesOf(shape), outShape, outStrides;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank)
      return false;
    outShape.push_back(shape[p]);
    outStrides.push_back(strides[p]);
  }
  auto v = c->data->toInts();
  if (!v)
    return false;
  // Walk the output in order, reading the source through permuted strides.
  SmallVector<int64_t> out, idx(rank, 0);
  int64_t total = c->data->numElements();
  for (int64_t i = 0; i < total; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += idx[d] * outStrides[d];
    out.push_back((*v)[src]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < outShape[d])
        break;
      idx[d] = 0;
    }
  }
  setFolded(imp, node, TensorData::fromInts(outShape, out, c->data->dtype));
  return true;
}

/// Resolves an ONNX Reshape target: 0 copies the input dim (unless
/// allowzero), one -1 is inferred when `inputShape` is static.
static std::optional<SmallVector<int64_t>>
resolveReshape(ArrayRef<int64_t> inputShape, ArrayRef<int64_t> target,
               bool allowZero, bool inferMinusOne) {
  SmallVector<int64_t> out;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allowZero) {
      if (i >= inputShape.size())
        return std::nullopt;
      d = inputShape[i];
    }
    if (d < -1)
      return std::nullopt;
    out.push_back(d);
  }
  if (inferMinusOne) {
    int64_t total = 1, known = 1, unknown = -1;
    for (int64_t d : inputShape)
      total *= d;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == -1) {
        if (unknown >= 0)
          return std::nullopt;
        unknown = i;
      } else {
        known *= out[i];
      }
    }
    if (unknown >= 0) {
      if (known == 0 || total % known)
        return std::nullopt;
      out[unknown] = total / known;
    } else if (known != total) {
      return std::nullopt;
    }
  }
  return out;
}

static bool foldDataMovement(Importer &imp, const onnx::NodeProto &node) {
  const ConstTensor *c = imp.getConstInput(node, 0);
  if (!c || c->data->numElements() > kMaxFoldElements ||
      c->data->bytes.size() > static_cast<size_t>(kMaxFoldElements) * 8)
    return false;
  // Parameters stay parameters: only fold what is not an initializer.
  if (c->isInitializer() && !isIntDType(c->data->dtype))
    return false;
  SmallVector<int64_t> shape(c->data->shape);
  int64_t rank = shape.size();
  StringRef op = node.op_type();
  if (op == "Unsqueeze") {
    auto axes = getAxes(imp, node);
    if (!axes)
      return false;
    int64_t outRank = rank + axes->size();
    SmallVector<int64_t> norm;
    for (int64_t a : *axes)
      norm.push_back(a < 0 ? a + outRank : a);
    llvm::sort(norm);
    for (int64_t a : norm) {
      if (a < 0 || a > static_cast<int64_t>(shape.size()))
        return false;
      shape.insert(shape.begin() + a, 1);
    }
  } else if (op == "Squeeze") {
    auto axes = getAxes(imp, node);
    if (!axes)
      return false;
    SmallVector<int64_t> out;
    for (int64_t i = 0; i < rank; ++i) {
      bool drop =
          axes->empty() ? shape[i] == 1 : llvm::any_of(*axes, [&](int64_t a) {
            return (a < 0 ? a + rank : a) == i;
          });
      if (!drop)
        out.push_back(shape[i]);
    }
    shape = out;
  } else if (op == "Reshape") {
    auto target = imp.getConstInts(node, 1);
    auto allowZero = imp.getIntAttr(node, "allowzero", 0);
    if (!target || failed(allowZero))
      return false;
    auto resolved = resolveReshape(shape, *target, *allowZero, true);
    if (!resolved)
      return false;
    shape = *resolved;
  } else {
    return false;
  }
  setFolded(imp, node, reshaped(*c, shape));
  return true;
}

static bool foldConstantOfShape(Importer &imp, const onnx::NodeProto &node) {
  auto shape = imp.getConstInts(node, 0);
  if (!shape)
    return false;
  int64_t n = 1;
  for (int64_t d : *shape) {
    if (d < 0 || (d > 0 && n > kMaxFoldElements / d))
      return false;
    n *= d;
  }
  if (n > kMaxFoldElements)
    return false;
  std::shared_ptr<TensorData> value;
  if (const auto *attr = imp.getAttr(node, "value")) {
    auto loaded = imp.loadTensor(attr->t(), "ConstantOfShape value");
    if (failed(loaded) || (*loaded)->numElements() != 1)
      return false;
    value = *loaded;
  } else {
    value = std::make_shared<TensorData>();
    value->dtype = TensorProto::FLOAT;
    value->owned.assign(4, '\0');
    value->bytes = value->owned;
  }
  auto data = std::make_shared<TensorData>();
  data->dtype = value->dtype;
  data->shape.assign(shape->begin(), shape->end());
  for (int64_t i = 0; i < n; ++i)
    data->owned.append(value->bytes.str());
  data->bytes = data->owned;
  setFolded(imp, node, data);
  return true;
}

bool qfx::onnx_import::tryFoldNode(Importer &imp, const onnx::NodeProto &node) {
  if (node.output_size() != 1 || node.input_size() < 1)
    return false;
  StringRef op = node.op_type();
  if (op == "Shape")
    return foldShape(imp, node);
  if (op == "ConstantOfShape")
    return foldConstantOfShape(imp, node);
  if (!imp.getConstInput(node, 0))
    return false;
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div")
    return foldIntBinary(imp, node);
  if (op == "Gather")
    return foldGather(imp, node);
  if (op == "Concat")
    return foldConcat(imp, node);
  if (op == "Cast")
    return foldCast(imp, node);
  if (op == "Slice")
    return foldSlice(imp, node);
  if (op == "Transpose")
    return foldTranspose(imp, node);
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Reshape")
    return foldDataMovement(imp, node);
  return false;
}

//===----------------------------------------------------------------------===//
// Converters
//===----------------------------------------------------------------------===//

static LogicalResult finishShapeOp(Importer &imp, const onnx::NodeProto &node,
                                   Operation *op, NodeKind kind,
                                   StringRef target) {
  imp.setProvenance(op, kind, target, imp.scopePath(node));
  imp.setResult(node, 0, op->getResult(0));
  return success();
}

static LogicalResult convertFlatten(Importer &imp,
                                    const onnx::NodeProto &node) {
  auto axis = imp.getIntAttr(node, "axis", 1);
  auto type = imp.getResultType(node);
  auto input = imp.getInput(node, 0);
  if (failed(axis) || failed(type) || failed(input))
    return failure();
  auto inType = dyn_cast<RankedTensorType>(input->getType());
  if (!inType)
    return imp.emitGenericCall(node);
  int64_t rank = inType.getRank();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a > rank)
    return imp.emitError(node) << "axis " << *axis << " out of range";
  OpBuilder &b = imp.builder;
  if (a == 1 && rank >= 2) {
    auto op =
        FlattenOp::create(b, imp.getLoc(node), *type, *input,
                          b.getI64IntegerAttr(1), b.getI64IntegerAttr(-1));
    imp.setModuleOrFunction(op, node, "torch.nn.modules.flatten.Flatten",
                            "torch.flatten");
    imp.setResult(node, 0, op.getResult());
    return success();
  }
  if (!type->hasStaticShape())
    return imp.emitGenericCall(node);
  auto op = ReshapeOp::create(b, imp.getLoc(node), *type, *input,
                              b.getDenseI64ArrayAttr(type->getShape()));
  return finishShapeOp(imp, node, op, NodeKind::call_method, "reshape");
}

static LogicalResult convertReshape(Importer &imp,
                                    const onnx::NodeProto &node) {
  if (node.input_size() != 2)
    return imp.emitError(node) << "expects 2 inputs";
  auto target = imp.getConstInts(node, 1);
  auto allowZero = imp.getIntAttr(node, "allowzero", 0);
  if (failed(allowZero))
    return failure();
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  auto inType = dyn_cast<RankedTensorType>(input->getType());
  // Shape inference may not see through a shape subgraph we folded.
  FailureOr<RankedTensorType> type = failure();
  if (auto known = imp.lookupTensorType(node.output(0)))
    type = *known;
  else if (target && inType && inType.hasStaticShape())
    if (auto full =
            resolveReshape(inType.getShape(), *target, *allowZero, true))
      type = RankedTensorType::get(*full, inType.getElementType());
  if (failed(type))
    type = imp.getResultType(node);
  if (failed(type))
    return failure();
  if (!target || !inType)
    return imp.emitGenericCall(node);
  auto shape = resolveReshape(inType.getShape(), *target, *allowZero, false);
  if (!shape || shape->size() != static_cast<size_t>(type->getRank()))
    return imp.emitGenericCall(node);
  OpBuilder &b = imp.builder;
  auto op = ReshapeOp::create(b, imp.getLoc(node), *type, *input,
                              b.getDenseI64ArrayAttr(*shape));
  return finishShapeOp(imp, node, op, NodeKind::call_method, "reshape");
}

static LogicalResult convertTranspose(Importer &imp,
                                      const onnx::NodeProto &node) {
  auto type = imp.getResultType(node);
  auto input = imp.getInput(node, 0);
  if (failed(type) || failed(input))
    return failure();
  int64_t rank = type->getRank();
  SmallVector<int64_t> reversed;
  for (int64_t i = rank - 1; i >= 0; --i)
    reversed.push_back(i);
  auto perm = imp.getIntsAttr(node, "perm", reversed);
  if (failed(perm))
    return failure();
  if (static_cast<int64_t>(perm->size()) != rank)
    return imp.emitError(node) << "perm must have " << rank << " entries";
  SmallVector<int64_t> moved;
  for (int64_t i = 0; i < rank; ++i)
    if ((*perm)[i] != i)
      moved.push_back(i);
  OpBuilder &b = imp.builder;
  if (moved.size() == 2 && (*perm)[moved[0]] == moved[1]) {
    auto op = TransposeOp::create(b, imp.getLoc(node), *type, *input,
                                  b.getI64IntegerAttr(moved[0]),
                                  b.getI64IntegerAttr(moved[1]));
    return finishShapeOp(imp, node, op, NodeKind::call_method, "transpose");
  }
  auto op = PermuteOp::create(b, imp.getLoc(node), *type, *input,
                              b.getDenseI64ArrayAttr(*perm));
  return finishShapeOp(imp, node, op, NodeKind::call_method, "permute");
}

static LogicalResult convertSqueeze(Importer &imp,
                                    const onnx::NodeProto &node) {
  auto axes = getAxes(imp, node);
  auto type = imp.getResultType(node);
  auto input = imp.getInput(node, 0);
  if (failed(type) || failed(input))
    return failure();
  if (!axes)
    return imp.emitGenericCall(node);
  OpBuilder &b = imp.builder;
  auto op = SqueezeOp::create(b, imp.getLoc(node), *type, *input,
                              axes->empty() ? DenseI64ArrayAttr()
                                            : b.getDenseI64ArrayAttr(*axes));
  return finishShapeOp(imp, node, op, NodeKind::call_method, "squeeze");
}

static LogicalResult convertUnsqueeze(Importer &imp,
                                      const onnx::NodeProto &node) {
  auto axes = getAxes(imp, node);
  auto type = imp.getResultType(node);
  auto input = imp.getInput(node, 0);
  if (failed(type) || failed(input))
    return failure();
  auto inType = dyn_cast<RankedTensorType>(input->getType());
  if (!axes || axes->empty() || !inType)
    return imp.emitGenericCall(node);
  int64_t outRank = type->getRank();
  SmallVector<int64_t> norm;
  for (int64_t a : *axes)
    norm.push_back(a < 0 ? a + outRank : a);
  llvm::sort(norm);
  // One torch unsqueeze per axis, in increasing order.
  Value current = *input;
  SmallVector<int64_t> shape(inType.getShape());
  OpBuilder &b = imp.builder;
  for (int64_t a : norm) {
    if (a < 0 || a > static_cast<int64_t>(shape.size()))
      return imp.emitError(node) << "axis out of range";
    shape.insert(shape.begin() + a, 1);
    auto stepType = RankedTensorType::get(shape, inType.getElementType());
    auto op = UnsqueezeOp::create(b, imp.getLoc(node), stepType, current,
                                  b.getI64IntegerAttr(a));
    imp.setProvenance(op, NodeKind::call_method, "unsqueeze",
                      imp.scopePath(node));
    current = op.getResult();
  }
  imp.setResult(node, 0, current);
  return success();
}

static LogicalResult convertConcat(Importer &imp, const onnx::NodeProto &node) {
  auto axis = imp.getIntAttr(node, "axis", 0);
  auto type = imp.getResultType(node);
  if (failed(axis) || failed(type))
    return failure();
  SmallVector<Value> inputs;
  for (int i = 0; i < node.input_size(); ++i) {
    auto v = imp.getInput(node, i);
    if (failed(v))
      return failure();
    inputs.push_back(*v);
  }
  auto op = CatOp::create(imp.builder, imp.getLoc(node), *type, inputs,
                          imp.builder.getI64IntegerAttr(*axis));
  return finishShapeOp(imp, node, op, NodeKind::call_function, "torch.cat");
}

void qfx::onnx_import::populateShapeConverters(
    llvm::StringMap<ConvertFn> &table) {
  table["Flatten"] = convertFlatten;
  table["Reshape"] = convertReshape;
  table["Transpose"] = convertTranspose;
  table["Squeeze"] = convertSqueeze;
  table["Unsqueeze"] = convertUnsqueeze;
  table["Concat"] = convertConcat;
}
