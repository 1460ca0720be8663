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
// NHWC, channels vectorised 16 at a time. Taps in the padding read zero
// points (a row or a buffer of them), so padding is the real value 0.
//
// The AVX2 path does not subtract the zero point per tap: sum((x - zp) * w)
// = sum(x * w) - zp * sum(w), with x in [0, 255] widened to int16, two taps
// multiplied and summed into int32 by vpmaddwd (|2 * 255 * 128| is far
// from overflow, so every step is exact: no saturating 16-bit pair sum as
// in vpmaddubsw) and zp * sum(w) precomputed per channel; the same int32
// accumulators. The two taps of a pair are interleaved as bytes before
// widening (vpunpck{l,h}bw, then vpmovzxbw), so the sums come out in
// channel order. 3x3 kernels (five tap pairs) are compiled with the pair
// count fixed; other sizes loop over their pairs.
//
// Row path: the output columns whose horizontal taps all fall inside the
// image (all but about kw / 2 on each side) are computed per output row,
// each 16-channel block walking the row with one pointer per tap advanced
// by stride * c, the block's weights loaded once per row. Tap rows above or
// below the image point into a buffer of zero points as long as an input
// row, advanced the same way, so the top and bottom border rows take this
// path too. The remaining border columns gather one pointer per tap per
// pixel (a row of zero points for taps in the padding) and run the same
// block code for one pixel. Channels beyond a multiple of 16, and CPUs
// without AVX2, take the portable loop over the gathered taps, x - zp per
// tap.
//
// int8 activations (setInt8Io: the uint8 value xor 0x80, as XNNPACK's qc8
// operators around it read and write them): the zero points in the padding
// are zp ^ 0x80, the AVX2 code sign-extends instead of zero-extending and
// subtracts (zp - 128) * sum(w), the portable loop flips the bytes back as
// it loads them, and the output bytes are flipped as they are stored. The
// int32 accumulators are the same integers either way.
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
    // AVX2: per block and pair, channels 0-7 then 8-15, each as (tap 2p,
    // tap 2p + 1) interleaved; zp * sum(w) per channel.
    wBlocks_.assign(blocks_ * pairs_ * 32, 0);
    for (int64_t b = 0; b < blocks_; ++b)
      for (int64_t p = 0; p < pairs_; ++p)
        for (int64_t j = 0; j < 32; ++j) {
          int64_t t = 2 * p + j % 2, ch = b * 16 + j / 2;
          if (t < taps_)
            wBlocks_[(b * pairs_ + p) * 32 + j] = wTap_[t * c + ch];
        }
    zpSum_.assign(c, 0);
    zpSumS8_.assign(c, 0);
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t t = 0; t < taps_; ++t) {
        zpSum_[ch] += dd.in.zeroPoint * wTap_[t * c + ch];
        zpSumS8_[ch] += (dd.in.zeroPoint - 128) * wTap_[t * c + ch];
      }
    acc_.resize(c);
    // Zero points for tap rows outside the image on the row path: the
    // pointers start up to (kw - 1) * dilW pixels in and advance by
    // strideW pixels per output column.
    if (blocks_)
      zpBuf_.assign(((dd.kw - 1) * dd.dilW + dd.ow() * dd.strideW + 1) * c,
                    static_cast<uint8_t>(dd.in.zeroPoint));
  }

  bool setInt8Io(bool in, bool out) override {
    inMask_ = in ? 0x80 : 0;
    outMask_ = out ? 0x80 : 0;
    const uint8_t zp = static_cast<uint8_t>(desc_.in.zeroPoint ^ inMask_);
    std::fill(zpRow_.begin(), zpRow_.end(), zp);
    std::fill(zpBuf_.begin(), zpBuf_.end(), zp);
    return true;
  }

  /// Output pixels of the last run() on the row path.
  int64_t rowPathPixels() const { return rowPixels_; }

  void run(const uint8_t *in, uint8_t *out) override {
    const ConvDesc &d = desc_;
    const int64_t oh = d.oh(), ow = d.ow();
    // The row path's columns: all horizontal taps inside.
    const int64_t ox0 = firstInside(d.padL, d.strideW),
                  ox1 = endInside(d.w, d.padL, d.strideW, d.kw, d.dilW, ow);
    const bool rows = blocks_ && ox0 < ox1;
    const bool tail = blocks_ * 16 < d.c;
    rowPixels_ = 0;
    for (int64_t n = 0; n < d.n; ++n)
      for (int64_t oy = 0; oy < oh; ++oy) {
        uint8_t *rowOut = out + (n * oh + oy) * ow * d.c;
        if (rows) {
          rowAvx2(in, n, oy, ox0, ox1, rowOut + ox0 * d.c);
          rowPixels_ += ox1 - ox0;
        }
        for (int64_t ox = 0; ox < ow; ++ox) {
          const bool onRow = rows && ox >= ox0 && ox < ox1;
          if (onRow && !tail) {
            ox = ox1 - 1;
            continue;
          }
          gather(in, n, oy, ox);
          uint8_t *o = rowOut + ox * d.c;
          if (blocks_ && !onRow)
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

  /// The 16-channel blocks of the gathered pixel (ptrs_): the row path's
  /// code for one pixel.
  QFX_AVX2 void pixelAvx2(uint8_t *out) {
    if (rq_.isFloat())
      blocks(ptrs_.data(), 1, out, broadcastRequant(rq_));
    else
      blocks(ptrs_.data(), 1, out, broadcastFp32Requant(rq_));
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

  /// Output pixels [ox0, ox1) of row oy, all horizontal taps inside, the
  /// 16-channel blocks (out points at pixel ox0).
  QFX_AVX2 void rowAvx2(const uint8_t *in, int64_t n, int64_t oy, int64_t ox0,
                        int64_t ox1, uint8_t *out) {
    const ConvDesc &d = desc_;
    const int64_t iy = oy * d.strideH - d.padT, ix = ox0 * d.strideW - d.padL;
    // The tap pointers of pixel ox0 (tap rows outside the image: into the
    // zero points); a phantom last tap (weight 0) reads the real last one.
    for (int64_t t = 0; t < 2 * pairs_; ++t) {
      const int64_t tt = std::min(t, taps_ - 1);
      const int64_t ky = tt / d.kw, kx = tt % d.kw, y = iy + ky * d.dilH;
      rowPtrs_[t] = y >= 0 && y < d.h
                        ? in + ((n * d.h + y) * d.w + ix + kx * d.dilW) * d.c
                        : zpBuf_.data() + kx * d.dilW * d.c;
    }
    if (rq_.isFloat())
      blocks(rowPtrs_.data(), ox1 - ox0, out, broadcastRequant(rq_));
    else
      blocks(rowPtrs_.data(), ox1 - ox0, out, broadcastFp32Requant(rq_));
  }

  template <typename Epilogue>
  QFX_AVX2 void blocks(const uint8_t *const *ptrs, int64_t pixels, uint8_t *out,
                       const Epilogue &k) {
    if (pairs_ == 5)
      inMask_ ? blocksN<5, true>(ptrs, pixels, out, k)
              : blocksN<5, false>(ptrs, pixels, out, k);
    else
      inMask_ ? blocksN<0, true>(ptrs, pixels, out, k)
              : blocksN<0, false>(ptrs, pixels, out, k);
  }

  /// Widens 16 interleaved bytes to int16: sign-extended int8 or
  /// zero-extended uint8.
  template <bool Int8In> QFX_AVX2 static __m256i widen(__m128i x) {
    return Int8In ? _mm256_cvtepi8_epi16(x) : _mm256_cvtepu8_epi16(x);
  }

  /// \p pixels output pixels from the tap pointers \p ptrs of the first,
  /// each pointer advancing by strideW pixels; \p Pairs tap pairs (0:
  /// pairs_ at run time); \p Int8In: int8 input.
  template <int Pairs, bool Int8In, typename Epilogue>
  QFX_AVX2 void blocksN(const uint8_t *const *ptrs, int64_t pixels,
                        uint8_t *out, const Epilogue &k) {
    const int64_t np = Pairs ? Pairs : pairs_;
    const int64_t c = desc_.c, step = desc_.strideW * c;
    const int32_t *zpSum = Int8In ? zpSumS8_.data() : zpSum_.data();
    const __m128i outMask = _mm_set1_epi8(static_cast<char>(outMask_));
    for (int64_t b = 0; b < blocks_; ++b) {
      const int64_t off = b * 16;
      const __m256i *w =
          reinterpret_cast<const __m256i *>(&wBlocks_[b * np * 32]);
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
  int64_t taps_ = 0, pairs_ = 0, blocks_ = 0, rowPixels_ = 0;
  /// 0x80 where the input / output is int8 (setInt8Io), else 0.
  uint8_t inMask_ = 0, outMask_ = 0;
  std::vector<uint8_t> zpRow_, zpBuf_;
  std::vector<const uint8_t *> ptrs_, rowPtrs_;
  std::vector<int8_t> wTap_;
  std::vector<int16_t> wBlocks_;
  /// zp * sum(w) and (zp - 128) * sum(w) per channel (AVX2 path).
  std::vector<int32_t> zpSum_, zpSumS8_, acc_;
};

} // namespace

int64_t qfx::kern::depthwiseRowPixels(const ConvKernel &k) {
  auto *dw = dynamic_cast<const DepthwiseConv *>(&k);
  return dw ? dw->rowPathPixels() : -1;
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
