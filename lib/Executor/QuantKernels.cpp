//===- QuantKernels.cpp - Quantize, dequantize, observers, fake-quant -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The arithmetic is QFXRuntime's (quantizeValue, dequantizeValue,
// fakeQuantizeValue: PyTorch's CPU rounding); these kernels only walk the
// plan's buffers.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"
#include "qfx/Kernels/QuantizedKernels.h"
#include "qfx/Runtime/FloatQParams.h"
#include "qfx/Runtime/Quantize.h"

#include <climits>
#include <cstring>
#include <tuple>

using namespace qfx;
using namespace qfx::exec;

namespace {

/// Splits a shape around the quantized axis (per-tensor: one channel).
Status splitFor(const QuantSpec &spec, const Shape &shape, int64_t &outer,
                int64_t &channels, int64_t &inner) {
  if (spec.axis < 0) {
    outer = 1;
    channels = 1;
    inner = rt::numElements(shape);
  } else if (Status s =
                 rt::splitAroundAxis(shape, spec.axis, outer, channels, inner);
             s.failed()) {
    return s;
  }
  if (static_cast<int64_t>(spec.scales.size()) != channels ||
      static_cast<int64_t>(spec.zeroPoints.size()) != channels)
    return Status::error("quantization parameters have " +
                         std::to_string(spec.scales.size()) + " entries for " +
                         std::to_string(channels) + " channels");
  return Status::success();
}

template <typename T> int64_t loadInt(const void *p, int64_t i) {
  return static_cast<const T *>(p)[i];
}
template <typename T> void storeInt(void *p, int64_t i, int64_t v) {
  static_cast<T *>(p)[i] = static_cast<T>(v);
}

Status intAccessors(ElemType t, int64_t (*&load)(const void *, int64_t),
                    void (*&store)(void *, int64_t, int64_t)) {
  switch (t) {
  case ElemType::U8:
    load = loadInt<uint8_t>;
    store = storeInt<uint8_t>;
    break;
  case ElemType::I8:
    load = loadInt<int8_t>;
    store = storeInt<int8_t>;
    break;
  case ElemType::I32:
    load = loadInt<int32_t>;
    store = storeInt<int32_t>;
    break;
  default:
    return Status::error(std::string("unsupported quantized storage type ") +
                         elemTypeName(t));
  }
  return Status::success();
}

/// quantize (float -> int), dequantize (int -> float) or requantize.
class QuantKernel : public Kernel {
public:
  enum Kind { Quantize, Dequantize, Requantize };
  QuantKernel(Kind kind, int input, int output, QuantSpec from, QuantSpec to)
      : kind_(kind), input_(input), output_(output), from_(std::move(from)),
        to_(std::move(to)) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.numel() != out.numel())
      return Status::error("quantization changes the element count");
    if (kind_ != Quantize) {
      if (Status s = intAccessors(in.type, load_, storeUnused_); s.failed())
        return s;
      if (Status s = splitFor(from_, in.shape, outer_, fromCh_, inner_);
          s.failed())
        return s;
    } else if (in.type != ElemType::F32) {
      return Status::error("quantize needs a float32 input");
    }
    if (kind_ != Dequantize) {
      if (Status s = intAccessors(out.type, loadUnused_, store_); s.failed())
        return s;
      int64_t o, i;
      if (Status s = splitFor(to_, out.shape, o, toCh_, i); s.failed())
        return s;
      if (kind_ == Quantize) {
        outer_ = o;
        inner_ = i;
        // A model's input quantize: the vectorised uint8 loop (bit-identical
        // with rt::quantizeValue).
        fastU8_ = out.type == ElemType::U8 && to_.qmin >= 0 &&
                  to_.qmax <= 255 && to_.qmin <= to_.qmax;
        for (int64_t zp : to_.zeroPoints)
          fastU8_ = fastU8_ && zp >= INT32_MIN && zp <= INT32_MAX;
      }
    } else if (out.type != ElemType::F32) {
      return Status::error("dequantize needs a float32 result");
    }
    if (kind_ == Requantize && (from_.axis >= 0 || to_.axis >= 0) &&
        from_.axis != to_.axis)
      return Status::error("requantize between different axes");
    x_ = in.data;
    y_ = out.data;
    return Status::success();
  }

  Status run() override {
    const int64_t chans = kind_ == Quantize ? toCh_ : fromCh_;
    for (int64_t o = 0; o < outer_; ++o)
      for (int64_t c = 0; c < chans; ++c) {
        const int64_t base = (o * chans + c) * inner_;
        switch (kind_) {
        case Quantize: {
          const float s = to_.scales[to_.axis < 0 ? 0 : c];
          const int64_t zp = to_.zeroPoints[to_.axis < 0 ? 0 : c];
          const float *x = static_cast<const float *>(x_) + base;
          if (fastU8_) {
            kern::quantizeU8Fast(x, static_cast<uint8_t *>(y_) + base, inner_,
                                 s, static_cast<int32_t>(zp),
                                 static_cast<int32_t>(to_.qmin),
                                 static_cast<int32_t>(to_.qmax));
            break;
          }
          for (int64_t i = 0; i < inner_; ++i)
            store_(y_, base + i,
                   rt::quantizeValue(x[i], s, zp, to_.qmin, to_.qmax));
          break;
        }
        case Dequantize: {
          const float s = from_.scales[from_.axis < 0 ? 0 : c];
          const int64_t zp = from_.zeroPoints[from_.axis < 0 ? 0 : c];
          float *y = static_cast<float *>(y_) + base;
          for (int64_t i = 0; i < inner_; ++i)
            y[i] = rt::dequantizeValue(load_(x_, base + i), s, zp);
          break;
        }
        case Requantize: {
          size_t fc = from_.axis < 0 ? 0 : c, tc = to_.axis < 0 ? 0 : c;
          for (int64_t i = 0; i < inner_; ++i) {
            float v = rt::dequantizeValue(load_(x_, base + i), from_.scales[fc],
                                          from_.zeroPoints[fc]);
            store_(y_, base + i,
                   rt::quantizeValue(v, to_.scales[tc], to_.zeroPoints[tc],
                                     to_.qmin, to_.qmax));
          }
          break;
        }
        }
      }
    return Status::success();
  }

  std::string implName() const override {
    if (!fastU8_)
      return {};
    return kern::cpuHasAvx2() ? "qfx:quantize-avx2" : "qfx:quantize";
  }

