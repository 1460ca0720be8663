//===- XnnpackConv.cpp - XNNPACK qc8 convolution --------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// XNNPACK's qc8 operators take signed 8-bit activations, per-channel int8
// weights and an int32 bias, widen products to 16 bits and accumulate in 32
// (exact), and requantize in fp32 (Requant::Fp32). qfx's uint8 activations
// are shifted by 128 on the way in and out (x - zp is unchanged), unless the
// executor keeps the tensor in int8 between two kernels that take it
// (setInt8Io): then XNNPACK reads the caller's input and writes the caller's
// output in place.
//
// XNNPACK's AVX2 qc8 microkernels (3x8c8) round every tap's input channels
// up to 8, so a convolution over few channels (an RGB stem: 3 of 8) wastes
// most of its multiplies. Such convolutions run as im2col + a 1x1
// convolution (XNNPACK's GEMM path) over K = kh * kw * c channels: the same
// int32 sums, so the same outputs, with K rounded up only once.
//
//===----------------------------------------------------------------------===//

#include "KernelsImpl.h"

#include "xnnpack.h"

#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <mutex>

using namespace qfx::kern;

namespace {

bool initXnnpack() {
  static bool ok = xnn_initialize(nullptr) == xnn_status_success;
  return ok;
}

} // namespace

/// Written with SSE2 (x86-64's baseline) because the plain loop does not
/// vectorise: byte stores may alias the vectors' own pointers.
void qfx::kern::flipSign(const uint8_t *s, uint8_t *d, int64_t n) {
  int64_t i = 0;
#ifdef __SSE2__
  const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
  for (; i + 16 <= n; i += 16)
    _mm_storeu_si128(
        reinterpret_cast<__m128i *>(d + i),
        _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i *>(s + i)),
                      bias));
#endif
  for (; i < n; ++i)
    d[i] = s[i] ^ 0x80;
}

namespace {

/// flipSign on int8 / uint8 buffers of either kind.
void flipBytes(const void *src, void *dst, int64_t n) {
  flipSign(static_cast<const uint8_t *>(src), static_cast<uint8_t *>(dst), n);
}

class XnnpackConv : public ConvKernel {
public:
  explicit XnnpackConv(ConvDesc d) : ConvKernel(std::move(d), Impl::XnnpackQC8) {}
  ~XnnpackConv() override {
    if (op_)
      xnn_delete_operator(op_);
  }

  std::string init() {
    const ConvDesc &d = desc_;
    const int64_t g = d.groups, icg = d.c / g, ocg = d.oc / g;
    im2col_ = g == 1 && icg < 8 && d.kh * d.kw > 1;
    // OIHW -> [g][ocg][kh][kw][icg].
    std::vector<int8_t> w(d.weight.size());
    for (int64_t o = 0; o < d.oc; ++o)
      for (int64_t i = 0; i < icg; ++i)
        for (int64_t y = 0; y < d.kh; ++y)
          for (int64_t x = 0; x < d.kw; ++x)
            w[((o * d.kh + y) * d.kw + x) * icg + i] =
                d.weight[((o * icg + i) * d.kh + y) * d.kw + x];
    std::vector<int32_t> bias =
        d.biasI.empty() ? std::vector<int32_t>(d.oc, 0) : d.biasI;
    const int32_t lo = d.outLo(), hi = d.outHi();
    const int8_t zpIn = static_cast<int8_t>(d.in.zeroPoint - 128);
    // The weights [oc][kh][kw][c] are already the 1x1 GEMM's [oc][K].
    const int64_t k = d.kh * d.kw * icg;
    xnn_status st =
        im2col_ ? xnn_create_convolution2d_nhwc_qc8(
                      0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, k, d.oc, k, d.oc, zpIn,
                      d.in.scale, d.wScales.data(), w.data(), bias.data(),
                      static_cast<int8_t>(d.out.zeroPoint - 128), d.out.scale,
                      static_cast<int8_t>(lo - 128),
                      static_cast<int8_t>(hi - 128), 0, &op_)
                : xnn_create_convolution2d_nhwc_qc8(
                      d.padT, d.padR, d.padB, d.padL, d.kh, d.kw, d.strideH,
                      d.strideW, d.dilH, d.dilW, g, icg, ocg, d.c, d.oc, zpIn,
                      d.in.scale, d.wScales.data(), w.data(), bias.data(),
                      static_cast<int8_t>(d.out.zeroPoint - 128), d.out.scale,
                      static_cast<int8_t>(lo - 128),
                      static_cast<int8_t>(hi - 128), 0, &op_);
    if (st != xnn_status_success)
      return "xnn_create_convolution2d_nhwc_qc8 failed (status " +
             std::to_string(st) + ")";
    out_.resize(d.n * d.oh() * d.ow() * d.oc);
    if (im2col_) {
      // The shifted input with a border of zero points, then one row of K
      // values per output pixel.
      padH_ = d.h + d.padT + d.padB;
      padW_ = d.w + d.padL + d.padR;
      padded_.assign(d.n * padH_ * padW_ * d.c + 16, zpIn);
      in_.resize(d.n * d.oh() * d.ow() * k + std::max(16, XNN_EXTRA_BYTES));
    } else {
      // XNNPACK's microkernels may read XNN_EXTRA_BYTES past the input.
      in_.resize(d.n * d.h * d.w * d.c + XNN_EXTRA_BYTES);
    }
    if (!setup(in_.data(), out_.data()))
      return "xnn_setup_convolution2d_nhwc_qc8 failed";
    return "";
  }

