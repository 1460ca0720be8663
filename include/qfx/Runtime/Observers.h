//===- Observers.h - All runtime observers ----------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Umbrella header for the observer classes and createObserver().
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_OBSERVERS_H
#define QFX_RUNTIME_OBSERVERS_H

#include "qfx/Runtime/HistogramObserver.h"
#include "qfx/Runtime/MinMaxObservers.h"
#include "qfx/Runtime/Observer.h"
#include "qfx/Runtime/PassThroughObservers.h"

#endif // QFX_RUNTIME_OBSERVERS_H
