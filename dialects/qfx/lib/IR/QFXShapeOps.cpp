//===- QFXShapeOps.cpp - verifiers of data movement and sequence ops ------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "VerifyUtils.h"
#include "mlir/IR/TypeUtilities.h"
#include "qfx/Dialect/QFX/QFXOps.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::verify;

/// Data movement never changes the element type.
static LogicalResult checkSameElementType(Operation *op, Type in, Type out) {
  if (mlir::getElementTypeOrSelf(in) != mlir::getElementTypeOrSelf(out))
    return op->emitOpError()
           << "result element type " << mlir::getElementTypeOrSelf(out)
           << " differs from input element type "
           << mlir::getElementTypeOrSelf(in);
  return success();
}

static int64_t numElements(RankedTensorType type) {
  return type.hasStaticShape() ? type.getNumElements() : ShapedType::kDynamic;
}

LogicalResult CatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";
  auto first = cast<RankedTensorType>(getInputs().front().getType());
  RankedTensorType out = getResult().getType();
  FailureOr<int64_t> dim = checkDim(*this, getDim(), first.getRank(), "dim");
  if (failed(dim))
    return failure();
  int64_t total = 0;
  for (Value v : getInputs()) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() != first.getRank() ||
        type.getElementType() != first.getElementType())
      return emitOpError() << "inputs must share rank and element type";
    if (failed(checkSameElementType(*this, type, out)))
      return failure();
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != *dim && staticMismatch(type.getDimSize(d), first.getDimSize(d)))
        return emitOpError() << "inputs differ in dim " << d
                             << " outside the concatenation dim";
    int64_t size = type.getDimSize(*dim);
    total = ShapedType::isDynamic(size) || ShapedType::isDynamic(total)
                ? ShapedType::kDynamic
                : total + size;
  }
  if (out.getRank() != first.getRank())
    return emitOpError() << "result rank must equal input rank";
  return checkResultDim(*this, out, *dim, total);
}

LogicalResult FlattenOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  int64_t rank = std::max<int64_t>(in.getRank(), 1);
  FailureOr<int64_t> start = checkDim(*this, getStartDim(), rank, "start_dim");
  FailureOr<int64_t> end = checkDim(*this, getEndDim(), rank, "end_dim");
  if (failed(start) || failed(end) ||
      failed(checkSameElementType(*this, in, out)))
    return failure();
  if (*start > *end)
    return emitOpError() << "start_dim must not come after end_dim";
  int64_t expectedRank = in.getRank() == 0 ? 1 : rank - (*end - *start);
  if (out.getRank() != expectedRank)
    return emitOpError() << "result rank must be " << expectedRank;
  if (staticMismatch(numElements(in), numElements(out)))
    return emitOpError() << "flatten must preserve the element count";
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (failed(checkSameElementType(*this, in, out)))
    return failure();
  ArrayRef<int64_t> shape = getShape();
  if (static_cast<int64_t>(shape.size()) != out.getRank())
    return emitOpError() << "shape has " << shape.size()
                         << " dims but the result has rank " << out.getRank();
  if (llvm::count(shape, -1) > 1)
    return emitOpError() << "shape may contain at most one -1";
  for (auto [i, size] : llvm::enumerate(shape)) {
    if (size < -1)
      return emitOpError() << "invalid size " << size << " in shape";
    if (size != -1 && failed(checkResultDim(*this, out, i, size)))
      return failure();
  }
  if (staticMismatch(numElements(in), numElements(out)))
    return emitOpError() << "reshape must preserve the element count ("
                         << numElements(in) << " vs " << numElements(out)
                         << ")";
  return success();
}

LogicalResult PermuteOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (static_cast<int64_t>(getDims().size()) != in.getRank() ||
      out.getRank() != in.getRank())
    return emitOpError() << "dims must list every input dim once";
  llvm::SmallDenseSet<int64_t> seen;
  for (auto [i, d] : llvm::enumerate(getDims())) {
    FailureOr<int64_t> dim = checkDim(*this, d, in.getRank(), "dim");
    if (failed(dim))
      return failure();
    if (!seen.insert(*dim).second)
      return emitOpError() << "dim " << d << " appears twice";
    if (failed(checkResultDim(*this, out, i, in.getDimSize(*dim))))
      return failure();
  }
  return checkSameElementType(*this, in, out);
}

LogicalResult TransposeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  int64_t rank = std::max<int64_t>(in.getRank(), 1);
  FailureOr<int64_t> d0 = checkDim(*this, getDim0(), rank, "dim0");
  FailureOr<int64_t> d1 = checkDim(*this, getDim1(), rank, "dim1");
  if (failed(d0) || failed(d1) || failed(checkSameElementType(*this, in, out)))
    return failure();
  if (out.getRank() != in.getRank())
    return emitOpError() << "result rank must equal input rank";
  SmallVector<int64_t> shape(in.getShape());
  if (!shape.empty())
    std::swap(shape[*d0], shape[*d1]);
  for (auto [i, size] : llvm::enumerate(shape))
    if (failed(checkResultDim(*this, out, i, size)))
      return failure();
  return success();
}

LogicalResult SqueezeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  if (failed(checkSameElementType(*this, in, out)))
    return failure();
  // Copy the optional out: iterating `*getDims()` directly would bind to a
  // temporary that dies before the loop body runs.
  if (std::optional<ArrayRef<int64_t>> dims = getDims())
    for (int64_t d : *dims)
      if (failed(checkDim(*this, d, std::max<int64_t>(in.getRank(), 1), "dim")))
        return failure();
  if (out.getRank() > in.getRank())
    return emitOpError() << "squeeze cannot add dims";
  if (staticMismatch(numElements(in), numElements(out)))
    return emitOpError() << "squeeze must preserve the element count";
  return success();
}

