//===- ReferenceKernels.cpp - Portable kernels defining the numerics ------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "KernelsImpl.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace qfx::kern;

const char *qfx::kern::requantName(Requant r) {
  return r == Requant::Float ? "float" : "fp32";
}

const char *qfx::kern::implName(Impl impl) {
  switch (impl) {
  case Impl::Reference:
    return "reference";
  case Impl::OneDnnU8S8:
    return "onednn:u8s8s32";
  case Impl::OneDnnU8S8Split:
    return "onednn:u8s8s32-split";
  case Impl::OneDnnU8S8Checked:
    return "onednn:u8s8s32-checked";
  case Impl::OneDnnU8S8Corrected:
    return "onednn:u8s8s32-corrected";
  case Impl::XnnpackQC8:
    return "xnnpack:qc8";
  case Impl::DepthwiseAvx2:
    return "qfx:dw-u8s8-avx2";
  case Impl::DepthwiseScalar:
    return "qfx:dw-u8s8-scalar";
  case Impl::Lut:
    return "lut";
  case Impl::NormAvx2:
    return "qfx:norm-avx2";
  case Impl::GemmS16Avx2:
    return "qfx:gemm-u8s8-s16-avx2";
  }
  return "?";
}

int32_t ConvDesc::outLo() const {
  return std::max({out.qmin, relu ? out.zeroPoint : out.qmin, clampLo});
}
int32_t ConvDesc::outHi() const { return std::min(out.qmax, clampHi); }

std::string ConvDesc::validate() const {
  if (n < 1 || h < 1 || w < 1 || c < 1 || oc < 1 || kh < 1 || kw < 1 ||
      strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1 || groups < 1)
    return "non-positive convolution size";
  if (c % groups || oc % groups)
    return "channels not divisible by groups";
  if (oh() < 1 || ow() < 1)
    return "empty convolution output";
  if (static_cast<int64_t>(weight.size()) != oc * (c / groups) * kh * kw)
    return "weight has " + std::to_string(weight.size()) + " elements";
  if (static_cast<int64_t>(wScales.size()) != oc)
    return "expected one weight scale per output channel";
  if (!biasF.empty() && static_cast<int64_t>(biasF.size()) != oc)
    return "float bias size mismatch";
  if (!biasI.empty() && static_cast<int64_t>(biasI.size()) != oc)
    return "int32 bias size mismatch";
  if (requant == Requant::Float && !biasI.empty())
    return "float requantization takes a float bias";
  if (requant == Requant::Fp32 && !biasF.empty())
    return "fp32 requantization takes an int32 bias";
  if (outLo() > outHi())
    return "empty output clamp [" + std::to_string(outLo()) + ", " +
           std::to_string(outHi()) + "]";
  return "";
}

void qfx::kern::referenceConvAcc(const ConvDesc &d, const uint8_t *in,
                                 int32_t *acc) {
  const int64_t icg = d.c / d.groups, ocg = d.oc / d.groups;
  const int64_t oh = d.oh(), ow = d.ow();
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        int32_t *a = acc + ((n * oh + oy) * ow + ox) * d.oc;
        for (int64_t o = 0; o < d.oc; ++o) {
          const int64_t g = o / ocg;
          const int8_t *wo = d.weight.data() + o * icg * d.kh * d.kw;
          int32_t sum = 0;
          for (int64_t ky = 0; ky < d.kh; ++ky) {
            int64_t iy = oy * d.strideH - d.padT + ky * d.dilH;
            if (iy < 0 || iy >= d.h)
              continue; // padding holds real 0, i.e. x == zp
            for (int64_t kx = 0; kx < d.kw; ++kx) {
              int64_t ix = ox * d.strideW - d.padL + kx * d.dilW;
              if (ix < 0 || ix >= d.w)
                continue;
              const uint8_t *x = in + ((n * d.h + iy) * d.w + ix) * d.c + g * icg;
              for (int64_t i = 0; i < icg; ++i)
                sum += (int32_t(x[i]) - d.in.zeroPoint) *
                       int32_t(wo[(i * d.kh + ky) * d.kw + kx]);
            }
          }
          a[o] = sum;
        }
      }
}

