//===- ConvertRecurrent.cpp - dynamic LSTM weights in --qfx-convert -------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// convert_to_reference_fx of nn.LSTM (convert_weighted_module's LSTM
// branch): the module becomes torch.ao.nn.quantized.reference.LSTM, which
// runs the float recurrence on quantized-then-dequantized copies of its flat
// weights (`weight_ih_l<k>[_reverse]`, `weight_hh_l<k>[_reverse]`); each has
// its own qparams from a fresh qconfig.weight() observer run on that tensor
// alone. Biases stay float. Spelled on qfx.lstm: quantize -> dequantize on
// each weight operand, the pairs carrying no qfx.node (they are folded into
// the reference module, like a reference Linear's weight pair).
//
// nn.GRU has no BackendConfig pattern and no reference module in 1.13
// (only GRUCell, LSTMCell, RNNCell and LSTM do): prepare_fx leaves it
// unobserved and convert leaves it float whatever its qconfig, and so does
// qfx (docs/convert.md).
//
//===----------------------------------------------------------------------===//

#include "ConvertQParams.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace qfx;

/// is_qconfig_supported_by_dtype_configs against the rnn dtype configs of
/// every 1.13 BackendConfig: dynamic quint8 activations with qint8 weights,
/// or dynamic float16 activations with float16 weights. Anything else
/// leaves the LSTM float.
static bool isDynamicRecurrentQConfig(QConfigAttr qconfig) {
  ObserverConfigAttr act = qconfig.getActivation();
  ObserverConfigAttr weight = qconfig.getWeight();
  if (!act || !weight || !act.getIsDynamic())
    return false;
  return (act.getDtype() == QuantDType::quint8 &&
          weight.getDtype() == QuantDType::qint8) ||
         (act.getDtype() == QuantDType::float16 &&
          weight.getDtype() == QuantDType::float16);
}

LogicalResult convert::convertRecurrentWeights(RewriterBase &rewriter,
                                               Operation *op,
                                               QConfigAttr qconfig) {
  auto lstm = dyn_cast<LSTMOp>(op);
  if (!lstm || !qconfig || !isDynamicRecurrentQConfig(qconfig))
    return success();
  // PyTorch's observed_node_names: prepare observed the LSTM's input.
  if (!isa_and_nonnull<ObserverOp, FakeQuantizeOp>(
          lstm.getInput().getDefiningOp()))
    return success();
  // float16 weights get weight_qscheme None (get_qparam_dict of a
  // PlaceholderObserver), and _quantize_and_dequantize_weight returns them
  // unchanged: the reference LSTM computes with the float weights.
  ObserverConfigAttr config = qconfig.getWeight();
  if (config.getDtype() != QuantDType::qint8)
    return success();
  // Flat weights: (w_ih, w_hh[, b_ih, b_hh]) per layer and direction.
  unsigned perDirection = lstm.getHasBiases() ? 4 : 2;
  MutableOperandRange weights = lstm.getWeightsMutable();
  for (unsigned i = 0, e = weights.size(); i < e; ++i) {
    if (i % perDirection >= 2)
      continue;
    OpOperand &weight = weights[i];
    auto getAttr = weight.get().getDefiningOp<GetAttrOp>();
    auto param = getAttr ? SymbolTable::lookupNearestSymbolFrom<ParameterOp>(
                               getAttr, getAttr.getNameAttr())
                         : ParameterOp();
    FailureOr<std::vector<float>> values =
        param ? readF32Values(param.getValue())
              : FailureOr<std::vector<float>>();
    if (failed(values))
      return op->emitError() << "cannot convert: LSTM weight #" << i
                             << " is not a float32 qfx.parameter with data";
    std::string error;
    FailureOr<rt::QParams> qparams = computeQParams(
        config, {}, *values, getAttr.getType().getShape(), error);
    if (failed(qparams))
      return op->emitError() << "cannot convert the weight "
                             << getAttr.getNameAttr() << ": " << error;
    FailureOr<RankedTensorType> qtype = quantizedTensorType(
        cast<RankedTensorType>(getAttr.getType()), config, *qparams, error);
    if (failed(qtype))
      return op->emitError() << "cannot convert: " << error;
    rewriter.setInsertionPoint(op);
    auto q = QuantizeOp::create(rewriter, op->getLoc(), *qtype, weight.get());
    auto dq =
        DequantizeOp::create(rewriter, op->getLoc(), weight.get().getType(), q);
    rewriter.modifyOpInPlace(op, [&] { weight.set(dq); });
  }
  return success();
}
