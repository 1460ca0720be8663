//===- ObserverAttrs.cpp - config::ObserverSpec <-> #qfx.observer ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one mapping between the config library's observer constructors and
// the dialect's observer attributes, and PrepareCustomConfig's JSON form.
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/ObserverInsertion.h"

#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;

static QuantDType toAttrDType(cfg::DType d) {
  switch (d) {
  case cfg::DType::QUInt8:
    return QuantDType::quint8;
  case cfg::DType::QInt8:
    return QuantDType::qint8;
  case cfg::DType::QInt32:
    return QuantDType::qint32;
  case cfg::DType::QUInt4x2:
    return QuantDType::quint4x2;
  case cfg::DType::Float16:
    return QuantDType::float16;
  case cfg::DType::Float32:
    return QuantDType::float32;
  }
  return QuantDType::float32;
}

static cfg::DType fromAttrDType(QuantDType d) {
  switch (d) {
  case QuantDType::quint8:
    return cfg::DType::QUInt8;
  case QuantDType::qint8:
    return cfg::DType::QInt8;
  case QuantDType::qint32:
    return cfg::DType::QInt32;
  case QuantDType::quint4x2:
    return cfg::DType::QUInt4x2;
  case QuantDType::float16:
    return cfg::DType::Float16;
  case QuantDType::float32:
    return cfg::DType::Float32;
  }
  return cfg::DType::Float32;
}

static QScheme toAttrQScheme(cfg::QScheme q) {
  switch (q) {
  case cfg::QScheme::PerTensorAffine:
    return QScheme::per_tensor_affine;
  case cfg::QScheme::PerTensorSymmetric:
    return QScheme::per_tensor_symmetric;
  case cfg::QScheme::PerChannelAffine:
    return QScheme::per_channel_affine;
  case cfg::QScheme::PerChannelSymmetric:
    return QScheme::per_channel_symmetric;
  case cfg::QScheme::PerChannelAffineFloatQParams:
    return QScheme::per_channel_affine_float_qparams;
  }
  return QScheme::per_tensor_affine;
}

static cfg::QScheme fromAttrQScheme(QScheme q) {
  switch (q) {
  case QScheme::per_tensor_affine:
    return cfg::QScheme::PerTensorAffine;
  case QScheme::per_tensor_symmetric:
    return cfg::QScheme::PerTensorSymmetric;
  case QScheme::per_channel_affine:
    return cfg::QScheme::PerChannelAffine;
  case QScheme::per_channel_symmetric:
    return cfg::QScheme::PerChannelSymmetric;
  case QScheme::per_channel_affine_float_qparams:
    return cfg::QScheme::PerChannelAffineFloatQParams;
  }
  return cfg::QScheme::PerTensorAffine;
}

static std::optional<ObserverKind> toObserverKind(cfg::ObserverClass c) {
  using C = cfg::ObserverClass;
  switch (c) {
  case C::MinMaxObserver:
    return ObserverKind::min_max;
  case C::MovingAverageMinMaxObserver:
    return ObserverKind::moving_average_min_max;
  case C::PerChannelMinMaxObserver:
    return ObserverKind::per_channel_min_max;
  case C::MovingAveragePerChannelMinMaxObserver:
    return ObserverKind::moving_average_per_channel_min_max;
  case C::HistogramObserver:
    return ObserverKind::histogram;
  case C::FixedQParamsObserver:
    return ObserverKind::fixed_qparams;
  case C::PlaceholderObserver:
    return ObserverKind::placeholder;
  case C::ReuseInputObserver:
    return ObserverKind::reuse_input;
  case C::NoopObserver:
    return ObserverKind::noop;
  default:
    return std::nullopt;
  }
}

