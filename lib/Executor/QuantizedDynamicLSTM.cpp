//===- QuantizedDynamicLSTM.cpp - Plan kernel of qfxk.dynamic_lstm --------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantized::quantized_lstm with dynamic linear cells, as ATen's CPU path
// runs it (RNN.cpp: FullLayer / FullBidirectionalLayer with
// QuantizedCellParamsDynamic):
// * per layer and direction, the input-hidden product is one dynamic linear
//   call on the whole [T * B, in] sequence (one set of qparams for all
//   steps); the hidden-hidden product one call per step on the [B, H] state;
//   each call chooses its qparams from its input's min / max and quantizes
//   it exactly as quantize_per_tensor_dynamic does;
// * gates = (h W_hh^T + b_hh) + (x W_ih^T + b_ih)[t] in float32, then
//   i, f, o = sigmoid, g = tanh, c' = f * c + i * g, h' = o * tanh(c'),
//   every product and sum rounded to float32 (no fused multiply-add);
// * the reverse direction walks the steps backwards; layer outputs are the
//   directions' states concatenated per step.
// The gate products are qfx's exact dynamic linear kernels (int32 sums,
// fbgemm's float epilogue with the bias packed into the weight). Both
// directions of a layer read the same sequence, so it is quantized once
// for both (the same qparams and integers as two calls); quantizing is
// quantizeU8Fast and the cell kern::lstmCell (AVX2 where bit-identical).
//
//===----------------------------------------------------------------------===//

#include "RecurrentCommon.h"
#include "qfx/Executor/QuantizedOps.h"
#include "qfx/Kernels/LstmCell.h"
#include "qfx/Runtime/DynamicQuant.h"
#include "qfx/Runtime/Quantize.h"

#include <algorithm>
#include <cstring>

using namespace qfx;
using namespace qfx::exec;
using namespace qfx::kern;

namespace {

class QDynamicLSTMOp : public RecurrentKernelBase {
public:
  explicit QDynamicLSTMOp(QDynamicLSTMParams p) : p_(std::move(p)) {}

  Status prepare(Plan &plan) override {
    const RecurrentSlots slots = RecurrentSlots::of(p_);
    if (Status s =
            readSizes(plan, "dynamic lstm", slots, /*allowUnbatched=*/false);
        s.failed())
      return s;
    if (H_ < 1 || p_.numLayers < 1 || T_ < 1 || B_ < 1)
      return Status::error("dynamic lstm: empty sizes");
    if (static_cast<int64_t>(p_.weights.size()) != 2 * D_ * p_.numLayers)
      return Status::error(
          "dynamic lstm: expected " + std::to_string(2 * D_ * p_.numLayers) +
          " weight matrices, got " + std::to_string(p_.weights.size()));
    if (Status s = bindSlots(plan, "dynamic lstm", slots); s.failed())
      return s;
    for (size_t i = 0; i < p_.weights.size(); ++i) {
      DynamicLinearDesc d = p_.weights[i];
      int64_t layer = static_cast<int64_t>(i) / (2 * D_);
      bool hh = i % 2 == 1;
      int64_t k = hh ? H_ : layer == 0 ? I_ : D_ * H_;
      if (d.n != 4 * H_ || d.k != k)
        return Status::error("dynamic lstm: weight matrix " +
                             std::to_string(i) + " is " + std::to_string(d.n) +
                             "x" + std::to_string(d.k) + ", expected " +
                             std::to_string(4 * H_) + "x" + std::to_string(k));
      d.m = hh ? B_ : T_ * B_;
      std::string err;
      auto kernel = DynamicLinearKernel::create(std::move(d), p_.choice, err);
      if (!kernel)
        return Status::error("dynamic lstm: cannot create a gate kernel: " +
                             err);
      gemms_.push_back(std::move(kernel));
    }
    const int64_t width = std::max(I_, D_ * H_);
    seq_.assign(T_ * B_ * width, 0.0f);
    layerOut_.assign(T_ * B_ * D_ * H_, 0.0f);
    xq_.assign(T_ * B_ * width, 0);
    hq_.assign(B_ * H_, 0);
    gih_.assign(T_ * B_ * 4 * H_, 0.0f);
    ghh_.assign(B_ * 4 * H_, 0.0f);
    h_.assign(B_ * H_, 0.0f);
    c_.assign(B_ * H_, 0.0f);
    return Status::success();
  }

