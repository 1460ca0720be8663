//===- RuntimeObservers.cpp - qfx observer attributes as runtime objects --===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/RuntimeObservers.h"
#include "qfx/Runtime/Observers.h"

using namespace qfx;

rt::ObserverConfig qfx::getRuntimeObserverConfig(ObserverConfigAttr attr) {
  // The dialect enums list the PyTorch classes, dtypes and qschemes in the
  // same order as QFXRuntime's.
  static_assert(static_cast<int>(rt::ObserverKind::Noop) ==
                static_cast<int>(ObserverKind::noop));
  static_assert(static_cast<int>(rt::QDType::Float32) ==
                static_cast<int>(QuantDType::float32));
  static_assert(static_cast<int>(rt::QScheme::PerChannelAffineFloatQParams) ==
                static_cast<int>(QScheme::per_channel_affine_float_qparams));
  rt::ObserverConfig c;
  c.kind = static_cast<rt::ObserverKind>(attr.getKind());
  c.dtype = static_cast<rt::QDType>(attr.getDtype());
  c.qscheme = static_cast<rt::QScheme>(attr.getQscheme());
  c.reduceRange = attr.getReduceRange();
  c.quantMin = attr.getQuantMin();
  c.quantMax = attr.getQuantMax();
  c.eps = static_cast<float>(attr.getEps().convertToDouble());
  c.chAxis = attr.getChAxis();
  c.averagingConstant = attr.getAveragingConstant().convertToDouble();
  c.bins = attr.getBins();
  c.upsampleRate = attr.getUpsampleRate();
  c.fixedScale = static_cast<float>(attr.getScale().convertToDouble());
  c.fixedZeroPoint = attr.getZeroPoint();
  return c;
}

rt::Expected<std::unique_ptr<rt::Observer>>
qfx::createRuntimeObserver(ObserverConfigAttr config, ObserverStateAttr state) {
  auto observer = rt::createObserver(getRuntimeObserverConfig(config));
  if (observer.failed() || !state)
    return observer;
  rt::ObserverState s;
  s.minVals.assign(state.getMin().asArrayRef().begin(),
                   state.getMin().asArrayRef().end());
  s.maxVals.assign(state.getMax().asArrayRef().begin(),
                   state.getMax().asArrayRef().end());
  if (state.getHistogram())
    s.histogram.assign(state.getHistogram().asArrayRef().begin(),
                       state.getHistogram().asArrayRef().end());
  if (rt::Status st = (*observer)->importState(s); st.failed())
    return rt::Status::error("cannot import observer state: " + st.message());
  return observer;
}
