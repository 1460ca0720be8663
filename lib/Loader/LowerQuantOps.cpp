//===- LowerQuantOps.cpp - Observers, fake-quantize and Q/DQ --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "LoaderImpl.h"

#include "qfx/Dialect/QFX/RuntimeObservers.h"
#include "qfx/Runtime/Observers.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace qfx;
using namespace qfx::exec;

ObserverStateAttr qfx::exportStateAttr(MLIRContext *ctx,
                                       const rt::Observer &observer) {
  rt::ObserverState s = observer.exportState();
  if (s.minVals.empty() || s.minVals.size() != s.maxVals.size())
    return {};
  // A per-tensor observer that saw nothing keeps +inf/-inf: no state.
  if (s.minVals.size() == 1 && std::isinf(s.minVals[0]) &&
      std::isinf(s.maxVals[0]) && s.minVals[0] > s.maxVals[0])
    return {};
  DenseF32ArrayAttr hist;
  if (observer.kind() == rt::ObserverKind::Histogram)
    hist = DenseF32ArrayAttr::get(ctx, s.histogram);
  return ObserverStateAttr::get(ctx, DenseF32ArrayAttr::get(ctx, s.minVals),
                                DenseF32ArrayAttr::get(ctx, s.maxVals), hist);
}

/// Scales, zero points and range of a quantized tensor type.
static Status quantSpecOf(Type type, QuantSpec &spec) {
  Type et = cast<ShapedType>(type).getElementType();
  if (auto u = dyn_cast<quant::UniformQuantizedType>(et)) {
    spec.axis = -1;
    spec.scales = {static_cast<float>(u.getScale())};
    spec.zeroPoints = {u.getZeroPoint()};
  } else if (auto p = dyn_cast<quant::UniformQuantizedPerAxisType>(et)) {
    spec.axis = p.getQuantizedDimension();
    for (double s : p.getScales())
      spec.scales.push_back(static_cast<float>(s));
    spec.zeroPoints.assign(p.getZeroPoints().begin(), p.getZeroPoints().end());
  } else {
    return Status::error("expected a !quant.uniform element type");
  }
  auto q = cast<quant::QuantizedType>(et);
  spec.qmin = q.getStorageTypeMin();
  spec.qmax = q.getStorageTypeMax();
  return Status::success();
}

/// The explicit qparams of a decomposed quantize / dequantize.
template <typename OpTy> static QuantSpec affineSpecOf(OpTy op) {
  QuantSpec spec;
  spec.axis = op.getAxis() ? static_cast<int64_t>(*op.getAxis()) : -1;
  if (spec.axis < 0 && op.getAxis())
    spec.axis += op.getInput().getType().getRank();
  if (auto scales = op.getScales())
    spec.scales.assign(scales->begin(), scales->end());
  if (auto zps = op.getZeroPoints())
    spec.zeroPoints.assign(zps->begin(), zps->end());
  spec.qmin = static_cast<int64_t>(op.getQuantMin());
  spec.qmax = static_cast<int64_t>(op.getQuantMax());
  return spec;
}

/// quantize_affine / dequantize_affine run the kernels of the reference
/// form's quantize / dequantize (or of dynamic quantization when the
/// qparams are a run-time operand): both forms give the same integers.
Status ModelBuilder::lowerAffineQuantOp(Operation *op) {
  Value input = op->getOperand(0), result = op->getResult(0);
  auto in = slotOf(op, input);
  if (in.failed())
    return in.status();
  auto out = newBuffer(op, result);
  if (out.failed())
    return out.status();
  if (auto q = dyn_cast<QuantizeAffineOp>(op)) {
    QuantSpec spec = affineSpecOf(q);
    if (!q.getQparams()) {
      add(op, createQuantizeKernel(*in, *out, spec));
      return Status::success();
    }
    auto qp = slotOf(op, q.getQparams());
    if (qp.failed())
      return qp.status();
    add(op, createQParamsQuantizeKernel(*in, *out, *qp, spec.qmin, spec.qmax));
    return Status::success();
  }
  auto dq = cast<DequantizeAffineOp>(op);
  if (!dq.getQparams()) {
    add(op, createDequantizeKernel(*in, *out, affineSpecOf(dq)));
    return Status::success();
  }
  auto qp = slotOf(op, dq.getQparams());
  if (qp.failed())
    return qp.status();
  add(op, createDynamicDequantizeKernel(*in, *out, *qp));
  return Status::success();
}

