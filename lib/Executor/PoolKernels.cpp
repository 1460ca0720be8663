//===- PoolKernels.cpp - Pooling, mean and interpolation ------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// 1-3 spatial dims are handled as 3-d with leading unit dims; the window
// arithmetic follows ATen's CPU kernels (ceil_mode windows clipped to the
// padded input, count_include_pad and divisor_override as in avg_pool2d).
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"
#include "qfx/Runtime/TorchMath.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace qfx;
using namespace qfx::exec;

namespace {

struct Geometry {
  int64_t planes = 1;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  int64_t k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, p[3] = {0, 0, 0},
          d[3] = {1, 1, 1};
};

Status makeGeometry(const Plan &plan, const PoolParams &pp, bool hasWindow,
                    Geometry &g, const char *what) {
  const Slot &in = plan.slot(pp.input), &out = plan.slot(pp.output);
  if (in.type != ElemType::F32 || out.type != ElemType::F32)
    return Status::error(std::string(what) + " needs float32 tensors");
  size_t nsp = hasWindow ? pp.kernel.size() : 0;
  if (!hasWindow) {
    if (in.shape.size() < 2 || in.shape.size() > 5)
      return Status::error(std::string(what) + ": unsupported rank");
    nsp = in.shape.size() - 2;
    // adaptive pools also accept unbatched (C, spatial...) inputs
    if (nsp == 0)
      return Status::error(std::string(what) + ": no spatial dims");
  }
  if (nsp < 1 || nsp > 3 || in.shape.size() < nsp + 1 ||
      out.shape.size() != in.shape.size())
    return Status::error(std::string(what) + ": input " +
                         shapeToString(in.shape) + " does not fit " +
                         std::to_string(nsp) + " spatial dims");
  size_t lead = in.shape.size() - nsp;
  for (size_t i = 0; i < lead; ++i) {
    if (in.shape[i] != out.shape[i])
      return Status::error(std::string(what) + ": batch/channel dims differ");
    g.planes *= in.shape[i];
  }
  for (size_t i = 0; i < nsp; ++i) {
    size_t j = 3 - nsp + i;
    g.in[j] = in.shape[lead + i];
    g.out[j] = out.shape[lead + i];
    if (hasWindow) {
      g.k[j] = pp.kernel[i];
      g.s[j] = i < pp.stride.size() ? pp.stride[i] : pp.kernel[i];
      g.p[j] = i < pp.padding.size() ? pp.padding[i] : 0;
      g.d[j] = i < pp.dilation.size() ? pp.dilation[i] : 1;
      if (g.s[j] <= 0 || g.k[j] <= 0)
        return Status::error(std::string(what) + ": bad kernel or stride");
    }
  }
  return Status::success();
}

class MaxPoolKernel : public Kernel {
public:
  explicit MaxPoolKernel(PoolParams p) : p_(std::move(p)) {}
  Status prepare(Plan &plan) override {
    if (Status s = makeGeometry(plan, p_, true, g_, "max_pool"); s.failed())
      return s;
    x_ = plan.data<float>(p_.input);
    y_ = plan.data<float>(p_.output);
    return Status::success();
  }
  Status run() override {
    const Geometry &g = g_;
    const int64_t inPlane = g.in[0] * g.in[1] * g.in[2];
    const int64_t outPlane = g.out[0] * g.out[1] * g.out[2];
    // Output columns whose whole window lies inside the row: no bounds
    // checks there (same tap order, kd, kh, kw, as everywhere else).
    const int64_t owLo = std::min(g.out[2], (g.p[2] + g.s[2] - 1) / g.s[2]);
    const int64_t lastTap = (g.k[2] - 1) * g.d[2];
    const int64_t owHi =
        g.in[2] - 1 - lastTap + g.p[2] < 0
            ? owLo
            : std::max(owLo,
                       std::min(g.out[2],
                                (g.in[2] - 1 - lastTap + g.p[2]) / g.s[2] + 1));
    std::vector<const float *> rows;
    for (int64_t pl = 0; pl < g.planes; ++pl) {
      const float *x = x_ + pl * inPlane;
      float *y = y_ + pl * outPlane;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh) {
          rows.clear();
          for (int64_t kd = 0; kd < g.k[0]; ++kd) {
            int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
            if (id < 0 || id >= g.in[0])
              continue;
            for (int64_t kh = 0; kh < g.k[1]; ++kh) {
              int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
              if (ih >= 0 && ih < g.in[1])
                rows.push_back(x + (id * g.in[1] + ih) * g.in[2]);
            }
          }
          float *yRow = y + (od * g.out[1] + oh) * g.out[2];
          for (int64_t ow = owLo; ow < owHi; ++ow) {
            // Branch-free: ties keep the earlier tap, and a NaN wins as in
            // ATen (`val > max || isnan(val)`), the last one seen.
            float m = -std::numeric_limits<float>::infinity();
            float nan = 0.0f;
            bool anyNan = false;
            const int64_t w0 = ow * g.s[2] - g.p[2];
            for (const float *row : rows)
              for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                const float v = row[w0 + kw * g.d[2]];
                m = v > m ? v : m;
                const bool isNan = v != v;
                nan = isNan ? v : nan;
                anyNan |= isNan;
              }
            yRow[ow] = anyNan ? nan : m;
          }
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            if (ow == owLo)
              ow = owHi;
            if (ow >= g.out[2])
              break;
            float m = -std::numeric_limits<float>::infinity();
            int64_t d0 = od * g.s[0] - g.p[0], h0 = oh * g.s[1] - g.p[1],
                    w0 = ow * g.s[2] - g.p[2];
            for (int64_t kd = 0; kd < g.k[0]; ++kd) {
              int64_t id = d0 + kd * g.d[0];
              if (id < 0 || id >= g.in[0])
                continue;
              for (int64_t kh = 0; kh < g.k[1]; ++kh) {
                int64_t ih = h0 + kh * g.d[1];
                if (ih < 0 || ih >= g.in[1])
                  continue;
                const float *row = x + (id * g.in[1] + ih) * g.in[2];
                for (int64_t kw = 0; kw < g.k[2]; ++kw) {
                  int64_t iw = w0 + kw * g.d[2];
                  if (iw < 0 || iw >= g.in[2])
                    continue;
                  float v = row[iw];
                  if (v > m || std::isnan(v))
                    m = v;
                }
              }
            }
            yRow[ow] = m;
          }
        }
    }
    return Status::success();
  }

