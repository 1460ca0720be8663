//===- ConvTransposeKernel.cpp - Exact int8 transposed convolution --------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The reference transposed convolution and oneDNN 2.6's u8 x s8 -> s32
// deconvolution. oneDNN sums x * w over the raw uint8 input; the zero point
// contributes zp_in times the sum of the weights reaching each output pixel,
// which qfx precomputes once (it differs near the borders, where fewer taps
// land). Like the convolution, vpmaddubsw's int16 pair sums could saturate
// on full-range data: the split variant halves the weights into [-64, 64].
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/ConvTransposeKernel.h"
#include "KernelsImpl.h"

#include "dnnl.hpp"

using namespace qfx::kern;

std::string ConvTransposeDesc::validate() const {
  const ConvDesc &b = base;
  if (outPadH < 0 || outPadW < 0)
    return "negative output padding";
  if (b.padT != b.padB || b.padL != b.padR)
    return "transposed convolutions take symmetric padding";
  if (oh() < 1 || ow() < 1)
    return "empty transposed convolution output";
  // The weight is laid out as a convolution's (O x I/groups x KH x KW), so
  // the convolution's checks apply to it, except for the output size.
  ConvDesc flat = b;
  flat.padT = flat.padB = flat.padL = flat.padR = 0;
  flat.h = std::max(b.h, b.dilH * (b.kh - 1) + 1);
  flat.w = std::max(b.w, b.dilW * (b.kw - 1) + 1);
  return flat.validate();
}

void qfx::kern::referenceConvTransposeAcc(const ConvTransposeDesc &cd,
                                          const uint8_t *in, int32_t zp,
                                          int32_t *acc) {
  const ConvDesc &d = cd.base;
  const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups;
  const int64_t oh = cd.oh(), ow = cd.ow();
  std::fill(acc, acc + d.n * oh * ow * d.oc, 0);
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t iy = 0; iy < d.h; ++iy)
      for (int64_t ix = 0; ix < d.w; ++ix) {
        const uint8_t *x = in + ((n * d.h + iy) * d.w + ix) * d.c;
        for (int64_t ky = 0; ky < d.kh; ++ky) {
          int64_t oy = iy * d.strideH - d.padT + ky * d.dilH;
          if (oy < 0 || oy >= oh)
            continue; // cropped by the padding
          for (int64_t kx = 0; kx < d.kw; ++kx) {
            int64_t ox = ix * d.strideW - d.padL + kx * d.dilW;
            if (ox < 0 || ox >= ow)
              continue;
            int32_t *a = acc + ((n * oh + oy) * ow + ox) * d.oc;
            for (int64_t o = 0; o < d.oc; ++o) {
              const int64_t g = o / ocg;
              const int8_t *wo = d.weight.data() + o * icg * d.kh * d.kw;
              int32_t sum = 0;
              for (int64_t i = 0; i < icg; ++i)
                sum += (int32_t(x[g * icg + i]) - zp) *
                       int32_t(wo[(i * d.kh + ky) * d.kw + kx]);
              a[o] += sum;
            }
          }
        }
      }
}

void qfx::kern::referenceConvTranspose(const ConvTransposeDesc &d,
                                       const uint8_t *in, uint8_t *out) {
  const int64_t pixels = d.base.n * d.oh() * d.ow();
  std::vector<int32_t> acc(pixels * d.base.oc);
  referenceConvTransposeAcc(d, in, d.base.in.zeroPoint, acc.data());
  Requantizer rq(d.base);
  for (int64_t p = 0; p < pixels; ++p)
    rq.row(acc.data() + p * d.base.oc, out + p * d.base.oc);
}

namespace {

class ReferenceConvTranspose : public ConvKernel {
public:
  explicit ReferenceConvTranspose(ConvTransposeDesc d)
      : ConvKernel(d.base, Impl::Reference), dt_(std::move(d)) {}
  void run(const uint8_t *in, uint8_t *out) override {
    referenceConvTranspose(dt_, in, out);
  }

private:
  ConvTransposeDesc dt_;
};

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

struct Prim {
  int64_t factor = 1;
  dnnl::deconvolution_forward::primitive_desc pd;
  dnnl::deconvolution_forward prim;
  dnnl::memory weights;
};

class OneDnnConvTranspose : public ConvKernel {
public:
  /// Checked when both \p direct and \p split; else the one requested.
  OneDnnConvTranspose(ConvTransposeDesc d, bool direct, bool split)
      : ConvKernel(d.base, direct && split ? Impl::OneDnnU8S8Checked
                           : split         ? Impl::OneDnnU8S8Split
                                           : Impl::OneDnnU8S8),
        dt_(std::move(d)), rq_(desc_), useDirect_(direct), useSplit_(split) {}

