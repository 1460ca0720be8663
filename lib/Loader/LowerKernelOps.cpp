//===- LowerKernelOps.cpp - qfxk kernel ops to plan kernels ---------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "LoaderImpl.h"

#include "qfx/Dialect/QFXK/QFXKOps.h"
#include "qfx/Executor/QuantizedOps.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::exec;
namespace qk = qfx::kernels;

/// Per-tensor uint8 activation parameters of a tensor type.
static Status activationParams(Type t, kern::QParams &p) {
  auto q = dyn_cast<quant::UniformQuantizedType>(
      cast<ShapedType>(t).getElementType());
  if (!q || q.isSigned() || q.getStorageTypeIntegralWidth() != 8)
    return Status::error("the runtime's int8 kernels take per-tensor quint8 "
                         "activations");
  p.scale = static_cast<float>(q.getScale());
  p.zeroPoint = static_cast<int32_t>(q.getZeroPoint());
  p.qmin = static_cast<int32_t>(q.getStorageTypeMin());
  p.qmax = static_cast<int32_t>(q.getStorageTypeMax());
  return Status::success();
}

/// Fills weights, scales and bias of \p d from a packed weight.
static Status readPackedWeight(qk::PackedWeightOp w, kern::ConvDesc &d) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t oc = type.getDimSize(0);
  Type et = type.getElementType();
  d.wScales.clear();
  if (auto pa = dyn_cast<quant::UniformQuantizedPerAxisType>(et)) {
    for (double s : pa.getScales())
      d.wScales.push_back(static_cast<float>(s));
  } else if (auto u = dyn_cast<quant::UniformQuantizedType>(et)) {
    d.wScales.assign(oc, static_cast<float>(u.getScale()));
  } else {
    return Status::error("unsupported weight type");
  }
  auto data = dyn_cast<DenseElementsAttr>(w.getWeight());
  if (!data)
    return Status::error("packed weight data must be a dense attribute");
  d.weight.clear();
  d.weight.reserve(type.getNumElements());
  for (int8_t v : data.getValues<int8_t>())
    d.weight.push_back(v);
  if (data.isSplat())
    d.weight.assign(type.getNumElements(), d.weight.front());
  d.biasF.clear();
  d.biasI.clear();
  if (auto b = w.getBiasAttr()) {
    auto dense = dyn_cast<DenseElementsAttr>(b);
    if (!dense)
      return Status::error("bias must be a dense attribute");
    if (dense.getElementType().isF32()) {
      for (float v : dense.getValues<float>())
        d.biasF.push_back(v);
      if (dense.isSplat())
        d.biasF.assign(oc, d.biasF.front());
    } else {
      for (int32_t v : dense.getValues<int32_t>())
        d.biasI.push_back(v);
      if (dense.isSplat())
        d.biasI.assign(oc, d.biasI.front());
    }
  }
  return Status::success();
}

/// Resolves the packed weight \p sym of \p op (\p what, in the error) and
/// reads it into \p d.
static Expected<qk::PackedWeightOp>
readWeight(Operation *op, FlatSymbolRefAttr sym, kern::ConvDesc &d,
           const char *what = "the weight") {
  auto w = SymbolTable::lookupNearestSymbolFrom<qk::PackedWeightOp>(op, sym);
  if (!w)
    return Status::error(std::string("no qfxk.packed_weight for ") + what);
  if (Status s = readPackedWeight(w, d); s.failed())
    return s;
  return w;
}

