//===- ObserverDTypes.cpp - target dtypes and backend support -------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// prepare.py's get_target_activation_dtype_for_node,
// get_arg_target_dtype_as_output, propagate_dtypes_for_known_nodes and
// _is_pattern_dtype_config_and_qconfig_supported_by_backend on qfx ops.
//
//===----------------------------------------------------------------------===//

#include "ObserverInsertionImpl.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::observers;
namespace cfg = qfx::config;

//===----------------------------------------------------------------------===//
// Target dtypes
//===----------------------------------------------------------------------===//

DType qfx::observers::dtypeOf(ObserverConfigAttr a) {
  switch (a.getDtype()) {
  case QuantDType::quint8:
    return DType::QUInt8;
  case QuantDType::qint8:
    return DType::QInt8;
  case QuantDType::qint32:
    return DType::QInt32;
  case QuantDType::quint4x2:
    return DType::QUInt4x2;
  case QuantDType::float16:
    return DType::Float16;
  case QuantDType::float32:
    return DType::Float32;
  }
  return DType::Float32;
}

bool qfx::observers::isDynamic(QConfigAttr q) {
  return q.getActivation() &&
         q.getActivation().getKind() == ObserverKind::placeholder &&
         q.getActivation().getIsDynamic();
}

bool qfx::observers::isFloatTensor(Type t) {
  auto tt = dyn_cast<RankedTensorType>(t);
  return tt && isa<FloatType>(tt.getElementType());
}

TargetDTypes ObserverInserter::computeDTypes(Operation *op) {
  TargetDTypes t;
  if (op->getNumResults() == 0 ||
      !llvm::all_of(op->getResultTypes(), isFloatTensor)) {
    t.valid = false;
    return t;
  }
  if (isa<GetItemOp>(op))
    return t;
  auto it = matches.find(op);
  QConfigAttr q = getQConfig(op);
  if (!q || it == matches.end() || !it->second.inputOutputObserved)
    return t;
  DType act = q.getActivation() ? dtypeOf(q.getActivation()) : DType::Float32;
  DType weight = q.getWeight() ? dtypeOf(q.getWeight()) : DType::Float32;
  t.inputDynamic = isDynamic(q);
  t.input = act;
  t.output = t.inputDynamic ? DType::Float32 : act;
  t.weight = weight;
  t.bias =
      (act == DType::Float16 && weight == DType::Float16 && !t.inputDynamic)
          ? DType::Float16
          : DType::Float32;
  return t;
}

/// get_arg_target_dtype_as_output: through observers to the observed value.
std::optional<DType> ObserverInserter::getArgOutputDType(Value v) {
  while (isObserver(v.getDefiningOp()))
    v = v.getDefiningOp()->getOperand(0);
  if (intValues.contains(v))
    return std::nullopt;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getOwner() == &func.getBody().front() &&
        arg.getArgNumber() < placeholderDTypes.size())
      return placeholderDTypes[arg.getArgNumber()];
    return DType::Float32;
  }
  Operation *def = v.getDefiningOp();
  if (isa<GetAttrOp>(def))
    return DType::Float32;
  auto it = dtypes.find(def);
  if (it == dtypes.end())
    return DType::Float32;
  if (!it->second.valid)
    return std::nullopt;
  return it->second.output;
}

/// _qconfig_satisfies_dtype_config_constraints for one side.
static bool satisfiesConstraints(ObserverConfigAttr side,
                                 FakeQuantizeConfigAttr fq,
                                 const cfg::DTypeWithConstraints &c) {
  if (!side || !c.dtype || !c.hasConstraints())
    return true;
  cfg::ObserverSpec spec = getObserverSpec(side, fq);
  if (spec.getDType() != *c.dtype)
    return true;
  if (c.quantMinLowerBound && c.quantMaxUpperBound) {
    auto range = spec.getQuantRange();
    if (!range || range->first < *c.quantMinLowerBound ||
        range->second > *c.quantMaxUpperBound)
      return false;
  }
  if (c.scaleMinLowerBound) {
    ObserverKind k = side.getKind();
    bool hasEps = k == ObserverKind::min_max ||
                  k == ObserverKind::moving_average_min_max ||
                  k == ObserverKind::per_channel_min_max ||
                  k == ObserverKind::moving_average_per_channel_min_max ||
                  k == ObserverKind::histogram;
    if (!hasEps || side.getEps().convertToDouble() < *c.scaleMinLowerBound)
      return false;
  }
  return true;
}