static cfg::ObserverClass fromObserverKind(ObserverKind k) {
  using C = cfg::ObserverClass;
  switch (k) {
  case ObserverKind::min_max:
    return C::MinMaxObserver;
  case ObserverKind::moving_average_min_max:
    return C::MovingAverageMinMaxObserver;
  case ObserverKind::per_channel_min_max:
    return C::PerChannelMinMaxObserver;
  case ObserverKind::moving_average_per_channel_min_max:
    return C::MovingAveragePerChannelMinMaxObserver;
  case ObserverKind::histogram:
    return C::HistogramObserver;
  case ObserverKind::fixed_qparams:
    return C::FixedQParamsObserver;
  case ObserverKind::placeholder:
    return C::PlaceholderObserver;
  case ObserverKind::reuse_input:
    return C::ReuseInputObserver;
  case ObserverKind::noop:
    return C::NoopObserver;
  }
  return C::MinMaxObserver;
}

FailureOr<ObserverConfigAttr>
qfx::getObserverConfigAttr(MLIRContext *ctx, const cfg::ObserverSpec &spec,
                           std::string *reason) {
  cfg::ObserverSpec obs = spec.getEffectiveObserver();
  std::optional<ObserverKind> kind = toObserverKind(obs.cls);
  if (!kind) {
    if (reason)
      *reason = ("observer class " + cfg::getObserverClassName(obs.cls) +
                 " has no qfx observer kind")
                    .str();
    return failure();
  }
  bool isDynamic = obs.isDynamic.value_or(false) ||
                   (obs.cls == cfg::ObserverClass::PlaceholderObserver &&
                    obs.computeDType.has_value());
  auto f64 = [](double v) { return llvm::APFloat(v); };
  return ObserverConfigAttr::get(
      ctx, *kind, toAttrDType(spec.getDType()),
      toAttrQScheme(spec.getQScheme()), obs.quantMin, obs.quantMax,
      spec.getReduceRange(), spec.getChAxis(),
      f64(spec.getAveragingConstant()), f64(spec.getEps()), spec.getBins(),
      spec.getUpsampleRate(), isDynamic, f64(obs.scale.value_or(0.0)),
      obs.zeroPoint.value_or(0));
}

FakeQuantizeConfigAttr
qfx::getFakeQuantizeConfigAttr(MLIRContext *ctx, const cfg::ObserverSpec &spec) {
  using C = cfg::ObserverClass;
  switch (spec.cls) {
  case C::FakeQuantize:
    return FakeQuantizeConfigAttr::get(ctx, FakeQuantizeKind::fake_quantize,
                                       true, true);
  case C::FusedMovingAvgObsFakeQuantize:
    return FakeQuantizeConfigAttr::get(
        ctx, FakeQuantizeKind::fused_moving_avg_obs_fake_quantize, true, true);
  case C::FixedQParamsFakeQuantize:
    return FakeQuantizeConfigAttr::get(
        ctx, FakeQuantizeKind::fixed_qparams_fake_quantize, true, true);
  default:
    return {};
  }
}

cfg::ObserverSpec qfx::getObserverSpec(ObserverConfigAttr a,
                                       FakeQuantizeConfigAttr fq) {
  cfg::ObserverSpec obs(fromObserverKind(a.getKind()));
  obs.dtype = fromAttrDType(a.getDtype());
  obs.qscheme = fromAttrQScheme(a.getQscheme());
  obs.quantMin = a.getQuantMin();
  obs.quantMax = a.getQuantMax();
  obs.reduceRange = a.getReduceRange();
  obs.chAxis = a.getChAxis();
  obs.averagingConstant = a.getAveragingConstant().convertToDouble();
  obs.eps = a.getEps().convertToDouble();
  obs.bins = a.getBins();
  obs.upsampleRate = a.getUpsampleRate();
  if (a.getKind() == ObserverKind::fixed_qparams) {
    obs.scale = a.getScale().convertToDouble();
    obs.zeroPoint = a.getZeroPoint();
  }
  if (a.getKind() == ObserverKind::placeholder && a.getIsDynamic())
    obs.computeDType = *obs.dtype;
  if (!fq)
    return obs;
  cfg::ObserverClass cls = cfg::ObserverClass::FakeQuantize;
  if (fq.getKind() == FakeQuantizeKind::fused_moving_avg_obs_fake_quantize)
    cls = cfg::ObserverClass::FusedMovingAvgObsFakeQuantize;
  else if (fq.getKind() == FakeQuantizeKind::fixed_qparams_fake_quantize)
    cls = cfg::ObserverClass::FixedQParamsFakeQuantize;
  cfg::ObserverSpec spec(cls);
  spec.withObserver(obs);
  return spec;
}

