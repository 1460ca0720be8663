//===- QuantizedOps.cpp - Plan kernels of qfxk ops ------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/QuantizedOps.h"

#include "ConvKernelOp.h"

using namespace qfx;
using namespace qfx::exec;
using namespace qfx::kern;

namespace {

Status expectU8(const Plan &plan, int slot, size_t rank, const char *what) {
  const Slot &s = plan.slot(slot);
  if (s.type != ElemType::U8 || (rank && s.shape.size() != rank))
    return Status::error(std::string(what) + " must be a rank-" +
                         std::to_string(rank) + " uint8 tensor, got " +
                         elemTypeName(s.type) + " " + shapeToString(s.shape));
  return Status::success();
}

class QConvOp : public ConvKernelOp {
public:
  QConvOp(int in, int out, ConvDesc d, ImplChoice c, bool int8In, bool int8Out)
      : ConvKernelOp(in, out, int8In, int8Out), desc_(std::move(d)),
        choice_(c) {}

private:
  Status checkSlots(const Plan &plan) const override {
    int64_t outNumel = desc_.n * desc_.oh() * desc_.ow() * desc_.oc;
    if (plan.slot(in_).numel() != desc_.n * desc_.h * desc_.w * desc_.c ||
        plan.slot(out_).numel() != outNumel)
      return Status::error("convolution slots do not match its shapes");
    return Status::success();
  }
  std::unique_ptr<ConvKernel> createKernel(std::string &err) override {
    return ConvKernel::create(std::move(desc_), choice_, err);
  }
  const char *what() const override { return "convolution"; }

  ConvDesc desc_;
  ImplChoice choice_;
};

class QAddOp : public Kernel {
public:
  QAddOp(int l, int r, int o, QParams pl, QParams pr, QParams po, bool relu,
         bool mul = false)
      : l_(l), r_(r), o_(o), pl_(pl), pr_(pr), po_(po), relu_(relu), mul_(mul) {
  }
  Status prepare(Plan &plan) override {
    n_ = plan.slot(o_).numel();
    if (plan.slot(l_).numel() != n_ || plan.slot(r_).numel() != n_)
      return Status::error(std::string(mul_ ? "mul" : "add") +
                           " operands differ in size");
    return Status::success();
  }
  Status run() override { return Status::success(); }
  std::string implName() const override {
    return mul_ ? "reference:mul" : "reference:add";
  }

