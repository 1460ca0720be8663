//===- ConvKernel.cpp - Choosing an exact convolution implementation ------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "KernelsImpl.h"

#include <cstdlib>

using namespace qfx::kern;

ConvKernel::~ConvKernel() = default;

namespace {
/// The vectorised correction costs about as much as the split kernel's
/// second half when a tenth of the inputs exceed the limit (resnet18 conv
/// shapes, docs/kernels.md); full-range activations after a ReLU have 1-6 %.
constexpr int64_t kCorrectedShare = 10;

class ReferenceConv : public ConvKernel {
public:
  explicit ReferenceConv(ConvDesc d) : ConvKernel(std::move(d), Impl::Reference) {}
  void run(const uint8_t *in, uint8_t *out) override {
    referenceConv(desc_, in, out);
  }
};
/// The direct oneDNN kernel where the data allows it, the split one
/// otherwise: one pass over the input (AVX2) counts the values above the
/// direct kernel's limit. A few such values (at most 1/kCorrectedShare of
/// the input) take the direct kernel on the clipped input plus an exact
/// correction (runOneDnnClipped); more take the split kernel.
class CheckedConv : public ConvKernel {
public:
  CheckedConv(ConvDesc d, std::unique_ptr<ConvKernel> direct,
              std::unique_ptr<ConvKernel> split)
      : ConvKernel(std::move(d), Impl::OneDnnU8S8Checked),
        direct_(std::move(direct)), split_(std::move(split)) {
    int32_t maxW = 0;
    for (int8_t w : desc_.weight)
      maxW = std::max(maxW, std::abs(int32_t(w)));
    // Largest activation (padding holds zp) the direct kernel is exact for.
    limit_ = maxW ? std::min(32767 / (2 * maxW), 255) : 255;
    numel_ = desc_.n * desc_.h * desc_.w * desc_.c;
  }
  void run(const uint8_t *in, uint8_t *out) override {
    const int64_t above = countAbove(in, numel_, static_cast<uint8_t>(limit_));
    const bool zpOk = desc_.in.zeroPoint <= limit_;
    if (above == 0 && zpOk) {
      last_ = Impl::OneDnnU8S8;
      ++directRuns_;
      direct_->run(in, out);
    } else if (zpOk && above * kCorrectedShare <= numel_) {
      last_ = Impl::OneDnnU8S8Corrected;
      ++correctedRuns_;
      runOneDnnClipped(*direct_, in, out, limit_);
    } else {
      last_ = Impl::OneDnnU8S8Split;
      ++splitRuns_;
      split_->run(in, out);
    }
  }
  Impl lastImpl() const override { return last_; }
  std::string libraryInfo() const override {
    return std::string(implName(impl_)) + ": direct " +
           std::to_string(directRuns_) + ", corrected " +
           std::to_string(correctedRuns_) + ", split " +
           std::to_string(splitRuns_) + " run(s); " + split_->libraryInfo();
  }

private:
  std::unique_ptr<ConvKernel> direct_, split_;
  int32_t limit_ = 0;
  int64_t numel_ = 0, directRuns_ = 0, correctedRuns_ = 0, splitRuns_ = 0;
  Impl last_ = Impl::OneDnnU8S8Checked;
};

} // namespace

std::unique_ptr<ConvKernel> qfx::kern::createReferenceConv(ConvDesc d) {
  return std::make_unique<ReferenceConv>(std::move(d));
}

bool qfx::kern::oneDnnPairsCannotSaturate(const ConvDesc &d) {
  int32_t maxW = 0;
  for (int8_t w : d.weight)
    maxW = std::max(maxW, std::abs(int32_t(w)));
  return 2 * d.in.qmax * maxW <= 32767;
}

bool qfx::kern::autoConvTakesInt8(Requant requant, bool depthwise) {
  // Mirrors the Auto choice below: depthwise convolutions run qfx's kernel
  // (or XNNPACK's without AVX2), other fp32 ones XNNPACK; both take int8.
  return depthwise || requant == Requant::Fp32;
}

std::unique_ptr<ConvKernel> ConvKernel::create(ConvDesc d, ImplChoice choice,
                                               std::string &error) {
  error = d.validate();
  if (!error.empty())
    return nullptr;
  switch (choice) {
  case ImplChoice::Reference:
    return createReferenceConv(std::move(d));
  case ImplChoice::OneDnn:
    return createOneDnnConv(std::move(d), /*split=*/false, error);
  case ImplChoice::OneDnnUnchecked:
    return createOneDnnConv(std::move(d), /*split=*/false, error,
                            /*unchecked=*/true);
  case ImplChoice::OneDnnSplit:
    return createOneDnnConv(std::move(d), /*split=*/true, error);
  case ImplChoice::Xnnpack:
    return createXnnpackConv(std::move(d), error);
  case ImplChoice::Depthwise:
  case ImplChoice::DepthwiseScalar:
    return createDepthwiseConv(std::move(d),
                               choice == ImplChoice::DepthwiseScalar, error);
  case ImplChoice::GemmS16:
    error = "qfx's int16 matrix product runs dynamic linear layers only";
    return nullptr;
  case ImplChoice::Auto:
    break;
  }
  // Fp32 requantization is XNNPACK's own; float requantization runs on
  // oneDNN's int32 accumulators. Depthwise convolutions take qfx's own AVX2
  // kernel in both conventions (exact on any data, no split needed): oneDNN
  // 2.6 runs them only with its scalar reference, and XNNPACK's qc8
  // depthwise microkernel is about half as fast. A library that refuses the
  // shape falls back to the reference.
  std::unique_ptr<ConvKernel> k;
  std::string ignored;
  if (d.requant == Requant::Fp32 && isDepthwise(d) && cpuHasAvx2())
    k = createDepthwiseConv(d, /*scalar=*/false, ignored);
  else if (d.requant == Requant::Fp32)
    k = createXnnpackConv(d, ignored);
  else if (isDepthwise(d))
    k = createDepthwiseConv(d, /*scalar=*/!cpuHasAvx2(), ignored);
  else if (oneDnnPairsCannotSaturate(d))
    k = createOneDnnConv(d, /*split=*/false, ignored);
  else if (auto split = createOneDnnConv(d, /*split=*/true, ignored)) {
    auto direct = createOneDnnConv(d, /*split=*/false, ignored,
                                   /*unchecked=*/true);
    if (direct)
      k = std::make_unique<CheckedConv>(d, std::move(direct), std::move(split));
    else
      k = std::move(split);
  }
  if (!k)
    k = createReferenceConv(std::move(d));
  return k;
}
