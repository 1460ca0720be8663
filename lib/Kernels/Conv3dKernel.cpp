//===- Conv3dKernel.cpp - Exact int8 3-d convolution ----------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The reference 3-d convolution and oneDNN 2.6's u8 x s8 -> s32 one, with
// the 2-d kernel's exactness rules: the input is padded with zp_in, qfx
// subtracts zp_in * sum(w), and a weight split into halves in [-64, 64]
// keeps vpmaddubsw's int16 pair sums from saturating where the data could
// (checked per run on the input's largest value).
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/Conv3dKernel.h"
#include "OneDnnSplitKernel.h"

#include <cstring>

using namespace qfx::kern;

std::string Conv3dDesc::validate() const {
  if (d < 1 || kd < 1 || strideD < 1 || dilD < 1 || padD < 0)
    return "non-positive 3-d convolution size";
  if (od() < 1)
    return "empty convolution output";
  if (base.padT != base.padB || base.padL != base.padR)
    return "3-d convolutions take symmetric padding";
  const ConvDesc &b = base;
  if (b.c < 1 || b.groups < 1 || b.c % b.groups)
    return "channels not divisible by groups";
  int64_t want = b.oc * (b.c / b.groups) * kd * b.kh * b.kw;
  if (static_cast<int64_t>(b.weight.size()) != want)
    return "weight has " + std::to_string(b.weight.size()) +
           " elements, expected " + std::to_string(want);
  // The remaining checks are the 2-d ones (the weight without its depth).
  ConvDesc flat = b;
  flat.weight.resize(b.oc * (b.c / b.groups) * b.kh * b.kw);
  return flat.validate();
}

void qfx::kern::referenceConv3dAcc(const Conv3dDesc &cd, const uint8_t *in,
                                   int32_t *acc) {
  const ConvDesc &d = cd.base;
  const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups;
  const int64_t od = cd.od(), oh = d.oh(), ow = d.ow();
  const int64_t kvol = cd.kd * d.kh * d.kw;
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t oz = 0; oz < od; ++oz)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          int32_t *a = acc + (((n * od + oz) * oh + oy) * ow + ox) * d.oc;
          for (int64_t o = 0; o < d.oc; ++o) {
            const int64_t g = o / ocg;
            const int8_t *wo = d.weight.data() + o * icg * kvol;
            int32_t sum = 0;
            for (int64_t kz = 0; kz < cd.kd; ++kz) {
              int64_t iz = oz * cd.strideD - cd.padD + kz * cd.dilD;
              if (iz < 0 || iz >= cd.d)
                continue; // padding holds the real value 0 (x == zp)
              for (int64_t ky = 0; ky < d.kh; ++ky) {
                int64_t iy = oy * d.strideH - d.padT + ky * d.dilH;
                if (iy < 0 || iy >= d.h)
                  continue;
                for (int64_t kx = 0; kx < d.kw; ++kx) {
                  int64_t ix = ox * d.strideW - d.padL + kx * d.dilW;
                  if (ix < 0 || ix >= d.w)
                    continue;
                  const uint8_t *x =
                      in + (((n * cd.d + iz) * d.h + iy) * d.w + ix) * d.c +
                      g * icg;
                  for (int64_t i = 0; i < icg; ++i)
                    sum +=
                        (int32_t(x[i]) - d.in.zeroPoint) *
                        int32_t(wo[((i * cd.kd + kz) * d.kh + ky) * d.kw + kx]);
                }
              }
            }
            a[o] = sum;
          }
        }
}

void qfx::kern::referenceConv3d(const Conv3dDesc &d, const uint8_t *in,
                                uint8_t *out) {
  const int64_t voxels = d.base.n * d.od() * d.base.oh() * d.base.ow();
  std::vector<int32_t> acc(voxels * d.base.oc);
  referenceConv3dAcc(d, in, acc.data());
  Requantizer rq(d.base);
  for (int64_t p = 0; p < voxels; ++p)
    rq.row(acc.data() + p * d.base.oc, out + p * d.base.oc);
}

namespace {

class ReferenceConv3d : public ConvKernel {
public:
  explicit ReferenceConv3d(Conv3dDesc d)
      : ConvKernel(d.base, Impl::Reference), d3_(std::move(d)) {}
  void run(const uint8_t *in, uint8_t *out) override {
    referenceConv3d(d3_, in, out);
  }

private:
  Conv3dDesc d3_;
};

class OneDnnConv3d : public OneDnnSplitKernel {
public:
  OneDnnConv3d(Conv3dDesc d, bool direct, bool split)
      : OneDnnSplitKernel(d.base, direct, split), d3_(std::move(d)) {}