  void init() {
    const ConvDesc &d = desc_;
    int32_t maxW = 0;
    for (int8_t w : d.weight)
      maxW = std::max(maxW, std::abs(int32_t(w)));
    limit_ = maxW ? 32767 / (2 * maxW) : 255;
    if (useDirect_)
      build(direct_, 1);
    if (useSplit_)
      build(split_, 2);
    pixels_ = d.n * dt_.oh() * dt_.ow();
    acc_.resize(pixels_ * d.oc * (useSplit_ ? 2 : 1));
    // zp_in * (sum of the weights reaching each output pixel); one image
    // suffices (it does not depend on the batch index).
    if (d.in.zeroPoint) {
      ConvTransposeDesc one = dt_;
      one.base.n = 1;
      std::vector<uint8_t> ones(d.h * d.w * d.c, 1);
      comp_.resize(dt_.oh() * dt_.ow() * d.oc);
      referenceConvTransposeAcc(one, ones.data(), 0, comp_.data());
      for (int32_t &v : comp_)
        v *= d.in.zeroPoint;
    }
    numel_ = d.n * d.h * d.w * d.c;
  }

  void run(const uint8_t *in, uint8_t *out) override {
    const ConvDesc &d = desc_;
    bool direct = useDirect_;
    if (useDirect_ && useSplit_) {
      uint8_t m = 0;
      for (int64_t i = 0; i < numel_; ++i)
        m = std::max(m, in[i]);
      direct = m <= limit_;
      (direct ? ++directRuns_ : ++splitRuns_);
    }
    last_ = direct ? Impl::OneDnnU8S8 : Impl::OneDnnU8S8Split;
    Prim &p = direct ? direct_ : split_;
    dnnl::memory src(p.pd.src_desc(), cpuEngine(), const_cast<uint8_t *>(in));
    dnnl::memory dst(p.pd.dst_desc(), cpuEngine(), acc_.data());
    dnnl::stream s(cpuEngine());
    p.prim.execute(s, {{DNNL_ARG_SRC, src},
                       {DNNL_ARG_WEIGHTS, p.weights},
                       {DNNL_ARG_DST, dst}});
    s.wait();
    const int64_t toc = d.oc * p.factor, ocg = d.oc / d.groups;
    const int64_t image = dt_.oh() * dt_.ow();
    std::vector<int32_t> row(d.oc);
    for (int64_t px = 0; px < pixels_; ++px) {
      const int32_t *a = acc_.data() + px * toc;
      const int32_t *c = comp_.empty() ? nullptr : &comp_[(px % image) * d.oc];
      for (int64_t o = 0; o < d.oc; ++o) {
        int64_t grp = o / ocg, j = o % ocg;
        int32_t sum = p.factor == 1
                          ? a[o]
                          : a[grp * ocg * 2 + j] + a[grp * ocg * 2 + ocg + j];
        row[o] = c ? sum - c[o] : sum;
      }
      rq_.row(row.data(), out + px * d.oc);
    }
  }

