//===- NormKernels.cpp - Normalization and softmax kernels ----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace qfx;
using namespace qfx::exec;

namespace {

const float *optData(Plan &plan, int id) {
  return id >= 0 ? plan.data<float>(id) : nullptr;
}

Status checkFloat(Plan &plan, std::initializer_list<int> ids,
                  const char *what) {
  for (int id : ids)
    if (id >= 0 && plan.slot(id).type != ElemType::F32)
      return Status::error(std::string(what) + " needs float32 tensors, got " +
                           elemTypeName(plan.slot(id).type));
  return Status::success();
}

/// Mean and biased variance of n floats, accumulated in double.
void moments(const float *x, int64_t n, int64_t stride, double &mean,
             double &var) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i)
    s += x[i * stride];
  mean = s / n;
  double v = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double d = x[i * stride] - mean;
    v += d * d;
  }
  var = v / n;
}

/// Normalises `groups` contiguous chunks of each of `outer` rows, then
/// applies a per-channel (group norm) or per-element (layer norm) affine.
class ChunkNormKernel : public Kernel {
public:
  ChunkNormKernel(int input, int weight, int bias, int output, int64_t dims,
                  int64_t groups, double eps, bool layer)
      : input_(input), weight_(weight), bias_(bias), output_(output),
        dims_(dims), groups_(groups), eps_(eps), layer_(layer) {}

  Status prepare(Plan &plan) override {
    const char *what = layer_ ? "layer_norm" : "group_norm";
    if (Status s = checkFloat(plan, {input_, weight_, bias_, output_}, what);
        s.failed())
      return s;
    const Shape &s = plan.slot(input_).shape;
    int64_t total = rt::numElements(s);
    if (layer_) {
      if (dims_ < 0 || dims_ > static_cast<int64_t>(s.size()))
        return Status::error("layer_norm: bad normalized_shape");
      chunk_ = 1;
      for (size_t i = s.size() - dims_; i < s.size(); ++i)
        chunk_ *= s[i];
      chunks_ = chunk_ ? total / chunk_ : 0;
      affineLen_ = chunk_;
    } else {
      if (s.size() < 2 || groups_ <= 0 || s[1] % groups_ != 0)
        return Status::error("group_norm: channels not divisible by groups");
      channels_ = s[1];
      inner_ = total / (s[0] * s[1]);
      chunk_ = channels_ / groups_ * inner_;
      chunks_ = s[0] * groups_;
      affineLen_ = channels_;
    }
    for (int id : {weight_, bias_})
      if (id >= 0 && plan.slot(id).numel() != affineLen_)
        return Status::error(std::string(what) +
                             ": weight/bias of the wrong size " +
                             shapeToString(plan.slot(id).shape));
    x_ = plan.data<float>(input_);
    y_ = plan.data<float>(output_);
    w_ = optData(plan, weight_);
    b_ = optData(plan, bias_);
    return Status::success();
  }

  Status run() override {
    for (int64_t k = 0; k < chunks_; ++k) {
      const float *x = x_ + k * chunk_;
      float *y = y_ + k * chunk_;
      double mean, var;
      moments(x, chunk_, 1, mean, var);
      const float m = static_cast<float>(mean);
      const float rstd = static_cast<float>(1.0 / std::sqrt(var + eps_));
      if (layer_) {
        for (int64_t i = 0; i < chunk_; ++i) {
          float v = (x[i] - m) * rstd;
          y[i] = v * (w_ ? w_[i] : 1.0f) + (b_ ? b_[i] : 0.0f);
        }
      } else {
        int64_t c0 = (k % groups_) * (channels_ / groups_);
        for (int64_t c = 0; c < channels_ / groups_; ++c) {
          float w = w_ ? w_[c0 + c] : 1.0f, b = b_ ? b_[c0 + c] : 0.0f;
          const float *xc = x + c * inner_;
          float *yc = y + c * inner_;
          for (int64_t i = 0; i < inner_; ++i)
            yc[i] = (xc[i] - m) * rstd * w + b;
        }
      }
    }
    return Status::success();
  }

private:
  int input_, weight_, bias_, output_;
  int64_t dims_, groups_;
  double eps_;
  bool layer_;
  int64_t chunk_ = 0, chunks_ = 0, channels_ = 0, inner_ = 0, affineLen_ = 0;
  const float *x_ = nullptr, *w_ = nullptr, *b_ = nullptr;
  float *y_ = nullptr;
};

class SoftmaxKernel : public Kernel {
public:
  SoftmaxKernel(int input, int output, int64_t dim)
      : input_(input), output_(output), dim_(dim) {}

  Status prepare(Plan &plan) override {
    if (Status s = checkFloat(plan, {input_, output_}, "softmax"); s.failed())
      return s;
    const Shape &s = plan.slot(input_).shape;
    int64_t rank = static_cast<int64_t>(s.size());
    int64_t d = dim_ < 0 ? dim_ + std::max<int64_t>(rank, 1) : dim_;
    if (rank == 0) {
      outer_ = inner_ = len_ = 1;
    } else {
      if (d < 0 || d >= rank)
        return Status::error("softmax: dim out of range");
      outer_ = inner_ = 1;
      for (int64_t i = 0; i < d; ++i)
        outer_ *= s[i];
      for (int64_t i = d + 1; i < rank; ++i)
        inner_ *= s[i];
      len_ = s[d];
    }
    x_ = plan.data<float>(input_);
    y_ = plan.data<float>(output_);
    return Status::success();
  }

  Status run() override {
    for (int64_t o = 0; o < outer_; ++o)
      for (int64_t i = 0; i < inner_; ++i) {
        const float *x = x_ + o * len_ * inner_ + i;
        float *y = y_ + o * len_ * inner_ + i;
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t k = 0; k < len_; ++k)
          mx = std::max(mx, x[k * inner_]);
        float sum = 0.0f;
        for (int64_t k = 0; k < len_; ++k) {
          float e = std::exp(x[k * inner_] - mx);
          y[k * inner_] = e;
          sum += e;
        }
        const float inv = 1.0f / sum;
        for (int64_t k = 0; k < len_; ++k)
          y[k * inner_] *= inv;
      }
    return Status::success();
  }

private:
  int input_, output_;
  int64_t dim_;
  int64_t outer_ = 1, inner_ = 1, len_ = 1;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel> qfx::exec::createLayerNormKernel(int input, int weight,
                                                         int bias, int output,
                                                         int64_t normalizedDims,
                                                         double eps) {
  return std::make_unique<ChunkNormKernel>(input, weight, bias, output,
                                           normalizedDims, 1, eps, true);
}

std::unique_ptr<Kernel> qfx::exec::createGroupNormKernel(int input, int weight,
                                                         int bias, int output,
                                                         int64_t numGroups,
                                                         double eps) {
  return std::make_unique<ChunkNormKernel>(input, weight, bias, output, 0,
                                           numGroups, eps, false);
}

std::unique_ptr<Kernel> qfx::exec::createSoftmaxKernel(int input, int output,
                                                       int64_t dim) {
  return std::make_unique<SoftmaxKernel>(input, output, dim);
}