void qfx::kern::referenceConv(const ConvDesc &d, const uint8_t *in,
                              uint8_t *out) {
  const int64_t pixels = d.n * d.oh() * d.ow();
  std::vector<int32_t> acc(pixels * d.oc);
  referenceConvAcc(d, in, acc.data());
  Requantizer rq(d);
  for (int64_t p = 0; p < pixels; ++p)
    rq.row(acc.data() + p * d.oc, out + p * d.oc);
}

Requantizer::Requantizer(const ConvDesc &d) : d_(d) {
  lo_ = d.outLo();
  hi_ = d.outHi();
  invOut_ = 1.0f / d.out.scale;
  zpOut_ = static_cast<float>(d.out.zeroPoint);
  mult_.resize(d.oc);
  bias_.assign(d.oc, 0.0f);
  biasI_.assign(d.oc, 0);
  for (int64_t c = 0; c < d.oc; ++c) {
    float m = d.in.scale * d.wScales[c];
    if (d.requant == Requant::Float) {
      mult_[c] = m;
      if (!d.biasF.empty())
        bias_[c] = d.biasF[c];
    } else {
      mult_[c] = m / d.out.scale;
      if (!d.biasI.empty())
        biasI_[c] = d.biasI[c];
    }
  }
}

void Requantizer::row(const int32_t *acc, uint8_t *out) const {
  for (int64_t c = 0; c < d_.oc; ++c)
    out[c] = channel(acc[c], c);
}

uint8_t Requantizer::channel(int32_t acc, int64_t c) const {
  if (d_.requant == Requant::Float) {
    const float lo = static_cast<float>(lo_), hi = static_cast<float>(hi_);
    float y = static_cast<float>(acc) * mult_[c];
    y = y + bias_[c];
    float q = zpOut_ + std::nearbyint(y * invOut_);
    q = std::min(std::max(q, lo), hi); // NaN-free: inputs are finite
    return static_cast<uint8_t>(static_cast<int32_t>(q));
  }
  const float lo = static_cast<float>(lo_ - d_.out.zeroPoint),
              hi = static_cast<float>(hi_ - d_.out.zeroPoint);
  float v = static_cast<float>(acc + biasI_[c]) * mult_[c];
  v = std::min(std::max(v, lo), hi);
  return static_cast<uint8_t>(static_cast<int32_t>(std::nearbyint(v)) +
                              d_.out.zeroPoint);
}

//===----------------------------------------------------------------------===//
// Elementwise, pooling, data movement
//===----------------------------------------------------------------------===//

static inline float deq(uint8_t q, const QParams &p) {
  return static_cast<float>(int32_t(q) - p.zeroPoint) * p.scale;
}

void qfx::kern::qadd(const uint8_t *a, const QParams &pa, const uint8_t *b,
                     const QParams &pb, uint8_t *out, const QParams &po,
                     bool relu, int64_t numel) {
  const float inv = 1.0f / po.scale;
  const int32_t lo = relu ? std::max(po.qmin, po.zeroPoint) : po.qmin;
  for (int64_t i = 0; i < numel; ++i)
    out[i] = quantizeU8(deq(a[i], pa) + deq(b[i], pb), inv, po.zeroPoint, lo,
                        po.qmax);
}

void qfx::kern::qmul(const uint8_t *a, const QParams &pa, const uint8_t *b,
                     const QParams &pb, uint8_t *out, const QParams &po,
                     bool relu, int64_t numel) {
  const float inv = 1.0f / po.scale;
  const int32_t lo = relu ? std::max(po.qmin, po.zeroPoint) : po.qmin;
  for (int64_t i = 0; i < numel; ++i)
    out[i] = quantizeU8(deq(a[i], pa) * deq(b[i], pb), inv, po.zeroPoint, lo,
                        po.qmax);
}

void qfx::kern::qclamp(const uint8_t *in, uint8_t *out, int32_t lo, int32_t hi,
                       int64_t numel) {
  const uint8_t l = static_cast<uint8_t>(lo), h = static_cast<uint8_t>(hi);
  for (int64_t i = 0; i < numel; ++i)
    out[i] = std::min(std::max(in[i], l), h);
}

