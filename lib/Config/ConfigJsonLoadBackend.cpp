//===- ConfigJsonLoadBackend.cpp - BackendConfig from JSON ----------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "JsonPath.h"

#include "qfx/Config/ConfigJson.h"

#include "llvm/ADT/StringSwitch.h"

using namespace qfx::config;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;
using namespace qfx::config::json_path;

static llvm::Expected<DType> parseDType(const Value &v, llvm::StringRef path) {
  auto s = v.getAsString();
  if (!s)
    return err(path, "expected a dtype name");
  if (auto d = symbolizeDType(*s))
    return *d;
  return err(path, "unknown dtype '" + *s + "'");
}

static llvm::Expected<Pattern> parsePattern(const Value &v,
                                            llvm::StringRef path) {
  if (auto s = v.getAsString()) {
    if (s->empty())
      return err(path, "empty pattern op");
    return Pattern(*s);
  }
  const Array *a = v.getAsArray();
  if (!a)
    return err(path, "expected a string or an array");
  if (a->size() < 2)
    return err(path, "a pattern tuple needs at least two elements");
  Pattern p;
  for (size_t i = 0; i < a->size(); ++i) {
    auto e = parsePattern((*a)[i], at(path, i));
    if (!e)
      return e.takeError();
    p.elements.push_back(std::move(*e));
  }
  return p;
}

static llvm::Expected<DTypeWithConstraints>
parseDTypeWithConstraints(const Value &v, llvm::StringRef path) {
  DTypeWithConstraints d;
  const Object *o = v.getAsObject();
  if (!o) {
    auto dt = parseDType(v, path);
    if (!dt)
      return dt.takeError();
    d.dtype = *dt;
    return d;
  }
  for (const auto &kv : *o) {
    llvm::StringRef key = kv.first;
    std::string p = at(path, key);
    if (key == "dtype") {
      auto dt = parseDType(kv.second, p);
      if (!dt)
        return dt.takeError();
      d.dtype = *dt;
      continue;
    }
    std::optional<double> *field =
        llvm::StringSwitch<std::optional<double> *>(key)
            .Case("quant_min_lower_bound", &d.quantMinLowerBound)
            .Case("quant_max_upper_bound", &d.quantMaxUpperBound)
            .Case("scale_min_lower_bound", &d.scaleMinLowerBound)
            .Case("scale_max_upper_bound", &d.scaleMaxUpperBound)
            .Default(nullptr);
    if (!field)
      return err(p, "unknown key");
    if (kv.second.kind() == Value::Null)
      continue;
    *field = kv.second.getAsNumber();
    if (!*field)
      return err(p, "expected a number");
  }
  if (!d.dtype)
    return err(path, "missing key 'dtype'");
  return d;
}

static llvm::Expected<DTypeConfig> parseDTypeConfig(const Value &v,
                                                    llvm::StringRef path) {
  const Object *o = v.getAsObject();
  if (!o)
    return err(path, "expected an object");
  DTypeConfig dc;
  for (const auto &kv : *o) {
    llvm::StringRef key = kv.first;
    std::string p = at(path, key);
    DTypeWithConstraints *field =
        llvm::StringSwitch<DTypeWithConstraints *>(key)
            .Case("input_dtype", &dc.input)
            .Case("output_dtype", &dc.output)
            .Case("weight_dtype", &dc.weight)
            .Default(nullptr);
    if (field) {
      auto d = parseDTypeWithConstraints(kv.second, p);
      if (!d)
        return d.takeError();
      *field = *d;
    } else if (key == "bias_dtype") {
      auto d = parseDType(kv.second, p);
      if (!d)
        return d.takeError();
      dc.bias = *d;
    } else if (key == "is_dynamic") {
      dc.isDynamic = kv.second.getAsBoolean();
      if (!dc.isDynamic)
        return err(p, "expected a boolean");
    } else {
      return err(p, "unknown key");
    }
  }
  return dc;
}

static llvm::Expected<ObservationType> parseObservationType(const Value &v,
                                                            llvm::StringRef p) {
  auto s = v.getAsString();
  if (!s)
    return err(p, "expected an observation type name");
  if (auto t = symbolizeObservationType(*s))
    return *t;
  return err(p, "unknown observation type '" + *s + "'");
}

