//===- XnnpackConv.cpp - XNNPACK qc8 convolution --------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// XNNPACK's qc8 operators take signed 8-bit activations, per-channel int8
// weights and an int32 bias, widen products to 16 bits and accumulate in 32
// (exact), and requantize in fp32 (Requant::Fp32). qfx's uint8 activations
// are shifted by 128 on the way in and out (x - zp is unchanged).
//
//===----------------------------------------------------------------------===//

#include "KernelsImpl.h"

#include "xnnpack.h"

#include <mutex>

using namespace qfx::kern;

namespace {

bool initXnnpack() {
  static bool ok = xnn_initialize(nullptr) == xnn_status_success;
  return ok;
}

class XnnpackConv : public ConvKernel {
public:
  explicit XnnpackConv(ConvDesc d) : ConvKernel(std::move(d), Impl::XnnpackQC8) {}
  ~XnnpackConv() override {
    if (op_)
      xnn_delete_operator(op_);
  }

  std::string init() {
    const ConvDesc &d = desc_;
    const int64_t g = d.groups, icg = d.c / g, ocg = d.oc / g;
    // OIHW -> [g][ocg][kh][kw][icg].
    std::vector<int8_t> w(d.weight.size());
    for (int64_t o = 0; o < d.oc; ++o)
      for (int64_t i = 0; i < icg; ++i)
        for (int64_t y = 0; y < d.kh; ++y)
          for (int64_t x = 0; x < d.kw; ++x)
            w[((o * d.kh + y) * d.kw + x) * icg + i] =
                d.weight[((o * icg + i) * d.kh + y) * d.kw + x];
    std::vector<int32_t> bias =
        d.biasI.empty() ? std::vector<int32_t>(d.oc, 0) : d.biasI;
    const int32_t lo = d.outLo(), hi = d.outHi();
    xnn_status st = xnn_create_convolution2d_nhwc_qc8(
        d.padT, d.padR, d.padB, d.padL, d.kh, d.kw, d.strideH, d.strideW,
        d.dilH, d.dilW, g, icg, ocg, d.c, d.oc,
        static_cast<int8_t>(d.in.zeroPoint - 128), d.in.scale, d.wScales.data(),
        w.data(), bias.data(), static_cast<int8_t>(d.out.zeroPoint - 128),
        d.out.scale, static_cast<int8_t>(lo - 128),
        static_cast<int8_t>(hi - 128), 0, &op_);
    if (st != xnn_status_success)
      return "xnn_create_convolution2d_nhwc_qc8 failed (status " +
             std::to_string(st) + ")";
    in_.resize(d.n * d.h * d.w * d.c);
    out_.resize(d.n * d.oh() * d.ow() * d.oc);
    st = xnn_setup_convolution2d_nhwc_qc8(op_, d.n, d.h, d.w, in_.data(),
                                          out_.data(), nullptr);
    if (st != xnn_status_success)
      return "xnn_setup_convolution2d_nhwc_qc8 failed";
    return "";
  }

  void run(const uint8_t *in, uint8_t *out) override {
    const size_t ni = in_.size(), no = out_.size();
    for (size_t i = 0; i < ni; ++i)
      in_[i] = static_cast<int8_t>(in[i] ^ 0x80);
    xnn_run_operator(op_, nullptr);
    for (size_t i = 0; i < no; ++i)
      out[i] = static_cast<uint8_t>(out_[i]) ^ 0x80;
  }

private:
  xnn_operator_t op_ = nullptr;
  std::vector<int8_t> in_, out_;
};

} // namespace

std::unique_ptr<ConvKernel> qfx::kern::createXnnpackConv(ConvDesc d,
                                                         std::string &error) {
  if (d.requant != Requant::Fp32) {
    error = "XNNPACK requantizes in fp32 with an int32 bias";
    return nullptr;
  }
  if (!initXnnpack()) {
    error = "xnn_initialize failed";
    return nullptr;
  }
  auto k = std::make_unique<XnnpackConv>(std::move(d));
  error = k->init();
  if (!error.empty())
    return nullptr;
  return k;
}
