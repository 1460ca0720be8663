//===- DepthwiseConv.cpp - Exact u8 x s8 depthwise convolution ------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Hand-written because neither library has an exact u8 x s8 depthwise
// convolution that returns int32: oneDNN 2.6 runs u8s8 depthwise with its
// scalar reference (ref_int8), and XNNPACK's depthwise operators requantize
// internally with the fp32 convention, not Requant::Float. It serves the
// fp32 convention too: XNNPACK 2022's qc8 depthwise microkernel on AVX2
// (up16x9 mul32, 32-bit multiplies) takes about twice as long on
// mobilenet_v2's layers, and the uint8 <-> int8 shift around it costs two
// more passes.
//
// NHWC, channels vectorised 16 at a time. Each output pixel gathers one
// input pointer per tap (a row of zero points for taps in the padding, so
// padding is the real value 0); x - zp is widened to int16 (|x - zp| <= 255,
// |w| <= 128) and two taps are multiplied and summed into int32 by
// vpmaddwd: |2 * 255 * 128| is far from overflow, so every step is exact (no
// saturating 16-bit pair sum as in vpmaddubsw).
//
//===----------------------------------------------------------------------===//

#include "Avx2Requant.h"

using namespace qfx::kern;

bool qfx::kern::isDepthwise(const ConvDesc &d) {
  return d.groups == d.c && d.oc == d.c;
}

namespace {

class DepthwiseConv : public ConvKernel {
public:
  DepthwiseConv(ConvDesc d, bool avx2)
      : ConvKernel(std::move(d),
                   avx2 ? Impl::DepthwiseAvx2 : Impl::DepthwiseScalar),
        rq_(desc_) {
    const ConvDesc &dd = desc_;
    const int64_t c = dd.c;
    taps_ = dd.kh * dd.kw;
    pairs_ = (taps_ + 1) / 2;
    blocks_ = avx2 ? c / 16 : 0;
    zpRow_.assign(c, static_cast<uint8_t>(dd.in.zeroPoint));
    ptrs_.assign(2 * pairs_, zpRow_.data());
    // Tap-major weights for the scalar loops: [tap][channel].
    wTap_.resize(taps_ * c);
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t t = 0; t < taps_; ++t)
        wTap_[t * c + ch] = dd.weight[ch * taps_ + t];
    // AVX2: per 16-channel block and tap pair, the weights in the order of
    // vpunpck{l,h}wd of the two taps' 16 channels (within 128-bit lanes):
    // "lo" holds channels {0-3, 8-11}, "hi" {4-7, 12-15}, as (tap 2p, 2p+1).
    wPacked_.assign(blocks_ * pairs_ * 32, 0);
    for (int64_t b = 0; b < blocks_; ++b)
      for (int64_t p = 0; p < pairs_; ++p) {
        int16_t *lo = &wPacked_[(b * pairs_ + p) * 32], *hi = lo + 16;
        for (int64_t j = 0; j < 16; ++j) {
          int64_t t = 2 * p + j % 2;
          int64_t ch = b * 16 + (j / 8) * 8 + (j % 8) / 2;
          if (t < taps_) {
            lo[j] = wTap_[t * c + ch];
            hi[j] = wTap_[t * c + ch + 4];
          }
        }
      }
    acc_.resize(c);
  }

  void run(const uint8_t *in, uint8_t *out) override {
    const ConvDesc &d = desc_;
    const int64_t oh = d.oh(), ow = d.ow();
    for (int64_t n = 0; n < d.n; ++n)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          gather(in, n, oy, ox);
          uint8_t *o = out + ((n * oh + oy) * ow + ox) * d.c;
          if (blocks_)
            pixelAvx2(o);
          pixelScalar(o, blocks_ * 16);
        }
  }

