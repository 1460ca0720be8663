//===- BlasOrderKernels.cpp - fp32 GEMMs in PyTorch's summation order -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13 on CPU runs fp32 linear layers, and the convolutions its
// heuristic keeps away from oneDNN, through the BLAS sgemm that Debian links
// (the netlib reference). Reference sgemm accumulates every output element
// in float32, one product at a time, in the order of the reduction index:
//
//   linear (TN):           acc = 0; acc += x[k] * w[n][k] ...; y = acc + b
//   slow_conv2d (NN):      y = b;   y += w[o][l] * col[l][p] ...
//
// where col is the im2col matrix (l = (c, kh, kw)). oneDNN sums in another
// order, so its results differ in the last bits, and HistogramObserver turns
// last-bit differences into different qparams (docs/numerics.md). These
// kernels reproduce the reference order exactly: each product and each sum
// rounds once (-ffp-contract=off), and only independent outputs are
// vectorised or split across threads.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"

#include <algorithm>
#include <atomic>
#include <cstring>

using namespace qfx;
using namespace qfx::exec;

static std::atomic<int> torchThreads{1};

void qfx::exec::setTorchThreads(int threads) {
  if (threads > 0)
    torchThreads = threads;
}

int qfx::exec::getTorchThreads() { return torchThreads; }

bool qfx::exec::torchUsesSlowConv(const ConvParams &p, const Shape &input,
                                  const Shape &weight) {
  // at::native::ConvParams::use_mkldnn (1.13) for a float CPU tensor; the
  // 1-d case is viewed as 2-d ([N, C, 1, L]) first. What use_mkldnn rejects
  // falls to slow_conv2d (dilated and transposed convolutions have slow
  // paths of their own, which qfx does not reproduce).
  if (p.transposed || input.size() != weight.size() ||
      (input.size() != 3 && input.size() != 4))
    return false;
  for (int64_t d : p.dilation)
    if (d != 1)
      return false;
  bool strided = false;
  for (int64_t s : p.stride)
    strided |= s != 1;
  const int64_t kw = weight.back();
  const int64_t kh = weight.size() == 4 ? weight[2] : 1;
  int64_t numel4 = 1;
  for (int64_t d : input)
    numel4 *= d;
  const bool mkldnnWorthIt =
      strided || input[0] >= 16 || kw != 1 || kh != 1 || torchThreads > 1;
  const bool mkldnnFast =
      p.groups > 1 || (kw > 3 && kh > 3) || input[0] > 1 || numel4 > 20480;
  return !(mkldnnWorthIt && mkldnnFast);
}

namespace {

constexpr int64_t kRows = 4;
constexpr int64_t kCols = 64;

/// out[r][p] = init[r][p]; out[r][p] += a[r][l] * b[l][p] for l = 0..k-1 in
/// order, for a block of up to kRows rows and kCols columns. \p a has row
/// stride \p lda, \p b row stride \p ldb.
__attribute__((target_clones("avx2", "default"))) void
accumulateBlock(const float *a, int64_t lda, const float *b, int64_t ldb,
                int64_t k, int64_t rows, int64_t cols, float (*acc)[kCols]) {
  for (int64_t l = 0; l < k; ++l) {
    const float *bl = b + l * ldb;
    for (int64_t r = 0; r < rows; ++r) {
      const float w = a[r * lda + l];
      float *out = acc[r];
      for (int64_t c = 0; c < cols; ++c)
        out[c] = out[c] + w * bl[c];
    }
  }
}

/// C[m][n] = init + sum_l A[m][l] * B[l][n], accumulated in order of l.
/// Without \p rowInit / \p colInit the sum starts at 0.
void orderedGemm(const float *a, const float *b, float *c, int64_t m, int64_t n,
                 int64_t k, const float *rowInit) {
  const int64_t rowBlocks = (m + kRows - 1) / kRows;
  const int64_t colBlocks = (n + kCols - 1) / kCols;
#pragma omp parallel for schedule(static)
  for (int64_t blk = 0; blk < rowBlocks * colBlocks; ++blk) {
    const int64_t r0 = (blk / colBlocks) * kRows;
    const int64_t c0 = (blk % colBlocks) * kCols;
    const int64_t rows = std::min(kRows, m - r0);
    const int64_t cols = std::min(kCols, n - c0);
    alignas(32) float acc[kRows][kCols];
    for (int64_t r = 0; r < rows; ++r)
      std::fill(acc[r], acc[r] + cols, rowInit ? rowInit[r0 + r] : 0.0f);
    accumulateBlock(a + r0 * k, k, b + c0, n, k, rows, cols, acc);
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(c + (r0 + r) * n + c0, acc[r], cols * sizeof(float));
  }
}

/// at::native::slow_conv2d_forward: the output starts as the bias, then one
/// NN sgemm of the weight [O, C*kh*kw] with the im2col matrix (the input
/// itself for an unpadded, unstrided 1x1 kernel).
class SlowConvKernel : public Kernel {
public:
  explicit SlowConvKernel(ConvParams p) : p_(std::move(p)) {}

