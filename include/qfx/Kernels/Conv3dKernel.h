//===- Conv3dKernel.h - Exact int8 3-d convolution --------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A 3-d convolution on channels-last (NDHWC) uint8 activations with the
// numerics of the 2-d one (docs/kernels.md): exact int32 accumulation, then
// the requantization of ConvDesc::requant. oneDNN 2.6 runs it for both
// conventions (XNNPACK 2022 has no 3-d convolution): its u8 x s8 -> s32
// result is exact under the same direct / split / checked rules as in 2-d,
// and qfx applies the `float` or `fp32` epilogue itself.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_KERNELS_CONV3DKERNEL_H
#define QFX_KERNELS_CONV3DKERNEL_H

#include "qfx/Kernels/QuantizedKernels.h"

namespace qfx::kern {

/// The depth dimension on top of a ConvDesc whose h/w fields describe the
/// two inner spatial dims; the weight is O x C/groups x KD x KH x KW.
struct Conv3dDesc {
  ConvDesc base;
  int64_t d = 1, kd = 1, strideD = 1, padD = 0, dilD = 1;

  int64_t od() const {
    return (d + 2 * padD - dilD * (kd - 1) - 1) / strideD + 1;
  }
  /// Checks sizes; returns an error message or "".
  std::string validate() const;
};

/// sum((x - zp_in) * w) per output voxel and channel (NDHWC, no bias).
void referenceConv3dAcc(const Conv3dDesc &d, const uint8_t *in, int32_t *acc);
/// The reference 3-d convolution (defines the numerics).
void referenceConv3d(const Conv3dDesc &d, const uint8_t *in, uint8_t *out);

/// Chooses (Auto: oneDNN direct when it cannot saturate, else checked
/// direct / split) or forces (Reference, OneDnn, OneDnnSplit,
/// OneDnnUnchecked) an implementation; null with \p error when the forced
/// one cannot run \p desc. The kernel's desc() is desc.base; run() takes
/// NDHWC input and writes NDHWC output.
std::unique_ptr<ConvKernel>
createConv3dKernel(Conv3dDesc desc, ImplChoice choice, std::string &error);

} // namespace qfx::kern

#endif // QFX_KERNELS_CONV3DKERNEL_H
