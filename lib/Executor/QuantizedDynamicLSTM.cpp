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
// fbgemm's float epilogue with the bias packed into the weight).
//
//===----------------------------------------------------------------------===//

#include "RecurrentCommon.h"
#include "qfx/Executor/QuantizedOps.h"
#include "qfx/Runtime/DynamicQuant.h"
#include "qfx/Runtime/Quantize.h"

#include <cmath>
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
        if (Status s = gemm(ih, seq_.data(), T_ * B_ * inDim, gih_.data());
            s.failed())
          return s;
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
          if (Status st = gemm(hh, h_.data(), B_ * H_, ghh_.data());
              st.failed())
            return st;
          for (int64_t b = 0; b < B_; ++b)
            cell(&ghh_[b * 4 * H_], &gih_[(t * B_ + b) * 4 * H_], &h_[b * H_],
                 &c_[b * H_], &layerOut_[(t * B_ + b) * row + d * H_]);
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

  /// One dynamic linear call: qparams of this input, quantize, product.
  Status gemm(DynamicLinearKernel &k, const float *x, int64_t n, float *y) {
    float lo, hi;
    if (Status s = rt::tensorMinMax(x, n, lo, hi); s.failed())
      return s;
    auto qp = rt::chooseDynamicQParams(lo, hi, 0, 255, p_.reduceRange);
    if (qp.failed())
      return qp.status();
    const float scale = static_cast<float>(qp->scale);
    const int64_t zp = qp->zeroPoint;
    for (int64_t i = 0; i < n; ++i)
      xq_[i] = static_cast<uint8_t>(rt::quantizeValue(x[i], scale, zp, 0, 255));
    k.run(xq_.data(), scale, static_cast<int32_t>(zp), y);
    count(k.lastImpl());
    return Status::success();
  }

  void count(Impl impl) {
    for (auto &entry : runs_)
      if (entry.first == impl) {
        ++entry.second;
        return;
      }
    runs_.push_back({impl, 1});
  }

  /// ATen's LSTMCell on one batch row: gates = hh + ih (add_ onto the
  /// hidden product), chunks i, f, g, o.
  void cell(const float *ghh, const float *gih, float *h, float *c,
            float *out) const {
    for (int64_t j = 0; j < H_; ++j) {
      const float i = sigmoid(ghh[j] + gih[j]);
      const float f = sigmoid(ghh[H_ + j] + gih[H_ + j]);
      const float g = std::tanh(ghh[2 * H_ + j] + gih[2 * H_ + j]);
      const float o = sigmoid(ghh[3 * H_ + j] + gih[3 * H_ + j]);
      const float fc = f * c[j];
      const float ig = i * g;
      c[j] = fc + ig;
      h[j] = o * std::tanh(c[j]);
      out[j] = h[j];
    }
  }

  QDynamicLSTMParams p_;
  std::vector<std::unique_ptr<DynamicLinearKernel>> gemms_;
  std::vector<std::pair<Impl, int64_t>> runs_;
  std::vector<float> seq_, layerOut_, gih_, ghh_, h_, c_;
  std::vector<uint8_t> xq_;
};

} // namespace

std::unique_ptr<Kernel> exec::createQDynamicLSTMKernel(QDynamicLSTMParams p) {
  return std::make_unique<QDynamicLSTMOp>(std::move(p));
}