cfg::QConfig qfx::getQConfig(QConfigAttr qconfig) {
  cfg::QConfig q;
  if (qconfig.getActivation())
    q.activation = getObserverSpec(qconfig.getActivation(),
                                   qconfig.getActivationFakeQuantize());
  if (qconfig.getWeight())
    q.weight =
        getObserverSpec(qconfig.getWeight(), qconfig.getWeightFakeQuantize());
  return q;
}

//===----------------------------------------------------------------------===//
// PrepareCustomConfig JSON
//===----------------------------------------------------------------------===//

static llvm::Error readStrings(const llvm::json::Object &o, llvm::StringRef key,
                               std::vector<std::string> &out,
                               bool firstOfPair = false) {
  const llvm::json::Value *v = o.get(key);
  if (!v || v->getAsNull())
    return llvm::Error::success();
  const llvm::json::Array *arr = v->getAsArray();
  if (!arr)
    return llvm::createStringError("'%s' must be a list", key.str().c_str());
  for (const llvm::json::Value &e : *arr) {
    const llvm::json::Value *item = &e;
    if (firstOfPair) {
      const llvm::json::Array *pair = e.getAsArray();
      if (!pair || pair->empty())
        return llvm::createStringError("'%s' entries must be lists",
                                       key.str().c_str());
      item = &(*pair)[0];
    }
    std::optional<llvm::StringRef> s = item->getAsString();
    if (!s)
      return llvm::createStringError("'%s' entries must be strings",
                                     key.str().c_str());
    out.push_back(s->str());
  }
  return llvm::Error::success();
}

static llvm::Error readInts(const llvm::json::Object &o, llvm::StringRef key,
                            std::vector<int64_t> &out) {
  const llvm::json::Value *v = o.get(key);
  if (!v || v->getAsNull())
    return llvm::Error::success();
  const llvm::json::Array *arr = v->getAsArray();
  if (!arr)
    return llvm::createStringError("'%s' must be a list", key.str().c_str());
  for (const llvm::json::Value &e : *arr) {
    std::optional<int64_t> i = e.getAsInteger();
    if (!i)
      return llvm::createStringError("'%s' entries must be integers",
                                     key.str().c_str());
    out.push_back(*i);
  }
  return llvm::Error::success();
}

llvm::Expected<PrepareCustomConfig>
qfx::parsePrepareCustomConfig(llvm::StringRef text) {
  llvm::Expected<llvm::json::Value> v = llvm::json::parse(text);
  if (!v)
    return v.takeError();
  const llvm::json::Object *o = v->getAsObject();
  if (!o)
    return llvm::createStringError("prepare custom config must be an object");
  PrepareCustomConfig c;
  if (llvm::Error e = readInts(*o, "input_quantized_idxs",
                               c.inputQuantizedIndexes))
    return std::move(e);
  if (llvm::Error e = readInts(*o, "output_quantized_idxs",
                               c.outputQuantizedIndexes))
    return std::move(e);
  if (llvm::Error e = readStrings(*o, "standalone_module_name",
                                  c.standaloneModuleNames, true))
    return std::move(e);
  if (llvm::Error e = readStrings(*o, "standalone_module_class",
                                  c.standaloneModuleClasses, true))
    return std::move(e);
  if (llvm::Error e = readStrings(*o, "non_traceable_module_name",
                                  c.nonTraceableModuleNames))
    return std::move(e);
  if (llvm::Error e = readStrings(*o, "non_traceable_module_class",
                                  c.nonTraceableModuleClasses))
    return std::move(e);
  // float_to_observed_custom_module_class: {"static": {float: observed}}.
  if (const llvm::json::Object *m =
          o->getObject("float_to_observed_custom_module_class"))
    for (const auto &[mode, entry] : *m)
      if (const llvm::json::Object *pairs = entry.getAsObject())
        for (const auto &[floatClass, observed] : *pairs)
          c.floatToObservedClasses.push_back(floatClass.str());
  return c;
}
