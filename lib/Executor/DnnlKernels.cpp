//===- DnnlKernels.cpp - Convolution and matmul through oneDNN ------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// fp32 oneDNN primitives, created once at prepare time with the plan's fixed
// shapes. Weights are reordered once into the layout the primitive prefers.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"

#include <dnnl.hpp>
#include <unordered_map>

using namespace qfx;
using namespace qfx::exec;
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

engine &cpuEngine() {
  static engine eng(engine::kind::cpu, 0);
  return eng;
}

stream &cpuStream() {
  static stream s(cpuEngine());
  return s;
}

tag plainTag(size_t rank) {
  switch (rank) {
  case 1:
    return tag::a;
  case 2:
    return tag::ab;
  case 3:
    return tag::abc;
  case 4:
    return tag::abcd;
  case 5:
    return tag::abcde;
  default:
    return tag::abcdef;
  }
}

memory::dims toDims(const Shape &s) { return memory::dims(s.begin(), s.end()); }

/// Wraps oneDNN calls: dnnl::error is the only exception it throws.
template <typename F> Status guarded(const char *what, F &&f) {
  try {
    f();
  } catch (const dnnl::error &e) {
    return Status::error(std::string(what) + ": oneDNN: " + e.what());
  }
  return Status::success();
}

class ConvKernel : public Kernel {
public:
  explicit ConvKernel(ConvParams p) : p_(std::move(p)) {}

