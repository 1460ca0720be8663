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
class ReferenceConv : public ConvKernel {
public:
  explicit ReferenceConv(ConvDesc d) : ConvKernel(std::move(d), Impl::Reference) {}
  void run(const uint8_t *in, uint8_t *out) override {
    referenceConv(desc_, in, out);
  }
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
  case ImplChoice::Auto:
    break;
  }
  // Fp32 requantization is XNNPACK's own; float requantization runs on
  // oneDNN's int32 accumulators. A library that refuses the shape falls
  // back to the reference.
  std::unique_ptr<ConvKernel> k;
  std::string ignored;
  if (d.requant == Requant::Fp32)
    k = createXnnpackConv(d, ignored);
  else
    k = createOneDnnConv(d, /*split=*/!oneDnnPairsCannotSaturate(d), ignored);
  if (!k)
    k = createReferenceConv(std::move(d));
  return k;
}