private:
  PoolParams p_;
  Geometry g_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

class AvgPoolKernel : public Kernel {
public:
  explicit AvgPoolKernel(PoolParams p) : p_(std::move(p)) {}
  Status prepare(Plan &plan) override {
    if (Status s = makeGeometry(plan, p_, true, g_, "avg_pool"); s.failed())
      return s;
    x_ = plan.data<float>(p_.input);
    y_ = plan.data<float>(p_.output);
    return Status::success();
  }
  Status run() override {
    const Geometry &g = g_;
    const int64_t inPlane = g.in[0] * g.in[1] * g.in[2];
    const int64_t outPlane = g.out[0] * g.out[1] * g.out[2];
    for (int64_t pl = 0; pl < g.planes; ++pl) {
      const float *x = x_ + pl * inPlane;
      float *y = y_ + pl * outPlane;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            int64_t ds = od * g.s[0] - g.p[0], hs = oh * g.s[1] - g.p[1],
                    ws = ow * g.s[2] - g.p[2];
            int64_t de = std::min(ds + g.k[0], g.in[0] + g.p[0]);
            int64_t he = std::min(hs + g.k[1], g.in[1] + g.p[1]);
            int64_t we = std::min(ws + g.k[2], g.in[2] + g.p[2]);
            int64_t poolSize = (de - ds) * (he - hs) * (we - ws);
            ds = std::max<int64_t>(ds, 0);
            hs = std::max<int64_t>(hs, 0);
            ws = std::max<int64_t>(ws, 0);
            de = std::min(de, g.in[0]);
            he = std::min(he, g.in[1]);
            we = std::min(we, g.in[2]);
            float &out = y[(od * g.out[1] + oh) * g.out[2] + ow];
            if (ds >= de || hs >= he || ws >= we) {
              out = 0.0f;
              continue;
            }
            float sum = 0.0f;
            for (int64_t id = ds; id < de; ++id)
              for (int64_t ih = hs; ih < he; ++ih) {
                const float *row = x + (id * g.in[1] + ih) * g.in[2];
                for (int64_t iw = ws; iw < we; ++iw)
                  sum += row[iw];
              }
            int64_t div = p_.divisorOverride ? *p_.divisorOverride
                          : p_.countIncludePad
                              ? poolSize
                              : (de - ds) * (he - hs) * (we - ws);
            out = sum / static_cast<float>(div);
          }
    }
    return Status::success();
  }

