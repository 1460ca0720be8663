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

#include "qfx/Config/ConfigJson.h"

#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;

namespace {
/// One row per enumerator: the config library's and the dialect's spelling.
/// Each table converts both ways, so the two directions cannot disagree.
template <typename Cfg, typename Attr> struct EnumPair {
  Cfg cfg;
  Attr attr;
};

template <typename Cfg, typename Attr, size_t N>
std::optional<Attr> toAttr(const EnumPair<Cfg, Attr> (&table)[N], Cfg v) {
  for (const auto &row : table)
    if (row.cfg == v)
      return row.attr;
  return std::nullopt;
}

template <typename Cfg, typename Attr, size_t N>
Cfg fromAttr(const EnumPair<Cfg, Attr> (&table)[N], Attr v) {
  for (const auto &row : table)
    if (row.attr == v)
      return row.cfg;
  return table[0].cfg;
}

constexpr EnumPair<cfg::DType, QuantDType> kDTypes[] = {
    {cfg::DType::QUInt8, QuantDType::quint8},
    {cfg::DType::QInt8, QuantDType::qint8},
    {cfg::DType::QInt32, QuantDType::qint32},
    {cfg::DType::QUInt4x2, QuantDType::quint4x2},
    {cfg::DType::Float16, QuantDType::float16},
    {cfg::DType::Float32, QuantDType::float32},
};

constexpr EnumPair<cfg::QScheme, QScheme> kQSchemes[] = {
    {cfg::QScheme::PerTensorAffine, QScheme::per_tensor_affine},
    {cfg::QScheme::PerTensorSymmetric, QScheme::per_tensor_symmetric},
    {cfg::QScheme::PerChannelAffine, QScheme::per_channel_affine},
    {cfg::QScheme::PerChannelSymmetric, QScheme::per_channel_symmetric},
    {cfg::QScheme::PerChannelAffineFloatQParams,
     QScheme::per_channel_affine_float_qparams},
};

/// Observer classes with a qfx observer kind (fake-quantize classes have
/// none: they map to #qfx.fake_quantize_config).
constexpr EnumPair<cfg::ObserverClass, ObserverKind> kObserverKinds[] = {
    {cfg::ObserverClass::MinMaxObserver, ObserverKind::min_max},
    {cfg::ObserverClass::MovingAverageMinMaxObserver,
     ObserverKind::moving_average_min_max},
    {cfg::ObserverClass::PerChannelMinMaxObserver,
     ObserverKind::per_channel_min_max},
    {cfg::ObserverClass::MovingAveragePerChannelMinMaxObserver,
     ObserverKind::moving_average_per_channel_min_max},
    {cfg::ObserverClass::HistogramObserver, ObserverKind::histogram},
    {cfg::ObserverClass::FixedQParamsObserver, ObserverKind::fixed_qparams},
    {cfg::ObserverClass::PlaceholderObserver, ObserverKind::placeholder},
    {cfg::ObserverClass::ReuseInputObserver, ObserverKind::reuse_input},
    {cfg::ObserverClass::NoopObserver, ObserverKind::noop},
};
} // namespace

FailureOr<ObserverConfigAttr>
qfx::getObserverConfigAttr(MLIRContext *ctx, const cfg::ObserverSpec &spec,
                           std::string *reason) {
  cfg::ObserverSpec obs = spec.getEffectiveObserver();
  std::optional<ObserverKind> kind = toAttr(kObserverKinds, obs.cls);
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
      ctx, *kind, *toAttr(kDTypes, spec.getDType()),
      *toAttr(kQSchemes, spec.getQScheme()), obs.quantMin, obs.quantMax,
      spec.getReduceRange(), spec.getChAxis(), f64(spec.getAveragingConstant()),
      f64(spec.getEps()), spec.getBins(), spec.getUpsampleRate(), isDynamic,
      f64(obs.scale.value_or(0.0)), obs.zeroPoint.value_or(0));
}

