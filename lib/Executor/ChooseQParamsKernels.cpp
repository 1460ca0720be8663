//===- ChooseQParamsKernels.cpp - Decomposed dynamic quantization ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The decomposed form splits dynamic quantization into `choose_qparams`
// (a float64 [scale, zero point] slot) and a quantize that reads it. Both
// use the functions of the fused dynamic quantize kernel
// (DynamicQuantKernels.cpp), so the two forms produce the same integers.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"
#include "qfx/Runtime/DynamicQuant.h"
#include "qfx/Runtime/Quantize.h"

using namespace qfx;
using namespace qfx::exec;

namespace {

Status checkQParams(const Slot &slot) {
  if (slot.type != ElemType::F64 || slot.numel() != 2)
    return Status::error("qparams need a float64 slot of 2 elements");
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
    if (Status s = checkQParams(plan.slot(qparams_)); s.failed())
      return s;
    x_ = plan.data<float>(input_);
    n_ = plan.slot(input_).numel();
    qp_ = plan.data<double>(qparams_);
    return Status::success();
  }

  Status run() override {
    float lo, hi;
    if (Status s = rt::tensorMinMax(x_, n_, lo, hi); s.failed())
      return s;
    auto qp = rt::chooseDynamicQParams(lo, hi, qmin_, qmax_, reduceRange_);
    if (qp.failed())
      return qp.status();
    qp_[0] = qp->scale;
    qp_[1] = static_cast<double>(qp->zeroPoint);
    return Status::success();
  }

private:
  int input_, qparams_;
  int64_t qmin_, qmax_;
  bool reduceRange_;
  const float *x_ = nullptr;
  double *qp_ = nullptr;
  int64_t n_ = 0;
};

class QParamsQuantizeKernel : public Kernel {
public:
  QParamsQuantizeKernel(int input, int output, int qparams, int64_t qmin,
                        int64_t qmax)
      : input_(input), output_(output), qparams_(qparams), qmin_(qmin),
        qmax_(qmax) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != ElemType::F32)
      return Status::error("quantize needs a float32 input");
    if (out.type != ElemType::U8 && out.type != ElemType::I8)
      return Status::error("quantize with run-time qparams needs 8-bit "
                           "integer storage");
    if (in.numel() != out.numel())
      return Status::error("quantization changes the element count");
    if (Status s = checkQParams(plan.slot(qparams_)); s.failed())
      return s;
    x_ = plan.data<float>(input_);
    y_ = plan.data(output_);
    qp_ = plan.data<double>(qparams_);
    n_ = in.numel();
    signed_ = out.type == ElemType::I8;
    return Status::success();
  }

  Status run() override {
    // The scale rounded to float32, as ATen's quantize kernel uses it.
    const float scale = static_cast<float>(qp_[0]);
    const auto zp = static_cast<int64_t>(qp_[1]);
    for (int64_t i = 0; i < n_; ++i) {
      int64_t q = rt::quantizeValue(x_[i], scale, zp, qmin_, qmax_);
      if (signed_)
        static_cast<int8_t *>(y_)[i] = static_cast<int8_t>(q);
      else
        static_cast<uint8_t *>(y_)[i] = static_cast<uint8_t>(q);
    }
    return Status::success();
  }

private:
  int input_, output_, qparams_;
  int64_t qmin_, qmax_;
  const float *x_ = nullptr;
  void *y_ = nullptr;
  const double *qp_ = nullptr;
  int64_t n_ = 0;
  bool signed_ = false;
};

} // namespace

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
                                                 qmax);
}
