//===- ObserverKwargs.h - Table of observer keyword arguments ---*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Private X-macro listing every typed kwarg of ObserverSpec with its Python
// name and value kind, so that merging, comparison, verification and JSON
// I/O stay in sync.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_CONFIG_OBSERVERKWARGS_H
#define QFX_LIB_CONFIG_OBSERVERKWARGS_H

#include "qfx/Config/QConfig.h"

/// X(member, "python_name", Kind) with Kind one of DType, QScheme, Int,
/// Bool, Double, String.
#define QFX_OBSERVER_KWARGS(X)                                                 \
  X(averagingConstant, "averaging_constant", Double)                           \
  X(bins, "bins", Int)                                                         \
  X(chAxis, "ch_axis", Int)                                                    \
  X(computeDType, "compute_dtype", DType)                                      \
  X(customOpName, "custom_op_name", String)                                    \
  X(dtype, "dtype", DType)                                                     \
  X(eps, "eps", Double)                                                        \
  X(isDynamic, "is_dynamic", Bool)                                             \
  X(qscheme, "qscheme", QScheme)                                               \
  X(quantMax, "quant_max", Int)                                                \
  X(quantMin, "quant_min", Int)                                                \
  X(reduceRange, "reduce_range", Bool)                                         \
  X(scale, "scale", Double)                                                    \
  X(upsampleRate, "upsample_rate", Int)                                        \
  X(zeroPoint, "zero_point", Int)

namespace qfx::config {
namespace detail {

/// True if the constructor of `cls` accepts the Python kwarg `name`. For
/// fake-quantize classes only their own kwargs (observer, quant_min,
/// quant_max) are listed; the rest are forwarded to the observer.
bool acceptsKwarg(ObserverClass cls, llvm::StringRef name);

/// Returns true if `spec` binds the kwarg `name`.
bool hasKwarg(const ObserverSpec &spec, llvm::StringRef name);

} // namespace detail
} // namespace qfx::config

#endif // QFX_LIB_CONFIG_OBSERVERKWARGS_H