private:
  Kind kind_;
  int input_, output_;
  QuantSpec from_, to_;
  int64_t outer_ = 1, fromCh_ = 1, toCh_ = 1, inner_ = 1;
  bool fastU8_ = false;
  int64_t (*load_)(const void *, int64_t) = nullptr;
  int64_t (*loadUnused_)(const void *, int64_t) = nullptr;
  void (*store_)(void *, int64_t, int64_t) = nullptr;
  void (*storeUnused_)(void *, int64_t, int64_t) = nullptr;
  const void *x_ = nullptr;
  void *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel> qfx::exec::createQuantizeKernel(int input, int output,
                                                        QuantSpec spec) {
  return std::make_unique<QuantKernel>(QuantKernel::Quantize, input, output,
                                       QuantSpec(), std::move(spec));
}
std::unique_ptr<Kernel> qfx::exec::createDequantizeKernel(int input, int output,
                                                          QuantSpec spec) {
  return std::make_unique<QuantKernel>(QuantKernel::Dequantize, input, output,
                                       std::move(spec), QuantSpec());
}
std::unique_ptr<Kernel> qfx::exec::createRequantizeKernel(int input, int output,
                                                          QuantSpec from,
                                                          QuantSpec to) {
  return std::make_unique<QuantKernel>(QuantKernel::Requantize, input, output,
                                       std::move(from), std::move(to));
}

//===----------------------------------------------------------------------===//
// Observers and fake-quantize
//===----------------------------------------------------------------------===//

ObserverKernel::ObserverKernel(int input,
                               std::shared_ptr<rt::Observer> observer)
    : input_(input), observer_(std::move(observer)) {}

Status ObserverKernel::prepare(Plan &plan) {
  if (plan.slot(input_).type != ElemType::F32)
    return Status::error("observers need float32 tensors");
  view_ = plan.view(input_);
  return Status::success();
}

Status ObserverKernel::run() { return observer_->observe(view_); }

FakeQuantizeKernel::FakeQuantizeKernel(int input, int output,
                                       std::unique_ptr<rt::Observer> observer,
                                       bool observerEnabled,
                                       bool fakeQuantEnabled,
                                       std::vector<float> scales,
                                       std::vector<int64_t> zps)
    : FakeQuantizeKernel(
          input, output,
          std::make_shared<FakeQuantizeState>(FakeQuantizeState{
              std::move(observer), std::move(scales), std::move(zps)}),
          observerEnabled, fakeQuantEnabled) {}

