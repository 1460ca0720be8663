//===- BatchNormKernel.cpp - PyTorch 1.13's CPU batch_norm ----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reproduces ATen's batch_norm_cpu bit for bit (docs/numerics.md), because
// observers downstream of a batch norm must see exactly PyTorch's values:
//
// * statistics (training): per channel, the mean is a double sum rounded to
//   float; the variance sum adds float (x - mean)^2 in double. For inputs
//   with one element per channel and sample (BatchNorm1d on [N, C]) ATen
//   takes its channels-last reduction instead: float partial sums per
//   intra-op thread, the squares contracted into fused multiply-adds.
// * invstd = 1 / sqrt(var_sum / n + eps) in double, stored as float.
// * running statistics (nn.BatchNorm in training): float momentum,
//   m' = f * mean + (1 - f) * m, v' = f * unbiased + (1 - f) * v (the
//   latter summed in double), f = momentum or 1 / num_batches_tracked.
// * output y = x * alpha + beta with alpha = invstd * w and
//   beta = b - mean * alpha. ATen's AVX2 kernels are built with FMA and
//   contraction, so beta and y are fused multiply-adds there; qfx does the
//   same where the CPU has FMA (where it has not, ATen's default kernels
//   round each step, and so does qfx).
//
// This file is compiled with -ffp-contract=off: every fused multiply-add is
// explicit.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"

#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace qfx;
using namespace qfx::exec;

namespace {

/// Whether ATen's vectorised CPU kernels (the AVX2 build, with FMA) run.
bool atenUsesFma() {
#if defined(__x86_64__)
  static const bool fma =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return fma;
#else
  return false;
#endif
}

float mulAdd(float a, float b, float c, bool fused) {
  return fused ? std::fma(a, b, c) : a * b + c;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void
affineFma(const float *x, float *y, int64_t n, float a, float b) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), va, vb));
  for (; i < n; ++i)
    y[i] = std::fma(x[i], a, b);
}
#endif

void affine(const float *x, float *y, int64_t n, float a, float b, bool fused) {
#if defined(__x86_64__)
  if (fused)
    return affineFma(x, y, n, a, b);
#endif
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] * a + b;
}

class BatchNormKernel : public Kernel {
public:
  explicit BatchNormKernel(BatchNormParams p) : p_(p) {}

  Status prepare(Plan &plan) override {
    for (int id : {p_.input, p_.weight, p_.bias, p_.mean, p_.var, p_.output})
      if (Status s = checkSlotF32(plan, id, "batch_norm"); s.failed())
        return s;
    const Shape &s = plan.slot(p_.input).shape;
    if (s.size() < 2)
      return Status::error("batch_norm needs a channel dim");
    if (!p_.useBatchStats && (p_.mean < 0 || p_.var < 0))
      return Status::error("batch_norm in eval mode needs running stats");
    n_ = s[0];
    c_ = s[1];
    inner_ = n_ * c_ != 0 ? rt::numElements(s) / (n_ * c_) : 0;
    for (int id : {p_.weight, p_.bias, p_.mean, p_.var})
      if (id >= 0 && plan.slot(id).numel() != c_)
        return Status::error("batch_norm: parameter of shape " +
                             shapeToString(plan.slot(id).shape) +
                             " does not match " + std::to_string(c_) +
                             " channels");
    updating_ = p_.useBatchStats && p_.updateRunningStats && p_.mean >= 0 &&
                p_.var >= 0;
    if (p_.numBatchesTracked >= 0) {
      const Slot &t = plan.slot(p_.numBatchesTracked);
      if (t.type != ElemType::I64 || t.numel() != 1)
        return Status::error("batch_norm: num_batches_tracked must be one "
                             "int64, got " +
                             std::string(elemTypeName(t.type)) + " " +
                             shapeToString(t.shape));
      tracked_ = plan.data<int64_t>(p_.numBatchesTracked);
    }
    if (updating_ && !p_.momentum && !tracked_)
      return Status::error("batch_norm with momentum=None in training mode "
                           "needs its module's num_batches_tracked buffer");
    x_ = plan.data<float>(p_.input);
    y_ = plan.data<float>(p_.output);
    w_ = p_.weight >= 0 ? plan.data<float>(p_.weight) : nullptr;
    b_ = p_.bias >= 0 ? plan.data<float>(p_.bias) : nullptr;
    m_ = p_.mean >= 0 ? plan.data<float>(p_.mean) : nullptr;
    v_ = p_.var >= 0 ? plan.data<float>(p_.var) : nullptr;
    fused_ = atenUsesFma();
    mean_.assign(c_, 0.0f);
    invstd_.assign(c_, 0.0f);
    alpha_.assign(c_, 0.0f);
    beta_.assign(c_, 0.0f);
    if (!p_.useBatchStats) {
      // ATen's eval statistics: invstd in float.
      for (int64_t c = 0; c < c_; ++c) {
        mean_[c] = m_[c];
        invstd_[c] = 1.0f / std::sqrt(v_[c] + static_cast<float>(p_.eps));
      }
      computeAffine();
    }
    return Status::success();
  }

