//===- ConfigJsonSave.cpp - Configs to JSON -------------------------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "ObserverKwargs.h"

#include "qfx/Config/ConfigJson.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace qfx::config;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

static Value kwargToJson(DType v) { return stringifyDType(v).str(); }
static Value kwargToJson(QScheme v) { return stringifyQScheme(v).str(); }
static Value kwargToJson(int64_t v) { return v; }
static Value kwargToJson(bool v) { return v; }
static Value kwargToJson(double v) { return v; }
static Value kwargToJson(const std::string &v) { return v; }

Value qfx::config::observerSpecToJson(const ObserverSpec &spec) {
  Object kwargs;
#define QFX_SAVE(member, pyName, kind)                                         \
  if (spec.member)                                                             \
    kwargs[pyName] = kwargToJson(*spec.member);
  QFX_OBSERVER_KWARGS(QFX_SAVE)
#undef QFX_SAVE
  if (spec.observer)
    kwargs["observer"] = observerSpecToJson(*spec.observer);
  return Object{{"class", getObserverClassName(spec.cls).str()},
                {"kwargs", std::move(kwargs)}};
}

static Value optionalSpecToJson(const std::optional<ObserverSpec> &spec) {
  return spec ? observerSpecToJson(*spec) : Value(nullptr);
}

Value qfx::config::qconfigToJson(const QConfigOrNone &qconfig) {
  if (!qconfig)
    return nullptr;
  return Object{{"activation", optionalSpecToJson(qconfig->activation)},
                {"weight", optionalSpecToJson(qconfig->weight)}};
}

static Array stringEntries(llvm::ArrayRef<QConfigMapping::StringEntry> entries,
                           llvm::StringRef keyName) {
  Array out;
  for (const auto &e : entries)
    out.push_back(
        Object{{keyName, e.key}, {"qconfig", qconfigToJson(e.qconfig)}});
  return out;
}

Value qfx::config::qconfigMappingToJson(const QConfigMapping &mapping) {
  Array orders;
  for (const auto &e : mapping.getModuleNameObjectTypeOrders())
    orders.push_back(Object{{"module_name", e.key.moduleName},
                            {"object_type", e.key.objectType},
                            {"index", e.key.index},
                            {"qconfig", qconfigToJson(e.qconfig)}});
  return Object{
      {"global", qconfigToJson(mapping.getGlobal())},
      {"object_type", stringEntries(mapping.getObjectTypes(), "object_type")},
      {"module_name_regex",
       stringEntries(mapping.getModuleNameRegexes(), "module_name_regex")},
      {"module_name", stringEntries(mapping.getModuleNames(), "module_name")},
      {"module_name_object_type_order", std::move(orders)},
  };
}

Value qfx::config::patternToJson(const Pattern &pattern) {
  if (!pattern.isTuple())
    return pattern.op;
  Array out;
  for (const Pattern &p : pattern.elements)
    out.push_back(patternToJson(p));
  return out;
}

static Value dtypeWithConstraintsToJson(const DTypeWithConstraints &d) {
  if (!d.hasConstraints())
    return stringifyDType(*d.dtype).str();
  Object o{{"dtype", stringifyDType(*d.dtype).str()}};
  if (d.quantMinLowerBound)
    o["quant_min_lower_bound"] = *d.quantMinLowerBound;
  if (d.quantMaxUpperBound)
    o["quant_max_upper_bound"] = *d.quantMaxUpperBound;
  if (d.scaleMinLowerBound)
    o["scale_min_lower_bound"] = *d.scaleMinLowerBound;
  if (d.scaleMaxUpperBound)
    o["scale_max_upper_bound"] = *d.scaleMaxUpperBound;
  return o;
}

static Value dtypeConfigToJson(const DTypeConfig &dc) {
  Object o;
  if (dc.input.dtype)
    o["input_dtype"] = dtypeWithConstraintsToJson(dc.input);
  if (dc.output.dtype)
    o["output_dtype"] = dtypeWithConstraintsToJson(dc.output);
  if (dc.weight.dtype)
    o["weight_dtype"] = dtypeWithConstraintsToJson(dc.weight);
  if (dc.bias)
    o["bias_dtype"] = stringifyDType(*dc.bias).str();
  if (dc.isDynamic)
    o["is_dynamic"] = *dc.isDynamic;
  return o;
}

static Value patternConfigToJson(const BackendPatternConfig &c) {
  Array dtypeConfigs;
  for (const DTypeConfig &dc : c.dtypeConfigs)
    dtypeConfigs.push_back(dtypeConfigToJson(dc));
  Object o{{"pattern", patternToJson(c.pattern)},
           {"observation_type", stringifyObservationType(c.observationType)},
           {"dtype_configs", std::move(dtypeConfigs)}};
  auto setName = [&](llvm::StringRef key, const std::string &v) {
    if (!v.empty())
      o[key] = v;
  };
  setName("root_module", c.rootModule);
  setName("qat_module", c.qatModule);
  setName("reference_quantized_module_for_root", c.referenceQuantizedModule);
  setName("fused_module", c.fusedModule);
  setName("fuser_method", c.fuserMethod);
  setName("root_node_getter", c.rootNodeGetter);
  setName("extra_inputs_getter", c.extraInputsGetter);
  if (!c.numTensorArgsToObservationType.empty()) {
    Object m;
    for (const auto &[n, t] : c.numTensorArgsToObservationType)
      m[std::to_string(n)] = stringifyObservationType(t);
    o["num_tensor_args_to_observation_type"] = std::move(m);
  }
  if (!c.inputTypeToIndex.empty()) {
    Object m;
    for (const auto &[k, v] : c.inputTypeToIndex)
      m[k] = v;
    o["input_type_to_index"] = std::move(m);
  }
  if (c.inputOutputObserved)
    o["input_output_observed"] = *c.inputOutputObserved;
  if (c.overwriteOutputFakeQuantize)
    o["overwrite_output_fake_quantize"] =
        observerSpecToJson(*c.overwriteOutputFakeQuantize);
  if (c.overwriteOutputObserver)
    o["overwrite_output_observer"] =
        observerSpecToJson(*c.overwriteOutputObserver);
  return o;
}

Value qfx::config::backendConfigToJson(const BackendConfig &config) {
  Array configs;
  for (const BackendPatternConfig &c : config.getConfigs())
    configs.push_back(patternConfigToJson(c));
  return Object{{"name", config.getName().str()},
                {"configs", std::move(configs)}};
}

std::string qfx::config::printJson(const Value &v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("{0:2}", v) << "\n";
  return s;
}
