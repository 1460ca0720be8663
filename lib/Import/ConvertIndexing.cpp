//===- ConvertIndexing.cpp - Slice and Split as qfx.getitem ---------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// torch.onnx writes tensor basic indexing (`x[:, 1:3]`) as Slice and
// torch.split / torch.chunk as Split. Both become qfx.getitem slices, as the
// FX exporter writes them: one `[start, stop, step]` entry per dim up to the
// last sliced one. Split gives one getitem per output. Slices Python cannot
// spell on tensors (negative steps) and non-constant bounds stay generic.
// Shape subgraphs (Slice of a Shape) are folded before these converters run.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <limits>

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;

/// torch.onnx spells an open end as INT64_MAX (and an open start of a
/// reversed slice as INT64_MIN); anything this far out is "no bound".
static bool isOpenBound(int64_t v) {
  return v >= std::numeric_limits<int64_t>::max() / 2 ||
         v <= std::numeric_limits<int64_t>::min() / 2;
}

static Attribute boundAttr(OpBuilder &b, int64_t v) {
  if (isOpenBound(v))
    return b.getUnitAttr();
  return b.getI64IntegerAttr(v);
}

/// The `[unit, unit, unit]` entry of an untouched dim.
static Attribute fullSlice(OpBuilder &b) {
  Attribute unit = b.getUnitAttr();
  return b.getArrayAttr({unit, unit, unit});
}

static Attribute sliceEntry(OpBuilder &b, int64_t start, int64_t stop,
                            int64_t step) {
  return b.getArrayAttr(
      {start == 0 ? Attribute(b.getUnitAttr()) : boundAttr(b, start),
       boundAttr(b, stop),
       step == 1 ? Attribute(b.getUnitAttr()) : b.getI64IntegerAttr(step)});
}

/// The length of `start:stop:step` (step > 0) over a dim of size `n`,
/// with Python's (and ONNX's) clamping.
static int64_t slicedSize(int64_t n, int64_t start, int64_t stop,
                          int64_t step) {
  if (ShapedType::isDynamic(n))
    return n;
  auto clampIdx = [&](int64_t i) {
    if (i < 0)
      i = i < -n ? 0 : i + n;
    return std::min(i, n);
  };
  int64_t s = clampIdx(start), e = clampIdx(stop);
  return e > s ? (e - s + step - 1) / step : 0;
}

static LogicalResult convertSlice(Importer &imp, const onnx::NodeProto &node) {
  if (node.input_size() < 3)
    return imp.emitError(node) << "expects at least 3 inputs (data, starts, "
                                  "ends)";
  auto args = imp.getConstSliceArgs(node);
  if (!args)
    return imp.emitGenericCall(node);
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  auto inType = dyn_cast<RankedTensorType>(input->getType());
  if (!inType)
    return imp.emitGenericCall(node);
  int64_t rank = inType.getRank();
  const auto &[starts, ends, axes, steps] = *args;
  size_t n = starts.size();
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    return imp.emitError(node) << "starts, ends, axes and steps must have the "
                                  "same length";
  OpBuilder &b = imp.builder;
  SmallVector<Attribute> index;
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape(inType.getShape());
  for (size_t i = 0; i < n; ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank)
      return imp.emitError(node) << "axis " << axes[i] << " out of range for "
                                 << "rank " << rank;
    if (seen[axis])
      return imp.emitError(node) << "axis " << axes[i] << " appears twice";
    seen[axis] = true;
    if (steps[i] == 0)
      return imp.emitError(node) << "slice step cannot be 0";
    // x[::-1] is not valid on a torch tensor (torch.flip is): no getitem.
    if (steps[i] < 0)
      return imp.emitGenericCall(node);
    if (index.size() <= static_cast<size_t>(axis))
      index.resize(axis + 1, fullSlice(b));
    index[axis] = sliceEntry(b, starts[i], ends[i], steps[i]);
    shape[axis] = slicedSize(shape[axis], starts[i], ends[i], steps[i]);
  }
  // ONNX shape inference gives up when the bounds came from a shape
  // subgraph that we folded; the constant bounds give the result.
  FailureOr<RankedTensorType> type = failure();
  if (auto known = imp.lookupTensorType(node.output(0)))
    type = *known;
  else if (inType.hasStaticShape())
    type = RankedTensorType::get(shape, inType.getElementType());
  else
    type = imp.getResultType(node);
  if (failed(type))
    return failure();
  auto op = GetItemOp::create(b, imp.getLoc(node), *type, *input,
                              b.getArrayAttr(index));
  imp.setProvenance(op, NodeKind::call_function, "operator.getitem",
                    imp.scopePath(node));
  imp.setResult(node, 0, op.getResult());
  return success();
}