  Status prepare(Plan &plan) override {
    if (Status s = checkConvOperandsF32(plan, p_); s.failed())
      return s;
    Shape in = plan.slot(p_.input).shape, w = plan.slot(p_.weight).shape,
          out = plan.slot(p_.output).shape;
    size_t nsp = p_.stride.size();
    if (nsp < 1 || nsp > 3 || in.size() != nsp + 2 || w.size() != nsp + 2 ||
        out.size() != nsp + 2 || p_.padding.size() != nsp ||
        p_.dilation.size() != nsp)
      return Status::error("conv: inconsistent ranks (input " +
                           shapeToString(in) + ", weight " + shapeToString(w) +
                           ")");
    if (Status s = maybeUseTorchSlowConv(plan, in, w); s.failed() || slow_)
      return s;
    int64_t g = p_.groups;
    std::vector<int64_t> padding = p_.padding;
    if (p_.padMode != PadMode::Zeros) {
      Shape padded = in;
      for (size_t i = 0; i < nsp; ++i)
        padded[2 + i] += 2 * padding[i];
      padShape_ = padded;
      padIn_ = plan.data<float>(p_.input);
      padOut_.assign(rt::numElements(padded), 0.0f);
      inShape_ = in;
      in = padded;
      std::fill(padding.begin(), padding.end(), 0);
    }
    memory::dims strides = toDims(p_.stride), padL = toDims(padding), padR, dil;
    for (size_t i = 0; i < nsp; ++i) {
      int64_t k = w[2 + i], d = p_.dilation[i];
      dil.push_back(d - 1);
      int64_t pr;
      if (!p_.transposed)
        pr = (out[2 + i] - 1) * p_.stride[i] + (k - 1) * d + 1 - in[2 + i] -
             padding[i];
      else
        pr = (in[2 + i] - 1) * p_.stride[i] - padding[i] + (k - 1) * d + 1 -
             out[2 + i];
      padR.push_back(pr);
    }
    memory::dims wDims;
    tag wTag;
    if (!p_.transposed) {
      if (g == 1) {
        wDims = toDims(w);
        wTag = plainTag(w.size());
      } else {
        wDims = {g, w[0] / g, w[1]};
        wDims.insert(wDims.end(), w.begin() + 2, w.end());
        wTag = plainTag(wDims.size());
      }
    } else {
      // PyTorch: [Cin, Cout/g, k...]; oneDNN dims: [g, O/g, I/g, k...].
      if (g == 1) {
        wDims = {w[1], w[0]};
        wDims.insert(wDims.end(), w.begin() + 2, w.end());
        wTag = nsp == 1 ? tag::bac : nsp == 2 ? tag::bacd : tag::bacde;
      } else {
        wDims = {g, w[1], w[0] / g};
        wDims.insert(wDims.end(), w.begin() + 2, w.end());
        wTag = nsp == 1 ? tag::acbd : nsp == 2 ? tag::acbde : tag::acbdef;
      }
    }
    return guarded("conv", [&] {
      auto &eng = cpuEngine();
      memory::desc srcMd(toDims(in), dt::f32, plainTag(in.size()));
      memory::desc dstMd(toDims(out), dt::f32, plainTag(out.size()));
      // Let oneDNN pick blocked activations (its fast direct kernels need
      // them) and convert at the boundary, as PyTorch's mkldnn path does.
      memory::desc srcAny(toDims(in), dt::f32, tag::any);
      memory::desc dstAny(toDims(out), dt::f32, tag::any);
      memory::desc wAny(wDims, dt::f32, tag::any);
      memory::desc userW(wDims, dt::f32, wTag);
      memory::desc bMd;
      if (p_.bias >= 0)
        bMd = memory::desc({out[1]}, dt::f32, tag::a);
      if (!p_.transposed) {
        auto d = p_.bias >= 0
                     ? convolution_forward::desc(prop_kind::forward_inference,
                                                 algorithm::convolution_direct,
                                                 srcAny, wAny, bMd, dstAny,
                                                 strides, dil, padL, padR)
                     : convolution_forward::desc(prop_kind::forward_inference,
                                                 algorithm::convolution_direct,
                                                 srcAny, wAny, dstAny, strides,
                                                 dil, padL, padR);
        auto pd = convolution_forward::primitive_desc(d, eng);
        bindWeights(plan, userW, pd.weights_desc());
        bindActivations(plan, srcMd, dstMd, pd.src_desc(), pd.dst_desc());
        prim_ = convolution_forward(pd);
      } else {
        auto d =
            p_.bias >= 0
                ? deconvolution_forward::desc(prop_kind::forward_inference,
                                              algorithm::deconvolution_direct,
                                              srcAny, wAny, bMd, dstAny,
                                              strides, dil, padL, padR)
                : deconvolution_forward::desc(prop_kind::forward_inference,
                                              algorithm::deconvolution_direct,
                                              srcAny, wAny, dstAny, strides,
                                              dil, padL, padR);
        auto pd = deconvolution_forward::primitive_desc(d, eng);
        bindWeights(plan, userW, pd.weights_desc());
        bindActivations(plan, srcMd, dstMd, pd.src_desc(), pd.dst_desc());
        prim_ = deconvolution_forward(pd);
      }
      if (p_.bias >= 0)
        args_[DNNL_ARG_BIAS] = memory(bMd, eng, plan.data(p_.bias));
    });
  }

  Status run() override {
    if (slow_)
      return slow_->run();
    if (!padShape_.empty())
      padInput(padIn_, padOut_.data(), inShape_, padShape_, p_.padding,
               p_.padMode);
    return guarded("conv", [&] {
      if (weightReorder_)
        weightReorder_.execute(cpuStream(), userWeights_,
                               args_[DNNL_ARG_WEIGHTS]);
      if (srcReorder_)
        srcReorder_.execute(cpuStream(), userSrc_, args_[DNNL_ARG_SRC]);
      prim_.execute(cpuStream(), args_);
      if (dstReorder_)
        dstReorder_.execute(cpuStream(), args_[DNNL_ARG_DST], userDst_);
      cpuStream().wait();
    });
  }

