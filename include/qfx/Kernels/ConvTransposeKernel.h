//===- ConvTransposeKernel.h - Exact int8 transposed convolution -*- C++
//-*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A 2-d transposed convolution on NHWC uint8 activations with the numerics
// of the convolution (docs/kernels.md): the exact int32 sum of
// (x - zp_in) * w over every (input pixel, tap) that lands on an output
// pixel, then the requantization of ConvDesc::requant. oneDNN 2.6's u8 x s8
// -> s32 deconvolution runs both conventions under the convolution's
// direct / split / checked rules; qfx subtracts zp_in times the sum of the
// weights that reach each output pixel (it varies at the borders).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_KERNELS_CONVTRANSPOSEKERNEL_H
#define QFX_KERNELS_CONVTRANSPOSEKERNEL_H

#include "qfx/Kernels/QuantizedKernels.h"

namespace qfx::kern {

/// base.h/w are the input sizes, base.kh/kw/stride*/pad*/dil*/groups the
/// transposed convolution's own (padding crops the output; base.padB/padR
/// must equal padT/padL). base.weight is O x I/groups x KH x KW with O the
/// *output* channels (PyTorch's I x O/groups x KH x KW, transposed per
/// group at compile time).
struct ConvTransposeDesc {
  ConvDesc base;
  int64_t outPadH = 0, outPadW = 0;

  int64_t oh() const {
    return (base.h - 1) * base.strideH - 2 * base.padT +
           base.dilH * (base.kh - 1) + outPadH + 1;
  }
  int64_t ow() const {
    return (base.w - 1) * base.strideW - 2 * base.padL +
           base.dilW * (base.kw - 1) + outPadW + 1;
  }
  /// Checks sizes; returns an error message or "".
  std::string validate() const;
};

/// sum((x - zp) * w) per output pixel and channel (NHWC, no bias).
void referenceConvTransposeAcc(const ConvTransposeDesc &d, const uint8_t *in,
                               int32_t zp, int32_t *acc);
/// The reference transposed convolution (defines the numerics).
void referenceConvTranspose(const ConvTransposeDesc &d, const uint8_t *in,
                            uint8_t *out);

/// Auto: oneDNN direct when it cannot saturate, else checked direct /
/// split; or forced (Reference, OneDnn, OneDnnSplit, OneDnnUnchecked).
/// run() takes NHWC input and writes NHWC output.
std::unique_ptr<ConvKernel> createConvTransposeKernel(ConvTransposeDesc desc,
                                                      ImplChoice choice,
                                                      std::string &error);

} // namespace qfx::kern

#endif // QFX_KERNELS_CONVTRANSPOSEKERNEL_H