static llvm::Expected<BackendPatternConfig>
parsePatternConfig(const Object &o, llvm::StringRef path) {
  const Value *pv = o.get("pattern");
  if (!pv)
    return err(path, "missing key 'pattern'");
  auto pattern = parsePattern(*pv, at(path, "pattern"));
  if (!pattern)
    return pattern.takeError();
  BackendPatternConfig c(std::move(*pattern));
  for (const auto &kv : o) {
    llvm::StringRef key = kv.first;
    std::string p = at(path, key);
    const Value &v = kv.second;
    std::string *name = llvm::StringSwitch<std::string *>(key)
                            .Case("root_module", &c.rootModule)
                            .Case("qat_module", &c.qatModule)
                            .Case("reference_quantized_module_for_root",
                                  &c.referenceQuantizedModule)
                            .Case("fused_module", &c.fusedModule)
                            .Case("fuser_method", &c.fuserMethod)
                            .Case("root_node_getter", &c.rootNodeGetter)
                            .Case("extra_inputs_getter", &c.extraInputsGetter)
                            .Default(nullptr);
    if (key == "pattern")
      continue;
    if (name) {
      if (v.kind() == Value::Null)
        continue;
      auto s = v.getAsString();
      if (!s)
        return err(p, "expected a canonical name string");
      *name = s->str();
    } else if (key == "observation_type") {
      auto t = parseObservationType(v, p);
      if (!t)
        return t.takeError();
      c.observationType = *t;
    } else if (key == "dtype_configs") {
      const Array *a = v.getAsArray();
      if (!a)
        return err(p, "expected an array");
      for (size_t i = 0; i < a->size(); ++i) {
        auto dc = parseDTypeConfig((*a)[i], at(p, i));
        if (!dc)
          return dc.takeError();
        c.dtypeConfigs.push_back(*dc);
      }
    } else if (key == "num_tensor_args_to_observation_type") {
      const Object *m = v.getAsObject();
      if (!m)
        return err(p, "expected an object");
      for (const auto &e : *m) {
        int64_t n;
        if (llvm::StringRef(e.first).getAsInteger(10, n))
          return err(at(p, e.first), "key must be an integer");
        auto t = parseObservationType(e.second, at(p, e.first));
        if (!t)
          return t.takeError();
        c.numTensorArgsToObservationType[n] = *t;
      }
    } else if (key == "input_type_to_index") {
      const Object *m = v.getAsObject();
      if (!m)
        return err(p, "expected an object");
      for (const auto &e : *m) {
        auto idx = e.second.getAsInteger();
        if (!idx)
          return err(at(p, e.first), "expected an integer");
        c.inputTypeToIndex[e.first.str()] = *idx;
      }
    } else if (key == "input_output_observed") {
      c.inputOutputObserved = v.getAsBoolean();
      if (!c.inputOutputObserved)
        return err(p, "expected a boolean");
    } else if (key == "overwrite_output_fake_quantize" ||
               key == "overwrite_output_observer") {
      auto spec = observerSpecFromJson(v, p);
      if (!spec)
        return spec.takeError();
      (key == "overwrite_output_observer" ? c.overwriteOutputObserver
                                          : c.overwriteOutputFakeQuantize) =
          std::move(*spec);
    } else {
      return err(p, "unknown key");
    }
  }
  return c;
}

llvm::Expected<BackendConfig> qfx::config::backendConfigFromJson(const Value &v) {
  const Object *root = v.getAsObject();
  if (!root)
    return err("<root>", "expected an object");
  BackendConfig config;
  for (const auto &kv : *root) {
    llvm::StringRef key = kv.first;
    if (key == "name") {
      auto s = kv.second.getAsString();
      if (!s)
        return err("name", "expected a string");
      config.setName(*s);
    } else if (key != "configs") {
      return err(key, "unknown key");
    }
  }
  if (const Value *cv = root->get("configs")) {
    const Array *a = cv->getAsArray();
    if (!a)
      return err("configs", "expected an array");
    for (size_t i = 0; i < a->size(); ++i) {
      std::string path = at("configs", i);
      const Object *o = (*a)[i].getAsObject();
      if (!o)
        return err(path, "expected an object");
      auto c = parsePatternConfig(*o, path);
      if (!c)
        return c.takeError();
      config.setBackendPatternConfig(std::move(*c));
    }
  }
  if (auto e = verifyBackendConfig(config))
    return std::move(e);
  return config;
}

llvm::Expected<BackendConfig> qfx::config::parseBackendConfig(llvm::StringRef text) {
  auto v = llvm::json::parse(text);
  if (!v)
    return err("<root>", "invalid JSON: " + llvm::toString(v.takeError()));
  return backendConfigFromJson(*v);
}
