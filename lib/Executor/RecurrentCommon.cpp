//===- RecurrentCommon.cpp - What the recurrent kernels share -------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "RecurrentCommon.h"

using namespace qfx;
using namespace qfx::exec;

Status RecurrentKernelBase::readSizes(const Plan &plan, const std::string &what,
                                      const RecurrentSlots &s,
                                      bool allowUnbatched) {
  const Shape &in = plan.slot(s.input).shape;
  if (in.size() == 2 && allowUnbatched) {
    T_ = in[0];
    B_ = 1;
  } else if (in.size() == 3) {
    T_ = s.batchFirst ? in[1] : in[0];
    B_ = s.batchFirst ? in[0] : in[1];
  } else {
    return Status::error(what + (allowUnbatched ? ": input must be 2-d or 3-d"
                                                : ": input must be 3-d"));
  }
  I_ = in.back();
  H_ = s.hiddenSize;
  D_ = s.bidirectional ? 2 : 1;
  return Status::success();
}

Status RecurrentKernelBase::bindSlots(Plan &plan, const std::string &what,
                                      const RecurrentSlots &s) {
  for (int id : {s.input, s.h0, s.c0, s.output, s.hn, s.cn})
    if (id >= 0 && plan.slot(id).type != ElemType::F32)
      return Status::error(what + " needs float32 tensors");
  // Unbatched (2-d) inputs have [L*D, H] states: the same count with B = 1.
  const int64_t states = s.numLayers * D_ * B_ * H_;
  for (int id : {s.h0, s.c0, s.hn, s.cn})
    if (id >= 0 && plan.slot(id).numel() != states)
      return Status::error(what + ": states must be [L*D, B, H]");
  if (plan.slot(s.output).numel() != T_ * B_ * D_ * H_)
    return Status::error(what + ": output has the wrong size");
  x_ = plan.data<float>(s.input);
  y_ = plan.data<float>(s.output);
  h0_ = s.h0 >= 0 ? plan.data<float>(s.h0) : nullptr;
  c0_ = s.c0 >= 0 ? plan.data<float>(s.c0) : nullptr;
  hn_ = s.hn >= 0 ? plan.data<float>(s.hn) : nullptr;
  cn_ = s.cn >= 0 ? plan.data<float>(s.cn) : nullptr;
  return Status::success();
}
