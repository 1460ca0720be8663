//===- BackendConfigSupport.cpp - Is a QConfig supported by a backend? ----===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// 1.13 quantizes a matched pattern only if some DTypeConfig of its
// BackendPatternConfig agrees with the QConfig's dtypes
// (`is_qconfig_supported_by_dtype_configs`) and the observers satisfy the
// DTypeWithConstraints bounds (`_qconfig_satisfies_dtype_config_constraints`);
// otherwise the pattern silently stays in float. This file reports why.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/BackendConfig.h"

#include "llvm/ADT/Twine.h"

using namespace qfx::config;

static std::string name(std::optional<DType> d) {
  return d ? stringifyDType(*d).str() : "None";
}

/// The constraint check for one observer constructor; empty if satisfied.
static std::string checkConstraints(const std::optional<ObserverSpec> &ctor,
                                    const DTypeWithConstraints &c,
                                    llvm::StringRef what) {
  if (!c.dtype || !ctor || ctor->getDType() != *c.dtype)
    return "";
  ObserverSpec obs = ctor->getEffectiveObserver();
  if (c.quantMinLowerBound && c.quantMaxUpperBound) {
    auto range = ctor->getQuantRange();
    if (!range)
      return (what + " observer must specify quant_min and quant_max").str();
    if (range->first < *c.quantMinLowerBound ||
        range->second > *c.quantMaxUpperBound)
      return (what + " quant range [" + llvm::Twine(range->first) + ", " +
              llvm::Twine(range->second) + "] exceeds backend range [" +
              llvm::Twine(int64_t(*c.quantMinLowerBound)) + ", " +
              llvm::Twine(int64_t(*c.quantMaxUpperBound)) + "]")
          .str();
  }
  if (c.scaleMinLowerBound) {
    bool hasEps =
        obs.cls == ObserverClass::MinMaxObserver ||
        obs.cls == ObserverClass::MovingAverageMinMaxObserver ||
        obs.cls == ObserverClass::PerChannelMinMaxObserver ||
        obs.cls == ObserverClass::MovingAveragePerChannelMinMaxObserver ||
        obs.cls == ObserverClass::HistogramObserver;
    if (!hasEps)
      return (what + " observer must specify eps").str();
    if (ctor->getEps() < *c.scaleMinLowerBound)
      return (what + " eps " + std::to_string(ctor->getEps()) +
              " is below the backend's min scale " +
              std::to_string(*c.scaleMinLowerBound))
          .str();
  }
  return "";
}

/// Why `qconfig` does not match `dc`; empty if it does.
static std::string checkOne(const QConfig &qconfig, const DTypeConfig &dc) {
  QConfigDTypes q = getQConfigDTypes(qconfig);
  bool isDynamic = dc.isDynamic.value_or(false);
  DType input = dc.input.dtype.value_or(DType::Float32);
  DType output = dc.output.dtype.value_or(DType::Float32);
  DType weight = dc.weight.dtype.value_or(DType::Float32);
  DType bias = dc.bias.value_or(DType::Float32);
  DType qBias = (q.activation == DType::Float16 && q.weight == DType::Float16 &&
                 !isDynamic)
                    ? DType::Float16
                    : DType::Float32;
  if (isDynamic) {
    if (!q.compute || *q.compute != input)
      return "dynamic input dtype " + name(input) +
             " != qconfig compute dtype " + name(q.compute);
    if (output != DType::Float32)
      return "dynamic output dtype " + name(output) + " is not float32";
  } else {
    if (input != q.activation)
      return "input dtype " + name(input) + " != qconfig activation dtype " +
             name(q.activation);
    if (output != q.activation)
      return "output dtype " + name(output) + " != qconfig activation dtype " +
             name(q.activation);
    if (bias != qBias)
      return "bias dtype " + name(bias) + " != qconfig bias dtype " +
             name(qBias);
  }
  if (weight != q.weight)
    return "weight dtype " + name(weight) + " != qconfig weight dtype " +
           name(q.weight);
  if (!isDynamic) {
    std::string r = checkConstraints(qconfig.activation, dc.input, "input");
    if (r.empty())
      r = checkConstraints(qconfig.activation, dc.output, "output");
    if (r.empty())
      r = checkConstraints(qconfig.weight, dc.weight, "weight");
    if (!r.empty())
      return r;
  }
  return "";
}

std::optional<std::string>
qfx::config::checkQConfigSupported(const QConfig &qconfig,
                           llvm::ArrayRef<DTypeConfig> dtypeConfigs) {
  if (dtypeConfigs.empty())
    return std::string("the pattern has no dtype_configs");
  std::string reasons;
  for (size_t i = 0; i < dtypeConfigs.size(); ++i) {
    std::string r = checkOne(qconfig, dtypeConfigs[i]);
    if (r.empty())
      return std::nullopt;
    reasons +=
        (i ? "; " : "") + ("dtype_configs[" + llvm::Twine(i) + "]: " + r).str();
  }
  return reasons;
}
