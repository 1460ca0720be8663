//===- DynamicQuantKernels.cpp - Quantization with per-call qparams -------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The qparams of a dynamically quantized tensor exist only at run time:
// the quantize kernel stores them in a small float64 slot next to the
// integers (scale as the double ATen keeps, zero point), and the dequantize
// kernel of the same value reads them back. Rounding is QFXRuntime's
// (quantizeValue / dequantizeValue with the scale rounded to float32, as
// ATen's CPU kernels use it). The decomposed form splits the quantize into
// choose_qparams and a quantize reading its slot; both run the code below,
// so the two forms give the same integers.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"
#include "qfx/Runtime/DynamicQuant.h"
#include "qfx/Runtime/Quantize.h"

#include <optional>

using namespace qfx;
using namespace qfx::exec;

namespace {

Status checkQParamsSlot(const Slot &slot) {
  if (slot.type != ElemType::F64 || slot.numel() != 2)
    return Status::error("dynamic qparams need a float64 slot of 2 elements");
  return Status::success();
}

/// ATen's ChooseQuantizationParams on the min / max of x, stored as the
/// [scale (ATen's double), zero point] of a qparams slot.
Status chooseQParams(const float *x, int64_t n, int64_t qmin, int64_t qmax,
                     bool reduceRange, double *qp) {
  float lo, hi;
  if (Status s = rt::tensorMinMax(x, n, lo, hi); s.failed())
    return s;
  auto chosen = rt::chooseDynamicQParams(lo, hi, qmin, qmax, reduceRange);
  if (chosen.failed())
    return chosen.status();
  qp[0] = chosen->scale;
  qp[1] = static_cast<double>(chosen->zeroPoint);
  return Status::success();
}

class ChooseQParamsKernel : public Kernel {
public:
  ChooseQParamsKernel(int input, int qparams, int64_t qmin, int64_t qmax,
                      bool reduceRange)
      : input_(input), qparams_(qparams), qmin_(qmin), qmax_(qmax),
        reduceRange_(reduceRange) {}

  Status prepare(Plan &plan) override {
    if (plan.slot(input_).type != ElemType::F32)
      return Status::error("choose_qparams needs a float32 input");
    if (Status s = checkQParamsSlot(plan.slot(qparams_)); s.failed())
      return s;
    x_ = plan.data<float>(input_);
    n_ = plan.slot(input_).numel();
    qp_ = plan.data<double>(qparams_);
    return Status::success();
  }

  Status run() override {
    return chooseQParams(x_, n_, qmin_, qmax_, reduceRange_, qp_);
  }

private:
  int input_, qparams_;
  int64_t qmin_, qmax_;
  bool reduceRange_;
  const float *x_ = nullptr;
  double *qp_ = nullptr;
  int64_t n_ = 0;
};

/// Quantizes with the qparams of a qparams slot: the fused dynamic quantize
/// (which chooses them first, from this input) and the decomposed form's
/// quantize after choose_qparams, so both give the same integers. The scale
/// is rounded to float32, as ATen's quantize kernel uses it; the storage
/// range stays the dtype's (reduce_range only narrows the range the qparams
/// are chosen for).
class QParamsQuantizeKernel : public Kernel {
public:
  QParamsQuantizeKernel(int input, int output, int qparams, int64_t qmin,
                        int64_t qmax, std::optional<bool> chooseReduceRange)
      : input_(input), output_(output), qparams_(qparams), qmin_(qmin),
        qmax_(qmax), choose_(chooseReduceRange) {}

  Status prepare(Plan &plan) override {
    const char *what = choose_ ? "quantize_dynamic" : "quantize";
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != ElemType::F32)
      return Status::error(std::string(what) + " needs a float32 input");
    if (out.type != ElemType::U8 && out.type != ElemType::I8)
      return Status::error(std::string(what) +
                           " with run-time qparams needs 8-bit integer "
                           "storage");
    if (in.numel() != out.numel())
      return Status::error("quantization changes the element count");
    if (Status s = checkQParamsSlot(plan.slot(qparams_)); s.failed())
      return s;
    x_ = plan.data<float>(input_);
    y_ = plan.data(output_);
    qp_ = plan.data<double>(qparams_);
    n_ = in.numel();
    signed_ = out.type == ElemType::I8;
    return Status::success();
  }