  Status run() override {
    // The input as [T, B, I] (ATen transposes a batch-first input first).
    for (int64_t t = 0; t < T_; ++t)
      for (int64_t b = 0; b < B_; ++b)
        std::memcpy(&seq_[(t * B_ + b) * I_],
                    x_ + (p_.batchFirst ? b * T_ + t : t * B_ + b) * I_,
                    I_ * sizeof(float));
    int64_t inDim = I_;
    const int64_t row = D_ * H_;
    for (int64_t l = 0; l < p_.numLayers; ++l) {
      for (int64_t d = 0; d < D_; ++d) {
        const int64_t sd = l * D_ + d;
        DynamicLinearKernel &ih = *gemms_[2 * sd], &hh = *gemms_[2 * sd + 1];
        // Both directions read the same sequence: quantized once.
        if (d == 0) {
          if (Status s =
                  quantize(seq_.data(), T_ * B_ * inDim, xq_.data(), seqQ_);
              s.failed())
            return s;
        }
        product(ih, seqQ_, gih_.data());
        const size_t stateBytes = B_ * H_ * sizeof(float);
        if (h0_)
          std::memcpy(h_.data(), h0_ + sd * B_ * H_, stateBytes);
        else
          std::fill(h_.begin(), h_.end(), 0.0f);
        if (c0_)
          std::memcpy(c_.data(), c0_ + sd * B_ * H_, stateBytes);
        else
          std::fill(c_.begin(), c_.end(), 0.0f);
        for (int64_t s = 0; s < T_; ++s) {
          const int64_t t = d == 0 ? s : T_ - 1 - s;
          Quantized hq;
          if (Status st = quantize(h_.data(), B_ * H_, hq_.data(), hq);
              st.failed())
            return st;
          product(hh, hq, ghh_.data());
          for (int64_t b = 0; b < B_; ++b)
            lstmCell(&ghh_[b * 4 * H_], &gih_[(t * B_ + b) * 4 * H_],
                     &h_[b * H_], &c_[b * H_],
                     &layerOut_[(t * B_ + b) * row + d * H_], H_);
        }
        if (hn_)
          std::memcpy(hn_ + sd * B_ * H_, h_.data(), stateBytes);
        if (cn_)
          std::memcpy(cn_ + sd * B_ * H_, c_.data(), stateBytes);
      }
      std::memcpy(seq_.data(), layerOut_.data(),
                  layerOut_.size() * sizeof(float));
      inDim = row;
    }
    for (int64_t t = 0; t < T_; ++t)
      for (int64_t b = 0; b < B_; ++b)
        std::memcpy(y_ + (p_.batchFirst ? b * T_ + t : t * B_ + b) * row,
                    &layerOut_[(t * B_ + b) * row], row * sizeof(float));
    return Status::success();
  }

  std::string implName() const override {
    std::string s = "qfx:dynamic-lstm, gate products:";
    const char *sep = " ";
    for (auto [impl, runs] : runs_) {
      s += sep + std::string(implName(impl)) + " " + std::to_string(runs);
      sep = ", ";
    }
    return s + " run(s)";
  }

private:
  static const char *implName(Impl i) { return kern::implName(i); }

  /// A dynamically quantized gate-product input.
  struct Quantized {
    const uint8_t *data = nullptr;
    float scale = 1.0f;
    int32_t zeroPoint = 0;
  };

  /// The input of a dynamic linear call: qparams from its min / max, then
  /// quantize_val (quantizeU8Fast is bit-identical) into \p out.
  Status quantize(const float *x, int64_t n, uint8_t *out, Quantized &xq) {
    float lo, hi;
    if (Status s = rt::tensorMinMax(x, n, lo, hi); s.failed())
      return s;
    auto qp = rt::chooseDynamicQParams(lo, hi, 0, 255, p_.reduceRange);
    if (qp.failed())
      return qp.status();
    xq.scale = static_cast<float>(qp->scale);
    xq.zeroPoint = static_cast<int32_t>(qp->zeroPoint);
    quantizeU8Fast(x, out, n, xq.scale, xq.zeroPoint, 0, 255);
    xq.data = out;
    return Status::success();
  }

  void product(DynamicLinearKernel &k, const Quantized &xq, float *y) {
    k.run(xq.data, xq.scale, xq.zeroPoint, y);
    count(k.lastImpl());
  }

  void count(Impl impl) {
    for (auto &entry : runs_)
      if (entry.first == impl) {
        ++entry.second;
        return;
      }
    runs_.push_back({impl, 1});
  }

  QDynamicLSTMParams p_;
  std::vector<std::unique_ptr<DynamicLinearKernel>> gemms_;
  std::vector<std::pair<Impl, int64_t>> runs_;
  std::vector<float> seq_, layerOut_, gih_, ghh_, h_, c_;
  std::vector<uint8_t> xq_, hq_;
  Quantized seqQ_;
};

} // namespace

std::unique_ptr<Kernel> exec::createQDynamicLSTMKernel(QDynamicLSTMParams p) {
  return std::make_unique<QDynamicLSTMOp>(std::move(p));
}
