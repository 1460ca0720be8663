//===- QuantizedConvTranspose.cpp - Plan kernel of qfxk.conv_transpose2d --===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/QuantizedOps.h"
#include "qfx/Kernels/ConvTransposeKernel.h"

#include "ConvKernelOp.h"

using namespace qfx;
using namespace qfx::exec;
using namespace qfx::kern;

namespace {

/// NHWC in, NHWC out (the IR's layout ops surround it like conv2d).
class QConvTransposeOp : public ConvKernelOp {
public:
  QConvTransposeOp(int in, int out, ConvTransposeDesc d, ImplChoice c)
      : ConvKernelOp(in, out), desc_(std::move(d)), choice_(c) {}

private:
  Status checkSlots(const Plan &plan) const override {
    const ConvDesc &b = desc_.base;
    const Slot &si = plan.slot(in_), &so = plan.slot(out_);
    if (si.type != ElemType::U8 || so.type != ElemType::U8 ||
        si.numel() != b.n * b.h * b.w * b.c ||
        so.numel() != b.n * desc_.oh() * desc_.ow() * b.oc)
      return Status::error(
          "transposed convolution slots do not match its shapes");
    return Status::success();
  }
  std::unique_ptr<ConvKernel> createKernel(std::string &err) override {
    return createConvTransposeKernel(std::move(desc_), choice_, err);
  }
  const char *what() const override { return "transposed convolution"; }

  ConvTransposeDesc desc_;
  ImplChoice choice_;
};

} // namespace

std::unique_ptr<Kernel>
exec::createQConvTransposeKernel(int input, int output,
                                 kern::ConvTransposeDesc desc,
                                 kern::ImplChoice choice) {
  return std::make_unique<QConvTransposeOp>(input, output, std::move(desc),
                                            choice);
}
