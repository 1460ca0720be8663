//===- OneDnnConv.cpp - oneDNN u8 x s8 -> s32 convolution -----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// oneDNN computes sum(x * w) over a zero-point-padded input (so padding holds
// the real value 0, as in PyTorch); qfx subtracts zp_in * sum(w) and applies
// its own requantization. The int32 result is exact unless vpmaddubsw
// saturates (AVX2 without VNNI adds pairs of u8*s8 products in int16): the
// split variant halves every weight into two output channels in [-64, 64].
//
//===----------------------------------------------------------------------===//

#include "KernelsImpl.h"

#include "dnnl.hpp"

#include <cstring>

using namespace qfx::kern;

namespace {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

class OneDnnConv : public ConvKernel {
public:
  OneDnnConv(ConvDesc d, bool split)
      : ConvKernel(std::move(d), split ? Impl::OneDnnU8S8Split
                                       : Impl::OneDnnU8S8),
        rq_(desc_) {}

  void init() {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const ConvDesc &d = desc_;
    const int64_t g = d.groups, icg = d.c / g, ocg = d.oc / g;
    const int64_t k = icg * d.kh * d.kw;
    factor_ = impl_ == Impl::OneDnnU8S8Split ? 2 : 1;
    ph_ = d.h + d.padT + d.padB;
    pw_ = d.w + d.padL + d.padR;
    padded_ = d.padT || d.padB || d.padL || d.padR;
    // Weights, possibly split (per group: ocg "high" then ocg "low" rows).
    std::vector<int8_t> w(d.oc * factor_ * k);
    wsum_.assign(d.oc, 0);
    for (int64_t o = 0; o < d.oc; ++o) {
      const int8_t *src = d.weight.data() + o * k;
      int64_t grp = o / ocg, j = o % ocg;
      int8_t *hi = w.data() + (grp * ocg * factor_ + j) * k;
      int8_t *lo = hi + ocg * k;
      for (int64_t i = 0; i < k; ++i) {
        wsum_[o] += src[i];
        if (factor_ == 1) {
          hi[i] = src[i];
        } else {
          int8_t h = static_cast<int8_t>(src[i] >> 1); // floor(w / 2)
          hi[i] = h;
          lo[i] = static_cast<int8_t>(src[i] - h);
        }
      }
    }
    const int64_t toc = d.oc * factor_;
    dnnl::memory::dims src{d.n, d.c, ph_, pw_}, dst{d.n, toc, d.oh(), d.ow()};
    dnnl::memory::dims wdims =
        g == 1 ? dnnl::memory::dims{toc, icg, d.kh, d.kw}
               : dnnl::memory::dims{g, ocg * factor_, icg, d.kh, d.kw};
    auto srcMd = dnnl::memory::desc(src, dt::u8, tag::nhwc);
    auto dstMd = dnnl::memory::desc(dst, dt::s32, tag::nhwc);
    auto wAny = dnnl::memory::desc(wdims, dt::s8, tag::any);
    auto wPlain = dnnl::memory::desc(wdims, dt::s8, g == 1 ? tag::oihw : tag::goihw);
    dnnl::convolution_forward::desc cd(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        srcMd, wAny, dstMd, {d.strideH, d.strideW}, {d.dilH - 1, d.dilW - 1},
        {0, 0}, {0, 0});
    pd_ = dnnl::convolution_forward::primitive_desc(cd, cpuEngine());
    prim_ = dnnl::convolution_forward(pd_);
    weights_ = dnnl::memory(pd_.weights_desc(), cpuEngine());
    dnnl::memory plain(wPlain, cpuEngine(), w.data());
    dnnl::stream s(cpuEngine());
    dnnl::reorder(plain, weights_).execute(s, plain, weights_);
    s.wait();
    src_ = dnnl::memory(srcMd, cpuEngine(), DNNL_MEMORY_NONE);
    acc_.resize(d.n * d.oh() * d.ow() * toc);
    dst_ = dnnl::memory(dstMd, cpuEngine(), acc_.data());
    if (padded_) {
      pad_.assign(d.n * ph_ * pw_ * d.c, static_cast<uint8_t>(d.in.zeroPoint));
    }
    implInfo_ = pd_.impl_info_str();
    offset_.resize(d.oc);
    for (int64_t o = 0; o < d.oc; ++o)
      offset_[o] = d.in.zeroPoint * wsum_[o];
  }

