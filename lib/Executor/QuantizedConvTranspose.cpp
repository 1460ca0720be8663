//===- QuantizedConvTranspose.cpp - Plan kernel of qfxk.conv_transpose2d --===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/QuantizedOps.h"
#include "qfx/Kernels/ConvTransposeKernel.h"

using namespace qfx;
using namespace qfx::exec;
using namespace qfx::kern;

namespace {

/// NHWC in, NHWC out (the IR's layout ops surround it like conv2d).
class QConvTransposeOp : public Kernel {
public:
  QConvTransposeOp(int in, int out, ConvTransposeDesc d, ImplChoice c)
      : in_(in), out_(out), desc_(std::move(d)), choice_(c) {}
  Status prepare(Plan &plan) override {
    const ConvDesc &b = desc_.base;
    const Slot &si = plan.slot(in_), &so = plan.slot(out_);
    if (si.type != ElemType::U8 || so.type != ElemType::U8 ||
        si.numel() != b.n * b.h * b.w * b.c ||
        so.numel() != b.n * desc_.oh() * desc_.ow() * b.oc)
      return Status::error(
          "transposed convolution slots do not match its shapes");
    std::string err;
    kernel_ = createConvTransposeKernel(std::move(desc_), choice_, err);
    if (!kernel_)
      return Status::error("cannot create the transposed convolution: " + err);
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    kernel_->run(x_, y_);
    return Status::success();
  }
  std::string implName() const override {
    return kernel_ ? kernel_->libraryInfo() : std::string();
  }

private:
  int in_, out_;
  ConvTransposeDesc desc_;
  ImplChoice choice_;
  std::unique_ptr<ConvKernel> kernel_;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel>
exec::createQConvTransposeKernel(int input, int output,
                                 kern::ConvTransposeDesc desc,
                                 kern::ImplChoice choice) {
  return std::make_unique<QConvTransposeOp>(input, output, std::move(desc),
                                            choice);
}
