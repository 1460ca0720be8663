//===- LowerOps.cpp - One kernel per qfx op -------------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "LoaderImpl.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace qfx;
using namespace qfx::exec;

#define QFX_TRY_SLOT(var, expr)                                                \
  int var;                                                                     \
  {                                                                            \
    auto var##OrErr = (expr);                                                  \
    if (var##OrErr.failed())                                                   \
      return var##OrErr.status();                                              \
    var = *var##OrErr;                                                         \
  }

static std::vector<int64_t> vec(ArrayRef<int64_t> a) {
  return std::vector<int64_t>(a.begin(), a.end());
}

static double f64(FloatAttr a) { return a.getValueAsDouble(); }

/// A unary float op: one kernel from input to a new result buffer.
#define QFX_UNARY(OpT, Kind, A, B)                                             \
  if (auto u = dyn_cast<OpT>(op)) {                                            \
    QFX_TRY_SLOT(in, slotOf(op, u.getInput()));                                \
    QFX_TRY_SLOT(out, newBuffer(op, u.getResult()));                           \
    add(op, createUnaryKernel(UnaryKind::Kind, in, out, (A), (B)));            \
    return Status::success();                                                  \
  }

#define QFX_BINARY(OpT, Kind)                                                  \
  if (auto b = dyn_cast<OpT>(op)) {                                            \
    QFX_TRY_SLOT(l, slotOf(op, b.getLhs()));                                   \
    QFX_TRY_SLOT(r, slotOf(op, b.getRhs()));                                   \
    QFX_TRY_SLOT(out, newBuffer(op, b.getResult()));                           \
    add(op, createBinaryKernel(BinaryKind::Kind, l, r, out));                  \
    return Status::success();                                                  \
  }

#define QFX_ALIAS(OpT)                                                         \
  if (auto a = dyn_cast<OpT>(op)) {                                            \
    QFX_TRY_SLOT(out, alias(op, a.getInput(), a.getResult()));                 \
    (void)out;                                                                 \
    return Status::success();                                                  \
  }

Status ModelBuilder::lowerOp(Operation *op) {
  const double nan = std::nan("");
  // Graph structure.
  if (auto g = dyn_cast<GetAttrOp>(op)) {
    QFX_TRY_SLOT(s, parameterSlot(op, g.getName()));
    slots_[g.getResult()] = s;
    return Status::success();
  }
  if (auto c = dyn_cast<ConstantOp>(op)) {
    QFX_TRY_SLOT(s, constantSlot(op, c.getValue()));
    slots_[c.getResult()] = s;
    return Status::success();
  }
  if (auto call = dyn_cast<CallOp>(op)) {
    // torch.fx's own guard for concrete_args: no result, nothing to compute.
    if (call.getTarget() == "torch.fx._symbolic_trace._assert_is_none" &&
        call.getNumResults() == 0)
      return Status::success();
    return error(op, "the qfx runtime cannot run generic call of '" +
                         call.getTarget().str() + "' (" +
                         stringifyNodeKind(call.getKind()).str() + ")");
  }

  // Elementwise.
  QFX_UNARY(ReluOp, Relu, 0.0, 0.0)
  QFX_UNARY(SigmoidOp, Sigmoid, 0.0, 0.0)
  QFX_UNARY(TanhOp, Tanh, 0.0, 0.0)
  QFX_UNARY(SqrtOp, Sqrt, 0.0, 0.0)
  QFX_UNARY(HardsigmoidOp, Hardsigmoid, 0.0, 0.0)
  QFX_UNARY(HardswishOp, Hardswish, 0.0, 0.0)
  QFX_UNARY(HardtanhOp, Clamp, f64(u.getMinValAttr()), f64(u.getMaxValAttr()))
  QFX_UNARY(ClampOp, Clamp, u.getMinAttr() ? f64(u.getMinAttr()) : nan,
            u.getMaxAttr() ? f64(u.getMaxAttr()) : nan)
  QFX_UNARY(EluOp, Elu, f64(u.getAlphaAttr()), 0.0)
  QFX_UNARY(LeakyReluOp, LeakyRelu, f64(u.getNegativeSlopeAttr()), 0.0)
  if (auto g = dyn_cast<GeluOp>(op)) {
    QFX_TRY_SLOT(in, slotOf(op, g.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, g.getResult()));
    add(op, createUnaryKernel(g.getApproximate() == GeluApproximation::tanh
                                  ? UnaryKind::GeluTanh
                                  : UnaryKind::GeluErf,
                              in, out));
    return Status::success();
  }
  QFX_ALIAS(IdentityOp)
  QFX_ALIAS(ContiguousOp)
  if (auto d = dyn_cast<DropoutOp>(op)) {
    if (d.getTraining() && f64(d.getPAttr()) != 0.0)
      return error(op, "dropout in training mode is random; the runtime "
                       "only runs it in eval mode");
    QFX_TRY_SLOT(out, alias(op, d.getInput(), d.getResult()));
    (void)out;
    return Status::success();
  }
  QFX_BINARY(AddOp, Add)
  QFX_BINARY(SubOp, Sub)
  QFX_BINARY(MulOp, Mul)
  QFX_BINARY(DivOp, Div)
  if (auto s = dyn_cast<SoftmaxOp>(op)) {
    QFX_TRY_SLOT(in, slotOf(op, s.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, s.getResult()));
    add(op, createSoftmaxKernel(in, out, s.getDimAttr().getInt()));
    return Status::success();
  }

  // Convolution and linear algebra.
  if (auto c = dyn_cast<ConvOp>(op)) {
    ConvParams p;
    QFX_TRY_SLOT(in, slotOf(op, c.getInput()));
    QFX_TRY_SLOT(w, slotOf(op, c.getWeight()));
    QFX_TRY_SLOT(b, optSlot(op, c.getBias()));
    QFX_TRY_SLOT(out, newBuffer(op, c.getResult()));
    p.input = in, p.weight = w, p.bias = b, p.output = out;
    p.stride = vec(c.getStride());
    p.padding = vec(c.getPadding());
    p.dilation = vec(c.getDilation());
    p.groups = c.getGroupsAttr().getInt();
    p.padMode = static_cast<PadMode>(c.getPaddingMode());
    add(op, createConvKernel(p));
    return Status::success();
  }
  if (auto c = dyn_cast<ConvTransposeOp>(op)) {
    ConvParams p;
    QFX_TRY_SLOT(in, slotOf(op, c.getInput()));
    QFX_TRY_SLOT(w, slotOf(op, c.getWeight()));
    QFX_TRY_SLOT(b, optSlot(op, c.getBias()));
    QFX_TRY_SLOT(out, newBuffer(op, c.getResult()));
    p.input = in, p.weight = w, p.bias = b, p.output = out;
    p.stride = vec(c.getStride());
    p.padding = vec(c.getPadding());
    p.dilation = vec(c.getDilation());
    p.outputPadding = vec(c.getOutputPadding());
    p.groups = c.getGroupsAttr().getInt();
    p.transposed = true;
    add(op, createConvKernel(p));
    return Status::success();
  }
  if (auto l = dyn_cast<LinearOp>(op)) {
    QFX_TRY_SLOT(in, slotOf(op, l.getInput()));
    QFX_TRY_SLOT(w, slotOf(op, l.getWeight()));
    QFX_TRY_SLOT(b, optSlot(op, l.getBias()));
    QFX_TRY_SLOT(out, newBuffer(op, l.getResult()));
    add(op, createLinearKernel(in, w, b, out));
    return Status::success();
  }
  if (auto m = dyn_cast<MatmulOp>(op)) {
    QFX_TRY_SLOT(a, slotOf(op, m.getLhs()));
    QFX_TRY_SLOT(b, slotOf(op, m.getRhs()));
    QFX_TRY_SLOT(out, newBuffer(op, m.getResult()));
    add(op, createMatmulKernel(a, b, out));
    return Status::success();
  }

  // Normalization.
  if (auto bn = dyn_cast<BatchNormOp>(op)) {
    BatchNormParams p;
    QFX_TRY_SLOT(in, slotOf(op, bn.getInput()));
    QFX_TRY_SLOT(w, optSlot(op, bn.getWeight()));
    QFX_TRY_SLOT(b, optSlot(op, bn.getBias()));
    QFX_TRY_SLOT(m, optSlot(op, bn.getRunningMean()));
    QFX_TRY_SLOT(v, optSlot(op, bn.getRunningVar()));
    QFX_TRY_SLOT(out, newBuffer(op, bn.getResult()));
    p.input = in, p.weight = w, p.bias = b, p.mean = m, p.var = v;
    p.output = out;
    p.eps = f64(bn.getEpsAttr());
    p.useBatchStats = bn.getTraining() || m < 0 || v < 0;
    if (bn.getMomentumAttr())
      p.momentum = f64(bn.getMomentumAttr());
    else
      p.momentum = std::nullopt;
    if (bn.getTraining() && m >= 0 && v >= 0)
      if (Status s = prepareRunningStatUpdate(bn, p); s.failed())
        return s;
    add(op, createBatchNormKernel(p));
    return Status::success();
  }
  if (auto in = dyn_cast<InstanceNormOp>(op)) {
    QFX_TRY_SLOT(x, slotOf(op, in.getInput()));
    QFX_TRY_SLOT(w, optSlot(op, in.getWeight()));
    QFX_TRY_SLOT(b, optSlot(op, in.getBias()));
    QFX_TRY_SLOT(m, optSlot(op, in.getRunningMean()));
    QFX_TRY_SLOT(v, optSlot(op, in.getRunningVar()));
    QFX_TRY_SLOT(out, newBuffer(op, in.getResult()));
    double eps = f64(in.getEpsAttr());
    if (in.getUseInputStats() || m < 0 || v < 0) {
      auto type = cast<RankedTensorType>(in.getInput().getType());
      if (type.getRank() < 2)
        return error(op, "instance_norm needs a channel dim");
      add(op, createGroupNormKernel(x, w, b, out, type.getDimSize(1), eps));
    } else {
      BatchNormParams p;
      p.input = x, p.weight = w, p.bias = b, p.mean = m, p.var = v;
      p.output = out;
      p.eps = eps;
      add(op, createBatchNormKernel(p));
    }
    return Status::success();
  }
  if (auto ln = dyn_cast<LayerNormOp>(op)) {
    QFX_TRY_SLOT(x, slotOf(op, ln.getInput()));
    QFX_TRY_SLOT(w, optSlot(op, ln.getWeight()));
    QFX_TRY_SLOT(b, optSlot(op, ln.getBias()));
    QFX_TRY_SLOT(out, newBuffer(op, ln.getResult()));
    add(op, createLayerNormKernel(x, w, b, out, ln.getNormalizedShape().size(),
                                  f64(ln.getEpsAttr())));
    return Status::success();
  }
  if (auto gn = dyn_cast<GroupNormOp>(op)) {
    QFX_TRY_SLOT(x, slotOf(op, gn.getInput()));
    QFX_TRY_SLOT(w, optSlot(op, gn.getWeight()));
    QFX_TRY_SLOT(b, optSlot(op, gn.getBias()));
    QFX_TRY_SLOT(out, newBuffer(op, gn.getResult()));
    add(op, createGroupNormKernel(x, w, b, out, gn.getNumGroupsAttr().getInt(),
                                  f64(gn.getEpsAttr())));
    return Status::success();
  }

  // Pooling and reductions.
  if (auto mp = dyn_cast<MaxPoolOp>(op)) {
    PoolParams p;
    QFX_TRY_SLOT(in, slotOf(op, mp.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, mp.getResult()));
    p.input = in, p.output = out;
    p.kernel = vec(mp.getKernelSize());
    p.stride = vec(mp.getStride());
    p.padding = vec(mp.getPadding());
    p.dilation = vec(mp.getDilation());
    add(op, createMaxPoolKernel(p));
    return Status::success();
  }
  if (auto ap = dyn_cast<AvgPoolOp>(op)) {
    PoolParams p;
    QFX_TRY_SLOT(in, slotOf(op, ap.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, ap.getResult()));
    p.input = in, p.output = out;
    p.kernel = vec(ap.getKernelSize());
    p.stride = vec(ap.getStride());
    p.padding = vec(ap.getPadding());
    p.countIncludePad = ap.getCountIncludePad();
    if (auto d = ap.getDivisorOverrideAttr())
      p.divisorOverride = d.getInt();
    add(op, createAvgPoolKernel(p));
    return Status::success();
  }
  if (auto ap = dyn_cast<AdaptiveAvgPoolOp>(op)) {
    QFX_TRY_SLOT(in, slotOf(op, ap.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, ap.getResult()));
    add(op, createAdaptiveAvgPoolKernel(in, out));
    return Status::success();
  }
  if (auto m = dyn_cast<MeanOp>(op)) {
    QFX_TRY_SLOT(in, slotOf(op, m.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, m.getResult()));
    add(op, createMeanKernel(in, out, vec(m.getDims())));
    return Status::success();
  }
  if (auto it = dyn_cast<InterpolateOp>(op)) {
    InterpMode mode;
    switch (it.getMode()) {
    case InterpolateMode::nearest:
      mode = InterpMode::Nearest;
      break;
    case InterpolateMode::linear:
    case InterpolateMode::bilinear:
    case InterpolateMode::trilinear:
      mode = InterpMode::Linear;
      break;
    default:
      return error(op, "interpolation mode '" +
                           stringifyInterpolateMode(it.getMode()).str() +
                           "' is not supported by the runtime");
    }
    QFX_TRY_SLOT(in, slotOf(op, it.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, it.getResult()));
    std::vector<double> scales;
    if (auto sf = it.getScaleFactor())
      scales.assign(sf->begin(), sf->end());
    add(op, createInterpolateKernel(in, out, mode, scales,
                                    it.getAlignCorners().value_or(false)));
    return Status::success();
  }

  // Data movement.
  QFX_ALIAS(FlattenOp)
  QFX_ALIAS(ReshapeOp)
  QFX_ALIAS(SqueezeOp)
  QFX_ALIAS(UnsqueezeOp)
  if (auto p = dyn_cast<PadOp>(op)) {
    // F.pad's list runs from the last dim; the kernel wants dim order.
    ArrayRef<int64_t> pad = p.getPad();
    size_t rank = p.getInput().getType().getRank();
    std::vector<int64_t> begin(rank, 0);
    for (size_t k = 0; 2 * k < pad.size(); ++k)
      begin[rank - 1 - k] = pad[2 * k];
    QFX_TRY_SLOT(in, slotOf(op, p.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, p.getResult()));
    add(op,
        createPadKernel(in, out, std::move(begin),
                        static_cast<float>(p.getValue().convertToDouble())));
    return Status::success();
  }
  if (auto c = dyn_cast<CatOp>(op)) {
    std::vector<int> ins;
    for (Value v : c.getInputs()) {
      QFX_TRY_SLOT(s, slotOf(op, v));
      ins.push_back(s);
    }
    QFX_TRY_SLOT(out, newBuffer(op, c.getResult()));
    add(op, createCatKernel(ins, out, c.getDimAttr().getInt()));
    return Status::success();
  }
  if (auto p = dyn_cast<PermuteOp>(op)) {
    QFX_TRY_SLOT(in, slotOf(op, p.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, p.getResult()));
    add(op, createPermuteKernel(in, out, vec(p.getDims())));
    return Status::success();
  }
  if (auto t = dyn_cast<TransposeOp>(op)) {
    int64_t rank = cast<RankedTensorType>(t.getInput().getType()).getRank();
    int64_t d0 = t.getDim0Attr().getInt(), d1 = t.getDim1Attr().getInt();
    d0 = d0 < 0 ? d0 + rank : d0;
    d1 = d1 < 0 ? d1 + rank : d1;
    if (d0 < 0 || d0 >= rank || d1 < 0 || d1 >= rank)
      return error(op, "transpose dims out of range");
    std::vector<int64_t> dims(rank);
    for (int64_t i = 0; i < rank; ++i)
      dims[i] = i;
    std::swap(dims[d0], dims[d1]);
    QFX_TRY_SLOT(in, slotOf(op, t.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, t.getResult()));
    add(op, createPermuteKernel(in, out, dims));
    return Status::success();
  }
  if (auto g = dyn_cast<GetItemOp>(op)) {
    auto type = cast<RankedTensorType>(g.getInput().getType());
    Shape inShape(type.getShape().begin(), type.getShape().end());
    Shape inStrides = rt::contiguousStrides(inShape);
    ArrayRef<Attribute> index = g.getIndex().getValue();
    size_t consumed = 0;
    for (Attribute a : index)
      if (!isa<UnitAttr>(a) &&
          !(isa<StringAttr>(a) && cast<StringAttr>(a).getValue() == "..."))
        ++consumed;
    if (consumed > inShape.size())
      return error(op, "too many indices");
    Shape shape, strides;
    int64_t offset = 0;
    size_t dim = 0;
    for (Attribute a : index) {
      if (isa<UnitAttr>(a)) {
        shape.push_back(1);
        strides.push_back(0);
      } else if (auto s = dyn_cast<StringAttr>(a)) {
        if (s.getValue() != "...")
          return error(op, "unsupported index '" + s.getValue().str() + "'");
        size_t skip = inShape.size() - consumed;
        for (size_t k = 0; k < skip; ++k, ++dim) {
          shape.push_back(inShape[dim]);
          strides.push_back(inStrides[dim]);
        }
        consumed = inShape.size();
      } else if (auto i = dyn_cast<IntegerAttr>(a)) {
        int64_t v = i.getInt(), n = inShape[dim];
        if (v < 0)
          v += n;
        if (v < 0 || v >= n)
          return error(op, "index out of range");
        offset += v * inStrides[dim++];
      } else if (auto sl = dyn_cast<ArrayAttr>(a)) {
        if (sl.size() != 3)
          return error(op, "a slice needs [start, stop, step]");
        int64_t n = inShape[dim];
        auto get = [&](int k, int64_t dflt) {
          auto ia = dyn_cast<IntegerAttr>(sl[k]);
          return ia ? ia.getInt() : dflt;
        };
        int64_t step = get(2, 1);
        if (step <= 0)
          return error(op, "slice steps must be positive");
        int64_t start = get(0, 0), stop = get(1, n);
        if (start < 0)
          start += n;
        if (stop < 0)
          stop += n;
        start = std::clamp<int64_t>(start, 0, n);
        stop = std::clamp<int64_t>(stop, 0, n);
        int64_t len = stop > start ? (stop - start + step - 1) / step : 0;
        offset += start * inStrides[dim];
        shape.push_back(len);
        strides.push_back(inStrides[dim] * step);
        ++dim;
      } else {
        return error(op, "unsupported index entry");
      }
    }
    for (; dim < inShape.size(); ++dim) {
      shape.push_back(inShape[dim]);
      strides.push_back(inStrides[dim]);
    }
    QFX_TRY_SLOT(in, slotOf(op, g.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, g.getResult()));
    if (model_->plan().slot(out).shape != shape)
      return error(op, "indexing yields " + shapeToString(shape) +
                           " but the result type is " +
                           shapeToString(model_->plan().slot(out).shape));
    add(op, createStridedCopyKernel(in, out, strides, offset));
    return Status::success();
  }
  if (auto s = dyn_cast<SizeOp>(op)) {
    QFX_TRY_SLOT(in, slotOf(op, s.getInput()));
    QFX_TRY_SLOT(out, newBuffer(op, s.getResult()));
    std::optional<int64_t> dim;
    if (auto d = s.getDimAttr())
      dim = d.getInt();
    add(op, createSizeKernel(in, out, dim));
    return Status::success();
  }

  // Embeddings and recurrences.
  if (auto e = dyn_cast<EmbeddingOp>(op)) {
    QFX_TRY_SLOT(w, slotOf(op, e.getWeight()));
    QFX_TRY_SLOT(i, slotOf(op, e.getIndices()));
    QFX_TRY_SLOT(out, newBuffer(op, e.getResult()));
    add(op, createEmbeddingKernel(w, i, out));
    return Status::success();
  }
  if (auto e = dyn_cast<EmbeddingBagOp>(op)) {
    EmbeddingBagParams p;
    QFX_TRY_SLOT(w, slotOf(op, e.getWeight()));
    QFX_TRY_SLOT(i, slotOf(op, e.getIndices()));
    QFX_TRY_SLOT(o, optSlot(op, e.getOffsets()));
    QFX_TRY_SLOT(psw, optSlot(op, e.getPerSampleWeights()));
    QFX_TRY_SLOT(out, newBuffer(op, e.getResult()));
    p.weight = w, p.indices = i, p.offsets = o, p.perSampleWeights = psw;
    p.output = out;
    p.mode = static_cast<BagMode>(e.getMode());
    p.includeLastOffset = e.getIncludeLastOffset();
    if (auto pi = e.getPaddingIdxAttr())
      p.paddingIdx = pi.getInt();
    add(op, createEmbeddingBagKernel(p));
    return Status::success();
  }
  if (isa<LSTMOp, GRUOp>(op)) {
    RecurrentParams p;
    p.lstm = isa<LSTMOp>(op);
    auto fill = [&](auto r) -> Status {
      QFX_TRY_SLOT(in, slotOf(op, r.getInput()));
      p.input = in;
      auto states = r.getInitialStates();
      if (!states.empty()) {
        QFX_TRY_SLOT(h0, slotOf(op, states[0]));
        p.h0 = h0;
        if (p.lstm && states.size() > 1) {
          QFX_TRY_SLOT(c0, slotOf(op, states[1]));
          p.c0 = c0;
        }
      }
      for (Value w : r.getWeights()) {
        QFX_TRY_SLOT(ws, slotOf(op, w));
        p.weights.push_back(ws);
      }
      p.hiddenSize = r.getHiddenSizeAttr().getInt();
      p.numLayers = r.getNumLayersAttr().getInt();
      p.hasBiases = r.getHasBiases();
      p.batchFirst = r.getBatchFirst();
      p.bidirectional = r.getBidirectional();
      return Status::success();
    };
    if (Status s = p.lstm ? fill(cast<LSTMOp>(op)) : fill(cast<GRUOp>(op));
        s.failed())
      return s;
    QFX_TRY_SLOT(out, newBuffer(op, op->getResult(0)));
    QFX_TRY_SLOT(hn, newBuffer(op, op->getResult(1)));
    p.output = out, p.hn = hn;
    if (p.lstm) {
      QFX_TRY_SLOT(cn, newBuffer(op, op->getResult(2)));
      p.cn = cn;
    }
    add(op, createRecurrentKernel(p));
    return Status::success();
  }

  bool handled = false;
  if (Status s = lowerQuantOp(op, handled); s.failed() || handled)
    return s;
  if (Status s = lowerKernelOp(op, handled); s.failed() || handled)
    return s;
  return error(op, "op is not supported by the qfx runtime");
}