  int l_, r_, o_;
  QParams pl_, pr_, po_;
  bool relu_, mul_;
  int64_t n_ = 0;
};

class QAddKernel : public QAddOp {
public:
  using QAddOp::QAddOp;
  Status prepare(Plan &plan) override {
    if (Status s = QAddOp::prepare(plan); s.failed())
      return s;
    a_ = plan.data<uint8_t>(l_);
    b_ = plan.data<uint8_t>(r_);
    y_ = plan.data<uint8_t>(o_);
    return Status::success();
  }
  Status run() override {
    (mul_ ? qmulFast : qaddFast)(a_, pl_, b_, pr_, y_, po_, relu_, n_);
    return Status::success();
  }
  std::string implName() const override {
    if (!cpuHasAvx2())
      return QAddOp::implName();
    return mul_ ? "qfx:mul-avx2" : "qfx:add-avx2";
  }

private:
  const uint8_t *a_ = nullptr, *b_ = nullptr;
  uint8_t *y_ = nullptr;
};

class QPoolOp : public Kernel {
public:
  QPoolOp(QPoolKind k, int in, int out, PoolDesc d, QParams pi, QParams po)
      : kind_(k), in_(in), out_(out), d_(d), pi_(pi), po_(po) {}
  Status prepare(Plan &plan) override {
    if (Status s = expectU8(plan, in_, 4, "pooling input"); s.failed())
      return s;
    if (Status s = expectU8(plan, out_, 4, "pooling output"); s.failed())
      return s;
    const Shape &i = plan.slot(in_).shape, &o = plan.slot(out_).shape;
    d_.n = i[0], d_.h = i[1], d_.w = i[2], d_.c = i[3];
    d_.oh = o[1], d_.ow = o[2];
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    switch (kind_) {
    case QPoolKind::Max:
      qmaxPoolFast(d_, x_, y_);
      break;
    case QPoolKind::Avg:
      qavgPool(d_, x_, pi_, y_, po_);
      break;
    case QPoolKind::AdaptiveAvg:
      qadaptiveAvgPool(d_, x_, pi_, y_, po_);
      break;
    }
    return Status::success();
  }
  std::string implName() const override {
    if (kind_ == QPoolKind::Max && cpuHasAvx2())
      return "qfx:maxpool-avx2";
    return "reference:pool";
  }

private:
  QPoolKind kind_;
  int in_, out_;
  PoolDesc d_;
  QParams pi_, po_;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

class QUnaryOp : public Kernel {
public:
  QUnaryOp(int in, int out, UnaryFn fn, QParams pi, QParams po)
      : in_(in), out_(out), lut_(buildLut(fn, pi, po)) {}
  Status prepare(Plan &plan) override {
    n_ = plan.slot(out_).numel();
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    applyLut(lut_.data(), x_, y_, n_);
    return Status::success();
  }
  std::string implName() const override { return "lut"; }

private:
  int in_, out_;
  std::vector<uint8_t> lut_;
  int64_t n_ = 0;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

class QClampOp : public Kernel {
public:
  QClampOp(int in, int out, int32_t lo, int32_t hi)
      : in_(in), out_(out), lo_(lo), hi_(hi) {}
  Status prepare(Plan &plan) override {
    n_ = plan.slot(out_).numel();
    if (plan.slot(in_).numel() != n_)
      return Status::error("clamp input and output differ in size");
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    qclamp(x_, y_, lo_, hi_, n_);
    return Status::success();
  }
  std::string implName() const override { return "reference:clamp"; }

private:
  int in_, out_;
  int32_t lo_, hi_;
  int64_t n_ = 0;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

class QSoftmaxOp : public Kernel {
public:
  QSoftmaxOp(int in, int out, int64_t dim, QParams pi, QParams po)
      : in_(in), out_(out), dim_(dim), pi_(pi), po_(po) {}
  Status prepare(Plan &plan) override {
    const Shape &s = plan.slot(in_).shape;
    if (dim_ < 0 || dim_ >= static_cast<int64_t>(s.size()) ||
        plan.slot(out_).numel() != plan.slot(in_).numel())
      return Status::error("softmax dim or sizes do not match its input");
    outer_ = inner_ = 1;
    for (int64_t i = 0; i < dim_; ++i)
      outer_ *= s[i];
    for (size_t i = dim_ + 1; i < s.size(); ++i)
      inner_ *= s[i];
    n_ = s[dim_];
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    qsoftmax(x_, pi_, y_, po_, outer_, n_, inner_);
    return Status::success();
  }
  std::string implName() const override { return "reference:softmax"; }

private:
  int in_, out_;
  int64_t dim_, outer_ = 1, n_ = 1, inner_ = 1;
  QParams pi_, po_;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

class QCatOp : public Kernel {
public:
  QCatOp(std::vector<int> ins, int out, int64_t dim, std::vector<QParams> pis,
         QParams po)
      : ins_(std::move(ins)), out_(out), dim_(dim), pis_(std::move(pis)),
        po_(po) {}
  Status prepare(Plan &plan) override {
    const Shape &o = plan.slot(out_).shape;
    outer_ = 1;
    for (int64_t i = 0; i < dim_; ++i)
      outer_ *= o[i];
    inner_.clear();
    ptrs_.clear();
    for (int s : ins_) {
      inner_.push_back(plan.slot(s).numel() / outer_);
      ptrs_.push_back(plan.data<uint8_t>(s));
    }
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    qcat(ptrs_, pis_, inner_, outer_, y_, po_);
    return Status::success();
  }
  std::string implName() const override { return "reference:cat"; }

private:
  std::vector<int> ins_;
  int out_;
  int64_t dim_, outer_ = 1;
  std::vector<QParams> pis_;
  QParams po_;
  std::vector<int64_t> inner_;
  std::vector<const uint8_t *> ptrs_;
  uint8_t *y_ = nullptr;
};

class LayoutOp : public Kernel {
public:
  LayoutOp(int in, int out, bool toNhwc) : in_(in), out_(out), toNhwc_(toNhwc) {}
  Status prepare(Plan &plan) override {
    if (Status s = expectU8(plan, in_, 4, "layout input"); s.failed())
      return s;
    const Shape &i = plan.slot(in_).shape;
    n_ = i[0];
    c_ = toNhwc_ ? i[1] : i[3];
    hw_ = toNhwc_ ? i[2] * i[3] : i[1] * i[2];
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    return Status::success();
  }
  Status run() override {
    if (toNhwc_)
      rgbAvx2_ = nchwToNhwcFast(x_, y_, n_, c_, hw_);
    else
      nhwcToNchw(x_, y_, n_, c_, hw_);
    return Status::success();
  }
  std::string implName() const override {
    return rgbAvx2_ ? "qfx:layout-rgb-avx2" : "";
  }

private:
  int in_, out_;
  bool toNhwc_;
  int64_t n_ = 0, c_ = 0, hw_ = 0;
  /// Whether the last run took the AVX2 RGB path (what the profile names).
  bool rgbAvx2_ = false;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel> exec::createQConvKernel(int input, int output,
                                                ConvDesc desc,
                                                ImplChoice choice, bool int8In,
                                                bool int8Out) {
  return std::make_unique<QConvOp>(input, output, std::move(desc), choice,
                                   int8In, int8Out);
}
std::unique_ptr<Kernel> exec::createQAddKernel(int lhs, int rhs, int output,
                                               QParams pl, QParams pr,
                                               QParams po, bool relu) {
  return std::make_unique<QAddKernel>(lhs, rhs, output, pl, pr, po, relu);
}
std::unique_ptr<Kernel> exec::createQMulKernel(int lhs, int rhs, int output,
                                               QParams pl, QParams pr,
                                               QParams po, bool relu) {
  return std::make_unique<QAddKernel>(lhs, rhs, output, pl, pr, po, relu,
                                      /*mul=*/true);
}
std::unique_ptr<Kernel> exec::createQClampKernel(int input, int output,
                                                 int32_t lo, int32_t hi) {
  return std::make_unique<QClampOp>(input, output, lo, hi);
}
std::unique_ptr<Kernel> exec::createQSoftmaxKernel(int input, int output,
                                                   int64_t dim, QParams pi,
                                                   QParams po) {
  return std::make_unique<QSoftmaxOp>(input, output, dim, pi, po);
}
std::unique_ptr<Kernel> exec::createQPoolKernel(QPoolKind kind, int input,
                                                int output, PoolDesc desc,
                                                QParams pi, QParams po) {
  return std::make_unique<QPoolOp>(kind, input, output, desc, pi, po);
}
std::unique_ptr<Kernel> exec::createQUnaryKernel(int input, int output,
                                                 UnaryFn fn, QParams pi,
                                                 QParams po) {
  return std::make_unique<QUnaryOp>(input, output, fn, pi, po);
}
std::unique_ptr<Kernel> exec::createQCatKernel(std::vector<int> inputs,
                                               int output, int64_t dim,
                                               std::vector<QParams> pis,
                                               QParams po) {
  return std::make_unique<QCatOp>(std::move(inputs), output, dim,
                                  std::move(pis), po);
}
std::unique_ptr<Kernel> exec::createLayoutKernel(int input, int output,
                                                 bool toNhwc) {
  return std::make_unique<LayoutOp>(input, output, toNhwc);
}