  bool setInt8Io(bool in, bool out) override {
    int8In_ = in;
    int8Out_ = out;
    return true;
  }

  void run(const uint8_t *in, uint8_t *out) override {
    const int8_t *x = in_.data();
    if (im2col_)
      gatherColumns(in);
    else if (int8In_)
      x = reinterpret_cast<const int8_t *>(in);
    else
      flipBytes(in, in_.data(), desc_.n * desc_.h * desc_.w * desc_.c);
    int8_t *y = int8Out_ ? reinterpret_cast<int8_t *>(out) : out_.data();
    // The operator was set up in init() for the same shapes; only the
    // pointers change (once: plan slots stay where they are).
    if (x != setIn_ || y != setOut_)
      setup(x, y);
    xnn_run_operator(op_, nullptr);
    if (!int8Out_)
      flipBytes(out_.data(), out, out_.size());
  }

  std::string libraryInfo() const override {
    return im2col_ ? "xnnpack:qc8 (im2col + gemm)" : implName(impl_);
  }

private:
  bool setup(const int8_t *x, int8_t *y) {
    const ConvDesc &d = desc_;
    setIn_ = x;
    setOut_ = y;
    return xnn_setup_convolution2d_nhwc_qc8(op_, d.n, im2col_ ? d.oh() : d.h,
                                            im2col_ ? d.ow() : d.w, x, y,
                                            nullptr) == xnn_status_success;
  }

  /// im2col: in_[pixel][ky][kx][c] from the zero-point-padded, shifted
  /// input (a tap row is contiguous there when dilW == 1).
  void gatherColumns(const uint8_t *in) {
    const ConvDesc &d = desc_;
    const int64_t c = d.c;
    for (int64_t n = 0; n < d.n; ++n)
      for (int64_t y = 0; y < d.h; ++y) {
        const uint8_t *src = in + (n * d.h + y) * d.w * c;
        int8_t *dst =
            padded_.data() + ((n * padH_ + y + d.padT) * padW_ + d.padL) * c;
        if (int8In_)
          std::memcpy(dst, src, d.w * c);
        else
          flipBytes(src, dst, d.w * c);
      }
    const int64_t oh = d.oh(), ow = d.ow(), row = d.kw * c;
    const int64_t kh = d.kh, dilW = d.dilW, kw = d.kw;
    const int64_t stepY = d.dilH * padW_ * c, stepX = d.strideW * c;
    const int8_t *base = padded_.data();
    int8_t *col = in_.data();
    for (int64_t n = 0; n < d.n; ++n)
      for (int64_t oy = 0; oy < oh; ++oy) {
        const int8_t *line = base + (n * padH_ + oy * d.strideH) * padW_ * c;
        for (int64_t ox = 0; ox < ow; ++ox, line += stepX)
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int8_t *src = line + ky * stepY;
            if (dilW == 1) {
              copyRow(col, src, row);
              col += row;
              continue;
            }
            for (int64_t kx = 0; kx < kw; ++kx, col += c)
              std::memcpy(col, src + kx * dilW * c, c);
          }
      }
  }

  /// Copies \p n bytes; up to 16 of them as one 16-byte move (both buffers
  /// have 16 bytes of slack), up to 32 as two overlapping ones.
  static void copyRow(int8_t *dst, const int8_t *src, int64_t n) {
#ifdef __SSE2__
    if (n <= 32) {
      __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src));
      if (n > 16) {
        __m128i b =
            _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + n - 16));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + n - 16), b);
      }
      _mm_storeu_si128(reinterpret_cast<__m128i *>(dst), a);
      return;
    }
#endif
    std::memcpy(dst, src, n);
  }

  xnn_operator_t op_ = nullptr;
  bool im2col_ = false, int8In_ = false, int8Out_ = false;
  const int8_t *setIn_ = nullptr;
  int8_t *setOut_ = nullptr;
  int64_t padH_ = 0, padW_ = 0;
  std::vector<int8_t> in_, out_, padded_;
};

} // namespace

std::unique_ptr<ConvKernel> qfx::kern::createXnnpackConv(ConvDesc d,
                                                         std::string &error) {
  if (d.requant != Requant::Fp32) {
    error = "XNNPACK requantizes in fp32 with an int32 bias";
    return nullptr;
  }
  if (!initXnnpack()) {
    error = "xnn_initialize failed";
    return nullptr;
  }
  auto k = std::make_unique<XnnpackConv>(std::move(d));
  error = k->init();
  if (!error.empty())
    return nullptr;
  return k;
}