void qfx::kern::qsoftmax(const uint8_t *in, const QParams &pi, uint8_t *out,
                         const QParams &po, int64_t outer, int64_t n,
                         int64_t inner) {
  // ATen's softmax in float32: exp(x - max), then each term divided by the
  // sum.
  std::vector<float> e(n);
  const float inv = 1.0f / po.scale;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      const uint8_t *x = in + o * n * inner + j;
      uint8_t *y = out + o * n * inner + j;
      float m = deq(x[0], pi);
      for (int64_t i = 1; i < n; ++i)
        m = std::max(m, deq(x[i * inner], pi));
      float sum = 0.0f;
      for (int64_t i = 0; i < n; ++i)
        sum += e[i] = std::exp(deq(x[i * inner], pi) - m);
      for (int64_t i = 0; i < n; ++i)
        y[i * inner] =
            quantizeU8(e[i] / sum, inv, po.zeroPoint, po.qmin, po.qmax);
    }
}

void qfx::kern::qmaxPool(const PoolDesc &d, const uint8_t *in, uint8_t *out) {
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t oy = 0; oy < d.oh; ++oy)
      for (int64_t ox = 0; ox < d.ow; ++ox) {
        uint8_t *o = out + ((n * d.oh + oy) * d.ow + ox) * d.c;
        std::memset(o, 0, d.c);
        for (int64_t ky = 0; ky < d.kh; ++ky) {
          int64_t iy = oy * d.strideH - d.padT + ky * d.dilH;
          if (iy < 0 || iy >= d.h)
            continue;
          for (int64_t kx = 0; kx < d.kw; ++kx) {
            int64_t ix = ox * d.strideW - d.padL + kx * d.dilW;
            if (ix < 0 || ix >= d.w)
              continue;
            const uint8_t *x = in + ((n * d.h + iy) * d.w + ix) * d.c;
            for (int64_t c = 0; c < d.c; ++c)
              o[c] = std::max(o[c], x[c]);
          }
        }
      }
}

/// Sums dq(x) over a window in float32 (window order: rows, then columns)
/// and quantizes sum / divisor.
static void avgWindow(const PoolDesc &d, const uint8_t *in, const QParams &pi,
                      uint8_t *o, const QParams &po, int64_t n, int64_t y0,
                      int64_t y1, int64_t x0, int64_t x1, float divisor,
                      std::vector<float> &sum) {
  std::fill(sum.begin(), sum.end(), 0.0f);
  for (int64_t iy = y0; iy < y1; ++iy)
    for (int64_t ix = x0; ix < x1; ++ix) {
      const uint8_t *x = in + ((n * d.h + iy) * d.w + ix) * d.c;
      for (int64_t c = 0; c < d.c; ++c)
        sum[c] += deq(x[c], pi);
    }
  const float inv = 1.0f / po.scale;
  for (int64_t c = 0; c < d.c; ++c)
    o[c] = quantizeU8(sum[c] / divisor, inv, po.zeroPoint, po.qmin, po.qmax);
}

void qfx::kern::qavgPool(const PoolDesc &d, const uint8_t *in,
                         const QParams &pi, uint8_t *out, const QParams &po) {
  std::vector<float> sum(d.c);
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t oy = 0; oy < d.oh; ++oy)
      for (int64_t ox = 0; ox < d.ow; ++ox) {
        // ATen's avg_pool2d: the padded window (clipped to h + pad) sets the
        // divisor when count_include_pad.
        int64_t y0 = oy * d.strideH - d.padT, x0 = ox * d.strideW - d.padL;
        int64_t y1 = std::min(y0 + d.kh, d.h + d.padT);
        int64_t x1 = std::min(x0 + d.kw, d.w + d.padL);
        int64_t poolSize = (y1 - y0) * (x1 - x0);
        y0 = std::max<int64_t>(y0, 0);
        x0 = std::max<int64_t>(x0, 0);
        y1 = std::min(y1, d.h);
        x1 = std::min(x1, d.w);
        int64_t divisor = d.divisorOverride ? d.divisorOverride
                          : d.countIncludePad ? poolSize
                                              : (y1 - y0) * (x1 - x0);
        avgWindow(d, in, pi, out + ((n * d.oh + oy) * d.ow + ox) * d.c, po, n,
                  y0, y1, x0, x1, static_cast<float>(divisor), sum);
      }
}

