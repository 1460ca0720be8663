//===- DynamicLinearKernel.cpp - Exact dynamic int8 linear ----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Three implementations of the same int32 sums, one epilogue:
// * oneDNN 2.6's u8 x s8 -> s32 matmul on the raw input, minus zp_x * sum(w)
//   per output. On AVX2 without VNNI its pairs of products are summed in
//   int16 with saturation (vpmaddubsw), exact only while
//   2 * max(x) * max|w| <= 32767: with reduce_range activations (qparams
//   chosen for [0, 127]) that holds for every weight; with full-range
//   activations only for |w| <= 64.
// * qfx's AVX2 kernel for the other runs: x - zp widened to int16 once per
//   row, weights prepacked as int16, vpmaddwd sums pairs of 16-bit products
//   into int32 (|2 * 255 * 128| cannot overflow): exact on any data.
// * the reference (scalar int32), which defines the numerics.
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/DynamicLinearKernel.h"

#include "dnnl.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

using namespace qfx::kern;

std::string DynamicLinearDesc::validate() const {
  if (m < 1 || k < 1 || n < 1)
    return "dynamic linear sizes must be positive";
  if (static_cast<int64_t>(weight.size()) != n * k)
    return "dynamic linear weight is not n x k";
  if (static_cast<int64_t>(wScales.size()) != n)
    return "dynamic linear needs one weight scale per output";
  if (!bias.empty() && static_cast<int64_t>(bias.size()) != n)
    return "dynamic linear bias is not one value per output";
  // |x - zp| <= 255, |w| <= 128: the int32 sum of k products must fit.
  if (k > std::numeric_limits<int32_t>::max() / (255 * 128))
    return "dynamic linear depth " + std::to_string(k) +
           " could overflow int32 accumulators";
  return "";
}

/// y = float(acc - offset) * float(sx * s_w[j]) + bias[j] (relu: max 0),
/// one row of n outputs.
static void epilogue(const DynamicLinearDesc &d, const int32_t *acc,
                     const int32_t *offset, float sx, float *y) {
  for (int64_t j = 0; j < d.n; ++j) {
    const float mult = sx * d.wScales[j];
    float v = static_cast<float>(acc[j] - (offset ? offset[j] : 0)) * mult;
    if (!d.bias.empty())
      v = v + d.bias[j];
    y[j] = d.relu ? std::max(v, 0.0f) : v;
  }
}

void qfx::kern::referenceDynamicLinear(const DynamicLinearDesc &d,
                                       const uint8_t *x, float sx, int32_t zpx,
                                       float *y) {
  std::vector<int32_t> acc(d.n);
  for (int64_t i = 0; i < d.m; ++i) {
    const uint8_t *row = x + i * d.k;
    for (int64_t j = 0; j < d.n; ++j) {
      const int8_t *w = d.weight.data() + j * d.k;
      int32_t s = 0;
      for (int64_t t = 0; t < d.k; ++t)
        s += (int32_t(row[t]) - zpx) * int32_t(w[t]);
      acc[j] = s;
    }
    epilogue(d, acc.data(), nullptr, sx, y + i * d.n);
  }
}

DynamicLinearKernel::~DynamicLinearKernel() = default;

namespace {

class ReferenceDynamicLinear : public DynamicLinearKernel {
public:
  explicit ReferenceDynamicLinear(DynamicLinearDesc d)
      : DynamicLinearKernel(std::move(d), Impl::Reference) {}
  void run(const uint8_t *x, float sx, int32_t zpx, float *y) override {
    referenceDynamicLinear(desc_, x, sx, zpx, y);
  }
};

/// qfx's exact AVX2 kernel: four outputs at a time share each load of the
/// widened input row.
class GemmS16 : public DynamicLinearKernel {
public:
  explicit GemmS16(DynamicLinearDesc d)
      : DynamicLinearKernel(std::move(d), Impl::GemmS16Avx2) {
    kp_ = (desc_.k + 15) / 16 * 16;
    w16_.assign(desc_.n * kp_, 0);
    for (int64_t j = 0; j < desc_.n; ++j)
      for (int64_t t = 0; t < desc_.k; ++t)
        w16_[j * kp_ + t] = desc_.weight[j * desc_.k + t];
    x16_.assign(kp_, 0);
    acc_.resize(desc_.n);
  }

