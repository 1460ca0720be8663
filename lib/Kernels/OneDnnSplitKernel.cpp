//===- OneDnnSplitKernel.cpp - Direct / split / checked oneDNN u8s8 -------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "OneDnnSplitKernel.h"

using namespace qfx::kern;

dnnl::engine &qfx::kern::oneDnnCpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

OneDnnSplitKernel::OneDnnSplitKernel(ConvDesc d, bool direct, bool split)
    : ConvKernel(std::move(d), direct && split ? Impl::OneDnnU8S8Checked
                               : split         ? Impl::OneDnnU8S8Split
                                               : Impl::OneDnnU8S8),
      rq_(desc_), useDirect_(direct), useSplit_(split) {}

void OneDnnSplitKernel::initPrimitives(int64_t pixels,
                                       std::vector<int32_t> offset) {
  int32_t maxW = 0;
  for (int8_t w : desc_.weight)
    maxW = std::max(maxW, std::abs(int32_t(w)));
  // Largest activation the direct kernel's int16 pair sums hold exactly.
  limit_ = maxW ? 32767 / (2 * maxW) : 255;
  if (useDirect_)
    build(direct_, 1);
  if (useSplit_)
    build(split_, 2);
  pixels_ = pixels;
  acc_.resize(pixels * desc_.oc * (useSplit_ ? 2 : 1));
  offset_ = std::move(offset);
}

void OneDnnSplitKernel::build(Primitive &p, int64_t factor) {
  const ConvDesc &d = desc_;
  const int64_t ocg = d.oc / d.groups;
  const int64_t k = static_cast<int64_t>(d.weight.size()) / d.oc;
  // Per group, ocg "high" rows then (split) ocg "low" rows; floor(w / 2)
  // and w - floor(w / 2) both lie in [-64, 64].
  std::vector<int8_t> w(d.oc * factor * k);
  for (int64_t o = 0; o < d.oc; ++o) {
    const int8_t *src = d.weight.data() + o * k;
    int8_t *hi = w.data() + ((o / ocg) * ocg * factor + o % ocg) * k;
    int8_t *lo = hi + ocg * k;
    for (int64_t i = 0; i < k; ++i) {
      if (factor == 1) {
        hi[i] = src[i];
      } else {
        int8_t h = static_cast<int8_t>(src[i] >> 1);
        hi[i] = h;
        lo[i] = static_cast<int8_t>(src[i] - h);
      }
    }
  }
  dnnl::memory::desc plainMd;
  dnnl::primitive_desc pd = describe(factor, plainMd);
  dnnl::engine &eng = oneDnnCpuEngine();
  p.factor = factor;
  p.prim = dnnl::primitive(pd);
  p.src = pd.src_desc(0);
  p.dst = pd.dst_desc(0);
  p.info = pd.impl_info_str();
  p.weights = dnnl::memory(pd.weights_desc(0), eng);
  dnnl::memory plain(plainMd, eng, w.data());
  dnnl::stream s(eng);
  dnnl::reorder(plain, p.weights).execute(s, plain, p.weights);
  s.wait();
}

void OneDnnSplitKernel::runOn(const uint8_t *in, int64_t numel, bool zpMustFit,
                              const uint8_t *x, uint8_t *out) {
  bool direct = useDirect_;
  if (useDirect_ && useSplit_) {
    const auto lim = static_cast<uint8_t>(std::min(limit_, 255));
    direct = countAbove(in, numel, lim) == 0 &&
             (!zpMustFit || desc_.in.zeroPoint <= limit_);
    (direct ? ++directRuns_ : ++splitRuns_);
  }
  last_ = direct ? Impl::OneDnnU8S8 : Impl::OneDnnU8S8Split;
  Primitive &p = direct ? direct_ : split_;
  dnnl::engine &eng = oneDnnCpuEngine();
  dnnl::memory src(p.src, eng, const_cast<uint8_t *>(x));
  dnnl::memory dst(p.dst, eng, acc_.data());
  dnnl::stream s(eng);
  p.prim.execute(s, {{DNNL_ARG_SRC, src},
                     {DNNL_ARG_WEIGHTS, p.weights},
                     {DNNL_ARG_DST, dst}});
  s.wait();
  const int64_t oc = desc_.oc;
  const int64_t period = static_cast<int64_t>(offset_.size()) / oc;
  const int64_t stride = oc * p.factor;
  const bool split = p.factor == 2;
  if (period == 1) {
    rq_.pixels(acc_.data(), pixels_, desc_.groups, split, offset_.data(), out);
    return;
  }
  for (int64_t px = 0; px < pixels_; ++px)
    rq_.pixels(acc_.data() + px * stride, 1, desc_.groups, split,
               offset_.data() + (px % period) * oc, out + px * oc);
}

std::string OneDnnSplitKernel::libraryInfo() const {
  std::string s = implName(impl_);
  if (useDirect_ && useSplit_)
    s += ": direct " + std::to_string(directRuns_) + ", split " +
         std::to_string(splitRuns_) + " run(s);";
  return s + " (" + (useSplit_ ? split_ : direct_).info + ")";
}
