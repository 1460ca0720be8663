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
// Interior fast path (AVX2): output pixels whose taps all fall inside the
// image (all but a border of about kh / 2 rows and kw / 2 columns) skip the
// gather. Per output row, each 16-channel block walks the row's interior
// pixels with one pointer per tap advanced by stride * c, the block's
// weights loaded once per row. The zero point is not subtracted per tap:
// there sum((x - zp) * w) = sum(x * w) - zp * sum(w), with x in [0, 255]
// widened to int16 (vpmaddwd pairs stay far from overflow) and zp * sum(w)
// precomputed per channel, the same int32 accumulators. The two taps of a
// pair are interleaved as bytes before widening (vpunpck{l,h}bw, then
// vpmovzxbw), so the sums come out in channel order. 3x3 kernels (five tap
// pairs) are compiled with the pair count fixed; other sizes loop over
// their pairs. Channels beyond a multiple of 16 and the border pixels take
// the gathering path above.
//
// int8 activations (setInt8Io: the uint8 value xor 0x80, as XNNPACK's qc8
// operators around it read and write them): the gathering paths flip the
// input bytes back as they load them (the padding row holds zp ^ 0x80), the
// interior path sign-extends instead of zero-extending and subtracts
// (zp - 128) * sum(w), and the output bytes are flipped as they are stored.
// The int32 accumulators are the same integers either way.
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
    rowPtrs_.assign(2 * pairs_, nullptr);
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
    // Interior path: per block and pair, channels 0-7 then 8-15, each as
    // (tap 2p, tap 2p + 1) interleaved; zp * sum(w) per channel.
    wInterior_.assign(blocks_ * pairs_ * 32, 0);
    for (int64_t b = 0; b < blocks_; ++b)
      for (int64_t p = 0; p < pairs_; ++p)
        for (int64_t j = 0; j < 32; ++j) {
          int64_t t = 2 * p + j % 2, ch = b * 16 + j / 2;
          if (t < taps_)
            wInterior_[(b * pairs_ + p) * 32 + j] = wTap_[t * c + ch];
        }
    zpSum_.assign(c, 0);
    zpSumS8_.assign(c, 0);
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t t = 0; t < taps_; ++t) {
        zpSum_[ch] += dd.in.zeroPoint * wTap_[t * c + ch];
        zpSumS8_[ch] += (dd.in.zeroPoint - 128) * wTap_[t * c + ch];
      }
    acc_.resize(c);
  }

  bool setInt8Io(bool in, bool out) override {
    inMask_ = in ? 0x80 : 0;
    outMask_ = out ? 0x80 : 0;
    std::fill(zpRow_.begin(), zpRow_.end(),
              static_cast<uint8_t>(desc_.in.zeroPoint ^ inMask_));
    return true;
  }

  /// Output pixels of the last run() on the interior fast path.
  int64_t interiorPixels() const { return interiorPixels_; }

  void run(const uint8_t *in, uint8_t *out) override {
    const ConvDesc &d = desc_;
    const int64_t oh = d.oh(), ow = d.ow();
    // The interior: output rows / columns whose taps are all inside.
    const int64_t oy0 = firstInside(d.padT, d.strideH),
                  oy1 = endInside(d.h, d.padT, d.strideH, d.kh, d.dilH, oh),
                  ox0 = firstInside(d.padL, d.strideW),
                  ox1 = endInside(d.w, d.padL, d.strideW, d.kw, d.dilW, ow);
    const bool interior = blocks_ && oy0 < oy1 && ox0 < ox1;
    interiorPixels_ = 0;
    for (int64_t n = 0; n < d.n; ++n)
      for (int64_t oy = 0; oy < oh; ++oy) {
        const bool rowInside = interior && oy >= oy0 && oy < oy1;
        if (rowInside) {
          interiorRow(in, n, oy, ox0, ox1,
                      out + ((n * oh + oy) * ow + ox0) * d.c);
          interiorPixels_ += ox1 - ox0;
        }
        for (int64_t ox = 0; ox < ow; ++ox) {
          if (rowInside && ox == ox0) {
            // Only the tail channels of the interior remain.
            if (blocks_ * 16 < d.c)
              for (; ox < ox1; ++ox) {
                gather(in, n, oy, ox);
                pixelScalar(out + ((n * oh + oy) * ow + ox) * d.c,
                            blocks_ * 16);
              }
            ox = ox1 - 1;
            continue;
          }
          gather(in, n, oy, ox);
          uint8_t *o = out + ((n * oh + oy) * ow + ox) * d.c;
          if (blocks_)
            pixelAvx2(o);
          pixelScalar(o, blocks_ * 16);
        }
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
    const uint8_t inMask = inMask_;
    for (int64_t t = 0; t < taps_; ++t) {
      const uint8_t *x = ptrs_[t];
      const int8_t *w = wTap_.data() + t * c;
      for (int64_t ch = from; ch < c; ++ch)
        acc_[ch] += (int32_t(x[ch] ^ inMask) - zp) * int32_t(w[ch]);
    }
    if (from == 0) {
      rq_.rowFast(acc_.data(), out);
      if (outMask_)
        flipSign(out, out, c);
      return;
    }
    for (int64_t ch = from; ch < c; ++ch)
      out[ch] = rq_.channel(acc_[ch], ch) ^ outMask_;
  }

  /// storeU8x16, the bytes xor'd with \p mask (0 or 0x80 in every byte).
  QFX_AVX2 static void store16(uint8_t *out, __m256i a, __m256i b,
                               __m128i mask) {
    __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
    _mm_storeu_si128(
        reinterpret_cast<__m128i *>(out),
        _mm_xor_si128(_mm_packus_epi16(_mm256_castsi256_si128(w),
                                       _mm256_extracti128_si256(w, 1)),
                      mask));
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
    const __m128i inMask = _mm_set1_epi8(static_cast<char>(inMask_)),
                  outMask = _mm_set1_epi8(static_cast<char>(outMask_));
    for (int64_t b = 0; b < blocks_; ++b) {
      const int64_t off = b * 16;
      const __m256i *w =
          reinterpret_cast<const __m256i *>(&wPacked_[b * pairs_ * 32]);
      __m256i accLo = _mm256_setzero_si256(), accHi = _mm256_setzero_si256();
      for (int64_t p = 0; p < pairs_; ++p) {
        __m256i x0 = _mm256_sub_epi16(
            _mm256_cvtepu8_epi16(
                _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i *>(
                                  ptrs_[2 * p] + off)),
                              inMask)),
            zp);
        __m256i x1 = _mm256_sub_epi16(
            _mm256_cvtepu8_epi16(
                _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i *>(
                                  ptrs_[2 * p + 1] + off)),
                              inMask)),
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
      store16(out + off, requant8(c0, k, off), requant8(c1, k, off + 8),
              outMask);
    }
  }

  /// The first output index whose first tap is inside (index >= 0).
  static int64_t firstInside(int64_t pad, int64_t stride) {
    return (pad + stride - 1) / stride;
  }
  /// One past the last output index whose last tap is inside (< size).
  static int64_t endInside(int64_t size, int64_t pad, int64_t stride, int64_t k,
                           int64_t dil, int64_t outSize) {
    const int64_t last = size - 1 + pad - (k - 1) * dil;
    if (last < 0)
      return 0;
    return std::min(outSize, last / stride + 1);
  }

  /// Output pixels [ox0, ox1) of row oy, all taps inside, the 16-channel
  /// blocks (out points at pixel ox0).
  QFX_AVX2 void interiorRow(const uint8_t *in, int64_t n, int64_t oy,
                            int64_t ox0, int64_t ox1, uint8_t *out) {
    const ConvDesc &d = desc_;
    const int64_t iy = oy * d.strideH - d.padT, ix = ox0 * d.strideW - d.padL;
    // The tap pointers of pixel ox0; a phantom last tap (weight 0) reads
    // the real last one.
    for (int64_t t = 0; t < 2 * pairs_; ++t) {
      const int64_t tt = std::min(t, taps_ - 1);
      const int64_t ky = tt / d.kw, kx = tt % d.kw;
      rowPtrs_[t] =
          in + ((n * d.h + iy + ky * d.dilH) * d.w + ix + kx * d.dilW) * d.c;
    }
    if (rq_.isFloat())
      interiorBlocks(ox1 - ox0, out, broadcastRequant(rq_));
    else
      interiorBlocks(ox1 - ox0, out, broadcastFp32Requant(rq_));
  }

  template <typename Epilogue>
  QFX_AVX2 void interiorBlocks(int64_t pixels, uint8_t *out,
                               const Epilogue &k) {
    if (pairs_ == 5)
      inMask_ ? interiorBlocksN<5, true>(pixels, out, k)
              : interiorBlocksN<5, false>(pixels, out, k);
    else
      inMask_ ? interiorBlocksN<0, true>(pixels, out, k)
              : interiorBlocksN<0, false>(pixels, out, k);
  }

  /// Widens 16 interleaved bytes to int16: sign-extended int8 or
  /// zero-extended uint8.
  template <bool Int8In> QFX_AVX2 static __m256i widen(__m128i x) {
    return Int8In ? _mm256_cvtepi8_epi16(x) : _mm256_cvtepu8_epi16(x);
  }

  /// \p Pairs tap pairs (0: pairs_ at run time); \p Int8In: int8 input.
  template <int Pairs, bool Int8In, typename Epilogue>
  QFX_AVX2 void interiorBlocksN(int64_t pixels, uint8_t *out,
                                const Epilogue &k) {
    const int64_t np = Pairs ? Pairs : pairs_;
    const int64_t c = desc_.c, step = desc_.strideW * c;
    const uint8_t *const *ptrs = rowPtrs_.data();
    const int32_t *zpSum = Int8In ? zpSumS8_.data() : zpSum_.data();
    const __m128i outMask = _mm_set1_epi8(static_cast<char>(outMask_));
    for (int64_t b = 0; b < blocks_; ++b) {
      const int64_t off = b * 16;
      const __m256i *w =
          reinterpret_cast<const __m256i *>(&wInterior_[b * np * 32]);
      const __m256i zs0 = _mm256_loadu_si256(
                        reinterpret_cast<const __m256i *>(zpSum + off)),
                    zs1 = _mm256_loadu_si256(
                        reinterpret_cast<const __m256i *>(zpSum + off + 8));
      uint8_t *o = out + off;
      for (int64_t px = 0, at = off; px < pixels; ++px, at += step, o += c) {
        __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
        for (int64_t p = 0; p < np; ++p) {
          __m128i xa = _mm_loadu_si128(
              reinterpret_cast<const __m128i *>(ptrs[2 * p] + at));
          __m128i xb = _mm_loadu_si128(
              reinterpret_cast<const __m128i *>(ptrs[2 * p + 1] + at));
          acc0 = _mm256_add_epi32(
              acc0, _mm256_madd_epi16(widen<Int8In>(_mm_unpacklo_epi8(xa, xb)),
                                      _mm256_loadu_si256(w + 2 * p)));
          acc1 = _mm256_add_epi32(
              acc1, _mm256_madd_epi16(widen<Int8In>(_mm_unpackhi_epi8(xa, xb)),
                                      _mm256_loadu_si256(w + 2 * p + 1)));
        }
        store16(o, requant8(_mm256_sub_epi32(acc0, zs0), k, off),
                requant8(_mm256_sub_epi32(acc1, zs1), k, off + 8), outMask);
      }
    }
  }

  Requantizer rq_;
  int64_t taps_ = 0, pairs_ = 0, blocks_ = 0, interiorPixels_ = 0;
  /// 0x80 where the input / output is int8 (setInt8Io), else 0.
  uint8_t inMask_ = 0, outMask_ = 0;
  std::vector<uint8_t> zpRow_;
  std::vector<const uint8_t *> ptrs_, rowPtrs_;
  std::vector<int8_t> wTap_;
  std::vector<int16_t> wPacked_, wInterior_;
  /// zp * sum(w) and (zp - 128) * sum(w) per channel (interior path).
  std::vector<int32_t> zpSum_, zpSumS8_, acc_;
};

} // namespace

int64_t qfx::kern::depthwiseInteriorPixels(const ConvKernel &k) {
  auto *dw = dynamic_cast<const DepthwiseConv *>(&k);
  return dw ? dw->interiorPixels() : -1;
}

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
