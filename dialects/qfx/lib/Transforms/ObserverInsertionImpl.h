//===- ObserverInsertionImpl.h - internals of insertObservers ---*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Shared by the files of prepare's observer insertion: ObserverMatches.cpp
// (FX structure of qfx IR; find_matches through the BackendConfig matcher
// that fusion and qconfig resolution use; custom and standalone modules),
// ObserverDTypes.cpp (target dtypes, backend support) and
// InsertObservers.cpp (placement).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_TRANSFORMS_OBSERVERINSERTIONIMPL_H
#define QFX_DIALECT_QFX_TRANSFORMS_OBSERVERINSERTIONIMPL_H

#include "qfx/Dialect/QFX/ObserverInsertion.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace qfx {
namespace observers {

using config::DType;

/// What prepare.py's node_name_to_target_dtype holds for one node; `valid`
/// false is PyTorch's None (the node is not a Tensor).
struct TargetDTypes {
  bool valid = true;
  DType input = DType::Float32;
  DType output = DType::Float32;
  DType weight = DType::Float32;
  DType bias = DType::Float32;
  bool inputDynamic = false;
};

/// One find_matches entry (shared by every op of the match).
struct Match {
  /// `_default_root_node_getter`'s op: where input observers go.
  mlir::Operation *root = nullptr;
  /// The match's last op in graph order: where the output observer goes.
  mlir::Operation *last = nullptr;
  const config::BackendPatternConfig *config = nullptr;
  bool shareWithInput = false;
  bool inputOutputObserved = true;
  bool standalone = false;
  /// The standalone module's own config (nullptr: none given, so its
  /// inputs stay float).
  const StandaloneModuleConfig *standaloneConfig = nullptr;
  bool custom = false;
};

/// An observer or fake-quantize constructor.
struct ObsCtor {
  ObserverConfigAttr observer;
  FakeQuantizeConfigAttr fakeQuant;
  explicit operator bool() const { return bool(observer); }
};

enum class Role {
  Activation,
  Weight,
  /// The weight of F.layer_norm / group_norm / instance_norm
  /// (NON_QUANTIZABLE_WEIGHT_OPS): its target dtype is None, so 1.13
  /// observes it with qconfig.weight at every use, never reusing one.
  NonQuantizableWeight,
  Bias,
  Internal
};

/// One run of insert_observers_for_model over a function.
class ObserverInserter {
public:
  ObserverInserter(mlir::RewriterBase &rewriter, mlir::func::FuncOp func,
                   const config::BackendConfig &backend,
                   const ObserverInsertionOptions &options, int64_t nextIndex)
      : rewriter(rewriter), func(func), backend(backend), options(options),
        nextIndex(nextIndex) {}

  mlir::FailureOr<ObserverInsertionResult> run();

private:
  // FX structure of qfx IR (ObserverMatches.cpp).
  static NodeAttr getNode(mlir::Operation *op) {
    // Discardable by its dialect prefix: skip the inherent-attribute lookup.
    return mlir::dyn_cast_or_null<NodeAttr>(
        op->getDiscardableAttr(QFXDialect::getNodeAttrName()));
  }
  static bool isObserver(mlir::Operation *op) {
    return mlir::isa_and_nonnull<ObserverOp, FakeQuantizeOp>(op);
  }
  static bool isNodeValue(mlir::Value v) {
    if (mlir::isa<mlir::BlockArgument>(v))
      return true;
    mlir::Operation *def = v.getDefiningOp();
    return getNode(def) || isObserver(def);
  }
  static Role getRole(mlir::Operation *op, unsigned idx);
  static llvm::SmallVector<mlir::Value> getFxArgs(mlir::Operation *op);
  void findMatches(mlir::Block &body);

  // Target dtypes (ObserverDTypes.cpp).
  TargetDTypes computeDTypes(mlir::Operation *op);
  std::optional<DType> getArgOutputDType(mlir::Value v);
  QConfigAttr getQConfig(mlir::Operation *op) const {
    return op->getAttrOfType<QConfigAttr>(QFXDialect::getQConfigAttrName());
  }
  bool isSupported(mlir::Operation *op, const Match &m, QConfigAttr qconfig);
  bool isWeightOnlySupported(const Match &m, QConfigAttr qconfig);
  void propagateIntDType(mlir::Value v);

  // Insertion (InsertObservers.cpp).
  ObsCtor getActivationCtor(QConfigAttr q) {
    return {q.getActivation(), q.getActivationFakeQuantize()};
  }
  ObsCtor getWeightCtor(QConfigAttr q) {
    return {q.getWeight(), q.getWeightFakeQuantize()};
  }
  ObsCtor getOutputCtor(mlir::Operation *op, const Match &m, QConfigAttr q);
  mlir::Value insertObserver(mlir::Value v, ObsCtor ctor);
  mlir::Value reuseOrInsertObserver(mlir::Value arg, ObsCtor ctor, DType dtype);
  mlir::Value maybeObserveArg(mlir::Operation *node, mlir::Value arg, Role role,
                              QConfigAttr qconfig, const Match &m,
                              bool isFirstArg);
  void insertInputObservers(mlir::Operation *op, const Match &m, QConfigAttr q);
  void insertStandaloneInputObservers(mlir::Operation *op, const Match &m,
                                      QConfigAttr q);
  void insertWeightObserversInBody(FusedOp fused, QConfigAttr q);
  void insertWeightOnlyObserver(mlir::Operation *op, const Match &m,
                                QConfigAttr q);
  mlir::LogicalResult observeGraphOutputs(mlir::Operation *ret);
  mlir::Operation *traceToObserver(mlir::Value v);
  bool shareInputObserver(mlir::Operation *op, mlir::Operation *outputObserver);

  mlir::RewriterBase &rewriter;
  mlir::func::FuncOp func;
  const config::BackendConfig &backend;
  const ObserverInsertionOptions &options;
  int64_t nextIndex;
  int64_t numInserted = 0;

  llvm::DenseMap<mlir::Operation *, Match> matches;
  llvm::DenseMap<mlir::Operation *, TargetDTypes> dtypes;
  /// Values whose target dtype propagate_dtypes_for_known_nodes made `int`.
  llvm::DenseSet<mlir::Value> intValues;
  llvm::SmallVector<DType> placeholderDTypes;
  llvm::DenseMap<const void *, ObsCtor> overwriteCtors;
};

/// The torch dtype of an observer's `dtype`.
DType dtypeOf(ObserverConfigAttr a);
/// A dynamic qconfig: PlaceholderObserver activation with is_dynamic.
bool isDynamic(QConfigAttr q);
/// A ranked tensor of floats (what FX calls a Tensor).
bool isFloatTensor(mlir::Type t);

} // namespace observers
} // namespace qfx

#endif // QFX_DIALECT_QFX_TRANSFORMS_OBSERVERINSERTIONIMPL_H