  std::string implName() const override {
    return slow_ ? slow_->implName() : "onednn";
  }

private:
  /// PyTorch keeps some convolutions away from oneDNN (see
  /// torchUsesSlowConv); those run in PyTorch's summation order instead.
  Status maybeUseTorchSlowConv(Plan &plan, const Shape &in, const Shape &w) {
    Shape seen = in; // what PyTorch's conv sees: after F.pad
    if (p_.padMode != PadMode::Zeros)
      for (size_t i = 2; i < seen.size() && i - 2 < p_.padding.size(); ++i)
        seen[i] += 2 * p_.padding[i - 2];
    if (!torchUsesSlowConv(p_, seen, w))
      return Status::success();
    slow_ = createTorchSlowConvKernel(p_);
    return slow_->prepare(plan);
  }

  /// Binds plain src/dst buffers, with reorders when the primitive chose
  /// other layouts.
  void bindActivations(Plan &plan, const memory::desc &plainSrc,
                       const memory::desc &plainDst, const memory::desc &src,
                       const memory::desc &dst) {
    auto &eng = cpuEngine();
    void *srcPtr = padShape_.empty() ? plan.data(p_.input) : padOut_.data();
    userSrc_ = memory(plainSrc, eng, srcPtr);
    userDst_ = memory(plainDst, eng, plan.data(p_.output));
    if (src == plainSrc) {
      args_[DNNL_ARG_SRC] = userSrc_;
    } else {
      args_[DNNL_ARG_SRC] = memory(src, eng);
      srcReorder_ = reorder(userSrc_, args_[DNNL_ARG_SRC]);
    }
    if (dst == plainDst) {
      args_[DNNL_ARG_DST] = userDst_;
    } else {
      args_[DNNL_ARG_DST] = memory(dst, eng);
      dstReorder_ = reorder(args_[DNNL_ARG_DST], userDst_);
    }
  }

  void bindWeights(Plan &plan, const memory::desc &user,
                   const memory::desc &chosen) {
    auto &eng = cpuEngine();
    memory userMem(user, eng, plan.data(p_.weight));
    if (chosen == user) {
      args_[DNNL_ARG_WEIGHTS] = userMem;
      return;
    }
    memory packed(chosen, eng);
    if (plan.slot(p_.weight).kind != SlotKind::Constant) {
      // A computed weight (e.g. dequantize in a reference quantized
      // model) changes per run: reorder it in run(), not once here.
      userWeights_ = userMem;
      weightReorder_ = reorder(userMem, packed);
      args_[DNNL_ARG_WEIGHTS] = packed;
      return;
    }
    reorder(userMem, packed).execute(cpuStream(), userMem, packed);
    cpuStream().wait();
    args_[DNNL_ARG_WEIGHTS] = packed;
  }

  ConvParams p_;
  std::unique_ptr<Kernel> slow_;
  primitive prim_;
  reorder srcReorder_, dstReorder_, weightReorder_;
  memory userSrc_, userDst_, userWeights_;
  std::unordered_map<int, memory> args_;
  Shape padShape_, inShape_;
  const float *padIn_ = nullptr;
  std::vector<float> padOut_;
};

/// oneDNN matmul over (batch..., M, K) x (batch..., K, N).
class MatmulKernel : public Kernel {
public:
  MatmulKernel(int lhs, int rhs, int output)
      : lhs_(lhs), rhs_(rhs), output_(output) {}

