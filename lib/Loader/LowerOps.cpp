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

/// What a convolution and a transposed one share; \p s: the slots of input,
/// weight, bias and output.
template <typename Op> static ConvParams convParams(Op c, ArrayRef<int> s) {
  ConvParams p;
  p.input = s[0], p.weight = s[1], p.bias = s[2], p.output = s[3];
  p.stride = vec(c.getStride());
  p.padding = vec(c.getPadding());
  p.dilation = vec(c.getDilation());
  p.groups = c.getGroupsAttr().getInt();
  return p;
}

/// What max and average pooling share; \p s: the input and output slots.
template <typename Op> static PoolParams poolParams(Op o, ArrayRef<int> s) {
  PoolParams p;
  p.input = s[0], p.output = s[1];
  p.kernel = vec(o.getKernelSize());
  p.stride = vec(o.getStride());
  p.padding = vec(o.getPadding());
  return p;
}

/// A unary float op: one kernel from input to a new result buffer.
#define QFX_UNARY(OpT, Kind, A, B)                                             \
  if (auto u = dyn_cast<OpT>(op))                                              \
    return lowerTo({u.getInput()}, u.getResult(), [&](ArrayRef<int> s) {       \
      return createUnaryKernel(UnaryKind::Kind, s[0], s[1], (A), (B));         \
    });

#define QFX_BINARY(OpT, Kind)                                                  \
  if (auto b = dyn_cast<OpT>(op))                                              \
    return lowerTo(                                                            \
        {b.getLhs(), b.getRhs()}, b.getResult(), [](ArrayRef<int> s) {         \
          return createBinaryKernel(BinaryKind::Kind, s[0], s[1], s[2]);       \
        });

#define QFX_ALIAS(OpT)                                                         \
  if (auto a = dyn_cast<OpT>(op)) {                                            \
    QFX_TRY_SLOT(out, alias(op, a.getInput(), a.getResult()));                 \
    (void)out;                                                                 \
    return Status::success();                                                  \
  }