  void run(const uint8_t *x, float sx, int32_t zpx, float *y) override {
    for (int64_t i = 0; i < desc_.m; ++i) {
      const uint8_t *row = x + i * desc_.k;
      for (int64_t t = 0; t < desc_.k; ++t)
        x16_[t] = static_cast<int16_t>(int32_t(row[t]) - zpx);
      rowAvx2();
      epilogue(desc_, acc_.data(), nullptr, sx, y + i * desc_.n);
    }
  }

private:
  __attribute__((target("avx2"))) static __m256i load(const int16_t *p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p));
  }
  __attribute__((target("avx2"))) static int32_t hsum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v),
                              _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
  }

  __attribute__((target("avx2"))) void rowAvx2() {
    const int16_t *xs = x16_.data();
    int64_t j = 0;
    for (; j + 4 <= desc_.n; j += 4) {
      const int16_t *w0 = &w16_[j * kp_], *w1 = w0 + kp_, *w2 = w1 + kp_,
                    *w3 = w2 + kp_;
      __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
      for (int64_t t = 0; t < kp_; t += 16) {
        __m256i xv = load(xs + t);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(xv, load(w0 + t)));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(xv, load(w1 + t)));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(xv, load(w2 + t)));
        a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(xv, load(w3 + t)));
      }
      acc_[j] = hsum(a0), acc_[j + 1] = hsum(a1), acc_[j + 2] = hsum(a2),
      acc_[j + 3] = hsum(a3);
    }
    for (; j < desc_.n; ++j) {
      const int16_t *w = &w16_[j * kp_];
      __m256i a = _mm256_setzero_si256();
      for (int64_t t = 0; t < kp_; t += 16)
        a = _mm256_add_epi32(a, _mm256_madd_epi16(load(xs + t), load(w + t)));
      acc_[j] = hsum(a);
    }
  }

  int64_t kp_ = 0;
  std::vector<int16_t> w16_, x16_;
  std::vector<int32_t> acc_;
};

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

/// oneDNN's u8s8s32 matmul on the raw input; zp_x * sum(w) is subtracted
/// in the epilogue.
class OneDnnMatmul : public DynamicLinearKernel {
public:
  explicit OneDnnMatmul(DynamicLinearDesc d)
      : DynamicLinearKernel(std::move(d), Impl::OneDnnU8S8) {}

  void init() {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    const DynamicLinearDesc &d = desc_;
    auto srcMd = dnnl::memory::desc({d.m, d.k}, dt::u8, tag::ab);
    auto wAny = dnnl::memory::desc({d.k, d.n}, dt::s8, tag::any);
    // The n x k weight is the k x n matrix in column-major order.
    auto wPlain = dnnl::memory::desc({d.k, d.n}, dt::s8, tag::ba);
    auto dstMd = dnnl::memory::desc({d.m, d.n}, dt::s32, tag::ab);
    pd_ = dnnl::matmul::primitive_desc(dnnl::matmul::desc(srcMd, wAny, dstMd),
                                       cpuEngine());
    prim_ = dnnl::matmul(pd_);
    weights_ = dnnl::memory(pd_.weights_desc(), cpuEngine());
    std::vector<int8_t> w(d.weight);
    dnnl::memory plain(wPlain, cpuEngine(), w.data());
    dnnl::stream s(cpuEngine());
    dnnl::reorder(plain, weights_).execute(s, plain, weights_);
    s.wait();
    acc_.resize(d.m * d.n);
    src_ = dnnl::memory(srcMd, cpuEngine(), DNNL_MEMORY_NONE);
    dst_ = dnnl::memory(dstMd, cpuEngine(), acc_.data());
    wsum_.assign(d.n, 0);
    for (int64_t j = 0; j < d.n; ++j)
      for (int64_t t = 0; t < d.k; ++t)
        wsum_[j] += d.weight[j * d.k + t];
    offset_.resize(d.n);
    info_ = pd_.impl_info_str();
  }

