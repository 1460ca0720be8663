//===- RecurrentCommon.h - What the recurrent kernels share -----*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The float recurrences (nn.LSTM, nn.GRU) and the dynamic LSTM read the same
// slots the same way: a [T, B, I] (or batch-first) input, optional initial
// states [L*D, B, H], an output [T, B, D*H] and the final states. Their
// prepare() reads the sizes and binds the slots here so that both check
// them alike; the weights, which differ, they check themselves.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_EXECUTOR_RECURRENTCOMMON_H
#define QFX_LIB_EXECUTOR_RECURRENTCOMMON_H

#include "qfx/Executor/Plan.h"

#include <cmath>
#include <string>

namespace qfx::exec {

/// PyTorch's sigmoid in float32 (the gates of both kernels).
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

/// The slots of a recurrent layer stack (-1: absent; absent h0 / c0 mean
/// zeros) and the attributes that size them.
struct RecurrentSlots {
  int input = -1, h0 = -1, c0 = -1, output = -1, hn = -1, cn = -1;
  int64_t hiddenSize = 0, numLayers = 1;
  bool batchFirst = false, bidirectional = false;

  /// From RecurrentParams or QDynamicLSTMParams (same field names).
  template <typename Params> static RecurrentSlots of(const Params &p) {
    return {p.input, p.h0,         p.c0,        p.output,     p.hn,
            p.cn,    p.hiddenSize, p.numLayers, p.batchFirst, p.bidirectional};
  }
};

/// A plan kernel over RecurrentSlots: the sizes and data pointers every
/// recurrent kernel reads, checked alike.
class RecurrentKernelBase : public Kernel {
protected:
  /// T, B, I from the input slot ([T, B, I], or [B, T, I] batch-first; a 2-d
  /// input is unbatched, B = 1, only when \p allowUnbatched), H and D.
  /// Errors start with \p what.
  Status readSizes(const Plan &plan, const std::string &what,
                   const RecurrentSlots &s, bool allowUnbatched);
  /// Checks that every slot holds float32, that the states hold L*D*B*H
  /// values and the output T*B*D*H, and resolves the data pointers.
  Status bindSlots(Plan &plan, const std::string &what,
                   const RecurrentSlots &s);

  int64_t T_ = 0, B_ = 0, I_ = 0, H_ = 0, D_ = 1;
  const float *x_ = nullptr, *h0_ = nullptr, *c0_ = nullptr;
  float *y_ = nullptr, *hn_ = nullptr, *cn_ = nullptr;
};

} // namespace qfx::exec

#endif // QFX_LIB_EXECUTOR_RECURRENTCOMMON_H
