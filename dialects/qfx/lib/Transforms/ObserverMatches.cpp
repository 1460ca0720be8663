//===- ObserverMatches.cpp - find_matches for prepare ---------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The FX view prepare needs of qfx IR (which operands are node.args, what
// role an arg has) and 1.13's find_matches: the BackendConfig's patterns
// through the matcher fuse and qconfig resolution use
// (findBackendPatternMatches), then custom and standalone modules, which
// override the pattern entries of their ops as find_matches does.
//
//===----------------------------------------------------------------------===//

#include "ObserverInsertionImpl.h"

#include "qfx/Dialect/QFX/BackendPatterns.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::observers;
namespace cfg = qfx::config;

//===----------------------------------------------------------------------===//
// FX structure
//===----------------------------------------------------------------------===//

Role ObserverInserter::getRole(Operation *op, unsigned idx) {
  Value v = op->getOperand(idx);
  if (isa<ConvOp, ConvTransposeOp, LinearOp>(op) && idx > 0)
    return idx == 1 ? Role::Weight : Role::Bias;
  // Embedding modules observe their weight (weight-only quantization, the
  // float-qparams observer of the qconfig); indices, offsets and
  // per_sample_weights are activations of target dtype float.
  if (isa<EmbeddingOp, EmbeddingBagOp>(op) && idx == 0)
    return Role::Weight;
  if (!isNodeValue(v))
    return Role::Internal;
  // Functional normalizations: weight/bias per the backend's
  // input_type_to_index (layer/group/instance norm); F.batch_norm has none,
  // so its running stats and affine parameters are activations.
  // node_arg_is_weight compares the arg itself: F.group_norm(x, 2, g, g)
  // has its weight at both positions.
  auto isSegment = [&](unsigned segment) {
    auto [start, length] =
        TypeSwitch<Operation *, std::pair<unsigned, unsigned>>(op)
            .Case<LayerNormOp, GroupNormOp, InstanceNormOp>([&](auto norm) {
              return norm.getODSOperandIndexAndLength(segment);
            })
            .Default([](Operation *) { return std::make_pair(0u, 0u); });
    return length == 1 && op->getOperand(start) == v;
  };
  if (isa<LayerNormOp, GroupNormOp, InstanceNormOp>(op) && idx > 0) {
    if (isSegment(1))
      return Role::NonQuantizableWeight;
    if (isSegment(2))
      return Role::Bias;
  }
  return Role::Activation;
}

/// The values PyTorch's node.args holds as Nodes, in order: operands that
/// are FX nodes, plus the weight and bias of functional conv/linear.
SmallVector<Value> ObserverInserter::getFxArgs(Operation *op) {
  SmallVector<Value> args;
  for (OpOperand &o : op->getOpOperands())
    if (isNodeValue(o.get()))
      args.push_back(o.get());
  return args;
}

//===----------------------------------------------------------------------===//
// find_matches
//===----------------------------------------------------------------------===//

/// The pattern's observation type; ConfigurableQuantizeHandler picks it by
/// how many of the root's args are tensors (x + y vs. x + 1).
static cfg::ObservationType
getObservationType(const cfg::BackendPatternConfig &c,
                   ArrayRef<Value> rootArgs) {
  if (c.numTensorArgsToObservationType.empty())
    return c.observationType;
  int64_t numTensors = 0;
  for (Value a : rootArgs) {
    auto type = dyn_cast<TensorType>(a.getType());
    if (type && type.getRank() > 0 &&
        !(a.getDefiningOp() && isa<ConstantOp>(a.getDefiningOp())))
      ++numTensors;
  }
  auto it = c.numTensorArgsToObservationType.find(numTensors);
  return it == c.numTensorArgsToObservationType.end() ? c.observationType
                                                      : it->second;
}

void ObserverInserter::findMatches(Block &body) {
  // Ops in fused bodies are the fused module's inside, not graph nodes.
  auto notInGraph = [&](Operation *op) { return op->getBlock() != &body; };
  // An nnqat module (swapped before tracing) matches no multi-op pattern:
  // a QAT-swapped conv + relu are two matches, the conv observed on its own.
  auto isSwapped = [&](Operation *op) {
    return options.qatSwappedOps->contains(op);
  };
  for (const BackendPatternMatch &bm : findBackendPatternMatches(
           func, backend, BackendPatternSet::All, notInGraph,
           options.qatSwappedOps
               ? llvm::function_ref<bool(Operation *)>(isSwapped)
               : nullptr)) {
    Match m;
    m.root = bm.getInputOp();
    m.last = bm.root;
    m.config = bm.config;
    m.inputOutputObserved = bm.config->inputOutputObserved.value_or(true);
    m.shareWithInput = getObservationType(*bm.config, getFxArgs(m.root)) ==
                       cfg::ObservationType::OutputShareObserverWithInput;
    for (Operation *op : bm.ops)
      matches[op] = m;
  }
  // find_matches then (re)records custom module and standalone module
  // calls as matches of their own, in that order.
  const PrepareCustomConfig &cc = options.customConfig;
  auto overrideMatches = [&](auto isSelected, bool standalone) {
    for (Operation &op : body) {
      NodeAttr node = getNode(&op);
      if (!node || node.getKind() != NodeKind::call_module)
        continue;
      std::optional<StringRef> path = getRelativeModulePath(
          node.getModule().getValue(), options.modulePath);
      if (!path || !isSelected(*path, node.getTarget().getValue()))
        continue;
      Match m;
      m.root = m.last = &op;
      m.standalone = standalone;
      m.custom = !standalone;
      if (standalone)
        m.standaloneConfig =
            findStandaloneModuleConfig(cc, *path, node.getTarget().getValue());
      matches[&op] = m;
    }
  };
  overrideMatches(
      [&](StringRef, StringRef cls) {
        return llvm::is_contained(cc.floatToObservedClasses, cls);
      },
      /*standalone=*/false);
  overrideMatches(
      [&](StringRef path, StringRef cls) {
        return llvm::is_contained(cc.standaloneModuleNames, path) ||
               llvm::is_contained(cc.standaloneModuleClasses, cls);
      },
      /*standalone=*/true);
}

std::optional<StringRef> qfx::getRelativeModulePath(StringRef path,
                                                    StringRef modulePath) {
  if (modulePath.empty())
    return path;
  if (path == modulePath)
    return StringRef();
  if (!path.consume_front(modulePath) || !path.consume_front("."))
    return std::nullopt;
  return path;
}