/// Reads what the convolutions and linear share into \p d: the packed weight
/// (returned, for its shape), the activations' parameters, the requantization
/// convention, relu and the optional clamp.
template <typename ConvOp>
static Expected<qk::PackedWeightOp> readConv(ConvOp c, kern::ConvDesc &d) {
  auto w = readWeight(c, c.getWeightAttr(), d);
  if (w.failed())
    return w;
  Status s = activationParams(c.getInput().getType(), d.in);
  if (s.ok())
    s = activationParams(c.getResult().getType(), d.out);
  if (s.failed())
    return s;
  d.requant = c.getRequant() == qk::Requant::float_ ? kern::Requant::Float
                                                    : kern::Requant::Fp32;
  d.relu = c.getRelu();
  Operation *op = c;
  if (auto cl = op->getAttrOfType<DenseI64ArrayAttr>("clamp")) {
    d.clampLo = static_cast<int32_t>(cl[0]);
    d.clampHi = static_cast<int32_t>(cl[1]);
  }
  return w;
}

/// Reads a dynamic linear's N x K packed weight (\p what, in errors), its
/// scales and float bias into \p d.
static Status readDynamicWeight(Operation *op, FlatSymbolRefAttr sym,
                                kern::DynamicLinearDesc &d, const char *what) {
  kern::ConvDesc cd;
  auto w = readWeight(op, sym, cd, what);
  if (w.failed())
    return w.status();
  auto wt = cast<RankedTensorType>(w->getType());
  d.n = wt.getDimSize(0);
  d.k = wt.getDimSize(1);
  d.weight = std::move(cd.weight);
  d.wScales = std::move(cd.wScales);
  d.bias = std::move(cd.biasF);
  return Status::success();
}

/// The values of a float32 elements attribute (splats expanded).
static std::vector<float> floatValues(DenseElementsAttr a) {
  std::vector<float> out;
  out.reserve(a.getNumElements());
  for (float v : a.getValues<float>())
    out.push_back(v);
  return out;
}

/// True when the kernel the runtime picks for \p op, if it is a qfxk.conv2d,
/// takes int8 activations (kern::autoConvTakesInt8).
static bool convTakesInt8(Operation *op) {
  auto c = dyn_cast_if_present<qk::Conv2dOp>(op);
  if (!c || c.getInput().getType().getRank() != 4 ||
      c.getResult().getType().getRank() != 4)
    return false;
  int64_t ch = c.getInput().getType().getDimSize(3);
  bool depthwise = static_cast<int64_t>(c.getGroups()) == ch &&
                   c.getResult().getType().getDimSize(3) == ch;
  return kern::autoConvTakesInt8(c.getRequant() == qk::Requant::float_
                                     ? kern::Requant::Float
                                     : kern::Requant::Fp32,
                                 depthwise);
}

/// True when \p v can stay int8 (uint8 xor 0x80) in its slot: produced by
/// a convolution whose kernel takes int8 and read only as the input of such
/// convolutions, so the shifts XNNPACK needs between them cancel out. Any
/// other reader (an add, a reshape, the function's result) sees uint8.
static bool staysInt8(Value v) {
  if (!convTakesInt8(v.getDefiningOp()) || v.use_empty())
    return false;
  for (OpOperand &use : v.getUses())
    if (use.getOperandNumber() != 0 || !convTakesInt8(use.getOwner()))
      return false;
  return true;
}

