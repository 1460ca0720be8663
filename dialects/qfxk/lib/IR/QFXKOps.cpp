//===- QFXKOps.cpp - qfxk op verifiers and folds --------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFXK/QFXKOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace qfx::kernels;

/// A per-tensor quantized activation with 8-bit storage.
static quant::UniformQuantizedType activationType(Type t) {
  auto q = dyn_cast<quant::UniformQuantizedType>(
      cast<ShapedType>(t).getElementType());
  if (!q || q.getStorageTypeIntegralWidth() != 8)
    return {};
  return q;
}

static LogicalResult checkActivations(Operation *op) {
  for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
    if (!activationType(t))
      return op->emitOpError()
             << "expects per-tensor 8-bit quantized activations, got " << t;
  return success();
}

static LogicalResult checkRank(Operation *op, Value v, int64_t rank,
                               StringRef what) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getRank() != rank || !t.hasStaticShape())
    return op->emitOpError() << "expects a static rank-" << rank << " " << what;
  return success();
}

/// PyTorch's pooling/convolution output size (floor mode).
static int64_t outSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

/// Checks that \p a holds \p n values, each at least \p min.
static LogicalResult checkValues(Operation *op, ArrayRef<int64_t> a, size_t n,
                                 StringRef name, int64_t min) {
  if (a.size() != n)
    return op->emitOpError()
           << "expects " << n << " values in '" << name << "'";
  for (int64_t v : a)
    if (v < min)
      return op->emitOpError() << "'" << name << "' values must be >= " << min;
  return success();
}

static LogicalResult checkPair(Operation *op, ArrayRef<int64_t> a,
                               StringRef name, int64_t min) {
  return checkValues(op, a, 2, name, min);
}

static LogicalResult checkBatch(Operation *op, RankedTensorType it,
                                RankedTensorType ot) {
  if (it.getDimSize(0) != ot.getDimSize(0))
    return op->emitOpError() << "batch size changes";
  return success();
}

/// Checks the result's spatial dims, the first at \p first, against
/// \p expected.
static LogicalResult checkResultDims(Operation *op, StringRef layout,
                                     RankedTensorType ot, int64_t first,
                                     ArrayRef<int64_t> expected) {
  for (auto [i, e] : llvm::enumerate(expected)) {
    int64_t dim = first + static_cast<int64_t>(i);
    if (ot.getDimSize(dim) != e)
      return op->emitOpError() << layout << " result dim " << dim << " is "
                               << ot.getDimSize(dim) << ", expected " << e;
  }
  return success();
}

/// The floor-mode output sizes of the spatial dims starting at \p first.
static SmallVector<int64_t> outSizes(RankedTensorType it, int64_t first,
                                     ArrayRef<int64_t> k, ArrayRef<int64_t> s,
                                     ArrayRef<int64_t> p, ArrayRef<int64_t> d) {
  SmallVector<int64_t> sizes;
  for (size_t i = 0; i < k.size(); ++i)
    sizes.push_back(outSize(it.getDimSize(first + i), k[i], s[i], p[i], d[i]));
  return sizes;
}

static LogicalResult checkSpatial(Operation *op, Value in, Value out,
                                  ArrayRef<int64_t> k, ArrayRef<int64_t> s,
                                  ArrayRef<int64_t> p, ArrayRef<int64_t> d) {
  auto it = cast<RankedTensorType>(in.getType());
  auto ot = cast<RankedTensorType>(out.getType());
  if (failed(checkResultDims(op, "NHWC", ot, 1, outSizes(it, 1, k, s, p, d))))
    return failure();
  return checkBatch(op, it, ot);
}

//===----------------------------------------------------------------------===//
// packed_weight
//===----------------------------------------------------------------------===//

