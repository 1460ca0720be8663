//===- ElementwiseKernels.cpp - Unary and broadcasting binary ops ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace qfx;
using namespace qfx::exec;

namespace {

class UnaryKernel : public Kernel {
public:
  UnaryKernel(UnaryKind kind, int input, int output, double a, double b)
      : kind_(kind), input_(input), output_(output), a_(a), b_(b) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != ElemType::F32 || out.type != ElemType::F32)
      return Status::error("elementwise op needs float32 tensors, got " +
                           std::string(elemTypeName(in.type)));
    if (in.numel() != out.numel())
      return Status::error("elementwise op: input " + shapeToString(in.shape) +
                           " and output " + shapeToString(out.shape) +
                           " differ");
    in_ = static_cast<const float *>(in.data);
    out_ = static_cast<float *>(out.data);
    n_ = in.numel();
    return Status::success();
  }

  Status run() override {
    const float *__restrict x = in_;
    float *__restrict y = out_;
    const int64_t n = n_;
    const float a = static_cast<float>(a_), b = static_cast<float>(b_);
    switch (kind_) {
    case UnaryKind::Copy:
      if (x != y)
        std::memcpy(y, x, n * sizeof(float));
      break;
    case UnaryKind::Relu:
      for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] > 0.0f ? x[i] : (std::isnan(x[i]) ? x[i] : 0.0f);
      break;
    case UnaryKind::Sigmoid:
      for (int64_t i = 0; i < n; ++i)
        y[i] = 1.0f / (1.0f + std::exp(-x[i]));
      break;
    case UnaryKind::Tanh:
      for (int64_t i = 0; i < n; ++i)
        y[i] = std::tanh(x[i]);
      break;
    case UnaryKind::Sqrt:
      for (int64_t i = 0; i < n; ++i)
        y[i] = std::sqrt(x[i]);
      break;
    case UnaryKind::Hardsigmoid:
      for (int64_t i = 0; i < n; ++i)
        y[i] = std::min(std::max(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
      break;
    case UnaryKind::Hardswish:
      for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] * std::min(std::max(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
      break;
    case UnaryKind::Clamp: {
      const bool hasMin = !std::isnan(a_), hasMax = !std::isnan(b_);
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        if (hasMin)
          v = v < a ? a : v;
        if (hasMax)
          v = v > b ? b : v;
        y[i] = v;
      }
      break;
    }
    case UnaryKind::Elu:
      for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] > 0.0f ? x[i] : a * (std::exp(x[i]) - 1.0f);
      break;
    case UnaryKind::LeakyRelu:
      for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] > 0.0f ? x[i] : x[i] * a;
      break;
    case UnaryKind::GeluErf:
      for (int64_t i = 0; i < n; ++i)
        y[i] = x[i] * 0.5f * (1.0f + std::erf(x[i] * float(M_SQRT1_2)));
      break;
    case UnaryKind::GeluTanh: {
      const float k = float(M_SQRT2 * M_2_SQRTPI * 0.5), c = 0.044715f;
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        y[i] = 0.5f * v * (1.0f + std::tanh(k * (v + c * v * v * v)));
      }
      break;
    }
    }
    return Status::success();
  }

private:
  UnaryKind kind_;
  int input_, output_;
  double a_, b_;
  const float *in_ = nullptr;
  float *out_ = nullptr;
  int64_t n_ = 0;
};

template <BinaryKind K> inline float apply(float a, float b) {
  if constexpr (K == BinaryKind::Add)
    return a + b;
  else if constexpr (K == BinaryKind::Sub)
    return a - b;
  else if constexpr (K == BinaryKind::Mul)
    return a * b;
  else
    return a / b;
}

class BinaryKernel : public Kernel {
public:
  BinaryKernel(BinaryKind kind, int lhs, int rhs, int output)
      : kind_(kind), lhs_(lhs), rhs_(rhs), output_(output) {}

