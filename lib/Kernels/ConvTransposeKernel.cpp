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
#include "OneDnnSplitKernel.h"

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

class OneDnnConvTranspose : public OneDnnSplitKernel {
public:
  OneDnnConvTranspose(ConvTransposeDesc d, bool direct, bool split)
      : OneDnnSplitKernel(d.base, direct, split), dt_(std::move(d)) {}

  void init() {
    const ConvDesc &d = desc_;
    // zp_in * (sum of the weights reaching each output pixel): it depends
    // on the pixel's position in its image, not on the batch index.
    std::vector<int32_t> offset(d.oc, 0);
    if (d.in.zeroPoint) {
      ConvTransposeDesc one = dt_;
      one.base.n = 1;
      std::vector<uint8_t> ones(d.h * d.w * d.c, 1);
      offset.resize(dt_.oh() * dt_.ow() * d.oc);
      referenceConvTransposeAcc(one, ones.data(), 0, offset.data());
      for (int32_t &v : offset)
        v *= d.in.zeroPoint;
    }
    initPrimitives(d.n * dt_.oh() * dt_.ow(), std::move(offset));
    numel_ = d.n * d.h * d.w * d.c;
  }

  void run(const uint8_t *in, uint8_t *out) override {
    runOn(in, numel_, /*zpMustFit=*/false, in, out);
  }

private:
  dnnl::primitive_desc describe(int64_t factor,
                                dnnl::memory::desc &plainWeights) override {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const ConvDesc &d = desc_;
    const int64_t g = d.groups, icg = d.c / g, ocg = d.oc / g;
    const int64_t toc = d.oc * factor;
    dnnl::memory::dims src{d.n, d.c, d.h, d.w},
        dst{d.n, toc, dt_.oh(), dt_.ow()};
    dnnl::memory::dims wdims =
        g == 1 ? dnnl::memory::dims{toc, icg, d.kh, d.kw}
               : dnnl::memory::dims{g, ocg * factor, icg, d.kh, d.kw};
    plainWeights =
        dnnl::memory::desc(wdims, dt::s8, g == 1 ? tag::oihw : tag::goihw);
    // The right/bottom padding that makes oneDNN's output size PyTorch's
    // (output_padding extends the bottom/right border).
    dnnl::memory::dims padL{d.padT, d.padL},
        padR{d.padT - dt_.outPadH, d.padL - dt_.outPadW};
    dnnl::deconvolution_forward::desc cd(
        dnnl::prop_kind::forward_inference,
        dnnl::algorithm::deconvolution_direct,
        dnnl::memory::desc(src, dt::u8, tag::nhwc),
        dnnl::memory::desc(wdims, dt::s8, tag::any),
        dnnl::memory::desc(dst, dt::s32, tag::nhwc), {d.strideH, d.strideW},
        {d.dilH - 1, d.dilW - 1}, padL, padR);
    return dnnl::deconvolution_forward::primitive_desc(cd, oneDnnCpuEngine());
  }

  ConvTransposeDesc dt_;
  int64_t numel_ = 0;
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
