//===- ConvertPadding.cpp - Pad, asymmetric and automatic padding ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// torch modules pad symmetrically (`padding` per dim). ONNX Conv and pools
// also pad begin != end (explicit `pads`, or auto_pad SAME_UPPER/SAME_LOWER,
// which TensorFlow-converted models use). Such padding is split into the
// symmetric part, kept on the op, and the rest, a qfx.pad (F.pad) in front
// of it, which is what torch's own padding="same" does for even kernels.
// A constant-mode Pad node is qfx.pad too.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <limits>

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;

FailureOr<std::optional<SpatialPadding>> qfx::onnx_import::resolvePadding(
    Importer &imp, const onnx::NodeProto &node, RankedTensorType inputType,
    ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
    ArrayRef<int64_t> dilation) {
  size_t n = kernel.size();
  auto autoPad = imp.getStringAttr(node, "auto_pad", "NOTSET");
  auto pads = imp.getIntsAttr(node, "pads", SmallVector<int64_t>(2 * n, 0));
  if (failed(autoPad) || failed(pads))
    return failure();
  SmallVector<int64_t> begin(n, 0), end(n, 0);
  if (*autoPad == "SAME_UPPER" || *autoPad == "SAME_LOWER") {
    // Output size ceil(in / stride); the padding that achieves it, the odd
    // one at the end (UPPER) or the beginning (LOWER).
    for (size_t i = 0; i < n; ++i) {
      int64_t in = inputType.getDimSize(i + 2);
      if (ShapedType::isDynamic(in))
        return std::optional<SpatialPadding>();
      int64_t out = (in + stride[i] - 1) / stride[i];
      int64_t total = std::max<int64_t>(
          0, (out - 1) * stride[i] + (kernel[i] - 1) * dilation[i] + 1 - in);
      int64_t small = total / 2, large = total - small;
      begin[i] = *autoPad == "SAME_UPPER" ? small : large;
      end[i] = *autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (*autoPad == "NOTSET") {
    if (pads->size() != 2 * n)
      return imp.emitError(node)
             << "pads needs " << 2 * n << " entries, has " << pads->size();
    for (size_t i = 0; i < n; ++i) {
      begin[i] = (*pads)[i];
      end[i] = (*pads)[i + n];
      if (begin[i] < 0 || end[i] < 0)
        return imp.emitError(node) << "pads must not be negative";
    }
  } else if (*autoPad != "VALID") {
    return imp.emitError(node) << "unknown auto_pad '" << *autoPad << "'";
  }
  SpatialPadding out;
  for (size_t i = 0; i < n; ++i) {
    int64_t sym = std::min(begin[i], end[i]);
    out.symmetric.push_back(sym);
    out.extraBegin.push_back(begin[i] - sym);
    out.extraEnd.push_back(end[i] - sym);
  }
  return std::optional<SpatialPadding>(out);
}

bool SpatialPadding::needsExplicitPad() const {
  return llvm::any_of(extraBegin, [](int64_t p) { return p != 0; }) ||
         llvm::any_of(extraEnd, [](int64_t p) { return p != 0; });
}

/// F.pad's list for per-dim begin/end amounts: pairs from the last dim,
/// leading dims without padding left out.
static SmallVector<int64_t> torchPadList(ArrayRef<int64_t> begin,
                                         ArrayRef<int64_t> end) {
  int64_t first = 0, rank = begin.size();
  while (first < rank && begin[first] == 0 && end[first] == 0)
    ++first;
  SmallVector<int64_t> out;
  for (int64_t d = rank - 1; d >= first; --d) {
    out.push_back(begin[d]);
    out.push_back(end[d]);
  }
  return out;
}

static Value createPad(Importer &imp, const onnx::NodeProto &node, Value input,
                       ArrayRef<int64_t> begin, ArrayRef<int64_t> end,
                       double value) {
  auto inType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(inType.getShape());
  for (size_t d = 0; d < shape.size(); ++d)
    if (!ShapedType::isDynamic(shape[d]))
      shape[d] += begin[d] + end[d];
  OpBuilder &b = imp.builder;
  auto op =
      PadOp::create(b, imp.getLoc(node),
                    RankedTensorType::get(shape, inType.getElementType()),
                    input, b.getDenseI64ArrayAttr(torchPadList(begin, end)),
                    b.getF64FloatAttr(value));
  imp.setProvenance(op, NodeKind::call_function, "torch.nn.functional.pad",
                    imp.scopePath(node));
  return op.getResult();
}

Value qfx::onnx_import::emitExplicitPad(Importer &imp,
                                        const onnx::NodeProto &node,
                                        Value input, const SpatialPadding &pad,
                                        double value) {
  SmallVector<int64_t> begin{0, 0}, end{0, 0};
  begin.append(pad.extraBegin.begin(), pad.extraBegin.end());
  end.append(pad.extraEnd.begin(), pad.extraEnd.end());
  return createPad(imp, node, input, begin, end, value);
}

std::optional<SmallVector<int64_t>>
qfx::onnx_import::avgPoolPrelude(Importer &imp, const onnx::NodeProto &pad,
                                 const onnx::NodeProto &pool) {
  if (pad.op_type() != "Pad" || pool.op_type() != "AveragePool" ||
      pad.output_size() != 1 || pool.input_size() < 1 ||
      pool.input(0) != pad.output(0) ||
      imp.useCount.lookup(pad.output(0)) != 1 || imp.hasInput(pad, 3))
    return std::nullopt;
  const auto *mode = imp.getAttr(pad, "mode");
  if (mode && mode->s() != "constant")
    return std::nullopt;
  if (imp.hasInput(pad, 2)) {
    auto v = imp.getConstDoubles(pad, 2);
    if (!v || v->size() != 1 || (*v)[0] != 0.0)
      return std::nullopt;
  }
  const auto *autoPad = imp.getAttr(pool, "auto_pad");
  if (autoPad && autoPad->s() != "NOTSET" && autoPad->s() != "VALID")
    return std::nullopt;
  if (const auto *poolPads = imp.getAttr(pool, "pads"))
    if (llvm::any_of(poolPads->ints(), [](int64_t p) { return p != 0; }))
      return std::nullopt;
  const auto *kernel = imp.getAttr(pool, "kernel_shape");
  auto pads = imp.getConstInts(pad, 1);
  if (!kernel || !pads)
    return std::nullopt;
  int64_t n = kernel->ints_size(), rank = pads->size() / 2;
  if (static_cast<int64_t>(pads->size()) != 2 * rank || rank != n + 2)
    return std::nullopt;
  ArrayRef<int64_t> all(*pads);
  SmallVector<int64_t> spatial;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t begin = all[d], end = all[d + rank];
    if (begin != end || begin < 0 || (d < 2 && begin != 0))
      return std::nullopt;
    // torch's avg_pool takes at most half the kernel as padding.
    if (d >= 2) {
      if (begin > kernel->ints(d - 2) / 2)
        return std::nullopt;
      spatial.push_back(begin);
    }
  }
  return spatial;
}

/// The AveragePool reading `pad` when `pad` is its avgPoolPrelude.
static const onnx::NodeProto *preludeConsumer(Importer &imp,
                                              const onnx::NodeProto &pad) {
  if (pad.output_size() != 1 || imp.useCount.lookup(pad.output(0)) != 1)
    return nullptr;
  for (const onnx::NodeProto &node : imp.graph.node())
    if (node.input_size() > 0 && node.input(0) == pad.output(0))
      return avgPoolPrelude(imp, pad, node) ? &node : nullptr;
  return nullptr;
}

/// Pad (constant mode, constant amounts) as F.pad. The Pad torch.onnx
/// writes before AveragePool for AvgPoolNd(padding=p, count_include_pad=True)
/// is left to the pool (avgPoolPrelude). Reflect/edge modes stay generic.
static LogicalResult convertPad(Importer &imp, const onnx::NodeProto &node) {
  auto mode = imp.getStringAttr(node, "mode", "constant");
  if (failed(mode))
    return failure();
  auto pads = imp.getConstInts(node, 1);
  if (*mode != "constant" || !pads || imp.hasInput(node, 3))
    return imp.emitGenericCall(node);
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  if (llvm::all_of(*pads, [](int64_t p) { return p == 0; }) ||
      preludeConsumer(imp, node)) {
    imp.setResult(node, 0, *input);
    return success();
  }
  auto inType = dyn_cast<RankedTensorType>(input->getType());
  if (!inType || !isa<FloatType>(inType.getElementType()))
    return imp.emitGenericCall(node);
  int64_t rank = inType.getRank();
  if (static_cast<int64_t>(pads->size()) != 2 * rank)
    return imp.emitError(node)
           << "pads needs " << 2 * rank << " entries, has " << pads->size();
  double value = 0.0;
  if (imp.hasInput(node, 2)) {
    auto v = imp.getConstDoubles(node, 2);
    if (!v)
      return imp.emitGenericCall(node);
    if (v->size() != 1)
      return imp.emitError(node) << "constant_value must be a scalar";
    value = (*v)[0];
  }
  ArrayRef<int64_t> all(*pads);
  for (int64_t d = 0; d < rank; ++d)
    if (!inType.isDynamicDim(d) &&
        inType.getDimSize(d) + all[d] + all[d + rank] < 0)
      return imp.emitError(node) << "pads make dim " << d << " negative";
  imp.setResult(node, 0,
                createPad(imp, node, *input, all.take_front(rank),
                          all.drop_front(rank), value));
  return success();
}

void qfx::onnx_import::populatePaddingConverters(
    llvm::StringMap<ConvertFn> &table) {
  table["Pad"] = convertPad;
}