  Status prepare(Plan &plan) override {
    const Slot &a = plan.slot(lhs_), &b = plan.slot(rhs_),
               &c = plan.slot(output_);
    if (a.type != ElemType::F32 || b.type != ElemType::F32 ||
        c.type != ElemType::F32)
      return Status::error("binary op needs float32 tensors, got " +
                           std::string(elemTypeName(a.type)) + " and " +
                           elemTypeName(b.type));
    size_t rank = c.shape.size();
    if (rank > 8)
      return Status::error("binary op: rank above 8 is not supported");
    if (a.shape.size() > rank || b.shape.size() > rank)
      return Status::error("binary op: operands of higher rank than result");
    // Broadcast strides over the result shape.
    auto stridesFor = [&](const Shape &s, Shape &st) -> bool {
      st.assign(rank, 0);
      int64_t stride = 1;
      for (size_t i = 0; i < s.size(); ++i) {
        size_t d = s.size() - 1 - i, r = rank - 1 - i;
        if (s[d] == c.shape[r])
          st[r] = s[d] == 1 ? 0 : stride;
        else if (s[d] != 1)
          return false;
        stride *= s[d];
      }
      return true;
    };
    if (!stridesFor(a.shape, aStrides_) || !stridesFor(b.shape, bStrides_))
      return Status::error("binary op: shapes " + shapeToString(a.shape) +
                           " and " + shapeToString(b.shape) +
                           " do not broadcast to " + shapeToString(c.shape));
    shape_ = c.shape;
    a_ = static_cast<const float *>(a.data);
    b_ = static_cast<const float *>(b.data);
    c_ = static_cast<float *>(c.data);
    n_ = c.numel();
    aFull_ = a.numel() == n_;
    bFull_ = b.numel() == n_;
    aScalar_ = a.numel() == 1;
    bScalar_ = b.numel() == 1;
    return Status::success();
  }

  Status run() override {
    switch (kind_) {
    case BinaryKind::Add:
      return runImpl<BinaryKind::Add>();
    case BinaryKind::Sub:
      return runImpl<BinaryKind::Sub>();
    case BinaryKind::Mul:
      return runImpl<BinaryKind::Mul>();
    case BinaryKind::Div:
      return runImpl<BinaryKind::Div>();
    }
    return Status::success();
  }

private:
  template <BinaryKind K> Status runImpl() {
    const float *__restrict a = a_;
    const float *__restrict b = b_;
    float *__restrict c = c_;
    const int64_t n = n_;
    if (aFull_ && bFull_) {
      for (int64_t i = 0; i < n; ++i)
        c[i] = apply<K>(a[i], b[i]);
      return Status::success();
    }
    if (aFull_ && bScalar_) {
      const float s = b[0];
      for (int64_t i = 0; i < n; ++i)
        c[i] = apply<K>(a[i], s);
      return Status::success();
    }
    if (aScalar_ && bFull_) {
      const float s = a[0];
      for (int64_t i = 0; i < n; ++i)
        c[i] = apply<K>(s, b[i]);
      return Status::success();
    }
    // General broadcasting: walk rows of the innermost dim.
    const size_t rank = shape_.size();
    const int64_t inner = rank ? shape_[rank - 1] : 1;
    const int64_t as = rank ? aStrides_[rank - 1] : 0;
    const int64_t bs = rank ? bStrides_[rank - 1] : 0;
    int64_t idx[8] = {0};
    int64_t aOff = 0, bOff = 0;
    for (int64_t row = 0; row < n / std::max<int64_t>(inner, 1); ++row) {
      float *out = c + row * inner;
      const float *pa = a + aOff, *pb = b + bOff;
      if (as == 1 && bs == 1)
        for (int64_t i = 0; i < inner; ++i)
          out[i] = apply<K>(pa[i], pb[i]);
      else if (as == 1 && bs == 0)
        for (int64_t i = 0; i < inner; ++i)
          out[i] = apply<K>(pa[i], pb[0]);
      else if (as == 0 && bs == 1)
        for (int64_t i = 0; i < inner; ++i)
          out[i] = apply<K>(pa[0], pb[i]);
      else
        for (int64_t i = 0; i < inner; ++i)
          out[i] = apply<K>(pa[i * as], pb[i * bs]);
      // Advance the outer index (dims rank-2 .. 0).
      for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
        aOff += aStrides_[d];
        bOff += bStrides_[d];
        if (++idx[d] < shape_[d])
          break;
        aOff -= aStrides_[d] * shape_[d];
        bOff -= bStrides_[d] * shape_[d];
        idx[d] = 0;
      }
    }
    return Status::success();
  }

  BinaryKind kind_;
  int lhs_, rhs_, output_;
  Shape shape_, aStrides_, bStrides_;
  const float *a_ = nullptr, *b_ = nullptr;
  float *c_ = nullptr;
  int64_t n_ = 0;
  bool aFull_ = false, bFull_ = false, aScalar_ = false, bScalar_ = false;
};

} // namespace

std::unique_ptr<Kernel> qfx::exec::createUnaryKernel(UnaryKind kind, int input,
                                                     int output, double a,
                                                     double b) {
  return std::make_unique<UnaryKernel>(kind, input, output, a, b);
}

std::unique_ptr<Kernel> qfx::exec::createBinaryKernel(BinaryKind kind, int lhs,
                                                      int rhs, int output) {
  return std::make_unique<BinaryKernel>(kind, lhs, rhs, output);
}