#define QFX_TRY(var, expr)                                                     \
  int var;                                                                     \
  {                                                                            \
    auto var##OrErr = (expr);                                                  \
    if (var##OrErr.failed())                                                   \
      return var##OrErr.status();                                              \
    var = *var##OrErr;                                                         \
  }
#define QFX_CHECK(expr)                                                        \
  if (Status s_ = (expr); s_.failed())                                         \
    return error(op, s_.message());

Status ModelBuilder::lowerKernelOp(Operation *op, bool &handled) {
  handled = true;
  if (isa<qk::Conv2dOp, qk::LinearOp>(op)) {
    kern::ConvDesc d;
    auto c = dyn_cast<qk::Conv2dOp>(op);
    auto w = c ? readConv(c, d) : readConv(cast<qk::LinearOp>(op), d);
    if (w.failed())
      return error(op, w.message());
    Value in = op->getOperand(0), res = op->getResult(0);
    auto it = cast<RankedTensorType>(in.getType());
    auto wt = cast<RankedTensorType>(w->getType());
    if (c) {
      d.n = it.getDimSize(0), d.h = it.getDimSize(1), d.w = it.getDimSize(2),
      d.c = it.getDimSize(3);
      d.oc = wt.getDimSize(0), d.kh = wt.getDimSize(2), d.kw = wt.getDimSize(3);
      d.strideH = c.getStride()[0], d.strideW = c.getStride()[1];
      d.padT = d.padB = c.getPadding()[0];
      d.padL = d.padR = c.getPadding()[1];
      d.dilH = c.getDilation()[0], d.dilW = c.getDilation()[1];
      d.groups = c.getGroups();
    } else {
      d.n = it.getDimSize(0), d.c = it.getDimSize(1), d.oc = wt.getDimSize(0);
    }
    QFX_TRY(x, slotOf(op, in));
    QFX_TRY(y, newBuffer(op, res));
    add(op, createQConvKernel(x, y, std::move(d), kern::ImplChoice::Auto,
                              c && staysInt8(in), c && staysInt8(res)));
    return Status::success();
  }
  if (auto l = dyn_cast<qk::DynamicLinearOp>(op)) {
    kern::DynamicLinearDesc d;
    QFX_CHECK(readDynamicWeight(op, l.getWeightAttr(), d, "the weight"));
    auto it = l.getInput().getType();
    d.k = it.getShape().back();
    d.m = it.getNumElements() / d.k;
    d.relu = l.getRelu();
    QFX_TRY(x, slotOf(op, l.getInput()));
    QFX_TRY(y, newBuffer(op, l.getResult()));
    add(op, createQDynamicLinearKernel(x, y, std::move(d), l.getReduceRange(),
                                       kern::ImplChoice::Auto));
    return Status::success();
  }
  if (auto l = dyn_cast<qk::DynamicLSTMOp>(op)) {
    QDynamicLSTMParams p;
    for (Attribute a : l.getWeights()) {
      kern::DynamicLinearDesc d;
      QFX_CHECK(
          readDynamicWeight(op, cast<FlatSymbolRefAttr>(a), d, "a weight"));
      p.weights.push_back(std::move(d));
    }
    QFX_TRY(x, slotOf(op, l.getInput()));
    p.input = x;
    if (!l.getInitialStates().empty()) {
      QFX_TRY(h0, slotOf(op, l.getInitialStates()[0]));
      QFX_TRY(c0, slotOf(op, l.getInitialStates()[1]));
      p.h0 = h0, p.c0 = c0;
    }
    QFX_TRY(y, newBuffer(op, l.getOutput()));
    QFX_TRY(hn, newBuffer(op, l.getHN()));
    QFX_TRY(cn, newBuffer(op, l.getCN()));
    p.output = y, p.hn = hn, p.cn = cn;
    p.hiddenSize = static_cast<int64_t>(l.getHiddenSize());
    p.numLayers = static_cast<int64_t>(l.getNumLayers());
    p.batchFirst = l.getBatchFirst();
    p.bidirectional = l.getBidirectional();
    p.reduceRange = l.getReduceRange();
    add(op, createQDynamicLSTMKernel(std::move(p)));
    return Status::success();
  }
  if (auto e = dyn_cast<qk::EmbeddingBagOp>(op)) {
    auto t = SymbolTable::lookupNearestSymbolFrom<qk::PackedEmbeddingOp>(
        op, e.getTableAttr());
    if (!t)
      return error(op, "no qfxk.packed_embedding for the table");
    auto data = dyn_cast<DenseElementsAttr>(t.getData());
    auto sc = dyn_cast<DenseElementsAttr>(t.getScales());
    auto zp = dyn_cast<DenseElementsAttr>(t.getZeroPoints());
    if (!data || !sc || !zp)
      return error(op, "packed embedding data must be dense attributes");
    kern::PackedEmbedding table;
    table.rows = cast<ShapedType>(data.getType()).getDimSize(0);
    table.dim = static_cast<int64_t>(t.getDim());
    table.bits = static_cast<int>(t.getBits());
    for (int8_t v : data.getValues<int8_t>())
      table.data.push_back(static_cast<uint8_t>(v));
    if (data.isSplat())
      table.data.assign(data.getNumElements(), table.data.front());
    for (float v : sc.getValues<float>())
      table.scales.push_back(v);
    if (sc.isSplat())
      table.scales.assign(table.rows, table.scales.front());
    for (float v : zp.getValues<float>())
      table.zeroPoints.push_back(v);
    if (zp.isSplat())
      table.zeroPoints.assign(table.rows, table.zeroPoints.front());
    QEmbeddingBagParams p;
    QFX_TRY(i, slotOf(op, e.getIndices()));
    p.indices = i;
    if (e.getOffsets()) {
      QFX_TRY(o, slotOf(op, e.getOffsets()));
      p.offsets = o;
    }
    if (e.getPerSampleWeights()) {
      QFX_TRY(w, slotOf(op, e.getPerSampleWeights()));
      p.perSampleWeights = w;
    }
    QFX_TRY(y, newBuffer(op, e.getResult()));
    p.output = y;
    p.mode = static_cast<kern::EmbeddingBagMode>(e.getMode());
    p.includeLastOffset = e.getIncludeLastOffset();
    if (auto pi = e.getPaddingIdxAttr())
      p.paddingIdx = pi.getInt();
    add(op, createQEmbeddingBagKernel(std::move(p), std::move(table)));
    return Status::success();
  }
  if (auto c = dyn_cast<qk::Conv3dOp>(op)) {
    kern::Conv3dDesc cd;
    kern::ConvDesc &d = cd.base;
    auto w = readConv(c, d);
    if (w.failed())
      return error(op, w.message());
    auto it = c.getInput().getType();
    auto wt = cast<RankedTensorType>(w->getType());
    d.n = it.getDimSize(0), d.c = it.getDimSize(1), cd.d = it.getDimSize(2),
    d.h = it.getDimSize(3), d.w = it.getDimSize(4);
    d.oc = wt.getDimSize(0), cd.kd = wt.getDimSize(2), d.kh = wt.getDimSize(3),
    d.kw = wt.getDimSize(4);
    cd.strideD = c.getStride()[0], d.strideH = c.getStride()[1],
    d.strideW = c.getStride()[2];
    cd.padD = c.getPadding()[0], d.padT = d.padB = c.getPadding()[1],
    d.padL = d.padR = c.getPadding()[2];
    cd.dilD = c.getDilation()[0], d.dilH = c.getDilation()[1],
    d.dilW = c.getDilation()[2];
    d.groups = c.getGroups();
    QFX_TRY(x, slotOf(op, c.getInput()));
    QFX_TRY(y, newBuffer(op, c.getResult()));
    add(op, createQConv3dKernel(x, y, std::move(cd), kern::ImplChoice::Auto));
    return Status::success();
  }
  if (auto c = dyn_cast<qk::ConvTranspose2dOp>(op)) {
    kern::ConvTransposeDesc t;
    kern::ConvDesc &d = t.base;
    auto w = readConv(c, d);
    if (w.failed())
      return error(op, w.message());
    auto it = c.getInput().getType();
    auto wt = cast<RankedTensorType>(w->getType());
    d.n = it.getDimSize(0), d.h = it.getDimSize(1), d.w = it.getDimSize(2),
    d.c = it.getDimSize(3);
    d.oc = wt.getDimSize(0), d.kh = wt.getDimSize(2), d.kw = wt.getDimSize(3);
    d.strideH = c.getStride()[0], d.strideW = c.getStride()[1];
    d.padT = d.padB = c.getPadding()[0];
    d.padL = d.padR = c.getPadding()[1];
    d.dilH = c.getDilation()[0], d.dilW = c.getDilation()[1];
    t.outPadH = c.getOutputPadding()[0], t.outPadW = c.getOutputPadding()[1];
    d.groups = c.getGroups();
    QFX_TRY(x, slotOf(op, c.getInput()));
    QFX_TRY(y, newBuffer(op, c.getResult()));
    add(op,
        createQConvTransposeKernel(x, y, std::move(t), kern::ImplChoice::Auto));
    return Status::success();
  }
  if (isa<qk::AddOp, qk::MulOp>(op)) {
    kern::QParams pl, pr, po;
    Value lhs = op->getOperand(0), rhs = op->getOperand(1),
          res = op->getResult(0);
    bool relu = op->getAttrOfType<BoolAttr>("relu").getValue();
    QFX_CHECK(activationParams(lhs.getType(), pl));
    QFX_CHECK(activationParams(rhs.getType(), pr));
    QFX_CHECK(activationParams(res.getType(), po));
    QFX_TRY(l, slotOf(op, lhs));
    QFX_TRY(r, slotOf(op, rhs));
    QFX_TRY(y, newBuffer(op, res));
    add(op, isa<qk::AddOp>(op) ? createQAddKernel(l, r, y, pl, pr, po, relu)
                               : createQMulKernel(l, r, y, pl, pr, po, relu));
    return Status::success();
  }
  if (auto c = dyn_cast<qk::ClampOp>(op)) {
    kern::QParams pi;
    QFX_CHECK(activationParams(c.getInput().getType(), pi));
    QFX_TRY(x, slotOf(op, c.getInput()));
    QFX_TRY(y, newBuffer(op, c.getResult()));
    add(op, createQClampKernel(x, y, static_cast<int32_t>(c.getLo()),
                               static_cast<int32_t>(c.getHi())));
    return Status::success();
  }
  if (auto sm = dyn_cast<qk::SoftmaxOp>(op)) {
    kern::QParams pi, po;
    QFX_CHECK(activationParams(sm.getInput().getType(), pi));
    QFX_CHECK(activationParams(sm.getResult().getType(), po));
    QFX_TRY(x, slotOf(op, sm.getInput()));
    QFX_TRY(y, newBuffer(op, sm.getResult()));
    add(op, createQSoftmaxKernel(x, y, sm.getDim(), pi, po));
    return Status::success();
  }
  if (isa<qk::MaxPool2dOp, qk::AvgPool2dOp, qk::AdaptiveAvgPool2dOp>(op)) {
    kern::QParams pi, po;
    QFX_CHECK(activationParams(op->getOperand(0).getType(), pi));
    QFX_CHECK(activationParams(op->getResult(0).getType(), po));
    kern::PoolDesc d;
    QPoolKind kind = QPoolKind::AdaptiveAvg;
    if (auto m = dyn_cast<qk::MaxPool2dOp>(op)) {
      kind = QPoolKind::Max;
      d.kh = m.getKernelSize()[0], d.kw = m.getKernelSize()[1];
      d.strideH = m.getStride()[0], d.strideW = m.getStride()[1];
      d.padT = m.getPadding()[0], d.padL = m.getPadding()[1];
      d.dilH = m.getDilation()[0], d.dilW = m.getDilation()[1];
    } else if (auto p = dyn_cast<qk::AvgPool2dOp>(op)) {
      kind = QPoolKind::Avg;
      d.kh = p.getKernelSize()[0], d.kw = p.getKernelSize()[1];
      d.strideH = p.getStride()[0], d.strideW = p.getStride()[1];
      d.padT = p.getPadding()[0], d.padL = p.getPadding()[1];
      d.countIncludePad = p.getCountIncludePad();
      d.divisorOverride = p.getDivisorOverride();
    }
    QFX_TRY(x, slotOf(op, op->getOperand(0)));
    QFX_TRY(y, newBuffer(op, op->getResult(0)));
    add(op, createQPoolKernel(kind, x, y, d, pi, po));
    return Status::success();
  }
  if (auto u = dyn_cast<qk::UnaryOp>(op)) {
    kern::QParams pi, po;
    QFX_CHECK(activationParams(u.getInput().getType(), pi));
    QFX_CHECK(activationParams(u.getResult().getType(), po));
    QFX_TRY(x, slotOf(op, u.getInput()));
    QFX_TRY(y, newBuffer(op, u.getResult()));
    add(op, createQUnaryKernel(x, y, static_cast<kern::UnaryFn>(u.getFn()),
                               pi, po));
    return Status::success();
  }
  if (auto c = dyn_cast<qk::CatOp>(op)) {
    std::vector<int> ins;
    std::vector<kern::QParams> pis;
    kern::QParams po;
    QFX_CHECK(activationParams(c.getResult().getType(), po));
    for (Value v : c.getInputs()) {
      kern::QParams p;
      QFX_CHECK(activationParams(v.getType(), p));
      QFX_TRY(s, slotOf(op, v));
      ins.push_back(s);
      pis.push_back(p);
    }
    QFX_TRY(y, newBuffer(op, c.getResult()));
    add(op, createQCatKernel(ins, y, c.getDim(), pis, po));
    return Status::success();
  }
  if (auto bn = dyn_cast<qk::BatchNormOp>(op)) {
    kern::BatchNormDesc d;
    QFX_CHECK(activationParams(bn.getInput().getType(), d.in));
    QFX_CHECK(activationParams(bn.getResult().getType(), d.out));
    d.alpha = floatValues(bn.getMultiplier());
    d.beta = floatValues(bn.getOffset());
    d.relu = bn.getRelu();
    QFX_TRY(x, slotOf(op, bn.getInput()));
    QFX_TRY(y, newBuffer(op, bn.getResult()));
    add(op, createQBatchNormKernel(x, y, std::move(d), bn.getChannelDim()));
    return Status::success();
  }
  if (auto ln = dyn_cast<qk::LayerNormOp>(op)) {
    kern::LayerNormDesc d;
    QFX_CHECK(activationParams(ln.getInput().getType(), d.in));
    QFX_CHECK(activationParams(ln.getResult().getType(), d.out));
    if (auto w = ln.getWeightAttr())
      d.gamma = floatValues(w);
    if (auto b = ln.getBiasAttr())
      d.beta = floatValues(b);
    // One of the two alone: the other is the identity (1 or 0).
    if (d.gamma.empty() && !d.beta.empty())
      d.gamma.assign(d.beta.size(), 1.0f);
    if (d.beta.empty() && !d.gamma.empty())
      d.beta.assign(d.gamma.size(), 0.0f);
    d.eps = ln.getEps().convertToDouble();
    QFX_TRY(x, slotOf(op, ln.getInput()));
    QFX_TRY(y, newBuffer(op, ln.getResult()));
    add(op, createQLayerNormKernel(x, y, std::move(d), ln.getNormalizedDims()));
    return Status::success();
  }
  if (auto r = dyn_cast<qk::ReshapeOp>(op)) {
    QFX_TRY(y, alias(op, r.getInput(), r.getResult()));
    (void)y;
    return Status::success();
  }
  if (isa<qk::ToNhwcOp, qk::ToNchwOp>(op)) {
    QFX_TRY(x, slotOf(op, op->getOperand(0)));
    QFX_TRY(y, newBuffer(op, op->getResult(0)));
    add(op, createLayoutKernel(x, y, isa<qk::ToNhwcOp>(op)));
    return Status::success();
  }
  if (isa<qk::PackedWeightOp>(op))
    return Status::success();
  handled = false;
  return Status::success();
}