LogicalResult PackedWeightOp::verify() {
  auto type = cast<RankedTensorType>(getType());
  auto et = dyn_cast<quant::QuantizedType>(type.getElementType());
  if (!et || !et.isSigned() || et.getStorageTypeIntegralWidth() != 8)
    return emitOpError() << "expects signed 8-bit weights";
  if (auto pa = dyn_cast<quant::UniformQuantizedPerAxisType>(et)) {
    if (pa.getQuantizedDimension() != 0)
      return emitOpError() << "expects weights quantized along axis 0";
    for (int64_t z : pa.getZeroPoints())
      if (z != 0)
        return emitOpError() << "expects symmetric weights (zero point 0)";
  } else if (auto u = dyn_cast<quant::UniformQuantizedType>(et)) {
    if (u.getZeroPoint() != 0)
      return emitOpError() << "expects symmetric weights (zero point 0)";
  }
  if (type.getRank() != 2 && type.getRank() != 4 && type.getRank() != 5)
    return emitOpError() << "expects an OI, OIHW or OIDHW weight";
  auto data = cast<ShapedType>(getWeight().getType());
  if (data.getShape() != type.getShape() ||
      !data.getElementType().isSignlessInteger(8))
    return emitOpError() << "weight data must be " << type.getShape().size()
                         << "-d i8 of the weight type's shape";
  if (auto bias = getBiasAttr()) {
    auto bt = cast<ShapedType>(bias.getType());
    if (bt.getRank() != 1 || bt.getDimSize(0) != type.getDimSize(0))
      return emitOpError() << "bias must have one value per output channel";
    if (!bt.getElementType().isF32() &&
        !bt.getElementType().isSignlessInteger(32))
      return emitOpError() << "bias must be f32 or i32";
  }
  return success();
}

/// Resolves a weight symbol and checks it against the op's convention.
static FailureOr<PackedWeightOp> lookupWeight(Operation *op,
                                              SymbolTableCollection &tables,
                                              FlatSymbolRefAttr sym,
                                              Requant requant, int64_t rank) {
  auto w = tables.lookupNearestSymbolFrom<PackedWeightOp>(op, sym);
  if (!w)
    return op->emitOpError()
           << "'" << sym.getValue() << "' is not a qfxk.packed_weight";
  if (cast<RankedTensorType>(w.getType()).getRank() != rank)
    return op->emitOpError() << "expects a rank-" << rank << " weight";
  if (auto bias = w.getBiasAttr()) {
    bool isFloat = cast<ShapedType>(bias.getType()).getElementType().isF32();
    if (isFloat != (requant == Requant::float_))
      return op->emitOpError()
             << "'" << stringifyRequant(requant) << "' requantization takes "
             << (requant == Requant::float_ ? "an f32" : "an i32") << " bias";
  }
  return w;
}

//===----------------------------------------------------------------------===//
// conv2d / linear
//===----------------------------------------------------------------------===//

/// Checks that [lo, hi] is a non-empty range of \p result's storage type.
static LogicalResult checkClampRange(Operation *op, int64_t lo, int64_t hi,
                                     Type result) {
  auto q = activationType(result);
  if (lo > hi || lo < q.getStorageTypeMin() || hi > q.getStorageTypeMax())
    return op->emitOpError()
           << "clamp [" << lo << ", " << hi
           << "] is not a non-empty range of the result's storage ["
           << q.getStorageTypeMin() << ", " << q.getStorageTypeMax() << "]";
  return success();
}

static LogicalResult checkOptionalClamp(Operation *op,
                                        std::optional<ArrayRef<int64_t>> c,
                                        Type result) {
  if (!c)
    return success();
  if (c->size() != 2)
    return op->emitOpError() << "expects 'clamp' = [lo, hi]";
  return checkClampRange(op, (*c)[0], (*c)[1], result);
}

/// The checks every convolution shares: quantized activations of static rank
/// in \p layout, one stride, padding (output padding, when transposed) and
/// dilation value per spatial dim, positive groups, the fused clamp (when not
/// transposed).
template <typename ConvOp>
static LogicalResult verifyConvolution(ConvOp op, StringRef layout) {
  constexpr bool transposed = std::is_same_v<ConvOp, ConvTranspose2dOp>;
  int64_t rank = layout.size();
  size_t n = rank - 2;
  if (failed(checkActivations(op)) ||
      failed(checkRank(op, op.getInput(), rank, (layout + " input").str())) ||
      failed(checkRank(op, op.getResult(), rank, (layout + " result").str())) ||
      failed(checkValues(op, op.getStride(), n, "stride", 1)) ||
      failed(checkValues(op, op.getPadding(), n, "padding", 0)))
    return failure();
  if constexpr (transposed)
    if (failed(checkValues(op, op.getOutputPadding(), n, "output_padding", 0)))
      return failure();
  if (failed(checkValues(op, op.getDilation(), n, "dilation", 1)))
    return failure();
  if (static_cast<int64_t>(op.getGroups()) < 1)
    return op.emitOpError() << "'groups' must be positive";
  if constexpr (transposed)
    return success();
  else
    return checkOptionalClamp(op, op.getClamp(), op.getResult().getType());
}

