//===- QuantizedDynamicLinear.cpp - Plan kernel of qfxk.dynamic_linear ----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Float in, float out: each run chooses the input's qparams and quantizes it
// exactly as the reference model's quantize_per_tensor_dynamic does (the
// runtime's ChooseQuantizationParams and quantize_val, the same code as the
// quantize_dynamic kernel), then runs the exact integer product.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/QuantizedOps.h"
#include "qfx/Runtime/DynamicQuant.h"
#include "qfx/Runtime/Quantize.h"

using namespace qfx;
using namespace qfx::exec;
using namespace qfx::kern;

namespace {

class QDynamicLinearOp : public Kernel {
public:
  QDynamicLinearOp(int in, int out, DynamicLinearDesc d, bool reduceRange,
                   ImplChoice c)
      : in_(in), out_(out), desc_(std::move(d)), reduceRange_(reduceRange),
        choice_(c) {}
  Status prepare(Plan &plan) override {
    const Slot &si = plan.slot(in_), &so = plan.slot(out_);
    numel_ = desc_.m * desc_.k;
    if (si.type != ElemType::F32 || so.type != ElemType::F32 ||
        si.numel() != numel_ || so.numel() != desc_.m * desc_.n)
      return Status::error("dynamic linear slots do not match its shapes");
    std::string err;
    kernel_ = DynamicLinearKernel::create(std::move(desc_), choice_, err);
    if (!kernel_)
      return Status::error("cannot create the dynamic linear kernel: " + err);
    xq_.resize(numel_);
    x_ = plan.data<float>(in_);
    y_ = plan.data<float>(out_);
    return Status::success();
  }
  Status run() override {
    float lo, hi;
    if (Status s = rt::tensorMinMax(x_, numel_, lo, hi); s.failed())
      return s;
    auto qp = rt::chooseDynamicQParams(lo, hi, 0, 255, reduceRange_);
    if (qp.failed())
      return qp.status();
    const float scale = static_cast<float>(qp->scale);
    const int64_t zp = qp->zeroPoint;
    for (int64_t i = 0; i < numel_; ++i)
      xq_[i] =
          static_cast<uint8_t>(rt::quantizeValue(x_[i], scale, zp, 0, 255));
    kernel_->run(xq_.data(), scale, static_cast<int32_t>(zp), y_);
    return Status::success();
  }
  std::string implName() const override {
    return kernel_ ? kernel_->libraryInfo() : std::string();
  }

private:
  int in_, out_;
  DynamicLinearDesc desc_;
  bool reduceRange_;
  ImplChoice choice_;
  std::unique_ptr<DynamicLinearKernel> kernel_;
  int64_t numel_ = 0;
  std::vector<uint8_t> xq_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel>
exec::createQDynamicLinearKernel(int input, int output,
                                 kern::DynamicLinearDesc desc, bool reduceRange,
                                 kern::ImplChoice choice) {
  return std::make_unique<QDynamicLinearOp>(input, output, std::move(desc),
                                            reduceRange, choice);
}
