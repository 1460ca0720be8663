//===- RuntimeObservers.h - qfx observer attributes as runtime objects -*- C++
//-*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one bridge from #qfx.observer / #qfx.observer_state to QFXRuntime's
// observers, shared by the passes that compute qparams at compile time
// (--qfx-convert) and the loader that calibrates at run time.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_RUNTIMEOBSERVERS_H
#define QFX_DIALECT_QFX_RUNTIMEOBSERVERS_H

#include "qfx/Dialect/QFX/QFXAttrs.h"
#include "qfx/Runtime/Observer.h"

#include <memory>

namespace qfx {

/// QFXRuntime's configuration for an observer attribute.
rt::ObserverConfig getRuntimeObserverConfig(ObserverConfigAttr attr);

/// A QFXRuntime observer built from `config`, seeded with `state` when
/// present (so that calibration accumulates across runs).
rt::Expected<std::unique_ptr<rt::Observer>>
createRuntimeObserver(ObserverConfigAttr config, ObserverStateAttr state);

} // namespace qfx

#endif // QFX_DIALECT_QFX_RUNTIMEOBSERVERS_H