/// Resolves a convolution's O x I/groups x ... weight and checks it against
/// the input's and result's channels at dim \p c of the rank-\p rank
/// layout; returns the weight's shape.
template <typename ConvOp>
static FailureOr<ArrayRef<int64_t>>
lookupConvWeight(ConvOp op, SymbolTableCollection &tables, int64_t rank,
                 int64_t c) {
  auto it = cast<RankedTensorType>(op.getInput().getType());
  auto ot = cast<RankedTensorType>(op.getResult().getType());
  auto w = lookupWeight(op, tables, op.getWeightAttr(), op.getRequant(), rank);
  if (failed(w))
    return failure();
  ArrayRef<int64_t> ws = cast<RankedTensorType>(w->getType()).getShape();
  int64_t groups = static_cast<int64_t>(op.getGroups());
  if (it.getDimSize(c) != ws[1] * groups)
    return op.emitOpError()
           << "input has " << it.getDimSize(c)
           << " channels, the weight expects " << ws[1] * groups;
  if (ot.getDimSize(c) != ws[0] || ws[0] % groups)
    return op.emitOpError() << "result has " << ot.getDimSize(c)
                            << " channels, the weight has " << ws[0];
  return ws;
}

LogicalResult Conv2dOp::verify() { return verifyConvolution(*this, "NHWC"); }

LogicalResult Conv2dOp::verifySymbolUses(SymbolTableCollection &tables) {
  auto ws = lookupConvWeight(*this, tables, 4, 3);
  if (failed(ws))
    return failure();
  return checkSpatial(*this, getInput(), getResult(), ws->drop_front(2),
                      getStride(), getPadding(), getDilation());
}

LogicalResult Conv3dOp::verify() { return verifyConvolution(*this, "NCDHW"); }

LogicalResult Conv3dOp::verifySymbolUses(SymbolTableCollection &tables) {
  auto ws = lookupConvWeight(*this, tables, 5, 1);
  if (failed(ws))
    return failure();
  auto it = cast<RankedTensorType>(getInput().getType());
  auto ot = cast<RankedTensorType>(getResult().getType());
  if (failed(checkBatch(*this, it, ot)))
    return failure();
  return checkResultDims(*this, "NCDHW", ot, 2,
                         outSizes(it, 2, ws->drop_front(2), getStride(),
                                  getPadding(), getDilation()));
}

LogicalResult ConvTranspose2dOp::verify() {
  return verifyConvolution(*this, "NHWC");
}

LogicalResult
ConvTranspose2dOp::verifySymbolUses(SymbolTableCollection &tables) {
  auto ws = lookupConvWeight(*this, tables, 4, 3);
  if (failed(ws))
    return failure();
  auto it = cast<RankedTensorType>(getInput().getType());
  auto ot = cast<RankedTensorType>(getResult().getType());
  if (failed(checkBatch(*this, it, ot)))
    return failure();
  SmallVector<int64_t, 2> expected;
  for (int i = 0; i < 2; ++i)
    expected.push_back(
        (it.getDimSize(1 + i) - 1) * getStride()[i] - 2 * getPadding()[i] +
        getDilation()[i] * ((*ws)[2 + i] - 1) + getOutputPadding()[i] + 1);
  return checkResultDims(*this, "NHWC", ot, 1, expected);
}

LogicalResult LinearOp::verify() {
  if (failed(checkActivations(*this)) ||
      failed(checkRank(*this, getInput(), 2, "input")) ||
      failed(checkRank(*this, getResult(), 2, "result")))
    return failure();
  if (getInput().getType().getDimSize(0) != getResult().getType().getDimSize(0))
    return emitOpError() << "row count changes";
  return checkOptionalClamp(*this, getClamp(), getResult().getType());
}