  Status prepare(Plan &plan) override {
    for (int id : {lhs_, rhs_, output_})
      if (Status s = checkSlotF32(plan, id, "matmul operand"); s.failed())
        return s;
    Shape a = plan.slot(lhs_).shape, b = plan.slot(rhs_).shape;
    if (a.empty() || b.empty())
      return Status::error("matmul: 0-d operands are not supported");
    if (a.size() == 1)
      a.insert(a.begin(), 1);
    if (b.size() == 1)
      b.push_back(1);
    size_t rank = std::max(a.size(), b.size());
    a.insert(a.begin(), rank - a.size(), 1);
    b.insert(b.begin(), rank - b.size(), 1);
    if (a[rank - 1] != b[rank - 2])
      return Status::error("matmul: inner dims do not match");
    Shape c(rank);
    for (size_t i = 0; i + 2 < rank; ++i) {
      if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
        return Status::error("matmul: batch dims do not broadcast");
      c[i] = std::max(a[i], b[i]);
    }
    c[rank - 2] = a[rank - 2];
    c[rank - 1] = b[rank - 1];
    if (rt::numElements(c) != plan.slot(output_).numel())
      return Status::error("matmul: output has the wrong size");
    memory::desc aMd(toDims(a), dt::f32, plainTag(rank));
    memory::desc bMd(toDims(b), dt::f32, plainTag(rank));
    memory::desc cMd(toDims(c), dt::f32, plainTag(rank));
    return guarded("matmul", [&] {
      auto &eng = cpuEngine();
      auto pd = matmul::primitive_desc(matmul::desc(aMd, bMd, cMd), eng);
      prim_ = matmul(pd);
      args_[DNNL_ARG_SRC] = memory(aMd, eng, plan.data(lhs_));
      args_[DNNL_ARG_WEIGHTS] = memory(bMd, eng, plan.data(rhs_));
      args_[DNNL_ARG_DST] = memory(cMd, eng, plan.data(output_));
    });
  }

  Status run() override {
    return guarded("matmul", [&] {
      prim_.execute(cpuStream(), args_);
      cpuStream().wait();
    });
  }

private:
  int lhs_, rhs_, output_;
  primitive prim_;
  std::unordered_map<int, memory> args_;
};

} // namespace

void qfx::exec::padInput(const float *in, float *out, const Shape &inShape,
                         const Shape &outShape, const std::vector<int64_t> &pad,
                         PadMode mode) {
  size_t nsp = inShape.size() - 2;
  int64_t planes = inShape[0] * inShape[1];
  int64_t id[3] = {1, 1, 1}, od[3] = {1, 1, 1}, p[3] = {0, 0, 0};
  for (size_t i = 0; i < nsp; ++i) {
    id[3 - nsp + i] = inShape[2 + i];
    od[3 - nsp + i] = outShape[2 + i];
    p[3 - nsp + i] = pad[i];
  }
  auto src = [&](int64_t o, int d) -> int64_t {
    int64_t i = o - p[d], n = id[d];
    switch (mode) {
    case PadMode::Reflect:
      if (i < 0)
        i = -i;
      if (i >= n)
        i = 2 * (n - 1) - i;
      return i;
    case PadMode::Replicate:
      return i < 0 ? 0 : (i >= n ? n - 1 : i);
    case PadMode::Circular:
      return ((i % n) + n) % n;
    default:
      return i;
    }
  };
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float *ip = in + pl * id[0] * id[1] * id[2];
    float *op = out + pl * od[0] * od[1] * od[2];
    for (int64_t z = 0; z < od[0]; ++z) {
      int64_t sz = src(z, 0);
      for (int64_t y = 0; y < od[1]; ++y) {
        int64_t sy = src(y, 1);
        for (int64_t x = 0; x < od[2]; ++x)
          *op++ = ip[(sz * id[1] + sy) * id[2] + src(x, 2)];
      }
    }
  }
}

Status qfx::exec::checkConvOperandsF32(const Plan &plan,
                                       const ConvParams &params) {
  for (auto [id, what] : {std::pair{params.input, "conv input"},
                          {params.weight, "conv weight"},
                          {params.bias, "conv bias"},
                          {params.output, "conv output"}})
    if (Status s = checkSlotF32(plan, id, what); s.failed())
      return s;
  return Status::success();
}

std::unique_ptr<Kernel> qfx::exec::createConvKernel(const ConvParams &params) {
  return std::make_unique<ConvKernel>(params);
}

std::unique_ptr<Kernel> qfx::exec::createMatmulKernel(int lhs, int rhs,
                                                      int output) {
  return std::make_unique<MatmulKernel>(lhs, rhs, output);
}