static LogicalResult convertSplit(Importer &imp, const onnx::NodeProto &node) {
  auto axisAttr = imp.getIntAttr(node, "axis", 0);
  if (failed(axisAttr))
    return failure();
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  auto inType = dyn_cast<RankedTensorType>(input->getType());
  if (!inType)
    return imp.emitGenericCall(node);
  int64_t rank = inType.getRank();
  int64_t axis = *axisAttr < 0 ? *axisAttr + rank : *axisAttr;
  if (axis < 0 || axis >= rank)
    return imp.emitError(node) << "axis " << *axisAttr << " out of range for "
                               << "rank " << rank;
  int64_t dim = inType.getDimSize(axis);
  int64_t parts = node.output_size();
  if (parts < 1)
    return imp.emitError(node) << "expects at least one output";
  // The sizes: input 1 from opset 13, the `split` attribute before.
  std::optional<SmallVector<int64_t>> sizes;
  if (imp.opset >= 13 && imp.hasInput(node, 1)) {
    sizes = imp.getConstInts(node, 1);
    if (!sizes)
      return imp.emitGenericCall(node);
  } else if (imp.opset < 13 && imp.getAttr(node, "split")) {
    auto attr = imp.getIntsAttr(node, "split");
    if (failed(attr))
      return failure();
    sizes = *attr;
  }
  if (ShapedType::isDynamic(dim))
    return imp.emitGenericCall(node);
  if (!sizes) {
    if (dim % parts)
      return imp.emitError(node)
             << "cannot split " << dim << " into " << parts << " equal parts";
    sizes = SmallVector<int64_t>(parts, dim / parts);
  }
  if (static_cast<int64_t>(sizes->size()) != parts)
    return imp.emitError(node) << "split has " << sizes->size() << " sizes for "
                               << parts << " outputs";
  int64_t total = 0;
  for (int64_t s : *sizes) {
    if (s < 0)
      return imp.emitError(node) << "split sizes must not be negative";
    total += s;
  }
  if (total != dim)
    return imp.emitError(node)
           << "split sizes add up to " << total << ", not the dim size " << dim;
  OpBuilder &b = imp.builder;
  int64_t start = 0;
  for (int64_t i = 0; i < parts; ++i) {
    int64_t stop = start + (*sizes)[i];
    SmallVector<int64_t> shape(inType.getShape());
    shape[axis] = (*sizes)[i];
    auto type = RankedTensorType::get(shape, inType.getElementType());
    SmallVector<Attribute> index(axis, fullSlice(b));
    index.push_back(
        b.getArrayAttr({b.getI64IntegerAttr(start), b.getI64IntegerAttr(stop),
                        b.getUnitAttr()}));
    auto op = GetItemOp::create(b, imp.getLoc(node), type, *input,
                                b.getArrayAttr(index));
    imp.setProvenance(op, NodeKind::call_function, "torch.split",
                      imp.scopePath(node));
    imp.setResult(node, i, op.getResult());
    start = stop;
  }
  return success();
}

void qfx::onnx_import::populateIndexingConverters(
    llvm::StringMap<ConvertFn> &table) {
  table["Slice"] = convertSlice;
  table["Split"] = convertSplit;
}
