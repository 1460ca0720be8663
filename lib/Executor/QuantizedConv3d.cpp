//===- QuantizedConv3d.cpp - Plan kernel of qfxk.conv3d -------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// qfxk.conv3d keeps PyTorch's NCDHW layout in the IR (there is no 5-d
// layout op); the kernels run channels-last, so the plan kernel converts
// the input to NDHWC and the result back around the convolution.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/QuantizedOps.h"
#include "qfx/Kernels/Conv3dKernel.h"

using namespace qfx;
using namespace qfx::exec;
using namespace qfx::kern;

namespace {

class QConv3dOp : public Kernel {
public:
  QConv3dOp(int in, int out, Conv3dDesc d, ImplChoice c)
      : in_(in), out_(out), desc_(std::move(d)), choice_(c) {}
  Status prepare(Plan &plan) override {
    const ConvDesc &b = desc_.base;
    inNumel_ = b.n * desc_.d * b.h * b.w * b.c;
    outNumel_ = b.n * desc_.od() * b.oh() * b.ow() * b.oc;
    const Slot &si = plan.slot(in_), &so = plan.slot(out_);
    if (si.type != ElemType::U8 || so.type != ElemType::U8 ||
        si.numel() != inNumel_ || so.numel() != outNumel_)
      return Status::error("3-d convolution slots do not match its shapes");
    std::string err;
    n_ = b.n, c_ = b.c, oc_ = b.oc;
    inVol_ = desc_.d * b.h * b.w;
    outVol_ = desc_.od() * b.oh() * b.ow();
    kernel_ = createConv3dKernel(std::move(desc_), choice_, err);
    if (!kernel_)
      return Status::error("cannot create the 3-d convolution: " + err);
    xt_.resize(inNumel_);
    yt_.resize(outNumel_);
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    nchwToNhwc(x_, xt_.data(), n_, c_, inVol_);
    kernel_->run(xt_.data(), yt_.data());
    nhwcToNchw(yt_.data(), y_, n_, oc_, outVol_);
    return Status::success();
  }
  std::string implName() const override {
    return kernel_ ? kernel_->libraryInfo() : std::string();
  }

private:
  int in_, out_;
  Conv3dDesc desc_;
  ImplChoice choice_;
  std::unique_ptr<ConvKernel> kernel_;
  int64_t inNumel_ = 0, outNumel_ = 0, n_ = 0, c_ = 0, oc_ = 0, inVol_ = 0,
          outVol_ = 0;
  std::vector<uint8_t> xt_, yt_;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel> exec::createQConv3dKernel(int input, int output,
                                                  kern::Conv3dDesc desc,
                                                  kern::ImplChoice choice) {
  return std::make_unique<QConv3dOp>(input, output, std::move(desc), choice);
}