  Status run() override {
    if (choose_)
      if (Status s = chooseQParams(x_, n_, qmin_, qmax_, *choose_, qp_);
          s.failed())
        return s;
    const float scale = static_cast<float>(qp_[0]);
    const auto zp = static_cast<int64_t>(qp_[1]);
    if (signed_) {
      auto *y = static_cast<int8_t *>(y_);
      for (int64_t i = 0; i < n_; ++i)
        y[i] = static_cast<int8_t>(
            rt::quantizeValue(x_[i], scale, zp, qmin_, qmax_));
    } else {
      auto *y = static_cast<uint8_t *>(y_);
      for (int64_t i = 0; i < n_; ++i)
        y[i] = static_cast<uint8_t>(
            rt::quantizeValue(x_[i], scale, zp, qmin_, qmax_));
    }
    return Status::success();
  }

private:
  int input_, output_, qparams_;
  int64_t qmin_, qmax_;
  /// Set (to reduce_range) when the kernel chooses the qparams itself.
  std::optional<bool> choose_;
  const float *x_ = nullptr;
  void *y_ = nullptr;
  double *qp_ = nullptr;
  int64_t n_ = 0;
  bool signed_ = false;
};

class DynamicDequantizeKernel : public Kernel {
public:
  DynamicDequantizeKernel(int input, int output, int qparams)
      : input_(input), output_(output), qparams_(qparams) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != ElemType::U8 && in.type != ElemType::I8)
      return Status::error("dequantize of a dynamic tensor needs 8-bit "
                           "integer storage");
    if (out.type != ElemType::F32)
      return Status::error("dequantize needs a float32 result");
    if (in.numel() != out.numel())
      return Status::error("dequantization changes the element count");
    if (Status s = checkQParamsSlot(plan.slot(qparams_)); s.failed())
      return s;
    x_ = plan.data(input_);
    y_ = plan.data<float>(output_);
    qp_ = plan.data<double>(qparams_);
    n_ = in.numel();
    signed_ = in.type == ElemType::I8;
    return Status::success();
  }

  Status run() override {
    const float scale = static_cast<float>(qp_[0]);
    const auto zp = static_cast<int64_t>(qp_[1]);
    for (int64_t i = 0; i < n_; ++i) {
      int64_t q = signed_ ? static_cast<const int8_t *>(x_)[i]
                          : static_cast<const uint8_t *>(x_)[i];
      y_[i] = rt::dequantizeValue(q, scale, zp);
    }
    return Status::success();
  }

private:
  int input_, output_, qparams_;
  const void *x_ = nullptr;
  float *y_ = nullptr;
  const double *qp_ = nullptr;
  int64_t n_ = 0;
  bool signed_ = false;
};

class RoundToFloat16Kernel : public Kernel {
public:
  RoundToFloat16Kernel(int input, int output)
      : input_(input), output_(output) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != ElemType::F32 || out.type != ElemType::F32 ||
        in.numel() != out.numel())
      return Status::error("float16 rounding needs float32 slots of one size");
    x_ = plan.data<float>(input_);
    y_ = plan.data<float>(output_);
    n_ = in.numel();
    return Status::success();
  }

  Status run() override {
    for (int64_t i = 0; i < n_; ++i)
      y_[i] = rt::roundToFloat16(x_[i]);
    return Status::success();
  }

private:
  int input_, output_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
  int64_t n_ = 0;
};

} // namespace

std::unique_ptr<Kernel> qfx::exec::createRoundToFloat16Kernel(int input,
                                                              int output) {
  return std::make_unique<RoundToFloat16Kernel>(input, output);
}

std::unique_ptr<Kernel>
qfx::exec::createDynamicQuantizeKernel(int input, int output, int qparams,
                                       int64_t qmin, int64_t qmax,
                                       bool reduceRange) {
  return std::make_unique<QParamsQuantizeKernel>(input, output, qparams, qmin,
                                                 qmax, reduceRange);
}

std::unique_ptr<Kernel>
qfx::exec::createChooseQParamsKernel(int input, int qparams, int64_t qmin,
                                     int64_t qmax, bool reduceRange) {
  return std::make_unique<ChooseQParamsKernel>(input, qparams, qmin, qmax,
                                               reduceRange);
}

std::unique_ptr<Kernel>
qfx::exec::createQParamsQuantizeKernel(int input, int output, int qparams,
                                       int64_t qmin, int64_t qmax) {
  return std::make_unique<QParamsQuantizeKernel>(input, output, qparams, qmin,
                                                 qmax, std::nullopt);
}

std::unique_ptr<Kernel>
qfx::exec::createDynamicDequantizeKernel(int input, int output, int qparams) {
  return std::make_unique<DynamicDequantizeKernel>(input, output, qparams);
}
