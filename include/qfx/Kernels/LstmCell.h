//===- LstmCell.h - The LSTM cell's float32 gate math -----------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ATen's LSTMCell after the two gate products, in float32 with the C
// library's expf and tanhf (docs/kernels.md, "Dynamic LSTM"). Where the CPU
// has AVX2 and FMA, eight columns at a time with vector versions of glibc's
// expf (its FMA variant) and tanhf (fdlibm's, through expm1f) that repeat
// their operations one for one, so results are bit-identical to the
// scalar libm calls; a self-check against libm at first use keeps the
// scalar loop on any C library whose functions differ.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_KERNELS_LSTMCELL_H
#define QFX_KERNELS_LSTMCELL_H

#include <cstdint>

namespace qfx::kern {

/// One batch row of the cell, \p n hidden units: gates = ghh + gih (chunks
/// i, f, g, o of n each), i, f, o = 1 / (1 + exp(-gate)), g = tanh(gate),
/// c = f * c + i * g, h = o * tanh(c), out = h; every product and sum
/// rounded to float32.
void lstmCell(const float *ghh, const float *gih, float *h, float *c,
              float *out, int64_t n);

/// Whether lstmCell runs eight columns at a time (AVX2 + FMA and the libm
/// self-check passed).
bool lstmCellVectorised();

/// std::exp / std::tanh over \p n values, vectorised where lstmCell is
/// (for tests: they must equal the scalar calls bit for bit).
void expArray(const float *x, float *y, int64_t n);
void tanhArray(const float *x, float *y, int64_t n);

} // namespace qfx::kern

#endif // QFX_KERNELS_LSTMCELL_H
