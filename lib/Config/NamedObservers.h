//===- NamedObservers.h - 1.13's named observer constructors ----*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Private: the module-level observer and fake-quantize partials of 1.13's
// observer.py and fake_quantize.py that the qconfig presets are built from.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_CONFIG_NAMEDOBSERVERS_H
#define QFX_LIB_CONFIG_NAMEDOBSERVERS_H

#include "qfx/Config/QConfig.h"

#include "llvm/ADT/ArrayRef.h"

namespace qfx::config {
namespace named {

ObserverSpec defaultObserver();
ObserverSpec defaultWeightObserver();
ObserverSpec weightObserverRangeNeg127To127();
ObserverSpec defaultPerChannelWeightObserver();
ObserverSpec perChannelWeightObserverRangeNeg127To127();
ObserverSpec defaultDynamicQuantObserver();
ObserverSpec defaultFloatQParamsObserver();
ObserverSpec defaultFloatQParamsObserver4Bit();
ObserverSpec defaultPlaceholderObserver();
ObserverSpec defaultDebugObserver();
ObserverSpec defaultFixedQParamsRange0To1Observer();
ObserverSpec defaultFixedQParamsRangeNeg1To1Observer();
ObserverSpec defaultReuseInputObserver();
ObserverSpec histogramObserver(std::optional<bool> reduceRange);

ObserverSpec defaultFakeQuant();
ObserverSpec defaultWeightFakeQuant();
ObserverSpec defaultDynamicFakeQuant();
ObserverSpec defaultPerChannelWeightFakeQuant();
ObserverSpec defaultEmbeddingFakeQuant();
ObserverSpec defaultEmbeddingFakeQuant4Bit();
ObserverSpec defaultFusedActFakeQuant();
ObserverSpec defaultFusedWtFakeQuant();
ObserverSpec defaultFusedPerChannelWtFakeQuant();
ObserverSpec fusedWtFakeQuantRangeNeg127To127();
ObserverSpec fusedPerChannelWtFakeQuantRangeNeg127To127();
/// FixedQParamsFakeQuantize.with_args(observer=obs).
ObserverSpec fixedQParamsFakeQuant(ObserverSpec obs);

/// One entry of 1.13's `_FIXED_QPARAMS_OP_TO_OBSERVER`: an op whose output
/// has fixed qparams (the default mapping's qconfig and the backend's
/// overwrite observer both come from it).
struct FixedQParamsOp {
  const char *target;
  bool zeroToOne; // else [-1, 1]
  /// default_fixed_qparams_range_0to1_observer or _neg1to1_.
  ObserverSpec observer() const;
};
/// The entries of `_FIXED_QPARAMS_OP_TO_OBSERVER`, in its order.
llvm::ArrayRef<FixedQParamsOp> fixedQParamsOps();

} // namespace named
} // namespace qfx::config

#endif // QFX_LIB_CONFIG_NAMEDOBSERVERS_H