private:
  PoolParams p_;
  Geometry g_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

class AdaptiveAvgPoolKernel : public Kernel {
public:
  AdaptiveAvgPoolKernel(int input, int output) {
    p_.input = input;
    p_.output = output;
  }
  Status prepare(Plan &plan) override {
    if (Status s = makeGeometry(plan, p_, false, g_, "adaptive_avg_pool");
        s.failed())
      return s;
    x_ = plan.data<float>(p_.input);
    y_ = plan.data<float>(p_.output);
    return Status::success();
  }
  Status run() override {
    const Geometry &g = g_;
    const int64_t inPlane = g.in[0] * g.in[1] * g.in[2];
    const int64_t outPlane = g.out[0] * g.out[1] * g.out[2];
    if (g.out[0] == 1 && g.out[1] == 1 && g.out[2] == 1) {
      // PyTorch computes an all-ones output size as input.mean(spatial
      // dims): ATen's cascade sum, then one division.
      for (int64_t pl = 0; pl < g.planes; ++pl)
        y_[pl] = rt::torchSum(x_ + pl * inPlane, inPlane) /
                 static_cast<float>(inPlane);
      return Status::success();
    }
    auto start = [](int64_t a, int64_t b, int64_t c) { return a * c / b; };
    auto end = [](int64_t a, int64_t b, int64_t c) {
      return ((a + 1) * c + b - 1) / b;
    };
    for (int64_t pl = 0; pl < g.planes; ++pl) {
      const float *x = x_ + pl * inPlane;
      float *y = y_ + pl * outPlane;
      for (int64_t od = 0; od < g.out[0]; ++od) {
        int64_t ds = start(od, g.out[0], g.in[0]),
                de = end(od, g.out[0], g.in[0]);
        for (int64_t oh = 0; oh < g.out[1]; ++oh) {
          int64_t hs = start(oh, g.out[1], g.in[1]),
                  he = end(oh, g.out[1], g.in[1]);
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            int64_t ws = start(ow, g.out[2], g.in[2]),
                    we = end(ow, g.out[2], g.in[2]);
            float sum = 0.0f;
            for (int64_t id = ds; id < de; ++id)
              for (int64_t ih = hs; ih < he; ++ih) {
                const float *row = x + (id * g.in[1] + ih) * g.in[2];
                for (int64_t iw = ws; iw < we; ++iw)
                  sum += row[iw];
              }
            y[(od * g.out[1] + oh) * g.out[2] + ow] =
                sum / static_cast<float>((de - ds) * (he - hs) * (we - ws));
          }
        }
      }
    }
    return Status::success();
  }

private:
  PoolParams p_;
  Geometry g_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

