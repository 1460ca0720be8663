//===- FloatQParamsKernels.cpp - Float zero point quantize / dequantize ---===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The arithmetic is QFXRuntime's (FloatQParams.h: ATen's rounding); these
// kernels only walk the plan's buffers channel by channel.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"
#include "qfx/Runtime/FloatQParams.h"
#include "qfx/Runtime/Quantize.h"

using namespace qfx;
using namespace qfx::exec;

namespace {

class FloatQParamsKernel : public Kernel {
public:
  FloatQParamsKernel(bool quantize, int input, int output,
                     FloatQParamsSpec spec)
      : quantize_(quantize), input_(input), output_(output),
        spec_(std::move(spec)) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.shape != out.shape)
      return Status::error("float-qparams quantization changes the shape");
    ElemType real = quantize_ ? in.type : out.type;
    ElemType storage = quantize_ ? out.type : in.type;
    if (real != ElemType::F32 || storage != ElemType::U8)
      return Status::error("float-qparams quantization converts float32 to "
                           "uint8 storage");
    if (Status s = rt::splitAroundAxis(in.shape, spec_.axis, outer_, channels_,
                                       inner_);
        s.failed())
      return s;
    if (static_cast<int64_t>(spec_.scales.size()) != channels_ ||
        static_cast<int64_t>(spec_.zeroPoints.size()) != channels_)
      return Status::error(
          "float qparams have " + std::to_string(spec_.scales.size()) +
          " entries for " + std::to_string(channels_) + " channels");
    x_ = in.data;
    y_ = out.data;
    return Status::success();
  }

  Status run() override {
    for (int64_t o = 0; o < outer_; ++o)
      for (int64_t c = 0; c < channels_; ++c) {
        const int64_t base = (o * channels_ + c) * inner_;
        const float s = spec_.scales[c], zp = spec_.zeroPoints[c];
        if (quantize_) {
          const float *x = static_cast<const float *>(x_) + base;
          uint8_t *q = static_cast<uint8_t *>(y_) + base;
          for (int64_t i = 0; i < inner_; ++i)
            q[i] = static_cast<uint8_t>(
                rt::quantizeValueFloatQParams(x[i], s, zp, 0, spec_.qmax));
        } else {
          const uint8_t *q = static_cast<const uint8_t *>(x_) + base;
          float *y = static_cast<float *>(y_) + base;
          for (int64_t i = 0; i < inner_; ++i)
            y[i] = rt::dequantizeValueFloatQParams(q[i], s, zp);
        }
      }
    return Status::success();
  }

private:
  bool quantize_;
  int input_, output_;
  FloatQParamsSpec spec_;
  int64_t outer_ = 1, channels_ = 1, inner_ = 1;
  const void *x_ = nullptr;
  void *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel>
qfx::exec::createFloatQParamsQuantizeKernel(int input, int output,
                                            FloatQParamsSpec spec) {
  return std::make_unique<FloatQParamsKernel>(true, input, output,
                                              std::move(spec));
}

std::unique_ptr<Kernel>
qfx::exec::createFloatQParamsDequantizeKernel(int input, int output,
                                              FloatQParamsSpec spec) {
  return std::make_unique<FloatQParamsKernel>(false, input, output,
                                              std::move(spec));
}