  void run(const uint8_t *x, float sx, int32_t zpx, float *y) override {
    src_.set_data_handle(const_cast<uint8_t *>(x));
    dnnl::stream s(cpuEngine());
    prim_.execute(s, {{DNNL_ARG_SRC, src_},
                      {DNNL_ARG_WEIGHTS, weights_},
                      {DNNL_ARG_DST, dst_}});
    s.wait();
    for (int64_t j = 0; j < desc_.n; ++j)
      offset_[j] = zpx * wsum_[j];
    for (int64_t i = 0; i < desc_.m; ++i)
      epilogue(desc_, &acc_[i * desc_.n], offset_.data(), sx, y + i * desc_.n);
  }

  std::string libraryInfo() const override {
    return std::string(implName(impl_)) + " matmul (" + info_ + ")";
  }

private:
  std::string info_;
  std::vector<int32_t> acc_, wsum_, offset_;
  dnnl::matmul::primitive_desc pd_;
  dnnl::matmul prim_;
  dnnl::memory weights_, src_, dst_;
};

/// Auto: oneDNN where this run's largest input cannot saturate its int16
/// pair sums, the exact int16 kernel otherwise.
class CheckedDynamicLinear : public DynamicLinearKernel {
public:
  CheckedDynamicLinear(DynamicLinearDesc d,
                       std::unique_ptr<DynamicLinearKernel> onednn,
                       std::unique_ptr<DynamicLinearKernel> exact)
      : DynamicLinearKernel(std::move(d), Impl::OneDnnU8S8Checked),
        onednn_(std::move(onednn)), exact_(std::move(exact)) {
    int32_t maxW = 0;
    for (int8_t w : desc_.weight)
      maxW = std::max(maxW, std::abs(int32_t(w)));
    limit_ = maxW ? std::min(32767 / (2 * maxW), 255) : 255;
  }
  void run(const uint8_t *x, float sx, int32_t zpx, float *y) override {
    const uint8_t *end = x + desc_.m * desc_.k;
    const int32_t m = *std::max_element(x, end);
    DynamicLinearKernel &k = m <= limit_ ? *onednn_ : *exact_;
    ++(m <= limit_ ? onednnRuns_ : exactRuns_);
    last_ = k.impl();
    k.run(x, sx, zpx, y);
  }
  Impl lastImpl() const override { return last_; }
  std::string libraryInfo() const override {
    return std::string(implName(impl_)) + ": " + onednn_->libraryInfo() + " " +
           std::to_string(onednnRuns_) + ", " + exact_->libraryInfo() + " " +
           std::to_string(exactRuns_) + " run(s)";
  }

private:
  std::unique_ptr<DynamicLinearKernel> onednn_, exact_;
  int32_t limit_ = 255;
  int64_t onednnRuns_ = 0, exactRuns_ = 0;
  Impl last_ = Impl::OneDnnU8S8Checked;
};

std::unique_ptr<DynamicLinearKernel> createOneDnn(DynamicLinearDesc d,
                                                  std::string &error) {
  auto k = std::make_unique<OneDnnMatmul>(std::move(d));
  try {
    k->init();
  } catch (const dnnl::error &e) {
    error = std::string("oneDNN: ") + e.what();
    return nullptr;
  }
  return k;
}

std::unique_ptr<DynamicLinearKernel> createExact(DynamicLinearDesc d) {
  if (cpuHasAvx2())
    return std::make_unique<GemmS16>(std::move(d));
  return std::make_unique<ReferenceDynamicLinear>(std::move(d));
}

} // namespace

std::unique_ptr<DynamicLinearKernel>
DynamicLinearKernel::create(DynamicLinearDesc d, ImplChoice choice,
                            std::string &error) {
  error = d.validate();
  if (!error.empty())
    return nullptr;
  switch (choice) {
  case ImplChoice::Reference:
    return std::make_unique<ReferenceDynamicLinear>(std::move(d));
  case ImplChoice::OneDnnUnchecked:
    return createOneDnn(std::move(d), error);
  case ImplChoice::GemmS16:
    if (!cpuHasAvx2()) {
      error = "this CPU lacks AVX2";
      return nullptr;
    }
    return std::make_unique<GemmS16>(std::move(d));
  case ImplChoice::Auto:
    break;
  default:
    error = "no such dynamic linear implementation";
    return nullptr;
  }
  std::string ignored;
  auto onednn = createOneDnn(d, ignored);
  if (!onednn)
    return createExact(std::move(d));
  auto exact = createExact(d);
  return std::make_unique<CheckedDynamicLinear>(std::move(d), std::move(onednn),
                                                std::move(exact));
}