class MeanKernel : public Kernel {
public:
  MeanKernel(int input, int output, std::vector<int64_t> dims)
      : input_(input), output_(output), dims_(std::move(dims)) {}
  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != ElemType::F32 || out.type != ElemType::F32)
      return Status::error("mean needs float32 tensors");
    int64_t rank = static_cast<int64_t>(in.shape.size());
    if (rank > 8)
      return Status::error("mean: rank above 8 is not supported");
    std::vector<bool> reduced(rank, dims_.empty());
    for (int64_t d : dims_) {
      int64_t dd = d < 0 ? d + rank : d;
      if (dd < 0 || dd >= rank)
        return Status::error("mean: dim " + std::to_string(d) +
                             " out of range");
      reduced[dd] = true;
    }
    shape_ = in.shape;
    outStrides_.assign(rank, 0);
    int64_t stride = 1, count = 1;
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (reduced[i]) {
        count *= in.shape[i];
        continue;
      }
      outStrides_[i] = stride;
      stride *= in.shape[i];
    }
    if (stride != out.numel())
      return Status::error("mean: output " + shapeToString(out.shape) +
                           " does not match the reduction");
    count_ = count;
    acc_.assign(out.numel(), 0.0);
    x_ = plan.data<float>(input_);
    y_ = plan.data<float>(output_);
    return Status::success();
  }
  Status run() override {
    std::fill(acc_.begin(), acc_.end(), 0.0);
    const int64_t rank = static_cast<int64_t>(shape_.size());
    const int64_t inner = rank ? shape_[rank - 1] : 1;
    const int64_t is = rank ? outStrides_[rank - 1] : 0;
    const int64_t n = rt::numElements(shape_);
    int64_t idx[8] = {0};
    int64_t off = 0;
    for (int64_t row = 0; row * inner < n; ++row) {
      const float *x = x_ + row * inner;
      if (is == 0) {
        double s = 0.0;
        for (int64_t i = 0; i < inner; ++i)
          s += x[i];
        acc_[off] += s;
      } else {
        for (int64_t i = 0; i < inner; ++i)
          acc_[off + i] += x[i];
      }
      for (int64_t d = rank - 2; d >= 0; --d) {
        off += outStrides_[d];
        if (++idx[d] < shape_[d])
          break;
        off -= outStrides_[d] * shape_[d];
        idx[d] = 0;
      }
    }
    for (size_t i = 0; i < acc_.size(); ++i)
      y_[i] = static_cast<float>(acc_[i] / count_);
    return Status::success();
  }

private:
  int input_, output_;
  std::vector<int64_t> dims_;
  Shape shape_, outStrides_;
  int64_t count_ = 1;
  std::vector<double> acc_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

class InterpolateKernel : public Kernel {
public:
  InterpolateKernel(int input, int output, InterpMode mode,
                    std::vector<double> scales, bool alignCorners)
      : input_(input), output_(output), mode_(mode), scales_(std::move(scales)),
        alignCorners_(alignCorners) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != ElemType::F32 || out.type != ElemType::F32)
      return Status::error("interpolate needs float32 tensors");
    size_t rank = in.shape.size();
    if (rank < 3 || rank > 5 || out.shape.size() != rank)
      return Status::error("interpolate: unsupported rank");
    size_t nsp = rank - 2;
    if (!scales_.empty() && scales_.size() != nsp)
      return Status::error("interpolate: scale_factor has the wrong length");
    planes_ = in.shape[0] * in.shape[1];
    for (size_t i = 0; i < nsp; ++i) {
      size_t j = 3 - nsp + i;
      inSz_[j] = in.shape[2 + i];
      outSz_[j] = out.shape[2 + i];
      std::optional<double> sc;
      if (!scales_.empty())
        sc = scales_[i];
      buildAxis(j, sc);
    }
    x_ = plan.data<float>(input_);
    y_ = plan.data<float>(output_);
    return Status::success();
  }

  Status run() override {
    const int64_t inPlane = inSz_[0] * inSz_[1] * inSz_[2];
    const int64_t outPlane = outSz_[0] * outSz_[1] * outSz_[2];
    for (int64_t pl = 0; pl < planes_; ++pl) {
      const float *x = x_ + pl * inPlane;
      float *y = y_ + pl * outPlane;
      for (int64_t od = 0; od < outSz_[0]; ++od)
        for (int64_t oh = 0; oh < outSz_[1]; ++oh)
          for (int64_t ow = 0; ow < outSz_[2]; ++ow) {
            float acc = 0.0f;
            for (int a = 0; a < 2; ++a)
              for (int b = 0; b < 2; ++b)
                for (int c = 0; c < 2; ++c) {
                  float wgt = axes_[0].w[od * 2 + a] * axes_[1].w[oh * 2 + b] *
                              axes_[2].w[ow * 2 + c];
                  if (wgt == 0.0f)
                    continue;
                  int64_t id = axes_[0].idx[od * 2 + a],
                          ih = axes_[1].idx[oh * 2 + b],
                          iw = axes_[2].idx[ow * 2 + c];
                  acc += wgt * x[(id * inSz_[1] + ih) * inSz_[2] + iw];
                }
            y[(od * outSz_[1] + oh) * outSz_[2] + ow] = acc;
          }
    }
    return Status::success();
  }