/// Resolves a linear op's N x K weight and checks the input's last dim (K)
/// and the result's (N) against it.
static LogicalResult verifyLinearWeight(Operation *op,
                                        SymbolTableCollection &tables,
                                        FlatSymbolRefAttr sym, Requant requant,
                                        ShapedType input, ShapedType result) {
  auto w = lookupWeight(op, tables, sym, requant, 2);
  if (failed(w))
    return failure();
  ArrayRef<int64_t> ws = cast<RankedTensorType>(w->getType()).getShape();
  if (input.getShape().back() != ws[1] || result.getShape().back() != ws[0])
    return op->emitOpError()
           << "shapes do not match the " << ws[0] << "x" << ws[1] << " weight";
  return success();
}

LogicalResult LinearOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyLinearWeight(*this, tables, getWeightAttr(), getRequant(),
                            getInput().getType(), getResult().getType());
}

LogicalResult DynamicLinearOp::verify() {
  auto it = getInput().getType(), ot = getResult().getType();
  if (it.getRank() < 2 || !it.hasStaticShape() || !ot.hasStaticShape() ||
      ot.getRank() != it.getRank())
    return emitOpError()
           << "expects static float tensors of one rank >= 2, [..., K] -> "
              "[..., N]";
  if (it.getShape().drop_back() != ot.getShape().drop_back())
    return emitOpError() << "leading dims change";
  return success();
}

LogicalResult DynamicLinearOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyLinearWeight(*this, tables, getWeightAttr(), Requant::float_,
                            getInput().getType(), getResult().getType());
}

//===----------------------------------------------------------------------===//
// dynamic_lstm
//===----------------------------------------------------------------------===//

LogicalResult DynamicLSTMOp::verify() {
  auto it = getInput().getType();
  if (it.getRank() != 3 || !it.hasStaticShape())
    return emitOpError() << "expects a static 3-d input";
  int64_t h = static_cast<int64_t>(getHiddenSize()),
          l = static_cast<int64_t>(getNumLayers());
  if (h < 1 || l < 1)
    return emitOpError() << "expects a positive hidden_size and num_layers";
  int64_t d = getBidirectional() ? 2 : 1;
  if (static_cast<int64_t>(getWeights().size()) != 2 * l * d)
    return emitOpError() << "expects " << 2 * l * d
                         << " weights (w_ih, w_hh per layer and direction), "
                            "got "
                         << getWeights().size();
  int64_t t = it.getDimSize(getBatchFirst() ? 1 : 0),
          b = it.getDimSize(getBatchFirst() ? 0 : 1);
  SmallVector<int64_t> out = getBatchFirst()
                                 ? SmallVector<int64_t>{b, t, d * h}
                                 : SmallVector<int64_t>{t, b, d * h};
  if (getOutput().getType().getShape() != ArrayRef<int64_t>(out))
    return emitOpError() << "output must be "
                         << (getBatchFirst() ? "[B, T, D*H]" : "[T, B, D*H]")
                         << " = [" << out[0] << ", " << out[1] << ", " << out[2]
                         << "]";
  SmallVector<int64_t> state{l * d, b, h};
  if (getInitialStates().size() != 0 && getInitialStates().size() != 2)
    return emitOpError() << "expects (h0, c0) or no initial states";
  SmallVector<Type> states(getInitialStates().getTypes());
  states.append({getHN().getType(), getCN().getType()});
  for (Type st : states)
    if (cast<RankedTensorType>(st).getShape() != ArrayRef<int64_t>(state))
      return emitOpError() << "states must be [L*D, B, H] = [" << state[0]
                           << ", " << state[1] << ", " << state[2] << "]";
  return success();
}

