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
#include "KernelsImpl.h"

#include "dnnl.hpp"

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

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

/// One oneDNN primitive: the weights as they are (factor 1) or split into
/// two halves per output channel (factor 2; per group, ocg "high" rows then
/// ocg "low" rows).
struct Prim {
  int64_t factor = 1;
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  dnnl::memory weights;
};

class OneDnnConv3d : public ConvKernel {
public:
  /// Checked when both \p direct and \p split; else the one requested.
  OneDnnConv3d(Conv3dDesc d, bool direct, bool split)
      : ConvKernel(d.base, direct && split ? Impl::OneDnnU8S8Checked
                           : split         ? Impl::OneDnnU8S8Split
                                           : Impl::OneDnnU8S8),
        d3_(std::move(d)), rq_(desc_), useDirect_(direct), useSplit_(split) {}

  void init() {
    const ConvDesc &d = desc_;
    pd_ = d3_.d + 2 * d3_.padD;
    ph_ = d.h + 2 * d.padT;
    pw_ = d.w + 2 * d.padL;
    padded_ = d3_.padD || d.padT || d.padL;
    const int64_t icg = d.c / d.groups;
    const int64_t k = icg * d3_.kd * d.kh * d.kw;
    wsum_.assign(d.oc, 0);
    int32_t maxW = 0;
    for (int64_t o = 0; o < d.oc; ++o)
      for (int64_t i = 0; i < k; ++i) {
        int32_t w = d.weight[o * k + i];
        wsum_[o] += w;
        maxW = std::max(maxW, std::abs(w));
      }
    // Largest activation (padding holds zp) the direct kernel is exact for.
    limit_ = maxW ? 32767 / (2 * maxW) : 255;
    if (useDirect_)
      build(direct_, 1);
    if (useSplit_)
      build(split_, 2);
    voxels_ = d.n * d3_.od() * d.oh() * d.ow();
    acc_.resize(voxels_ * d.oc * (useSplit_ ? 2 : 1));
    if (padded_)
      pad_.assign(d.n * pd_ * ph_ * pw_ * d.c,
                  static_cast<uint8_t>(d.in.zeroPoint));
    numel_ = d.n * d3_.d * d.h * d.w * d.c;
  }

  void run(const uint8_t *in, uint8_t *out) override {
    const ConvDesc &d = desc_;
    bool direct = useDirect_;
    if (useDirect_ && useSplit_) {
      uint8_t m = 0;
      for (int64_t i = 0; i < numel_; ++i)
        m = std::max(m, in[i]);
      direct = m <= limit_ && d.in.zeroPoint <= limit_;
      (direct ? ++directRuns_ : ++splitRuns_);
    }
    last_ = direct ? Impl::OneDnnU8S8 : Impl::OneDnnU8S8Split;
    Prim &p = direct ? direct_ : split_;
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
    dnnl::memory src(p.pd.src_desc(), cpuEngine(), const_cast<uint8_t *>(x));
    dnnl::memory dst(p.pd.dst_desc(), cpuEngine(), acc_.data());
    dnnl::stream s(cpuEngine());
    p.prim.execute(s, {{DNNL_ARG_SRC, src},
                       {DNNL_ARG_WEIGHTS, p.weights},
                       {DNNL_ARG_DST, dst}});
    s.wait();
    const int64_t toc = d.oc * p.factor, ocg = d.oc / d.groups;
    const int32_t zp = d.in.zeroPoint;
    std::vector<int32_t> row(d.oc);
    for (int64_t v = 0; v < voxels_; ++v) {
      const int32_t *a = acc_.data() + v * toc;
      for (int64_t o = 0; o < d.oc; ++o) {
        int64_t grp = o / ocg, j = o % ocg;
        int32_t sum = p.factor == 1
                          ? a[o]
                          : a[grp * ocg * 2 + j] + a[grp * ocg * 2 + ocg + j];
        row[o] = sum - zp * wsum_[o];
      }
      rq_.row(row.data(), out + v * d.oc);
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
    const int64_t k = icg * d3_.kd * d.kh * d.kw, toc = d.oc * factor;
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
    dnnl::memory::dims src{d.n, d.c, pd_, ph_, pw_},
        dst{d.n, toc, d3_.od(), d.oh(), d.ow()};
    dnnl::memory::dims wdims =
        g == 1 ? dnnl::memory::dims{toc, icg, d3_.kd, d.kh, d.kw}
               : dnnl::memory::dims{g, ocg * factor, icg, d3_.kd, d.kh, d.kw};
    auto srcMd = dnnl::memory::desc(src, dt::u8, tag::ndhwc);
    auto dstMd = dnnl::memory::desc(dst, dt::s32, tag::ndhwc);
    auto wAny = dnnl::memory::desc(wdims, dt::s8, tag::any);
    auto wPlain =
        dnnl::memory::desc(wdims, dt::s8, g == 1 ? tag::oidhw : tag::goidhw);
    dnnl::convolution_forward::desc cd(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        srcMd, wAny, dstMd, {d3_.strideD, d.strideH, d.strideW},
        {d3_.dilD - 1, d.dilH - 1, d.dilW - 1}, {0, 0, 0}, {0, 0, 0});
    p.factor = factor;
    p.pd = dnnl::convolution_forward::primitive_desc(cd, cpuEngine());
    p.prim = dnnl::convolution_forward(p.pd);
    p.weights = dnnl::memory(p.pd.weights_desc(), cpuEngine());
    dnnl::memory plain(wPlain, cpuEngine(), w.data());
    dnnl::stream s(cpuEngine());
    dnnl::reorder(plain, p.weights).execute(s, plain, p.weights);
    s.wait();
  }

  Conv3dDesc d3_;
  Requantizer rq_;
  bool useDirect_, useSplit_, padded_ = false;
  Prim direct_, split_;
  int64_t pd_ = 0, ph_ = 0, pw_ = 0, voxels_ = 0, numel_ = 0;
  int64_t directRuns_ = 0, splitRuns_ = 0;
  int32_t limit_ = 0;
  Impl last_ = Impl::OneDnnU8S8;
  std::vector<int32_t> wsum_, acc_;
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