void qfx::kern::qadaptiveAvgPool(const PoolDesc &d, const uint8_t *in,
                                 const QParams &pi, uint8_t *out,
                                 const QParams &po) {
  std::vector<float> sum(d.c);
  for (int64_t n = 0; n < d.n; ++n)
    for (int64_t oy = 0; oy < d.oh; ++oy)
      for (int64_t ox = 0; ox < d.ow; ++ox) {
        int64_t y0 = (oy * d.h) / d.oh, y1 = ((oy + 1) * d.h + d.oh - 1) / d.oh;
        int64_t x0 = (ox * d.w) / d.ow, x1 = ((ox + 1) * d.w + d.ow - 1) / d.ow;
        avgWindow(d, in, pi, out + ((n * d.oh + oy) * d.ow + ox) * d.c, po, n,
                  y0, y1, x0, x1, static_cast<float>((y1 - y0) * (x1 - x0)),
                  sum);
      }
}

std::vector<uint8_t> qfx::kern::buildLut(UnaryFn fn, const QParams &pi,
                                         const QParams &po) {
  std::vector<uint8_t> lut(256);
  const float inv = 1.0f / po.scale;
  for (int q = 0; q < 256; ++q) {
    float x = deq(static_cast<uint8_t>(q), pi), y = x;
    switch (fn) {
    case UnaryFn::Identity:
      break;
    case UnaryFn::Relu:
      y = std::max(x, 0.0f);
      break;
    case UnaryFn::Hardswish: // ATen: x * min(max(x + 3, 0), 6) / 6
      y = x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
      break;
    case UnaryFn::Hardsigmoid:
      y = std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f;
      break;
    case UnaryFn::Sigmoid:
      y = 1.0f / (1.0f + std::exp(-x));
      break;
    case UnaryFn::Tanh:
      y = std::tanh(x);
      break;
    }
    lut[q] = quantizeU8(y, inv, po.zeroPoint, po.qmin, po.qmax);
  }
  return lut;
}

void qfx::kern::applyLut(const uint8_t *lut, const uint8_t *in, uint8_t *out,
                         int64_t numel) {
  for (int64_t i = 0; i < numel; ++i)
    out[i] = lut[in[i]];
}

void qfx::kern::qcat(const std::vector<const uint8_t *> &ins,
                     const std::vector<QParams> &pis,
                     const std::vector<int64_t> &inner, int64_t outer,
                     uint8_t *out, const QParams &po) {
  int64_t total = 0;
  for (int64_t s : inner)
    total += s;
  std::vector<std::vector<uint8_t>> luts(ins.size());
  for (size_t i = 0; i < ins.size(); ++i)
    if (pis[i].scale != po.scale || pis[i].zeroPoint != po.zeroPoint ||
        pis[i].qmin < po.qmin || pis[i].qmax > po.qmax)
      luts[i] = buildLut(UnaryFn::Identity, pis[i], po);
  for (int64_t o = 0; o < outer; ++o) {
    uint8_t *dst = out + o * total;
    for (size_t i = 0; i < ins.size(); ++i) {
      const uint8_t *src = ins[i] + o * inner[i];
      if (luts[i].empty())
        std::memcpy(dst, src, inner[i]);
      else
        applyLut(luts[i].data(), src, dst, inner[i]);
      dst += inner[i];
    }
  }
}

void qfx::kern::nchwToNhwc(const uint8_t *in, uint8_t *out, int64_t n,
                           int64_t c, int64_t hw) {
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < hw; ++p)
        out[(b * hw + p) * c + ch] = in[(b * c + ch) * hw + p];
}

void qfx::kern::nhwcToNchw(const uint8_t *in, uint8_t *out, int64_t n,
                           int64_t c, int64_t hw) {
  for (int64_t b = 0; b < n; ++b)
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t ch = 0; ch < c; ++ch)
        out[(b * c + ch) * hw + p] = in[(b * hw + p) * c + ch];
}