/// The kernel of a quantize / dequantize with float zero points.
static std::unique_ptr<Kernel> lowerFloatQParamsOp(Operation *op, int in,
                                                   int out) {
  FloatQParamsSpec spec;
  auto fill = [&](auto fq) {
    spec.axis = fq.getAxis();
    spec.qmax = fq.getDtype() == QuantDType::quint4x2 ? 15 : 255;
    for (APFloat v : fq.getScale().template getValues<APFloat>())
      spec.scales.push_back(v.convertToFloat());
    for (APFloat v : fq.getZeroPoint().template getValues<APFloat>())
      spec.zeroPoints.push_back(v.convertToFloat());
  };
  if (auto q = dyn_cast<QuantizeFloatQParamsOp>(op)) {
    fill(q);
    return createFloatQParamsQuantizeKernel(in, out, std::move(spec));
  }
  fill(cast<DequantizeFloatQParamsOp>(op));
  return createFloatQParamsDequantizeKernel(in, out, std::move(spec));
}

Status ModelBuilder::lowerQuantOp(Operation *op, bool &handled) {
  handled = true;
  if (auto o = dyn_cast<ObserverOp>(op)) {
    auto slot = slotOf(op, o.getInput());
    if (slot.failed())
      return slot.status();
    // Observers of one group (PyTorch's shared observer instance) share
    // their statistics.
    // An observer in a function called several times is lowered at each
    // call and keeps one state, as a module's observer does in PyTorch.
    Attribute group = op->getAttr(QFXDialect::getObserverGroupAttrName());
    std::pair<Operation *, Attribute> key{op, nullptr};
    if (group)
      key = {op->getParentOfType<func::FuncOp>(), group};
    std::shared_ptr<rt::Observer> &shared = sharedObservers_[key];
    if (!shared) {
      auto obs = createRuntimeObserver(o.getConfig(), o.getStateAttr());
      if (obs.failed())
        return error(op, obs.message());
      shared = obs.take();
    }
    auto kernel = std::make_unique<ObserverKernel>(*slot, shared);
    auto *k = static_cast<ObserverKernel *>(add(op, std::move(kernel)));
    slots_[o.getResult()] = *slot;
    if (loweredStateOps_.insert(op).second)
      model_->observers_.push_back({op, k});
    return Status::success();
  }
  if (auto f = dyn_cast<FakeQuantizeOp>(op)) {
    if (!loweredStateOps_.insert(op).second)
      return error(op, "a fake_quantize in a function called more than once "
                       "is not supported");
    auto in = slotOf(op, f.getInput());
    if (in.failed())
      return in.status();
    FakeQuantizeConfigAttr cfg = f.getConfig();
    // The fake-quantizes of one group are PyTorch's one shared instance,
    // called at each of them in turn: one observer and one scale /
    // zero_point, created from the group's first op.
    std::shared_ptr<exec::FakeQuantizeState> state;
    std::shared_ptr<exec::FakeQuantizeState> *shared = nullptr;
    if (Attribute group = op->getAttr(QFXDialect::getObserverGroupAttrName()))
      shared = &sharedFakeQuants_[{op->getParentOfType<func::FuncOp>(), group}];
    if (shared && *shared) {
      state = *shared;
    } else {
      auto obs = createRuntimeObserver(f.getObserver(), f.getStateAttr());
      if (obs.failed())
        return error(op, obs.message());
      state = std::make_shared<exec::FakeQuantizeState>();
      state->observer = obs.take();
      if (QParamsAttr qp = f.getQparamsAttr()) {
        state->scales.assign(qp.getScale().asArrayRef().begin(),
                             qp.getScale().asArrayRef().end());
        state->zeroPoints.assign(qp.getZeroPoint().asArrayRef().begin(),
                                 qp.getZeroPoint().asArrayRef().end());
      }
      // Float zero points have no qfx.qparams spelling (integer zero
      // points): a calibrated float-qparams fake-quantize (a QAT
      // embedding's weight) takes the qparams of its state, which are its
      // buffers' (refreshed from the state at every observed call).
      if (state->observer->config().qscheme ==
              rt::QScheme::PerChannelAffineFloatQParams &&
          f.getStateAttr()) {
        auto qp = state->observer->calculateQParams();
        if (qp.failed())
          return error(op, qp.message());
        state->scales = qp->scales;
        state->floatZeroPoints = qp->floatZeroPoints;
      }
      if (cfg.getKind() == FakeQuantizeKind::fixed_qparams_fake_quantize &&
          state->scales.empty()) {
        state->scales = {
            static_cast<float>(f.getObserver().getScale().convertToDouble())};
        state->zeroPoints = {f.getObserver().getZeroPoint()};
      }
      if (shared)
        *shared = state;
    }
    int out;
    if (cfg.getFakeQuantEnabled()) {
      auto o = newBuffer(op, f.getResult());
      if (o.failed())
        return o.status();
      out = *o;
    } else {
      out = *in;
      slots_[f.getResult()] = out;
    }
    auto kernel = std::make_unique<FakeQuantizeKernel>(
        *in, out, std::move(state), cfg.getObserverEnabled(),
        cfg.getFakeQuantEnabled());
    kernel->setFusedMovingAverage(
        cfg.getKind() == FakeQuantizeKind::fused_moving_avg_obs_fake_quantize);
    auto *k = static_cast<FakeQuantizeKernel *>(add(op, std::move(kernel)));
    model_->fakeQuants_.push_back({op, k});
    return Status::success();
  }
  if (auto q = dyn_cast<QuantizeDynamicOp>(op)) {
    auto in = slotOf(op, q.getInput());
    if (in.failed())
      return in.status();
    if (q.getType().getElementType().isF16()) {
      // Plans hold float16 values in float32 slots (no float16 kernels).
      Shape shape(q.getType().getShape().begin(), q.getType().getShape().end());
      int out = model_->plan_.addBuffer(ElemType::F32, shape);
      slots_[q.getResult()] = out;
      add(op, createRoundToFloat16Kernel(*in, out));
      return Status::success();
    }
    auto out = newBuffer(op, q.getResult());
    if (out.failed())
      return out.status();
    auto qtype = cast<quant::QuantizedType>(q.getType().getElementType());
    int qparams = model_->plan_.addBuffer(ElemType::F64, {2});
    dynamicQParams_[q.getResult()] = qparams;
    add(op, createDynamicQuantizeKernel(
                *in, *out, qparams, qtype.getStorageTypeMin(),
                qtype.getStorageTypeMax(), q.getReduceRange()));
    return Status::success();
  }
  if (auto dq = dyn_cast<DequantizeOp>(op);
      dq && dq.getInput().getType().getElementType().isF16()) {
    // float16 values already sit in a float32 slot: widening is free.
    auto out = alias(op, dq.getInput(), dq.getResult());
    return out.failed() ? out.status() : Status::success();
  }
  if (auto dq = dyn_cast<DequantizeOp>(op);
      dq &&
      isa<quant::AnyQuantizedType>(dq.getInput().getType().getElementType())) {
    auto it = dynamicQParams_.find(dq.getInput());
    if (it == dynamicQParams_.end())
      return error(op, "dequantize of a !quant.any tensor needs the qparams "
                       "of a qfx.quantize_dynamic result");
    auto in = slotOf(op, dq.getInput());
    if (in.failed())
      return in.status();
    auto out = newBuffer(op, dq.getResult());
    if (out.failed())
      return out.status();
    add(op, createDynamicDequantizeKernel(*in, *out, it->second));
    return Status::success();
  }
  if (auto c = dyn_cast<ChooseQParamsOp>(op)) {
    auto in = slotOf(op, c.getInput());
    if (in.failed())
      return in.status();
    auto out = newBuffer(op, c.getResult());
    if (out.failed())
      return out.status();
    add(op, createChooseQParamsKernel(*in, *out, c.getQuantMin(),
                                      c.getQuantMax(), c.getReduceRange()));
    return Status::success();
  }
  if (isa<QuantizeAffineOp, DequantizeAffineOp>(op))
    return lowerAffineQuantOp(op);
  if (isa<QuantizeFloatQParamsOp, DequantizeFloatQParamsOp>(op)) {
    auto in = slotOf(op, op->getOperand(0));
    if (in.failed())
      return in.status();
    auto out = newBuffer(op, op->getResult(0));
    if (out.failed())
      return out.status();
    add(op, lowerFloatQParamsOp(op, *in, *out));
    return Status::success();
  }
  if (isa<QuantizeOp, DequantizeOp, RequantizeOp>(op)) {
    Value input = op->getOperand(0), result = op->getResult(0);
    auto in = slotOf(op, input);
    if (in.failed())
      return in.status();
    auto out = newBuffer(op, result);
    if (out.failed())
      return out.status();
    QuantSpec from, to;
    if (!isa<QuantizeOp>(op))
      if (Status s = quantSpecOf(input.getType(), from); s.failed())
        return error(op, s.message());
    if (!isa<DequantizeOp>(op))
      if (Status s = quantSpecOf(result.getType(), to); s.failed())
        return error(op, s.message());
    std::unique_ptr<Kernel> k;
    if (isa<QuantizeOp>(op))
      k = createQuantizeKernel(*in, *out, to);
    else if (isa<DequantizeOp>(op))
      k = createDequantizeKernel(*in, *out, from);
    else
      k = createRequantizeKernel(*in, *out, from, to);
    add(op, std::move(k));
    return Status::success();
  }
  handled = false;
  return Status::success();
}

