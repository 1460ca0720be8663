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
// Large outputs run in bands of output rows, one oneDNN call per band into
// a band-sized accumulator buffer that the epilogue (and the correction)
// reads while it is still in L2: written whole, the int32 accumulators of an
// early mobilenet_v2 layer (112x112x96, 4.8 MB) went to memory and back.
//
//===----------------------------------------------------------------------===//

#include "KernelsImpl.h"

#include "dnnl.hpp"

#include <cstring>
#include <stdexcept>

using namespace qfx::kern;

namespace {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

/// The int32 accumulators of one band: small enough to stay in L2 (512 KB
/// per core here) next to the band's input and the weights. 64 KB and
/// 256 KB bands were slightly slower on mobilenet_v2.
constexpr int64_t kBandBytes = 128 * 1024;
/// Outputs whose accumulators fit this run in one call (they stay cached).
constexpr int64_t kWholeBytes = 256 * 1024;

/// A oneDNN convolution of one shape with its argument memories.
struct Prim {
  dnnl::convolution_forward prim;
  dnnl::memory src, dst;
};

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
    stream_ = dnnl::stream(cpuEngine());
    dnnl::reorder(plain, weights_).execute(stream_, plain, weights_);
    stream_.wait();
    src_ = dnnl::memory(srcMd, cpuEngine(), DNNL_MEMORY_NONE);
    initBands(toc);
    acc_.resize((bandRows_ ? bandRows_ : d.n * d.oh()) * d.ow() * toc);
    dst_ = dnnl::memory(dstMd, cpuEngine(), acc_.data());
    if (bandRows_) {
      band_.dst.set_data_handle(acc_.data());
      if (d.oh() % bandRows_)
        tail_.dst.set_data_handle(acc_.data());
    }
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
    const int64_t oh = d.oh(), ow = d.ow();
    if (!bandRows_) {
      src_.set_data_handle(const_cast<uint8_t *>(x));
      prim_.execute(stream_, {{DNNL_ARG_SRC, src_},
                              {DNNL_ARG_WEIGHTS, weights_},
                              {DNNL_ARG_DST, dst_}});
      stream_.wait();
      for (int64_t n = 0; n < d.n; ++n)
        correct(n, 0, oh, acc_.data() + n * oh * ow * d.oc * factor_);
      rq_.pixels(acc_.data(), d.n * oh * ow, d.groups, factor_ == 2,
                 offset_.data(), out);
      return;
    }
    // Band by band: output rows [oy, oy + rows) read padded input rows
    // [oy * strideH, ...) of the same image.
    for (int64_t n = 0; n < d.n; ++n)
      for (int64_t oy = 0; oy < oh; oy += bandRows_) {
        const int64_t rows = std::min(bandRows_, oh - oy);
        Prim &p = rows == bandRows_ ? band_ : tail_;
        p.src.set_data_handle(
            const_cast<uint8_t *>(x + (n * ph_ + oy * d.strideH) * pw_ * d.c));
        p.prim.execute(stream_, {{DNNL_ARG_SRC, p.src},
                                 {DNNL_ARG_WEIGHTS, weights_},
                                 {DNNL_ARG_DST, p.dst}});
        stream_.wait();
        correct(n, oy, oy + rows, acc_.data());
        rq_.pixels(acc_.data(), rows * ow, d.groups, factor_ == 2,
                   offset_.data(), out + (n * oh + oy) * ow * d.oc);
      }
  }

  std::string libraryInfo() const override {
    std::string info = std::string(implName(impl_)) + " (" + implInfo_;
    if (bandRows_)
      info += ", bands of " + std::to_string(bandRows_) + " output rows";
    return info + ")";
  }

private:
  /// Chooses the band height and creates the primitives of a band and of
  /// the last, shorter one (the full convolution's weight layout, so that
  /// all share weights_). Leaves bandRows_ 0 (one call) for small outputs
  /// or when oneDNN refuses.
  void initBands(int64_t toc) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const ConvDesc &d = desc_;
    const int64_t oh = d.oh(), ow = d.ow(), rowBytes = ow * toc * 4;
    const int64_t rows = std::max<int64_t>(1, kBandBytes / rowBytes);
    if (d.n * oh * rowBytes <= kWholeBytes || rows >= oh)
      return;
    auto make = [&](int64_t outRows) {
      const int64_t inRows =
          (outRows - 1) * d.strideH + (d.kh - 1) * d.dilH + 1;
      auto srcMd = dnnl::memory::desc({1, d.c, inRows, pw_}, dt::u8, tag::nhwc);
      auto dstMd =
          dnnl::memory::desc({1, toc, outRows, ow}, dt::s32, tag::nhwc);
      dnnl::convolution_forward::desc cd(
          dnnl::prop_kind::forward_inference,
          dnnl::algorithm::convolution_direct, srcMd, pd_.weights_desc(), dstMd,
          {d.strideH, d.strideW}, {d.dilH - 1, d.dilW - 1}, {0, 0}, {0, 0});
      dnnl::convolution_forward::primitive_desc pd(cd, cpuEngine());
      // Given a fixed weight layout, oneDNN may fall back to its reference.
      if (std::strcmp(pd.impl_info_str(), pd_.impl_info_str()) != 0)
        throw std::runtime_error("another implementation");
      return Prim{dnnl::convolution_forward(pd),
                  dnnl::memory(srcMd, cpuEngine(), DNNL_MEMORY_NONE),
                  dnnl::memory(dstMd, cpuEngine(), DNNL_MEMORY_NONE)};
    };
    try {
      band_ = make(rows);
      if (oh % rows)
        tail_ = make(oh % rows);
    } catch (const std::exception &) { // dnnl::error derives from it
      return;
    }
    bandRows_ = rows;
  }

  /// Adds rest * w of every input above the limit to every accumulator it
  /// feeds (into the "high" half of a split kernel; the epilogue sums both
  /// halves).
  void correct(int64_t image, int64_t oy0, int64_t oy1, int32_t *acc) {
    if (rowStart_.empty() || rowStart_.back() == 0)
      return;
    if (wT_.empty())
      transposeWeights();
    correctClipped(desc_, factor_, wT_.data(), clipped_, rowStart_, image, oy0,
                   oy1, acc);
  }

public:
  /// The weights as the correction reads them, [group][i][ky][kx][j] (the
  /// output channels of one tap contiguous). Built when the kernel is
  /// created for the checked dispatch: lazily, on the first corrected run,
  /// it cost milliseconds inside a timed run (per-element divisions).
  void transposeWeights() {
    const ConvDesc &d = desc_;
    const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups;
    const int64_t taps = d.kh * d.kw;
    wT_.resize(d.weight.size());
    int8_t *dst = wT_.data();
    for (int64_t g = 0; g < d.groups; ++g)
      for (int64_t i = 0; i < icg; ++i)
        for (int64_t t = 0; t < taps; ++t)
          for (int64_t j = 0; j < ocg; ++j)
            *dst++ = d.weight[((g * ocg + j) * icg + i) * taps + t];
  }

private:
  std::string implInfo_;
  Requantizer rq_;
  int64_t factor_ = 1, ph_ = 0, pw_ = 0;
  /// Output rows per oneDNN call, 0: the whole batch in one call.
  int64_t bandRows_ = 0;
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
  Prim band_, tail_;
  dnnl::stream stream_;
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
    if (unchecked && !split)
      k->transposeWeights(); // for CheckedConv's corrected runs
  } catch (const dnnl::error &e) {
    error = std::string("oneDNN: ") + e.what();
    return nullptr;
  }
  return k;
}
