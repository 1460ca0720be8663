//===- Reductions.h - Vectorisable min/max reductions -----------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The min/max kernels of the observers. They also report whether every
// element was finite, so that observers diagnose NaN/Inf in the same pass.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_REDUCTIONS_H
#define QFX_RUNTIME_REDUCTIONS_H

#include "qfx/Runtime/Status.h"
#include "qfx/Runtime/TensorView.h"

#include <cstdint>
#include <vector>

namespace qfx::rt {

/// Extrema of a float array and whether all of its elements were finite.
struct MinMax {
  float min;
  float max;
  bool allFinite;
};

/// Min and max of \p n > 0 contiguous floats.
MinMax computeMinMax(const float *data, int64_t n);

/// Per-channel extrema of \p x along \p axis. \p allFinite reports whether
/// every element was finite (the extrema are unspecified otherwise).
Status computePerChannelMinMax(const TensorView &x, int64_t axis,
                               std::vector<float> &mins,
                               std::vector<float> &maxs, bool &allFinite);

} // namespace qfx::rt

#endif // QFX_RUNTIME_REDUCTIONS_H