LogicalResult UnsqueezeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto out = cast<RankedTensorType>(getResult().getType());
  FailureOr<int64_t> dim = checkDim(*this, getDim(), in.getRank() + 1, "dim");
  if (failed(dim) || failed(checkSameElementType(*this, in, out)))
    return failure();
  if (out.getRank() != in.getRank() + 1)
    return emitOpError() << "result rank must be input rank + 1";
  return checkResultDim(*this, out, *dim, 1);
}

LogicalResult SizeOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  if (getDim()) {
    if (!getType().isInteger(64))
      return emitOpError() << "size with a dim returns i64";
    return checkDim(*this, *getDim(), std::max<int64_t>(in.getRank(), 1),
                    "dim");
  }
  auto out = dyn_cast<RankedTensorType>(getType());
  if (!out || staticMismatch(out.getDimSize(0), in.getRank()))
    return emitOpError() << "size without a dim returns a tensor<"
                         << in.getRank() << "xi64>";
  return success();
}

LogicalResult InterpolateOp::verify() {
  if (getSize().has_value() == getScaleFactor().has_value())
    return emitOpError() << "expects exactly one of size and scale_factor";
  int64_t spatial = getInput().getType().getRank() - 2;
  size_t count = getSize() ? getSize()->size() : getScaleFactor()->size();
  if (spatial < 1 || static_cast<int64_t>(count) != spatial)
    return emitOpError() << "needs one size or scale per spatial dim ("
                         << spatial << ")";
  if (getAlignCorners() && (getMode() == InterpolateMode::nearest ||
                            getMode() == InterpolateMode::nearest_exact ||
                            getMode() == InterpolateMode::area))
    return emitOpError() << "align_corners only applies to linear modes";
  return success();
}

LogicalResult PadOp::verify() {
  RankedTensorType in = getInput().getType(), out = getResult().getType();
  ArrayRef<int64_t> pad = getPad();
  int64_t rank = in.getRank();
  if (pad.size() % 2 || static_cast<int64_t>(pad.size()) > 2 * rank)
    return emitOpError() << "pad needs (begin, end) pairs for at most " << rank
                         << " dims, has " << pad.size() << " entries";
  if (out.getRank() != rank)
    return emitOpError() << "result rank must equal input rank";
  if (failed(checkSameElementType(*this, in, out)))
    return failure();
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = in.getDimSize(d);
    int64_t pair = rank - 1 - d; // F.pad counts from the last dim.
    if (2 * pair < static_cast<int64_t>(pad.size()) &&
        !ShapedType::isDynamic(size)) {
      size += pad[2 * pair] + pad[2 * pair + 1];
      if (size < 0)
        return emitOpError() << "pad makes dim " << d << " negative";
    }
    if (failed(checkResultDim(*this, out, d, size)))
      return failure();
  }
  return success();
}

LogicalResult EmbeddingOp::verify() {
  RankedTensorType w = getWeight().getType();
  if (w.getRank() != 2)
    return emitOpError() << "weight must be 2-d";
  RankedTensorType idx = getIndices().getType(), out = getResult().getType();
  if (out.getRank() != idx.getRank() + 1)
    return emitOpError() << "result rank must be indices rank + 1";
  return checkResultDim(*this, out, out.getRank() - 1, w.getDimSize(1));
}

LogicalResult EmbeddingBagOp::verify() {
  RankedTensorType w = getWeight().getType(), idx = getIndices().getType();
  if (w.getRank() != 2)
    return emitOpError() << "weight must be 2-d";
  if (idx.getRank() == 1 && !getOffsets())
    return emitOpError() << "1-d indices need offsets";
  if (idx.getRank() == 2 && getOffsets())
    return emitOpError() << "2-d indices must not have offsets";
  if (idx.getRank() < 1 || idx.getRank() > 2)
    return emitOpError() << "indices must be 1-d or 2-d";
  if (getPerSampleWeights() && getMode() != EmbeddingBagMode::sum)
    return emitOpError() << "per_sample_weights need mode sum";
  RankedTensorType out = getResult().getType();
  if (out.getRank() != 2)
    return emitOpError() << "result must be 2-d";
  return checkResultDim(*this, out, 1, w.getDimSize(1));
}

/// Weight count of an RNN: 2 matrices (+2 biases) per layer and direction.
static LogicalResult verifyRecurrent(Operation *op, int64_t numLayers,
                                     bool bidirectional, bool hasBiases,
                                     size_t numWeights, size_t numStates,
                                     size_t expectedStates, int64_t hidden) {
  if (numLayers < 1 || hidden < 1)
    return op->emitOpError() << "num_layers and hidden_size must be >= 1";
  size_t perLayer = hasBiases ? 4 : 2;
  size_t expected = perLayer * numLayers * (bidirectional ? 2 : 1);
  if (numWeights != expected)
    return op->emitOpError()
           << "expects " << expected << " weights, got " << numWeights;
  if (numStates != 0 && numStates != expectedStates)
    return op->emitOpError() << "expects 0 or " << expectedStates
                             << " initial states, got " << numStates;
  return success();
}

LogicalResult LSTMOp::verify() {
  return verifyRecurrent(*this, getNumLayers(), getBidirectional(),
                         getHasBiases(), getWeights().size(),
                         getInitialStates().size(), kNumStates,
                         getHiddenSize());
}

LogicalResult GRUOp::verify() {
  return verifyRecurrent(*this, getNumLayers(), getBidirectional(),
                         getHasBiases(), getWeights().size(),
                         getInitialStates().size(), kNumStates,
                         getHiddenSize());
}
