//===- PassThroughObservers.h - Observers without statistics ----*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FixedQParamsObserver, PlaceholderObserver, ReuseInputObserver and
// NoopObserver of PyTorch 1.13: they record nothing.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_PASSTHROUGHOBSERVERS_H
#define QFX_RUNTIME_PASSTHROUGHOBSERVERS_H

#include "qfx/Runtime/Observer.h"

namespace qfx::rt {

/// Returns the configured scale and zero point (torch FixedQParamsObserver).
class FixedQParamsObserver : public Observer {
public:
  FixedQParamsObserver(const ObserverConfig &config, QRange qrange)
      : Observer(config, qrange) {}
  Status observe(const TensorView &) override { return Status::success(); }
  Expected<QParams> calculateQParams() const override;
};

/// Observers whose calculate_qparams raises in PyTorch: Placeholder,
/// ReuseInput and Noop. observe() accepts anything; calculateQParams() fails.
class PassThroughObserver : public Observer {
public:
  PassThroughObserver(const ObserverConfig &config, QRange qrange)
      : Observer(config, qrange) {}
  Status observe(const TensorView &) override { return Status::success(); }
  Expected<QParams> calculateQParams() const override;
};

/// Carries a dtype to lowering (e.g. float16, dynamic quantization).
class PlaceholderObserver : public PassThroughObserver {
public:
  using PassThroughObserver::PassThroughObserver;
};

/// Marks an output that reuses its input's observer (reshape, ...).
class ReuseInputObserver : public PassThroughObserver {
public:
  using PassThroughObserver::PassThroughObserver;
};

/// Observes nothing (float16 and custom ops).
class NoopObserver : public PassThroughObserver {
public:
  using PassThroughObserver::PassThroughObserver;
};

} // namespace qfx::rt

#endif // QFX_RUNTIME_PASSTHROUGHOBSERVERS_H