  Status run() override {
    if (p_.useBatchStats) {
      if (n_ * inner_ <= 1)
        return Status::error("batch_norm in training mode needs more than "
                             "one value per channel");
      collectStats();
      const float count = static_cast<float>(n_ * inner_);
      for (int64_t c = 0; c < c_; ++c) {
        double var = varSum_[c] / count;
        invstd_[c] = var != 0.0 || p_.eps != 0.0
                         ? static_cast<float>(1.0 / std::sqrt(var + p_.eps))
                         : 0.0f;
      }
      if (updating_)
        updateRunningStats();
      computeAffine();
    }
    for (int64_t n = 0; n < n_; ++n)
      for (int64_t c = 0; c < c_; ++c) {
        int64_t offset = (n * c_ + c) * inner_;
        affine(x_ + offset, y_ + offset, inner_, alpha_[c], beta_[c], fused_);
      }
    return Status::success();
  }

private:
  void computeAffine() {
    for (int64_t c = 0; c < c_; ++c) {
      float w = w_ ? w_[c] : 1.0f, b = b_ ? b_[c] : 0.0f;
      alpha_[c] = invstd_[c] * w;
      beta_[c] = mulAdd(-mean_[c], alpha_[c], b, fused_);
    }
  }

  /// mean_ and varSum_ as ATen's batch_norm_cpu_collect_stats.
  void collectStats() {
    varSum_.assign(c_, 0.0f);
    const int64_t count = n_ * inner_;
    if (inner_ > 1) {
      for (int64_t c = 0; c < c_; ++c) {
        double sum = 0.0;
        for (int64_t n = 0; n < n_; ++n) {
          const float *x = x_ + (n * c_ + c) * inner_;
          for (int64_t i = 0; i < inner_; ++i)
            sum += x[i];
        }
        const float mean = static_cast<float>(sum / count);
        double squares = 0.0;
        for (int64_t n = 0; n < n_; ++n) {
          const float *x = x_ + (n * c_ + c) * inner_;
          for (int64_t i = 0; i < inner_; ++i) {
            float d = x[i] - mean;
            squares += d * d;
          }
        }
        mean_[c] = mean;
        varSum_[c] = static_cast<float>(squares);
      }
      return;
    }
    // One value per (sample, channel): rows of C. ATen splits the rows over
    // its threads (OpenMP static chunks), keeps one float partial row per
    // thread, and adds the partial rows in thread order in double.
    const int64_t threads = getTorchThreads();
    const int64_t active = std::min<int64_t>(threads, count);
    const int64_t chunk = (count + active - 1) / active;
    std::vector<float> partial(threads * c_, 0.0f);
    auto reduce = [&](auto &&accumulate) {
      std::fill(partial.begin(), partial.end(), 0.0f);
      for (int64_t t = 0; t < active; ++t)
        for (int64_t r = t * chunk; r < std::min(count, (t + 1) * chunk); ++r)
          accumulate(partial.data() + t * c_, x_ + r * c_);
    };
    if (count > threads) {
      reduce([&](float *acc, const float *row) {
        for (int64_t c = 0; c < c_; ++c)
          acc[c] += row[c];
      });
      for (int64_t c = 0; c < c_; ++c) {
        double sum = 0.0;
        for (int64_t t = 0; t < threads; ++t)
          sum += partial[t * c_ + c];
        mean_[c] = static_cast<float>(sum / count);
      }
      reduce([&](float *acc, const float *row) {
        for (int64_t c = 0; c < c_; ++c) {
          float d = row[c] - mean_[c];
          acc[c] = mulAdd(d, d, acc[c], fused_);
        }
      });
      for (int64_t c = 0; c < c_; ++c) {
        double sum = 0.0;
        for (int64_t t = 0; t < threads; ++t)
          sum += partial[t * c_ + c];
        varSum_[c] = static_cast<float>(sum);
      }
      return;
    }
    // Fewer rows than threads: a double sum per channel.
    for (int64_t c = 0; c < c_; ++c) {
      double sum = 0.0;
      for (int64_t r = 0; r < count; ++r)
        sum += x_[r * c_ + c];
      mean_[c] = static_cast<float>(sum / count);
      double squares = 0.0;
      for (int64_t r = 0; r < count; ++r) {
        float d = x_[r * c_ + c] - mean_[c];
        squares += d * d;
      }
      varSum_[c] = static_cast<float>(squares);
    }
  }

  /// nn.BatchNorm's num_batches_tracked and ATen's running-stat update.
  void updateRunningStats() {
    double factor = p_.momentum ? *p_.momentum : 0.0;
    if (tracked_) {
      *tracked_ += 1;
      if (!p_.momentum)
        factor = 1.0 / static_cast<double>(*tracked_);
    }
    const float momentum = static_cast<float>(factor);
    const int64_t count = n_ * inner_;
    for (int64_t c = 0; c < c_; ++c) {
      m_[c] = momentum * mean_[c] + (1 - momentum) * m_[c];
      double unbiased = varSum_[c] / static_cast<float>(count - 1);
      v_[c] = static_cast<float>(momentum * unbiased +
                                 static_cast<float>((1 - momentum) * v_[c]));
    }
  }

  BatchNormParams p_;
  int64_t n_ = 0, c_ = 0, inner_ = 0;
  bool updating_ = false, fused_ = false;
  const float *x_ = nullptr, *w_ = nullptr, *b_ = nullptr;
  float *m_ = nullptr, *v_ = nullptr, *y_ = nullptr;
  int64_t *tracked_ = nullptr;
  std::vector<float> mean_, invstd_, varSum_, alpha_, beta_;
};

} // namespace

std::unique_ptr<Kernel>
qfx::exec::createBatchNormKernel(const BatchNormParams &params) {
  return std::make_unique<BatchNormKernel>(params);
}