LogicalResult DynamicLSTMOp::verifySymbolUses(SymbolTableCollection &tables) {
  int64_t h = static_cast<int64_t>(getHiddenSize());
  int64_t d = getBidirectional() ? 2 : 1;
  ArrayRef<Attribute> weights = getWeights().getValue();
  for (auto [i, attr] : llvm::enumerate(weights)) {
    auto w = lookupWeight(*this, tables, cast<FlatSymbolRefAttr>(attr),
                          Requant::float_, 2);
    if (failed(w))
      return failure();
    // Layer 0 reads the input; later layers the previous layer's D*H.
    int64_t layer = static_cast<int64_t>(i) / (2 * d);
    bool hh = i % 2 == 1;
    int64_t in = hh           ? h
                 : layer == 0 ? getInput().getType().getShape().back()
                              : d * h;
    ArrayRef<int64_t> ws = cast<RankedTensorType>(w->getType()).getShape();
    if (ws[0] != 4 * h || ws[1] != in)
      return emitOpError() << "weight #" << i << " is " << ws[0] << "x" << ws[1]
                           << ", expected " << 4 * h << "x" << in;
    if (auto bias = w->getBiasAttr();
        bias && cast<ShapedType>(bias.getType()).getNumElements() != 4 * h)
      return emitOpError() << "bias of weight #" << i << " is not " << 4 * h
                           << " values";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// packed_embedding / embedding_bag
//===----------------------------------------------------------------------===//

LogicalResult PackedEmbeddingOp::verify() {
  int64_t bits = static_cast<int64_t>(getBits()),
          dim = static_cast<int64_t>(getDim());
  if (bits != 8 && bits != 4)
    return emitOpError() << "expects bits = 8 (quint8) or 4 (quint4x2)";
  if (dim < 1)
    return emitOpError() << "expects a positive dim";
  auto data = cast<ShapedType>(getData().getType());
  int64_t rowBytes = bits == 8 ? dim : (dim + 1) / 2;
  if (data.getRank() != 2 || !data.getElementType().isInteger(8) ||
      data.getDimSize(1) != rowBytes)
    return emitOpError() << "data must be rows x " << rowBytes
                         << " 8-bit integers";
  for (auto [name, attr] :
       {std::pair<StringRef, ElementsAttr>{"scales", getScales()},
        {"zero_points", getZeroPoints()}}) {
    auto t = cast<ShapedType>(attr.getType());
    if (t.getRank() != 1 || !t.getElementType().isF32() ||
        t.getDimSize(0) != data.getDimSize(0))
      return emitOpError() << "'" << name << "' must be one f32 per row";
  }
  return success();
}

LogicalResult EmbeddingBagOp::verify() {
  auto it = getIndices().getType(), rt = getResult().getType();
  if (rt.getRank() != 2)
    return emitOpError() << "expects a 2-d result";
  if (getOffsets() ? it.getRank() != 1 : it.getRank() != 2)
    return emitOpError()
           << "expects 1-d indices with offsets, 2-d indices without";
  if (getPerSampleWeights() && getMode() != BagMode::sum)
    return emitOpError() << "per_sample_weights needs mode 'sum'";
  return success();
}

LogicalResult EmbeddingBagOp::verifySymbolUses(SymbolTableCollection &tables) {
  auto t =
      tables.lookupNearestSymbolFrom<PackedEmbeddingOp>(*this, getTableAttr());
  if (!t)
    return emitOpError() << "'" << getTable()
                         << "' is not a qfxk.packed_embedding";
  if (getResult().getType().getDimSize(1) != static_cast<int64_t>(t.getDim()))
    return emitOpError() << "result rows have "
                         << getResult().getType().getDimSize(1)
                         << " values, the table " << t.getDim();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise, pooling, data movement
//===----------------------------------------------------------------------===//

/// Add and mul: quantized activations, operands and result of one shape.
template <typename BinaryOp> static LogicalResult verifyBinaryOp(BinaryOp op) {
  if (failed(checkActivations(op)))
    return failure();
  if (op.getLhs().getType().getShape() != op.getRhs().getType().getShape() ||
      op.getLhs().getType().getShape() != op.getResult().getType().getShape())
    return op.emitOpError() << "expects operands and result of one shape";
  return success();
}

LogicalResult AddOp::verify() { return verifyBinaryOp(*this); }

static LogicalResult sameQParams(Operation *op, Type a, Type b) {
  if (activationType(a) != activationType(b))
    return op->emitOpError() << "expects the input's qparams on the result";
  return success();
}

LogicalResult MulOp::verify() { return verifyBinaryOp(*this); }

LogicalResult ClampOp::verify() {
  if (failed(checkActivations(*this)) ||
      failed(sameQParams(*this, getInput().getType(), getResult().getType())))
    return failure();
  if (getInput().getType().getShape() != getResult().getType().getShape())
    return emitOpError() << "expects the input's shape on the result";
  return checkClampRange(*this, getLo(), getHi(), getResult().getType());
}

LogicalResult SoftmaxOp::verify() {
  if (failed(checkActivations(*this)))
    return failure();
  auto t = getInput().getType();
  if (t.getShape() != getResult().getType().getShape() || !t.hasStaticShape())
    return emitOpError() << "expects static shapes, the input's on the result";
  int64_t dim = getDim();
  if (dim < 0 || dim >= t.getRank())
    return emitOpError() << "'dim' " << dim << " out of range for rank "
                         << t.getRank();
  return success();
}

/// A per-channel float32 vector of \p n values.
static LogicalResult checkVector(Operation *op, ElementsAttr a, int64_t n,
                                 StringRef name) {
  auto t = cast<ShapedType>(a.getType());
  if (t.getRank() != 1 || t.getDimSize(0) != n)
    return op->emitOpError()
           << "expects '" << name << "' of " << n << " values, got " << t;
  return success();
}

LogicalResult BatchNormOp::verify() {
  if (failed(checkActivations(*this)))
    return failure();
  auto t = getInput().getType();
  if (t.getShape() != getResult().getType().getShape() || !t.hasStaticShape())
    return emitOpError() << "expects static shapes, the input's on the result";
  int64_t dim = getChannelDim();
  if (t.getRank() < 2 || dim < 1 || dim >= t.getRank())
    return emitOpError() << "'channel_dim' " << dim
                         << " must be a non-batch dim of the rank-"
                         << t.getRank() << " input";
  int64_t c = t.getDimSize(dim);
  if (failed(checkVector(*this, getMultiplier(), c, "multiplier")) ||
      failed(checkVector(*this, getOffset(), c, "offset")))
    return failure();
  return success();
}

LogicalResult LayerNormOp::verify() {
  if (failed(checkActivations(*this)))
    return failure();
  auto t = getInput().getType();
  if (t.getShape() != getResult().getType().getShape() || !t.hasStaticShape())
    return emitOpError() << "expects static shapes, the input's on the result";
  int64_t dims = getNormalizedDims();
  if (dims < 1 || dims > t.getRank())
    return emitOpError() << "'normalized_dims' " << dims
                         << " out of range for rank " << t.getRank();
  if (!(getEps().convertToDouble() >= 0.0))
    return emitOpError() << "'eps' must be >= 0";
  int64_t n = 1;
  for (int64_t d : t.getShape().take_back(dims))
    n *= d;
  if (auto w = getWeightAttr(); w && failed(checkVector(*this, w, n, "weight")))
    return failure();
  if (auto b = getBiasAttr(); b && failed(checkVector(*this, b, n, "bias")))
    return failure();
  return success();
}

LogicalResult MaxPool2dOp::verify() {
  if (failed(checkActivations(*this)) ||
      failed(checkRank(*this, getInput(), 4, "NHWC input")) ||
      failed(checkRank(*this, getResult(), 4, "NHWC result")) ||
      failed(checkPair(*this, getKernelSize(), "kernel_size", 1)) ||
      failed(checkPair(*this, getStride(), "stride", 1)) ||
      failed(checkPair(*this, getPadding(), "padding", 0)) ||
      failed(checkPair(*this, getDilation(), "dilation", 1)) ||
      failed(sameQParams(*this, getInput().getType(), getResult().getType())))
    return failure();
  return checkSpatial(*this, getInput(), getResult(), getKernelSize(),
                      getStride(), getPadding(), getDilation());
}

LogicalResult AvgPool2dOp::verify() {
  if (failed(checkActivations(*this)) ||
      failed(checkRank(*this, getInput(), 4, "NHWC input")) ||
      failed(checkRank(*this, getResult(), 4, "NHWC result")) ||
      failed(checkPair(*this, getKernelSize(), "kernel_size", 1)) ||
      failed(checkPair(*this, getStride(), "stride", 1)) ||
      failed(checkPair(*this, getPadding(), "padding", 0)))
    return failure();
  if (static_cast<int64_t>(getDivisorOverride()) < 0)
    return emitOpError() << "'divisor_override' must be >= 0 (0: none)";
  int64_t one[2] = {1, 1};
  return checkSpatial(*this, getInput(), getResult(), getKernelSize(),
                      getStride(), getPadding(), one);
}

LogicalResult AdaptiveAvgPool2dOp::verify() {
  if (failed(checkActivations(*this)) ||
      failed(checkRank(*this, getInput(), 4, "NHWC input")) ||
      failed(checkRank(*this, getResult(), 4, "NHWC result")))
    return failure();
  auto it = getInput().getType(), ot = getResult().getType();
  if (it.getDimSize(0) != ot.getDimSize(0) ||
      it.getDimSize(3) != ot.getDimSize(3))
    return emitOpError() << "batch and channels must be preserved";
  return success();
}

LogicalResult UnaryOp::verify() {
  if (failed(checkActivations(*this)))
    return failure();
  if (getInput().getType().getShape() != getResult().getType().getShape())
    return emitOpError() << "expects the input's shape on the result";
  return success();
}

LogicalResult CatOp::verify() {
  if (failed(checkActivations(*this)))
    return failure();
  if (getInputs().empty())
    return emitOpError() << "expects at least one input";
  auto rt = getResult().getType();
  int64_t dim = getDim(), rank = rt.getRank();
  if (dim < 0 || dim >= rank)
    return emitOpError() << "'dim' " << dim << " out of range for rank "
                         << rank;
  int64_t total = 0;
  for (Value v : getInputs()) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != rank)
      return emitOpError() << "expects inputs of the result's rank";
    for (int64_t i = 0; i < rank; ++i)
      if (i != dim && t.getDimSize(i) != rt.getDimSize(i))
        return emitOpError() << "input dim " << i << " differs from the result";
    total += t.getDimSize(dim);
  }
  if (total != rt.getDimSize(dim))
    return emitOpError() << "inputs sum to " << total << " along dim " << dim
                         << ", the result has " << rt.getDimSize(dim);
  return success();
}

LogicalResult ReshapeOp::verify() {
  if (failed(checkActivations(*this)) ||
      failed(sameQParams(*this, getInput().getType(), getResult().getType())))
    return failure();
  if (!getInput().getType().hasStaticShape() ||
      !getResult().getType().hasStaticShape() ||
      getInput().getType().getNumElements() !=
          getResult().getType().getNumElements())
    return emitOpError() << "expects static shapes with equal element counts";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType())
    return getInput();
  // reshape(reshape(v)) = reshape(v), and v itself when the types agree
  // (the 1 x L view around a 1-d convolution).
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    if (inner.getInput().getType() == getResult().getType())
      return inner.getInput();
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

template <typename Op>
static LogicalResult verifyLayout(Op op, std::array<int, 4> perm) {
  if (failed(checkActivations(op)) ||
      failed(checkRank(op, op.getInput(), 4, "input")) ||
      failed(
          sameQParams(op, op.getInput().getType(), op.getResult().getType())))
    return failure();
  auto it = op.getInput().getType(), ot = op.getResult().getType();
  for (int i = 0; i < 4; ++i)
    if (ot.getDimSize(i) != it.getDimSize(perm[i]))
      return op.emitOpError() << "result shape is not the permuted input shape";
  return success();
}

LogicalResult ToNhwcOp::verify() { return verifyLayout(*this, {0, 2, 3, 1}); }
LogicalResult ToNchwOp::verify() { return verifyLayout(*this, {0, 3, 1, 2}); }

OpFoldResult ToNhwcOp::fold(FoldAdaptor) {
  if (auto back = getInput().getDefiningOp<ToNchwOp>())
    return back.getInput();
  return {};
}
OpFoldResult ToNchwOp::fold(FoldAdaptor) {
  if (auto back = getInput().getDefiningOp<ToNhwcOp>())
    return back.getInput();
  return {};
}

#define GET_OP_CLASSES
#include "qfx/Dialect/QFXK/QFXKOps.cpp.inc"