FakeQuantizeKernel::FakeQuantizeKernel(int input, int output,
                                       std::shared_ptr<FakeQuantizeState> state,
                                       bool observerEnabled,
                                       bool fakeQuantEnabled)
    : input_(input), output_(output), state_(std::move(state)),
      observer_(state_->observer), observerEnabled_(observerEnabled),
      fakeQuantEnabled_(fakeQuantEnabled), scales_(state_->scales),
      zeroPoints_(state_->zeroPoints),
      floatZeroPoints_(state_->floatZeroPoints) {
  // PyTorch's buffers before any observation: scale [1.0], zero_point [0].
  if (scales_.empty())
    scales_ = {1.0f};
  if (zeroPoints_.empty())
    zeroPoints_ = {0};
}

Status FakeQuantizeKernel::prepare(Plan &plan) {
  if (plan.slot(input_).type != ElemType::F32 ||
      plan.slot(output_).type != ElemType::F32)
    return Status::error("fake_quantize needs float32 tensors");
  view_ = plan.view(input_);
  out_ = plan.data<float>(output_);
  if (rt::isPerChannel(observer_->config().qscheme)) {
    if (Status s = rt::splitAroundAxis(view_.shape, observer_->config().chAxis,
                                       outer_, channels_, inner_);
        s.failed())
      return s;
  } else {
    outer_ = 1;
    channels_ = 1;
    inner_ = view_.numel();
  }
  return Status::success();
}

Status FakeQuantizeKernel::refreshQParams() {
  if (!fused_) {
    auto qp = observer_->calculateQParams();
    if (qp.failed())
      return qp.status();
    scales_ = qp->scales;
    zeroPoints_ = qp->zeroPoints;
    floatZeroPoints_ = qp->floatZeroPoints;
    return Status::success();
  }
  rt::ObserverState state = observer_->exportState();
  const size_t n = state.minVals.size();
  if (n == 0 || state.maxVals.size() != n)
    return Status::error("fused_moving_avg_obs_fake_quant: no running "
                         "min/max to fake-quantize with (PyTorch fails here "
                         "too)");
  const bool symmetric = rt::isSymmetric(observer_->config().qscheme);
  const int64_t qmin = observer_->qrange().quantMin,
                qmax = observer_->qrange().quantMax;
  scales_.resize(n);
  zeroPoints_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (!(state.minVals[i] <= state.maxVals[i]))
      return Status::error(
          "fused_moving_avg_obs_fake_quant: running min > max in channel " +
          std::to_string(i) + " (no statistics yet?)");
    auto [scale, zeroPoint] = rt::chooseQuantizationParams(
        state.minVals[i], state.maxVals[i], qmin, qmax, symmetric);
    scales_[i] = static_cast<float>(scale);
    zeroPoints_[i] = zeroPoint;
  }
  return Status::success();
}

Status FakeQuantizeKernel::run() {
  if (observerEnabled_)
    if (Status s = observer_->observe(view_); s.failed())
      return s;
  if ((fused_ && fakeQuantEnabled_) || (!fused_ && observerEnabled_))
    if (Status s = refreshQParams(); s.failed())
      return s;
  if (!fakeQuantEnabled_) {
    if (out_ != view_.data)
      std::memcpy(out_, view_.data, view_.numel() * sizeof(float));
    return Status::success();
  }
  const bool floatZp = !floatZeroPoints_.empty();
  const size_t numZeroPoints =
      floatZp ? floatZeroPoints_.size() : zeroPoints_.size();
  if (static_cast<int64_t>(scales_.size()) != channels_ ||
      static_cast<int64_t>(numZeroPoints) != channels_)
    return Status::error("fake_quantize has " + std::to_string(scales_.size()) +
                         " scales and " + std::to_string(numZeroPoints) +
                         " zero points for " + std::to_string(channels_) +
                         " channels");
  const int64_t qmin = observer_->qrange().quantMin,
                qmax = observer_->qrange().quantMax;
  if (floatZp) {
    for (int64_t o = 0; o < outer_; ++o)
      for (int64_t c = 0; c < channels_; ++c) {
        const int64_t base = (o * channels_ + c) * inner_;
        for (int64_t i = 0; i < inner_; ++i)
          out_[base + i] = rt::fakeQuantizeValueFloatQParams(
              view_.data[base + i], scales_[c], floatZeroPoints_[c], qmin,
              qmax);
      }
    return Status::success();
  }
  for (int64_t o = 0; o < outer_; ++o)
    for (int64_t c = 0; c < channels_; ++c) {
      const int64_t base = (o * channels_ + c) * inner_;
      const float s = scales_[c];
      const int64_t zp = zeroPoints_[c];
      for (int64_t i = 0; i < inner_; ++i)
        out_[base + i] =
            rt::fakeQuantizeValue(view_.data[base + i], s, zp, qmin, qmax);
    }
  return Status::success();
}
