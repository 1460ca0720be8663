//===- QuantizedNorms.cpp - Plan kernels of qfxk batch / layer norm -------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/QuantizedOps.h"

using namespace qfx;
using namespace qfx::exec;
using namespace qfx::kern;

namespace {

/// Sizes come from the slot at prepare; the kernel reports the
/// implementation its last run took.
class QBatchNormOp : public Kernel {
public:
  QBatchNormOp(int in, int out, BatchNormDesc d, int64_t channelDim)
      : in_(in), out_(out), d_(std::move(d)), dim_(channelDim) {}
  Status prepare(Plan &plan) override {
    const Slot &si = plan.slot(in_), &so = plan.slot(out_);
    const int64_t rank = static_cast<int64_t>(si.shape.size());
    if (si.type != ElemType::U8 || so.type != ElemType::U8 ||
        si.numel() != so.numel() || dim_ < 1 || dim_ >= rank)
      return Status::error("batch_norm slots do not match its channel dim");
    d_.outer = d_.inner = 1;
    for (int64_t i = 0; i < dim_; ++i)
      d_.outer *= si.shape[i];
    for (int64_t i = dim_ + 1; i < rank; ++i)
      d_.inner *= si.shape[i];
    d_.c = si.shape[dim_];
    if (std::string err = d_.validate(); !err.empty())
      return Status::error("batch_norm: " + err);
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    impl_ = qbatchNorm(d_, x_, y_);
    return Status::success();
  }
  std::string implName() const override { return kern::implName(impl_); }

private:
  int in_, out_;
  BatchNormDesc d_;
  int64_t dim_;
  Impl impl_ = Impl::Reference;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

class QLayerNormOp : public Kernel {
public:
  QLayerNormOp(int in, int out, LayerNormDesc d, int64_t dims)
      : in_(in), out_(out), d_(std::move(d)), dims_(dims) {}
  Status prepare(Plan &plan) override {
    const Slot &si = plan.slot(in_), &so = plan.slot(out_);
    const int64_t rank = static_cast<int64_t>(si.shape.size());
    if (si.type != ElemType::U8 || so.type != ElemType::U8 ||
        si.numel() != so.numel() || dims_ < 1 || dims_ > rank)
      return Status::error("layer_norm slots do not match normalized_dims");
    d_.n = 1;
    for (int64_t i = rank - dims_; i < rank; ++i)
      d_.n *= si.shape[i];
    d_.rows = d_.n ? si.numel() / d_.n : 0;
    if (std::string err = d_.validate(); !err.empty())
      return Status::error("layer_norm: " + err);
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    impl_ = qlayerNorm(d_, x_, y_);
    return Status::success();
  }
  std::string implName() const override { return kern::implName(impl_); }

private:
  int in_, out_;
  LayerNormDesc d_;
  int64_t dims_;
  Impl impl_ = Impl::Reference;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel> exec::createQBatchNormKernel(int input, int output,
                                                     kern::BatchNormDesc desc,
                                                     int64_t channelDim) {
  return std::make_unique<QBatchNormOp>(input, output, std::move(desc),
                                        channelDim);
}

std::unique_ptr<Kernel> exec::createQLayerNormKernel(int input, int output,
                                                     kern::LayerNormDesc desc,
                                                     int64_t normalizedDims) {
  return std::make_unique<QLayerNormOp>(input, output, std::move(desc),
                                        normalizedDims);
}
