//===- RecurrentKernels.cpp - nn.LSTM and nn.GRU --------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Eval-mode recurrences with PyTorch's gate order (LSTM: i, f, g, o; GRU:
// r, z, n) and flat weight order (w_ih, w_hh, b_ih, b_hh per layer and
// direction). Inter-layer dropout is a training-only effect and is skipped.
//
//===----------------------------------------------------------------------===//

#include "RecurrentCommon.h"
#include "qfx/Executor/Kernels.h"
#include "qfx/Kernels/LstmCell.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace qfx;
using namespace qfx::exec;

namespace {

class RecurrentKernel : public RecurrentKernelBase {
public:
  explicit RecurrentKernel(RecurrentParams p) : p_(std::move(p)) {}

  Status prepare(Plan &plan) override {
    const char *what = p_.lstm ? "lstm" : "gru";
    const RecurrentSlots slots = RecurrentSlots::of(p_);
    if (Status s = readSizes(plan, what, slots, /*allowUnbatched=*/true);
        s.failed())
      return s;
    G_ = p_.lstm ? 4 : 3;
    size_t perDir = p_.hasBiases ? 4 : 2;
    if (p_.weights.size() != perDir * D_ * p_.numLayers)
      return Status::error(std::string(what) + ": expected " +
                           std::to_string(perDir * D_ * p_.numLayers) +
                           " weights, got " +
                           std::to_string(p_.weights.size()));
    for (int64_t l = 0; l < p_.numLayers; ++l) {
      int64_t inDim = l == 0 ? I_ : D_ * H_;
      for (int64_t d = 0; d < D_; ++d) {
        size_t base = (l * D_ + d) * perDir;
        Dir dir;
        dir.wih = plan.data<float>(p_.weights[base]);
        dir.whh = plan.data<float>(p_.weights[base + 1]);
        if (plan.slot(p_.weights[base]).numel() != G_ * H_ * inDim ||
            plan.slot(p_.weights[base + 1]).numel() != G_ * H_ * H_)
          return Status::error(std::string(what) +
                               ": weight shapes do not match hidden_size");
        if (p_.hasBiases) {
          dir.bih = plan.data<float>(p_.weights[base + 2]);
          dir.bhh = plan.data<float>(p_.weights[base + 3]);
        }
        dir.inDim = inDim;
        dirs_.push_back(dir);
      }
    }
    if (Status s = bindSlots(plan, what, slots); s.failed())
      return s;
    bufA_.assign(T_ * B_ * D_ * H_, 0.0f);
    bufB_.assign(T_ * B_ * D_ * H_, 0.0f);
    seqIn_.assign(T_ * B_ * std::max(I_, D_ * H_), 0.0f);
    gates_.assign(G_ * H_, 0.0f);
    hh_.assign(G_ * H_, 0.0f);
    h_.assign(H_, 0.0f);
    c_.assign(H_, 0.0f);
    return Status::success();
  }

  Status run() override {
    // Gather the input as (T, B, I).
    for (int64_t t = 0; t < T_; ++t)
      for (int64_t b = 0; b < B_; ++b) {
        const float *src = p_.batchFirst ? x_ + (b * T_ + t) * I_
                                         : x_ + (t * B_ + b) * I_;
        std::memcpy(&seqIn_[(t * B_ + b) * I_], src, I_ * sizeof(float));
      }
    const float *layerIn = seqIn_.data();
    for (int64_t l = 0; l < p_.numLayers; ++l) {
      float *layerOut = (l % 2 == 0) ? bufA_.data() : bufB_.data();
      for (int64_t d = 0; d < D_; ++d) {
        const Dir &dir = dirs_[l * D_ + d];
        for (int64_t b = 0; b < B_; ++b) {
          int64_t stateIdx = (l * D_ + d) * B_ + b;
          if (h0_)
            std::memcpy(h_.data(), h0_ + stateIdx * H_, H_ * sizeof(float));
          else
            std::fill(h_.begin(), h_.end(), 0.0f);
          if (p_.lstm) {
            if (c0_)
              std::memcpy(c_.data(), c0_ + stateIdx * H_, H_ * sizeof(float));
            else
              std::fill(c_.begin(), c_.end(), 0.0f);
          }
          for (int64_t s = 0; s < T_; ++s) {
            int64_t t = d == 0 ? s : T_ - 1 - s;
            step(dir, layerIn + (t * B_ + b) * dir.inDim);
            std::memcpy(layerOut + ((t * B_ + b) * D_ + d) * H_, h_.data(),
                        H_ * sizeof(float));
          }
          if (hn_)
            std::memcpy(hn_ + stateIdx * H_, h_.data(), H_ * sizeof(float));
          if (cn_)
            std::memcpy(cn_ + stateIdx * H_, c_.data(), H_ * sizeof(float));
        }
      }
      layerIn = layerOut;
    }
    // Scatter (T, B, D*H) into the output layout.
    const int64_t row = D_ * H_;
    for (int64_t t = 0; t < T_; ++t)
      for (int64_t b = 0; b < B_; ++b) {
        float *dst = p_.batchFirst ? y_ + (b * T_ + t) * row
                                   : y_ + (t * B_ + b) * row;
        std::memcpy(dst, layerIn + (t * B_ + b) * row, row * sizeof(float));
      }
    return Status::success();
  }

private:
  struct Dir {
    const float *wih = nullptr, *whh = nullptr, *bih = nullptr,
                *bhh = nullptr;
    int64_t inDim = 0;
  };

  void step(const Dir &dir, const float *x) {
    const int64_t rows = G_ * H_;
    for (int64_t r = 0; r < rows; ++r) {
      const float *w = dir.wih + r * dir.inDim;
      float acc = dir.bih ? dir.bih[r] : 0.0f;
      for (int64_t k = 0; k < dir.inDim; ++k)
        acc += w[k] * x[k];
      gates_[r] = acc;
      const float *u = dir.whh + r * H_;
      float acc2 = dir.bhh ? dir.bhh[r] : 0.0f;
      for (int64_t k = 0; k < H_; ++k)
        acc2 += u[k] * h_[k];
      hh_[r] = acc2;
    }
    if (p_.lstm) {
      // The dynamic LSTM's cell: the same float32 operations (the sums of
      // the two gate halves commute exactly), vectorised where bit-identical.
      kern::lstmCell(hh_.data(), gates_.data(), h_.data(), c_.data(), h_.data(),
                     H_);
    } else {
      for (int64_t j = 0; j < H_; ++j) {
        float r = sigmoid(gates_[j] + hh_[j]);
        float z = sigmoid(gates_[H_ + j] + hh_[H_ + j]);
        float n = std::tanh(gates_[2 * H_ + j] + r * hh_[2 * H_ + j]);
        h_[j] = (1.0f - z) * n + z * h_[j];
      }
    }
  }

  RecurrentParams p_;
  int64_t G_ = 4;
  std::vector<Dir> dirs_;
  std::vector<float> bufA_, bufB_, seqIn_, gates_, hh_, h_, c_;
};

} // namespace

std::unique_ptr<Kernel>
qfx::exec::createRecurrentKernel(const RecurrentParams &params) {
  return std::make_unique<RecurrentKernel>(params);
}
