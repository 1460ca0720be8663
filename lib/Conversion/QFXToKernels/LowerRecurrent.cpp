//===- LowerRecurrent.cpp - Dynamic LSTM to qfxk.dynamic_lstm -------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The reference LSTM of a dynamic qconfig (docs/convert.md, "Dynamic LSTM
// and GRU"): qfx.lstm on dq(quantize_dynamic(x)), each w_ih / w_hh operand
// dq(q(parameter)), biases float parameters. convert_fx turns the same
// module into torch.ao.nn.quantized.dynamic.LSTM, whose gate products are
// dynamic linear layers (quantized::quantized_lstm); qfxk.dynamic_lstm
// computes that, with each weight matrix packed with its bias.
//
// reduce_range is the lowering backend's, not the reference graph's
// literal: the dynamic LSTM module (version 2) always asks for reduce_range,
// which fbgemm, x86 and onednn honour and qnnpack ignores. The reference
// graph's input quantize has no counterpart in the lowered module (the
// kernel quantizes inside, per gate product).
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

using namespace mlir;
using namespace qfx;
namespace qk = qfx::kernels;
using namespace qfx::lowering;

namespace {

struct LowerDynamicLSTM : OpRewritePattern<LSTMOp>, Recorder {
  LowerDynamicLSTM(MLIRContext *ctx, bool reduceRange, LowerFailures *f)
      : OpRewritePattern(ctx), Recorder{f}, reduceRange(reduceRange) {}

  LogicalResult matchAndRewrite(LSTMOp op, PatternRewriter &rw) const override {
    std::optional<DynamicInput> in = matchDynamicInput(op.getInput());
    if (!in)
      return failure(); // a float LSTM (static or no qconfig)
    if (!in->unsupported.empty())
      return fail(rw, op, "dynamic LSTM kernels " + in->unsupported);
    auto inT = cast<RankedTensorType>(in->input.getType());
    if (inT.getRank() != 3 || !inT.hasStaticShape())
      return fail(rw, op, "dynamic LSTM kernels take static 3-d inputs");
    if (!op.getInitialStates().empty() && op.getInitialStates().size() != 2)
      return fail(rw, op, "the initial state is not (h0, c0)");
    int64_t layers = op.getNumLayersAttr().getInt();
    int64_t dirs = op.getBidirectional() ? 2 : 1;
    unsigned perDir = op.getHasBiases() ? 4 : 2;
    OperandRange weights = op.getWeights();
    if (static_cast<int64_t>(weights.size()) != perDir * layers * dirs)
      return fail(rw, op, "the flat weights do not match the layers");
    // (w_ih, b_ih), (w_hh, b_hh) per layer and direction.
    SmallVector<std::pair<Value, Value>> pairs;
    for (int64_t i = 0; i < layers * dirs; ++i) {
      unsigned base = i * perDir;
      for (unsigned k = 0; k < 2; ++k)
        pairs.push_back({weights[base + k],
                         op.getHasBiases() ? weights[base + 2 + k] : Value()});
    }
    std::string why;
    for (auto [w, b] : pairs)
      if (failed(packDynamicWeight(rw, w, b, why, /*create=*/false)))
        return fail(rw, op, why);
    SmallVector<Attribute> symbols;
    for (auto [w, b] : pairs)
      symbols.push_back(*packDynamicWeight(rw, w, b, why));
    auto k = qk::DynamicLSTMOp::create(
        rw, op.getLoc(), TypeRange(op.getResultTypes()), in->input,
        op.getInitialStates(), rw.getArrayAttr(symbols), op.getHiddenSizeAttr(),
        op.getNumLayersAttr(), op.getBatchFirstAttr(),
        op.getBidirectionalAttr(), rw.getBoolAttr(reduceRange));
    rw.replaceOp(op, k.getResults());
    succeeded(op);
    return success();
  }

  bool reduceRange;
};

} // namespace

void qfx::lowering::populateRecurrentPatterns(RewritePatternSet &patterns,
                                              bool reduceRange,
                                              LowerFailures *failures) {
  patterns.add<LowerDynamicLSTM>(patterns.getContext(), reduceRange, failures);
}