FakeQuantizeConfigAttr
qfx::getFakeQuantizeConfigAttr(MLIRContext *ctx,
                               const cfg::ObserverSpec &spec) {
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
  cfg::ObserverSpec obs(fromAttr(kObserverKinds, a.getKind()));
  obs.dtype = fromAttr(kDTypes, a.getDtype());
  obs.qscheme = fromAttr(kQSchemes, a.getQscheme());
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

/// One standalone module entry: [key, qconfig_mapping, example_inputs,
/// prepare_custom_config, backend_config], Nones as null.
static llvm::Expected<StandaloneModuleConfig>
parseStandaloneEntry(const llvm::json::Value &e, llvm::StringRef where);

static llvm::Expected<PrepareCustomConfig>
parsePrepareCustomConfigObject(const llvm::json::Value &v) {
  const llvm::json::Object *o = v.getAsObject();
  if (!o)
    return llvm::createStringError("prepare custom config must be an object");
  PrepareCustomConfig c;
  if (llvm::Error e =
          readInts(*o, "input_quantized_idxs", c.inputQuantizedIndexes))
    return std::move(e);
  if (llvm::Error e =
          readInts(*o, "output_quantized_idxs", c.outputQuantizedIndexes))
    return std::move(e);
  if (llvm::Error e = readStrings(*o, "standalone_module_name",
                                  c.standaloneModuleNames, true))
    return std::move(e);
  if (llvm::Error e = readStrings(*o, "standalone_module_class",
                                  c.standaloneModuleClasses, true))
    return std::move(e);
  for (auto [key, out] : {std::make_pair("standalone_module_name",
                                         &c.standaloneModuleNameConfigs),
                          std::make_pair("standalone_module_class",
                                         &c.standaloneModuleClassConfigs)}) {
    const llvm::json::Array *arr = o->getArray(key);
    if (!arr)
      continue;
    for (auto [i, e] : llvm::enumerate(*arr)) {
      std::string where = (llvm::Twine(key) + "[" + llvm::Twine(i) + "]").str();
      llvm::Expected<StandaloneModuleConfig> entry =
          parseStandaloneEntry(e, where);
      if (!entry)
        return entry.takeError();
      out->push_back(std::move(*entry));
    }
  }
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

static llvm::Expected<StandaloneModuleConfig>
parseStandaloneEntry(const llvm::json::Value &e, llvm::StringRef where) {
  auto fail = [&](llvm::StringRef field, llvm::Error err) {
    return llvm::createStringError("%s%s: %s", where.str().c_str(),
                                   field.str().c_str(),
                                   llvm::toString(std::move(err)).c_str());
  };
  const llvm::json::Array *a = e.getAsArray();
  // Entries are read by readStrings first, so `a` is a non-empty list
  // whose first element is a string.
  StandaloneModuleConfig c;
  c.key = (*a)[0].getAsString()->str();
  if (a->size() > 5)
    return llvm::createStringError(
        "%s: expected [key, qconfig_mapping, example_inputs, "
        "prepare_custom_config, backend_config]",
        where.str().c_str());
  auto field = [&](size_t i) -> const llvm::json::Value * {
    return i < a->size() && !(*a)[i].getAsNull() ? &(*a)[i] : nullptr;
  };
  if (const llvm::json::Value *m = field(1)) {
    llvm::Expected<config::QConfigMapping> mapping =
        config::qconfigMappingFromJson(*m);
    if (!mapping)
      return fail(".qconfig_mapping", mapping.takeError());
    c.qconfigMapping = std::move(*mapping);
  }
  if (const llvm::json::Value *p = field(3)) {
    llvm::Expected<PrepareCustomConfig> nested =
        parsePrepareCustomConfigObject(*p);
    if (!nested)
      return fail(".prepare_custom_config", nested.takeError());
    c.prepareCustomConfig =
        std::make_shared<const PrepareCustomConfig>(std::move(*nested));
  }
  if (const llvm::json::Value *b = field(4)) {
    llvm::Expected<config::BackendConfig> backend =
        config::backendConfigFromJson(*b);
    if (!backend)
      return fail(".backend_config", backend.takeError());
    c.backendConfig = std::move(*backend);
  }
  return c;
}

llvm::Expected<PrepareCustomConfig>
qfx::parsePrepareCustomConfig(llvm::StringRef text) {
  llvm::Expected<llvm::json::Value> v = llvm::json::parse(text);
  if (!v)
    return v.takeError();
  return parsePrepareCustomConfigObject(*v);
}

const StandaloneModuleConfig *
qfx::findStandaloneModuleConfig(const PrepareCustomConfig &config,
                                llvm::StringRef path, llvm::StringRef cls) {
  // get_standalone_module_configs: the name entry has precedence.
  for (const StandaloneModuleConfig &c : config.standaloneModuleNameConfigs)
    if (c.key == path)
      return &c;
  for (const StandaloneModuleConfig &c : config.standaloneModuleClassConfigs)
    if (c.key == cls)
      return &c;
  return nullptr;
}