  void run(const uint8_t *in, uint8_t *out) override { runClipped(in, out, 255); }

  /// Runs on min(x, limit) (a direct kernel that is exact for activations
  /// up to limit) and adds the rest, sum((x - limit) * w) over the inputs
  /// above limit, to the int32 accumulators before requantizing: exact for
  /// any data, and cheap while such inputs are rare. zp_in <= limit.
  void runClipped(const uint8_t *in, uint8_t *out, int32_t limit) {
    const ConvDesc &d = desc_;
    const uint8_t *x = in;
    clipped_.clear();
    rowStart_.clear();
    if (padded_ || limit < 255) {
      if (pad_.empty())
        pad_.assign(d.n * ph_ * pw_ * d.c, static_cast<uint8_t>(d.in.zeroPoint));
      const int64_t rowLen = d.w * d.c;
      for (int64_t n = 0; n < d.n; ++n)
        for (int64_t y = 0; y < d.h; ++y) {
          rowStart_.push_back(clipped_.size());
          clipRow(in + (n * d.h + y) * rowLen,
                  &pad_[((n * ph_ + y + d.padT) * pw_ + d.padL) * d.c], rowLen,
                  d.c, static_cast<uint8_t>(limit), clipped_);
        }
      rowStart_.push_back(clipped_.size());
      x = pad_.data();
    }
    src_.set_data_handle(const_cast<uint8_t *>(x));
    dnnl::stream s(cpuEngine());
    prim_.execute(s, {{DNNL_ARG_SRC, src_},
                      {DNNL_ARG_WEIGHTS, weights_},
                      {DNNL_ARG_DST, dst_}});
    s.wait();
    correct();
    rq_.pixels(acc_.data(), d.n * d.oh() * d.ow(), d.groups, factor_ == 2,
               offset_.data(), out);
  }

  std::string libraryInfo() const override {
    return std::string(implName(impl_)) + " (" + implInfo_ + ")";
  }

private:
  /// Adds rest * w of every input above the limit to every accumulator it
  /// feeds (into the "high" half of a split kernel; the epilogue sums both
  /// halves).
  void correct() {
    if (rowStart_.empty() || rowStart_.back() == 0)
      return;
    const ConvDesc &d = desc_;
    const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups;
    if (wT_.empty()) {
      // [group][i][ky][kx][j]: the output channels of one tap contiguous.
      wT_.resize(d.weight.size());
      for (int64_t o = 0; o < d.oc; ++o)
        for (int64_t i = 0; i < icg; ++i)
          for (int64_t t = 0; t < d.kh * d.kw; ++t)
            wT_[(((o / ocg) * icg + i) * d.kh * d.kw + t) * ocg + o % ocg] =
                d.weight[(o * icg + i) * d.kh * d.kw + t];
    }
    correctClipped(d, factor_, wT_.data(), clipped_, rowStart_, acc_.data());
  }

  std::string implInfo_;
  Requantizer rq_;
  int64_t factor_ = 1, ph_ = 0, pw_ = 0;
  bool padded_ = false;
  std::vector<int32_t> wsum_, offset_, acc_;
  std::vector<uint8_t> pad_;
  std::vector<int8_t> wT_;
  /// The inputs above the limit of the last run, row by row: row r's are
  /// clipped_[rowStart_[r] .. rowStart_[r + 1]).
  std::vector<ClippedValue> clipped_;
  std::vector<int64_t> rowStart_;
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::convolution_forward prim_;
  dnnl::memory weights_, src_, dst_;
};

} // namespace

void qfx::kern::runOneDnnClipped(ConvKernel &direct, const uint8_t *in,
                                 uint8_t *out, int32_t limit) {
  static_cast<OneDnnConv &>(direct).runClipped(in, out, limit);
}

std::unique_ptr<ConvKernel> qfx::kern::createOneDnnConv(ConvDesc d, bool split,
                                                        std::string &error,
                                                        bool unchecked) {
  if (!split && !unchecked && !oneDnnPairsCannotSaturate(d)) {
    error = "oneDNN u8s8 could saturate int16 pair sums for these ranges";
    return nullptr;
  }
  auto k = std::make_unique<OneDnnConv>(std::move(d), split);
  try {
    k->init();
  } catch (const dnnl::error &e) {
    error = std::string("oneDNN: ") + e.what();
    return nullptr;
  }
  return k;
}