private:
  struct Axis {
    std::vector<int64_t> idx;
    std::vector<float> w;
  };

  void buildAxis(size_t j, std::optional<double> scale) {
    int64_t in = inSz_[j], out = outSz_[j];
    Axis &ax = axes_[j];
    ax.idx.assign(out * 2, 0);
    ax.w.assign(out * 2, 0.0f);
    auto scaleValue = [&]() -> float {
      if (scale && *scale > 0)
        return static_cast<float>(1.0 / *scale);
      return static_cast<float>(in) / static_cast<float>(out);
    };
    if (mode_ == InterpMode::Nearest) {
      float s = scaleValue();
      for (int64_t o = 0; o < out; ++o) {
        int64_t i;
        if (out == in)
          i = o;
        else if (out == 2 * in)
          i = o >> 1;
        else
          i = std::min(static_cast<int64_t>(std::floor(o * s)), in - 1);
        ax.idx[o * 2] = i;
        ax.w[o * 2] = 1.0f;
      }
      return;
    }
    float s;
    if (alignCorners_)
      s = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                  : 0.0f;
    else
      s = scaleValue();
    for (int64_t o = 0; o < out; ++o) {
      float real =
          alignCorners_ ? s * o : std::max(s * (o + 0.5f) - 0.5f, 0.0f);
      int64_t i0 = static_cast<int64_t>(real);
      int64_t off = i0 < in - 1 ? 1 : 0;
      float l1 = real - i0, l0 = 1.0f - l1;
      ax.idx[o * 2] = i0;
      ax.idx[o * 2 + 1] = i0 + off;
      ax.w[o * 2] = l0;
      ax.w[o * 2 + 1] = l1;
    }
  }

  int input_, output_;
  InterpMode mode_;
  std::vector<double> scales_;
  bool alignCorners_;
  int64_t planes_ = 1;
  int64_t inSz_[3] = {1, 1, 1}, outSz_[3] = {1, 1, 1};
  Axis axes_[3] = {
      {{0, 0}, {1.0f, 0.0f}}, {{0, 0}, {1.0f, 0.0f}}, {{0, 0}, {1.0f, 0.0f}}};
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel> qfx::exec::createMaxPoolKernel(const PoolParams &p) {
  return std::make_unique<MaxPoolKernel>(p);
}
std::unique_ptr<Kernel> qfx::exec::createAvgPoolKernel(const PoolParams &p) {
  return std::make_unique<AvgPoolKernel>(p);
}
std::unique_ptr<Kernel> qfx::exec::createAdaptiveAvgPoolKernel(int input,
                                                               int output) {
  return std::make_unique<AdaptiveAvgPoolKernel>(input, output);
}
std::unique_ptr<Kernel> qfx::exec::createMeanKernel(int input, int output,
                                                    std::vector<int64_t> dims) {
  return std::make_unique<MeanKernel>(input, output, std::move(dims));
}
std::unique_ptr<Kernel>
qfx::exec::createInterpolateKernel(int input, int output, InterpMode mode,
                                   std::vector<double> scales,
                                   bool alignCorners) {
  return std::make_unique<InterpolateKernel>(input, output, mode,
                                             std::move(scales), alignCorners);
}
