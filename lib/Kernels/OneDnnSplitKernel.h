//===- OneDnnSplitKernel.h - Direct / split / checked oneDNN u8s8 -*- C++
//-*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The oneDNN 2.6 u8 x s8 -> s32 kernel of the 3-d and the transposed
// convolutions. Without VNNI its vpmaddubsw sums pairs of products in int16
// with saturation, so it runs one of three ways:
//  - direct: the weights as they are (exact when 2 * max(x) * max|w| fits);
//  - split: each weight as two halves in [-64, 64] (two output rows per
//    channel, added afterwards), exact on any u8 input at twice the MACs;
//  - checked: per run, direct when the input's largest value allows it,
//    else split.
// The subclasses describe the primitive and prepare the input; this class
// owns the primitives, the accumulators and the requantization.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_KERNELS_ONEDNNSPLITKERNEL_H
#define QFX_LIB_KERNELS_ONEDNNSPLITKERNEL_H

#include "KernelsImpl.h"

#include "dnnl.hpp"

namespace qfx::kern {

/// The CPU engine every oneDNN kernel of qfx runs on.
dnnl::engine &oneDnnCpuEngine();

class OneDnnSplitKernel : public ConvKernel {
public:
  Impl lastImpl() const override { return last_; }
  std::string libraryInfo() const override;

protected:
  /// Checked when both \p direct and \p split; else the one requested.
  OneDnnSplitKernel(ConvDesc d, bool direct, bool split);

  /// Builds the primitives (may throw dnnl::error) and the accumulators of
  /// \p pixels output pixels. \p offset holds zp_in * (sum of the weights
  /// reaching each output channel) for offset.size() / oc consecutive output
  /// pixels, repeated over the output; it is subtracted before requantizing.
  void initPrimitives(int64_t pixels, std::vector<int32_t> offset);

  /// The primitive descriptor for weights laid out by the split (factor
  /// rows per output channel); sets \p plainWeights to that layout's
  /// descriptor.
  virtual dnnl::primitive_desc describe(int64_t factor,
                                        dnnl::memory::desc &plainWeights) = 0;

  /// One run: picks direct or split from \p in (its \p numel values; with
  /// \p zpMustFit the zero point, which pads the input, must fit the direct
  /// limit too), runs the primitive on \p x (\p in or the subclass's padded
  /// copy of it) and requantizes into \p out.
  void runOn(const uint8_t *in, int64_t numel, bool zpMustFit, const uint8_t *x,
             uint8_t *out);

private:
  struct Primitive {
    int64_t factor = 1;
    dnnl::primitive prim;
    dnnl::memory::desc src, dst;
    dnnl::memory weights;
    std::string info;
  };
  void build(Primitive &p, int64_t factor);

  Requantizer rq_;
  bool useDirect_, useSplit_;
  Primitive direct_, split_;
  int64_t pixels_ = 0, directRuns_ = 0, splitRuns_ = 0;
  int32_t limit_ = 0;
  Impl last_ = Impl::OneDnnU8S8;
  std::vector<int32_t> acc_, offset_;
};

} // namespace qfx::kern

#endif // QFX_LIB_KERNELS_ONEDNNSPLITKERNEL_H