  Status prepare(Plan &plan) override {
    if (Status s = checkConvOperandsF32(plan, p_); s.failed())
      return s;
    Shape in = plan.slot(p_.input).shape, w = plan.slot(p_.weight).shape,
          out = plan.slot(p_.output).shape;
    const bool is1d = in.size() == 3;
    batch_ = in[0];
    channels_ = in[1];
    inH_ = is1d ? 1 : in[2];
    inW_ = in.back();
    kH_ = is1d ? 1 : w[2];
    kW_ = w.back();
    outH_ = is1d ? 1 : out[2];
    outW_ = out.back();
    outC_ = out[1];
    strideH_ = is1d ? 1 : p_.stride[0];
    strideW_ = p_.stride.back();
    padH_ = is1d ? 0 : p_.padding[0];
    padW_ = p_.padding.back();
    if (w[0] != outC_ || w[1] != channels_ || p_.groups != 1)
      return Status::error("conv: weight " + shapeToString(w) +
                           " does not match input " + shapeToString(in));
    if (p_.padMode != PadMode::Zeros) {
      // F.pad first, then an unpadded convolution: the kernel sees the
      // padded image.
      Shape padded = in;
      for (size_t i = 2; i < in.size(); ++i)
        padded[i] += 2 * p_.padding[i - 2];
      padShape_ = padded;
      padded_.assign(rt::numElements(padded), 0.0f);
      inShape_ = in;
      inH_ = is1d ? 1 : padded[2];
      inW_ = padded.back();
      padH_ = padW_ = 0;
    }
    needsColumns_ = kH_ != 1 || kW_ != 1 || strideH_ != 1 || strideW_ != 1 ||
                    padH_ != 0 || padW_ != 0;
    if (needsColumns_)
      columns_.assign(channels_ * kH_ * kW_ * outH_ * outW_, 0.0f);
    if (p_.bias < 0)
      zeros_.assign(outC_, 0.0f);
    input_ = plan.data<float>(p_.input);
    weight_ = plan.data<float>(p_.weight);
    bias_ = p_.bias >= 0 ? plan.data<float>(p_.bias) : zeros_.data();
    output_ = plan.data<float>(p_.output);
    return Status::success();
  }

  Status run() override {
    const float *image = input_;
    if (!padShape_.empty()) {
      padImage();
      image = padded_.data();
    }
    const int64_t k = channels_ * kH_ * kW_, plane = outH_ * outW_;
    const int64_t inPlane = channels_ * inH_ * inW_;
    for (int64_t n = 0; n < batch_; ++n) {
      const float *frame = image + n * inPlane;
      if (needsColumns_) {
        im2col(frame);
        frame = columns_.data();
      }
      orderedGemm(weight_, frame, output_ + n * outC_ * plane, outC_, plane, k,
                  bias_);
    }
    return Status::success();
  }

  std::string implName() const override { return "torch-order:slow_conv2d"; }

private:
  void im2col(const float *frame) {
    float *col = columns_.data();
    for (int64_t c = 0; c < channels_; ++c)
      for (int64_t i = 0; i < kH_; ++i)
        for (int64_t j = 0; j < kW_; ++j)
          for (int64_t y = 0; y < outH_; ++y) {
            const int64_t iy = y * strideH_ - padH_ + i;
            for (int64_t x = 0; x < outW_; ++x) {
              const int64_t ix = x * strideW_ - padW_ + j;
              *col++ = iy >= 0 && iy < inH_ && ix >= 0 && ix < inW_
                           ? frame[(c * inH_ + iy) * inW_ + ix]
                           : 0.0f;
            }
          }
  }