  void init() {
    const ConvDesc &d = desc_;
    pd_ = d3_.d + 2 * d3_.padD;
    ph_ = d.h + 2 * d.padT;
    pw_ = d.w + 2 * d.padL;
    padded_ = d3_.padD || d.padT || d.padL;
    const int64_t k = static_cast<int64_t>(d.weight.size()) / d.oc;
    std::vector<int32_t> offset(d.oc, 0);
    for (int64_t o = 0; o < d.oc; ++o) {
      for (int64_t i = 0; i < k; ++i)
        offset[o] += d.weight[o * k + i];
      offset[o] *= d.in.zeroPoint;
    }
    initPrimitives(d.n * d3_.od() * d.oh() * d.ow(), std::move(offset));
    if (padded_)
      pad_.assign(d.n * pd_ * ph_ * pw_ * d.c,
                  static_cast<uint8_t>(d.in.zeroPoint));
    numel_ = d.n * d3_.d * d.h * d.w * d.c;
  }

  void run(const uint8_t *in, uint8_t *out) override {
    const ConvDesc &d = desc_;
    const uint8_t *x = in;
    if (padded_) {
      const int64_t row = d.w * d.c;
      for (int64_t n = 0; n < d.n; ++n)
        for (int64_t z = 0; z < d3_.d; ++z)
          for (int64_t y = 0; y < d.h; ++y)
            std::memcpy(
                &pad_[(((n * pd_ + z + d3_.padD) * ph_ + y + d.padT) * pw_ +
                       d.padL) *
                      d.c],
                in + ((n * d3_.d + z) * d.h + y) * row, row);
      x = pad_.data();
    }
    // The padding holds zp_in, so the direct kernel needs it in range too.
    runOn(in, numel_, /*zpMustFit=*/true, x, out);
  }

private:
  dnnl::primitive_desc describe(int64_t factor,
                                dnnl::memory::desc &plainWeights) override {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const ConvDesc &d = desc_;
    const int64_t g = d.groups, icg = d.c / g, ocg = d.oc / g;
    const int64_t toc = d.oc * factor;
    dnnl::memory::dims src{d.n, d.c, pd_, ph_, pw_},
        dst{d.n, toc, d3_.od(), d.oh(), d.ow()};
    dnnl::memory::dims wdims =
        g == 1 ? dnnl::memory::dims{toc, icg, d3_.kd, d.kh, d.kw}
               : dnnl::memory::dims{g, ocg * factor, icg, d3_.kd, d.kh, d.kw};
    plainWeights =
        dnnl::memory::desc(wdims, dt::s8, g == 1 ? tag::oidhw : tag::goidhw);
    dnnl::convolution_forward::desc cd(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        dnnl::memory::desc(src, dt::u8, tag::ndhwc),
        dnnl::memory::desc(wdims, dt::s8, tag::any),
        dnnl::memory::desc(dst, dt::s32, tag::ndhwc),
        {d3_.strideD, d.strideH, d.strideW},
        {d3_.dilD - 1, d.dilH - 1, d.dilW - 1}, {0, 0, 0}, {0, 0, 0});
    return dnnl::convolution_forward::primitive_desc(cd, oneDnnCpuEngine());
  }

  Conv3dDesc d3_;
  bool padded_ = false;
  int64_t pd_ = 0, ph_ = 0, pw_ = 0, numel_ = 0;
  std::vector<uint8_t> pad_;
};

std::unique_ptr<ConvKernel> createOneDnn3d(const Conv3dDesc &d, bool direct,
                                           bool split, std::string &error) {
  auto k = std::make_unique<OneDnnConv3d>(d, direct, split);
  try {
    k->init();
  } catch (const dnnl::error &e) {
    error = std::string("oneDNN: ") + e.what();
    return nullptr;
  }
  return k;
}

} // namespace

std::unique_ptr<ConvKernel> qfx::kern::createConv3dKernel(Conv3dDesc d,
                                                          ImplChoice choice,
                                                          std::string &error) {
  error = d.validate();
  if (!error.empty())
    return nullptr;
  // The saturation bound depends on the weights and the input range only,
  // not on the dimensionality.
  bool safe = oneDnnPairsCannotSaturate(d.base);
  switch (choice) {
  case ImplChoice::Reference:
    return std::make_unique<ReferenceConv3d>(std::move(d));
  case ImplChoice::OneDnn:
    if (!safe) {
      error = "oneDNN u8s8 could saturate int16 pair sums for these ranges";
      return nullptr;
    }
    return createOneDnn3d(d, true, false, error);
  case ImplChoice::OneDnnUnchecked:
    return createOneDnn3d(d, true, false, error);
  case ImplChoice::OneDnnSplit:
    return createOneDnn3d(d, false, true, error);
  case ImplChoice::Xnnpack:
    error = "XNNPACK (2022) has no 3-d convolution";
    return nullptr;
  case ImplChoice::Depthwise:
  case ImplChoice::DepthwiseScalar:
  case ImplChoice::GemmS16:
    error = "qfx's depthwise and int16 GEMM kernels have no 3-d convolution";
    return nullptr;
  case ImplChoice::Auto:
    break;
  }
  // Both requantization conventions run on oneDNN's exact int32 sums.
  std::string ignored;
  auto k = createOneDnn3d(d, true, !safe, ignored);
  if (!k)
    k = std::make_unique<ReferenceConv3d>(std::move(d));
  return k;
}