Status ModelBuilder::lowerOp(Operation *op) {
  const double nan = std::nan("");
  // The slots of \p inputs (-1 for an absent optional one), then a new
  // buffer for \p result.
  auto slotsOf = [&](ArrayRef<Value> inputs,
                     Value result) -> Expected<SmallVector<int>> {
    SmallVector<int> slots;
    for (Value v : inputs) {
      QFX_TRY_SLOT(s, optSlot(op, v));
      slots.push_back(s);
    }
    QFX_TRY_SLOT(out, newBuffer(op, result));
    slots.push_back(out);
    return slots;
  };
  // Most ops: one kernel, which \p make builds from those slots.
  auto lowerTo = [&](ArrayRef<Value> inputs, Value result,
                     auto make) -> Status {
    auto slots = slotsOf(inputs, result);
    if (slots.failed())
      return slots.status();
    add(op, make(ArrayRef<int>(*slots)));
    return Status::success();
  };
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
  if (auto g = dyn_cast<GeluOp>(op))
    return lowerTo({g.getInput()}, g.getResult(), [&](ArrayRef<int> s) {
      return createUnaryKernel(g.getApproximate() == GeluApproximation::tanh
                                   ? UnaryKind::GeluTanh
                                   : UnaryKind::GeluErf,
                               s[0], s[1]);
    });
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
  if (auto sm = dyn_cast<SoftmaxOp>(op))
    return lowerTo({sm.getInput()}, sm.getResult(), [&](ArrayRef<int> s) {
      return createSoftmaxKernel(s[0], s[1], sm.getDimAttr().getInt());
    });

  // Convolution and linear algebra.
  if (auto c = dyn_cast<ConvOp>(op))
    return lowerTo({c.getInput(), c.getWeight(), c.getBias()}, c.getResult(),
                   [&](ArrayRef<int> s) {
                     ConvParams p = convParams(c, s);
                     p.padMode = static_cast<PadMode>(c.getPaddingMode());
                     return createConvKernel(p);
                   });
  if (auto c = dyn_cast<ConvTransposeOp>(op))
    return lowerTo({c.getInput(), c.getWeight(), c.getBias()}, c.getResult(),
                   [&](ArrayRef<int> s) {
                     ConvParams p = convParams(c, s);
                     p.outputPadding = vec(c.getOutputPadding());
                     p.transposed = true;
                     return createConvKernel(p);
                   });
  if (auto l = dyn_cast<LinearOp>(op))
    return lowerTo({l.getInput(), l.getWeight(), l.getBias()}, l.getResult(),
                   [](ArrayRef<int> s) {
                     return createLinearKernel(s[0], s[1], s[2], s[3]);
                   });
  if (auto m = dyn_cast<MatmulOp>(op))
    return lowerTo(
        {m.getLhs(), m.getRhs()}, m.getResult(),
        [](ArrayRef<int> s) { return createMatmulKernel(s[0], s[1], s[2]); });

  // Normalization.
  // Batch and instance norm: the slots of input, optional weight, bias,
  // running mean and variance, a new result buffer; eps.
  auto batchNormParams = [&](auto n) -> Expected<BatchNormParams> {
    auto s = slotsOf({n.getInput(), n.getWeight(), n.getBias(),
                      n.getRunningMean(), n.getRunningVar()},
                     n.getResult());
    if (s.failed())
      return s.status();
    BatchNormParams p;
    p.input = (*s)[0], p.weight = (*s)[1], p.bias = (*s)[2];
    p.mean = (*s)[3], p.var = (*s)[4], p.output = (*s)[5];
    p.eps = f64(n.getEpsAttr());
    return p;
  };
  if (auto bn = dyn_cast<BatchNormOp>(op)) {
    auto params = batchNormParams(bn);
    if (params.failed())
      return params.status();
    BatchNormParams &p = *params;
    bool runningStats = p.mean >= 0 && p.var >= 0;
    p.useBatchStats = bn.getTraining() || !runningStats;
    if (bn.getMomentumAttr())
      p.momentum = f64(bn.getMomentumAttr());
    else
      p.momentum = std::nullopt;
    if (bn.getTraining() && runningStats)
      if (Status st = prepareRunningStatUpdate(bn, p); st.failed())
        return st;
    add(op, createBatchNormKernel(p));
    return Status::success();
  }
  if (auto in = dyn_cast<InstanceNormOp>(op)) {
    auto params = batchNormParams(in);
    if (params.failed())
      return params.status();
    BatchNormParams &p = *params;
    if (in.getUseInputStats() || p.mean < 0 || p.var < 0) {
      auto type = cast<RankedTensorType>(in.getInput().getType());
      if (type.getRank() < 2)
        return error(op, "instance_norm needs a channel dim");
      add(op, createGroupNormKernel(p.input, p.weight, p.bias, p.output,
                                    type.getDimSize(1), p.eps));
    } else {
      add(op, createBatchNormKernel(p));
    }
    return Status::success();
  }
  // Layer and group norm: input, optional weight and bias, a count (of
  // normalized dims, of groups) and eps.
  auto lowerAffineNorm = [&](auto n, auto create, int64_t count) {
    return lowerTo({n.getInput(), n.getWeight(), n.getBias()}, n.getResult(),
                   [&](ArrayRef<int> s) {
                     return create(s[0], s[1], s[2], s[3], count,
                                   f64(n.getEpsAttr()));
                   });
  };
  if (auto ln = dyn_cast<LayerNormOp>(op))
    return lowerAffineNorm(ln, createLayerNormKernel,
                           ln.getNormalizedShape().size());
  if (auto gn = dyn_cast<GroupNormOp>(op))
    return lowerAffineNorm(gn, createGroupNormKernel,
                           gn.getNumGroupsAttr().getInt());

  // Pooling and reductions.
  if (auto mp = dyn_cast<MaxPoolOp>(op))
    return lowerTo({mp.getInput()}, mp.getResult(), [&](ArrayRef<int> s) {
      PoolParams p = poolParams(mp, s);
      p.dilation = vec(mp.getDilation());
      return createMaxPoolKernel(p);
    });
  if (auto ap = dyn_cast<AvgPoolOp>(op))
    return lowerTo({ap.getInput()}, ap.getResult(), [&](ArrayRef<int> s) {
      PoolParams p = poolParams(ap, s);
      p.countIncludePad = ap.getCountIncludePad();
      if (auto d = ap.getDivisorOverrideAttr())
        p.divisorOverride = d.getInt();
      return createAvgPoolKernel(p);
    });
  if (auto ap = dyn_cast<AdaptiveAvgPoolOp>(op))
    return lowerTo({ap.getInput()}, ap.getResult(), [](ArrayRef<int> s) {
      return createAdaptiveAvgPoolKernel(s[0], s[1]);
    });
  if (auto m = dyn_cast<MeanOp>(op))
    return lowerTo({m.getInput()}, m.getResult(), [&](ArrayRef<int> s) {
      return createMeanKernel(s[0], s[1], vec(m.getDims()));
    });
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
    std::vector<double> scales;
    if (auto sf = it.getScaleFactor())
      scales.assign(sf->begin(), sf->end());
    return lowerTo({it.getInput()}, it.getResult(), [&](ArrayRef<int> s) {
      return createInterpolateKernel(s[0], s[1], mode, scales,
                                     it.getAlignCorners().value_or(false));
    });
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
    return lowerTo({p.getInput()}, p.getResult(), [&](ArrayRef<int> s) {
      return createPadKernel(
          s[0], s[1], std::move(begin),
          static_cast<float>(p.getValue().convertToDouble()));
    });
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
  if (auto p = dyn_cast<PermuteOp>(op))
    return lowerTo({p.getInput()}, p.getResult(), [&](ArrayRef<int> s) {
      return createPermuteKernel(s[0], s[1], vec(p.getDims()));
    });
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
    return lowerTo({t.getInput()}, t.getResult(), [&](ArrayRef<int> s) {
      return createPermuteKernel(s[0], s[1], dims);
    });
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
  if (auto sz = dyn_cast<SizeOp>(op)) {
    std::optional<int64_t> dim;
    if (auto d = sz.getDimAttr())
      dim = d.getInt();
    return lowerTo({sz.getInput()}, sz.getResult(), [&](ArrayRef<int> s) {
      return createSizeKernel(s[0], s[1], dim);
    });
  }

  // Embeddings and recurrences.
  if (auto e = dyn_cast<EmbeddingOp>(op))
    return lowerTo({e.getWeight(), e.getIndices()}, e.getResult(),
                   [](ArrayRef<int> s) {
                     return createEmbeddingKernel(s[0], s[1], s[2]);
                   });
  if (auto e = dyn_cast<EmbeddingBagOp>(op))
    return lowerTo({e.getWeight(), e.getIndices(), e.getOffsets(),
                    e.getPerSampleWeights()},
                   e.getResult(), [&](ArrayRef<int> s) {
                     EmbeddingBagParams p;
                     p.weight = s[0], p.indices = s[1], p.offsets = s[2],
                     p.perSampleWeights = s[3], p.output = s[4];
                     p.mode = static_cast<BagMode>(e.getMode());
                     p.includeLastOffset = e.getIncludeLastOffset();
                     if (auto pi = e.getPaddingIdxAttr())
                       p.paddingIdx = pi.getInt();
                     return createEmbeddingBagKernel(p);
                   });
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