  void padImage() {
    padInput(input_, padded_.data(), inShape_, padShape_, p_.padding,
             p_.padMode);
  }

  ConvParams p_;
  int64_t batch_ = 0, channels_ = 0, inH_ = 0, inW_ = 0, kH_ = 0, kW_ = 0,
          outH_ = 0, outW_ = 0, outC_ = 0, strideH_ = 1, strideW_ = 1,
          padH_ = 0, padW_ = 0;
  bool needsColumns_ = false;
  std::vector<float> columns_, zeros_, padded_;
  Shape padShape_, inShape_;
  const float *input_ = nullptr, *weight_ = nullptr, *bias_ = nullptr;
  float *output_ = nullptr;
};

/// F.linear as addmm / matmul + add: per output, a float32 dot product from
/// 0 in order of k (reference sgemm, transposed A), then + bias. The weight
/// is transposed once so that outputs are contiguous.
class OrderedLinearKernel : public Kernel {
public:
  OrderedLinearKernel(int input, int weight, int bias, int output)
      : inputId_(input), weightId_(weight), biasId_(bias), outputId_(output) {}

  Status prepare(Plan &plan) override {
    for (int id : {inputId_, weightId_, biasId_, outputId_})
      if (Status s = checkSlotF32(plan, id, "linear operand"); s.failed())
        return s;
    Shape a = plan.slot(inputId_).shape, w = plan.slot(weightId_).shape;
    if (w.size() != 2 || a.empty() || a.back() != w[1])
      return Status::error("linear: input " + shapeToString(a) +
                           " does not match weight " + shapeToString(w));
    k_ = w[1];
    n_ = w[0];
    m_ = rt::numElements(a) / std::max<int64_t>(k_, 1);
    if (plan.slot(outputId_).numel() != m_ * n_)
      return Status::error("linear: output has the wrong size");
    if (biasId_ >= 0 && plan.slot(biasId_).numel() != n_)
      return Status::error("linear: bias has the wrong size");
    input_ = plan.data<float>(inputId_);
    weight_ = plan.data<float>(weightId_);
    bias_ = biasId_ >= 0 ? plan.data<float>(biasId_) : nullptr;
    output_ = plan.data<float>(outputId_);
    constantWeight_ = plan.slot(weightId_).kind == SlotKind::Constant;
    transposed_.resize(k_ * n_);
    if (constantWeight_)
      transposeWeight();
    return Status::success();
  }

  Status run() override {
    if (!constantWeight_)
      transposeWeight();
    // Rows of x against the transposed weight [K, N]: out = x W^T from 0.
    orderedGemm(input_, transposed_.data(), output_, m_, n_, k_, nullptr);
    if (bias_)
      for (int64_t i = 0; i < m_; ++i)
        for (int64_t j = 0; j < n_; ++j)
          output_[i * n_ + j] = output_[i * n_ + j] + bias_[j];
    return Status::success();
  }

  std::string implName() const override { return "torch-order:sgemm"; }

private:
  void transposeWeight() {
    for (int64_t j = 0; j < n_; ++j)
      for (int64_t l = 0; l < k_; ++l)
        transposed_[l * n_ + j] = weight_[j * k_ + l];
  }

  int inputId_, weightId_, biasId_, outputId_;
  int64_t m_ = 0, n_ = 0, k_ = 0;
  bool constantWeight_ = false;
  std::vector<float> transposed_;
  const float *input_ = nullptr, *weight_ = nullptr, *bias_ = nullptr;
  float *output_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel>
qfx::exec::createTorchSlowConvKernel(const ConvParams &params) {
  return std::make_unique<SlowConvKernel>(params);
}

std::unique_ptr<Kernel> qfx::exec::createLinearKernel(int input, int weight,
                                                      int bias, int output) {
  return std::make_unique<OrderedLinearKernel>(input, weight, bias, output);
}