void LoadedModel::resetObservers() {
  for (auto &[op, k] : observers_)
    k->observer().reset();
  for (auto &[op, k] : fakeQuants_)
    k->observer().reset();
}

void LoadedModel::writeBackState() {
  for (auto &[op, k] : observers_) {
    auto o = cast<ObserverOp>(op);
    if (ObserverStateAttr s = exportStateAttr(op->getContext(), k->observer()))
      o.setStateAttr(s);
    else
      o.removeStateAttr();
  }
  for (auto &[op, k] : fakeQuants_) {
    auto f = cast<FakeQuantizeOp>(op);
    MLIRContext *ctx = op->getContext();
    if (ObserverStateAttr s = exportStateAttr(ctx, k->observer()))
      f.setStateAttr(s);
    if (f.getConfig().getObserverEnabled() && f.getStateAttr() &&
        k->floatZeroPoints().empty()) {
      f.setQparamsAttr(
          QParamsAttr::get(ctx, DenseF32ArrayAttr::get(ctx, k->scales()),
                           DenseI64ArrayAttr::get(ctx, k->zeroPoints())));
    }
  }
  // Updated buffers become fresh dense_resource blobs (as the exporter
  // writes parameters): the old blob may be shared with other parameters.
  for (auto &[op, id] : mutableParameters_) {
    auto param = cast<ParameterOp>(op);
    const exec::Slot &slot = plan_.slot(id);
    ArrayRef<char> bytes(static_cast<const char *>(slot.data),
                         slot.sizeInBytes());
    std::string key = param.getSymName().str();
    for (char &c : key)
      if (!llvm::isAlnum(c))
        c = '_';
    param.setValueAttr(DenseResourceElementsAttr::get(
        param.getType(), key,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64)));
  }
}