/// _is_pattern_dtype_config_and_qconfig_supported_by_backend: the root's
/// args (weights and biases only where they are FX args) and the last op's
/// output against each DTypeConfig.
/// maybe_propagate_dtype_for_node(node, int): a `Tensor.size()` result is
/// a non-observable (shape) argument of view/reshape/...; 1.13 marks it
/// int and, through general tensor value ops, its first argument too, so
/// that value is never observed as an input. (qfx folds the shape operand
/// into an attribute; the size op that produced it remains.)
void ObserverInserter::propagateIntDType(Value v) {
  for (int guard = 0; guard < 10000; ++guard) {
    if (!intValues.insert(v).second)
      return;
    Operation *def = v.getDefiningOp();
    if (!def)
      return;
    auto it = matches.find(def);
    if (it == matches.end() || !it->second.shareWithInput)
      return;
    SmallVector<Value> args = getFxArgs(def);
    if (args.empty())
      return;
    v = args.front();
  }
}

bool ObserverInserter::isSupported(Operation *op, const Match &m,
                                   QConfigAttr q) {
  if (!m.config || !m.inputOutputObserved)
    return true;
  const TargetDTypes &in = dtypes[m.root];
  const TargetDTypes &out = dtypes[m.last];
  bool hasWeight = false, hasBias = false, hasAct = false;
  for (OpOperand &o : m.root->getOpOperands()) {
    if (!isNodeValue(o.get()))
      continue;
    Role r = getRole(m.root, o.getOperandNumber());
    hasWeight |= r == Role::Weight || r == Role::NonQuantizableWeight;
    hasBias |= r == Role::Bias;
    hasAct |= r == Role::Activation;
  }
  for (const cfg::DTypeConfig &dc : m.config->dtypeConfigs) {
    bool ok = true;
    if (hasAct && dc.input.dtype)
      ok = *dc.input.dtype == in.input &&
           dc.isDynamic.value_or(false) == in.inputDynamic &&
           satisfiesConstraints(q.getActivation(),
                                q.getActivationFakeQuantize(), dc.input);
    if (ok && hasWeight && dc.weight.dtype)
      ok = *dc.weight.dtype == in.weight &&
           satisfiesConstraints(q.getWeight(), q.getWeightFakeQuantize(),
                                dc.weight);
    if (ok && hasBias && dc.bias)
      ok = *dc.bias == in.bias;
    if (ok && dc.output.dtype)
      ok = out.valid && *dc.output.dtype == out.output &&
           satisfiesConstraints(q.getActivation(),
                                q.getActivationFakeQuantize(), dc.output);
    if (ok)
      return true;
  }
  op->emitRemark() << "not observed: backend '" << backend.getName()
                   << "' has no dtype config of pattern "
                   << m.config->pattern.str() << " for this qconfig";
  return false;
}

/// The weight side of _is_qconfig_supported_by_dtype_configs for patterns
/// whose inputs and outputs are not observed (embeddings): convert only
/// swaps in the reference module when some DTypeConfig takes the qconfig's
/// weight dtype.
bool ObserverInserter::isWeightOnlySupported(const Match &m, QConfigAttr q) {
  if (!m.config || !q.getWeight())
    return false;
  DType weight = dtypeOf(q.getWeight());
  return llvm::any_of(m.config->dtypeConfigs, [&](const cfg::DTypeConfig &dc) {
    return dc.weight.dtype && *dc.weight.dtype == weight &&
           satisfiesConstraints(q.getWeight(), q.getWeightFakeQuantize(),
                                dc.weight);
  });
}