  Impl lastImpl() const override { return last_; }
  std::string libraryInfo() const override {
    std::string s = implName(impl_);
    if (useDirect_ && useSplit_)
      s += ": direct " + std::to_string(directRuns_) + ", split " +
           std::to_string(splitRuns_) + " run(s);";
    return s + " (" + (useSplit_ ? split_ : direct_).pd.impl_info_str() + ")";
  }

private:
  void build(Prim &p, int64_t factor) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const ConvDesc &d = desc_;
    const int64_t g = d.groups, icg = d.c / g, ocg = d.oc / g;
    const int64_t k = icg * d.kh * d.kw, toc = d.oc * factor;
    std::vector<int8_t> w(toc * k);
    for (int64_t o = 0; o < d.oc; ++o) {
      const int8_t *src = d.weight.data() + o * k;
      int8_t *hi = w.data() + ((o / ocg) * ocg * factor + o % ocg) * k;
      int8_t *lo = hi + ocg * k;
      for (int64_t i = 0; i < k; ++i) {
        if (factor == 1) {
          hi[i] = src[i];
        } else {
          int8_t h = static_cast<int8_t>(src[i] >> 1); // floor(w / 2)
          hi[i] = h;
          lo[i] = static_cast<int8_t>(src[i] - h);
        }
      }
    }
    dnnl::memory::dims src{d.n, d.c, d.h, d.w},
        dst{d.n, toc, dt_.oh(), dt_.ow()};
    dnnl::memory::dims wdims =
        g == 1 ? dnnl::memory::dims{toc, icg, d.kh, d.kw}
               : dnnl::memory::dims{g, ocg * factor, icg, d.kh, d.kw};
    auto srcMd = dnnl::memory::desc(src, dt::u8, tag::nhwc);
    auto dstMd = dnnl::memory::desc(dst, dt::s32, tag::nhwc);
    auto wAny = dnnl::memory::desc(wdims, dt::s8, tag::any);
    auto wPlain =
        dnnl::memory::desc(wdims, dt::s8, g == 1 ? tag::oihw : tag::goihw);
    // The right/bottom padding that makes oneDNN's output size PyTorch's
    // (output_padding extends the bottom/right border).
    dnnl::memory::dims padL{d.padT, d.padL},
        padR{d.padT - dt_.outPadH, d.padL - dt_.outPadW};
    dnnl::deconvolution_forward::desc cd(
        dnnl::prop_kind::forward_inference,
        dnnl::algorithm::deconvolution_direct, srcMd, wAny, dstMd,
        {d.strideH, d.strideW}, {d.dilH - 1, d.dilW - 1}, padL, padR);
    p.factor = factor;
    p.pd = dnnl::deconvolution_forward::primitive_desc(cd, cpuEngine());
    p.prim = dnnl::deconvolution_forward(p.pd);
    p.weights = dnnl::memory(p.pd.weights_desc(), cpuEngine());
    dnnl::memory plain(wPlain, cpuEngine(), w.data());
    dnnl::stream s(cpuEngine());
    dnnl::reorder(plain, p.weights).execute(s, plain, p.weights);
    s.wait();
  }

  ConvTransposeDesc dt_;
  Requantizer rq_;
  bool useDirect_, useSplit_;
  Prim direct_, split_;
  int64_t pixels_ = 0, numel_ = 0, directRuns_ = 0, splitRuns_ = 0;
  int32_t limit_ = 0;
  Impl last_ = Impl::OneDnnU8S8;
  std::vector<int32_t> acc_, comp_;
};

std::unique_ptr<ConvKernel> createOneDnnT(const ConvTransposeDesc &d,
                                          bool direct, bool split,
                                          std::string &error) {
  auto k = std::make_unique<OneDnnConvTranspose>(d, direct, split);
  try {
    k->init();
  } catch (const dnnl::error &e) {
    error = std::string("oneDNN: ") + e.what();
    return nullptr;
  }
  return k;
}

} // namespace

std::unique_ptr<ConvKernel>
qfx::kern::createConvTransposeKernel(ConvTransposeDesc d, ImplChoice choice,
                                     std::string &error) {
  error = d.validate();
  if (!error.empty())
    return nullptr;
  bool safe = oneDnnPairsCannotSaturate(d.base);
  switch (choice) {
  case ImplChoice::Reference:
    return std::make_unique<ReferenceConvTranspose>(std::move(d));
  case ImplChoice::OneDnn:
    if (!safe) {
      error = "oneDNN u8s8 could saturate int16 pair sums for these ranges";
      return nullptr;
    }
    return createOneDnnT(d, true, false, error);
  case ImplChoice::OneDnnUnchecked:
    return createOneDnnT(d, true, false, error);
  case ImplChoice::OneDnnSplit:
    return createOneDnnT(d, false, true, error);
  case ImplChoice::Xnnpack:
    error = "XNNPACK's 2022 deconvolutions take per-tensor weights and "
            "their own requantization; qfx does not use them";
    return nullptr;
  case ImplChoice::Auto:
    break;
  }
  std::string ignored;
  auto k = createOneDnnT(d, true, !safe, ignored);
  if (!k)
    k = std::make_unique<ReferenceConvTranspose>(std::move(d));
  return k;
}