private:
  /// The input pixel of every tap of output pixel (oy, ox).
  void gather(const uint8_t *in, int64_t n, int64_t oy, int64_t ox) {
    const ConvDesc &d = desc_;
    for (int64_t ky = 0; ky < d.kh; ++ky) {
      const int64_t iy = oy * d.strideH - d.padT + ky * d.dilH;
      for (int64_t kx = 0; kx < d.kw; ++kx) {
        const int64_t ix = ox * d.strideW - d.padL + kx * d.dilW;
        bool inside = iy >= 0 && iy < d.h && ix >= 0 && ix < d.w;
        ptrs_[ky * d.kw + kx] =
            inside ? in + ((n * d.h + iy) * d.w + ix) * d.c : zpRow_.data();
      }
    }
  }

  /// Channels [from, c) of the gathered pixel, one at a time.
  void pixelScalar(uint8_t *out, int64_t from) {
    const int64_t c = desc_.c;
    if (from >= c)
      return;
    const int32_t zp = desc_.in.zeroPoint;
    std::fill(acc_.begin() + from, acc_.end(), 0);
    for (int64_t t = 0; t < taps_; ++t) {
      const uint8_t *x = ptrs_[t];
      const int8_t *w = wTap_.data() + t * c;
      for (int64_t ch = from; ch < c; ++ch)
        acc_[ch] += (int32_t(x[ch]) - zp) * int32_t(w[ch]);
    }
    if (from == 0) {
      rq_.rowFast(acc_.data(), out);
      return;
    }
    for (int64_t ch = from; ch < c; ++ch)
      out[ch] = rq_.channel(acc_[ch], ch);
  }

  QFX_AVX2 static __m256i requant8(__m256i acc, const FloatRequant8 &k,
                                   int64_t c) {
    return requantFloat8(acc, k, c);
  }
  QFX_AVX2 static __m256i requant8(__m256i acc, const Fp32Requant8 &k,
                                   int64_t c) {
    return requantFp328(acc, k, c);
  }

  QFX_AVX2 void pixelAvx2(uint8_t *out) {
    if (rq_.isFloat())
      pixelAvx2(out, broadcastRequant(rq_));
    else
      pixelAvx2(out, broadcastFp32Requant(rq_));
  }

  template <typename Epilogue>
  QFX_AVX2 void pixelAvx2(uint8_t *out, const Epilogue &k) {
    const __m256i zp =
        _mm256_set1_epi16(static_cast<int16_t>(desc_.in.zeroPoint));
    for (int64_t b = 0; b < blocks_; ++b) {
      const int64_t off = b * 16;
      const __m256i *w =
          reinterpret_cast<const __m256i *>(&wPacked_[b * pairs_ * 32]);
      __m256i accLo = _mm256_setzero_si256(), accHi = _mm256_setzero_si256();
      for (int64_t p = 0; p < pairs_; ++p) {
        __m256i x0 = _mm256_sub_epi16(
            _mm256_cvtepu8_epi16(_mm_loadu_si128(
                reinterpret_cast<const __m128i *>(ptrs_[2 * p] + off))),
            zp);
        __m256i x1 = _mm256_sub_epi16(
            _mm256_cvtepu8_epi16(_mm_loadu_si128(
                reinterpret_cast<const __m128i *>(ptrs_[2 * p + 1] + off))),
            zp);
        accLo = _mm256_add_epi32(
            accLo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1),
                                     _mm256_loadu_si256(w + 2 * p)));
        accHi = _mm256_add_epi32(
            accHi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1),
                                     _mm256_loadu_si256(w + 2 * p + 1)));
      }
      // accLo = channels {0-3, 8-11}, accHi = {4-7, 12-15}.
      __m256i c0 = _mm256_permute2x128_si256(accLo, accHi, 0x20);
      __m256i c1 = _mm256_permute2x128_si256(accLo, accHi, 0x31);
      storeU8x16(out + off, requant8(c0, k, off), requant8(c1, k, off + 8));
    }
  }

  Requantizer rq_;
  int64_t taps_ = 0, pairs_ = 0, blocks_ = 0;
  std::vector<uint8_t> zpRow_;
  std::vector<const uint8_t *> ptrs_;
  std::vector<int8_t> wTap_;
  std::vector<int16_t> wPacked_;
  std::vector<int32_t> acc_;
};

} // namespace

std::unique_ptr<ConvKernel>
qfx::kern::createDepthwiseConv(ConvDesc d, bool scalar, std::string &error) {
  if (!isDepthwise(d)) {
    error = "not a depthwise convolution (groups == channels == outputs)";
    return nullptr;
  }
  if (!scalar && !cpuHasAvx2()) {
    error = "this CPU lacks AVX2";
    return nullptr;
  }
  return std::make_unique<DepthwiseConv>(std::move(d), !scalar);
}
