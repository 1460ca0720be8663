//===- ConfigJsonLoad.cpp - Configs from JSON -----------------------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Every error starts with the JSON path of the offending value, e.g.
// `object_type[3].qconfig.activation.kwargs.dtype: unknown dtype 'quint9'`.
//
//===----------------------------------------------------------------------===//

#include "JsonPath.h"
#include "ObserverKwargs.h"

#include "qfx/Config/ConfigJson.h"

#include "llvm/ADT/StringSet.h"

using namespace qfx::config;
using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;
using namespace qfx::config::json_path;

static llvm::Expected<const Object *> asObject(const Value &v,
                                               llvm::StringRef path) {
  if (const Object *o = v.getAsObject())
    return o;
  return err(path, "expected an object");
}
static llvm::Expected<const Array *> asArray(const Value &v,
                                             llvm::StringRef path) {
  if (const Array *a = v.getAsArray())
    return a;
  return err(path, "expected an array");
}
static llvm::Expected<std::string> asString(const Value &v,
                                            llvm::StringRef path) {
  if (auto s = v.getAsString())
    return s->str();
  return err(path, "expected a string");
}

/// Rejects keys of `o` not in `allowed`.
static llvm::Error checkKeys(const Object &o, llvm::StringRef path,
                             std::initializer_list<llvm::StringRef> allowed) {
  for (const auto &kv : o)
    if (!llvm::is_contained(allowed, llvm::StringRef(kv.first)))
      return err(at(path, kv.first), "unknown key");
  return llvm::Error::success();
}

static llvm::Error readKwarg(const Value &v, llvm::StringRef path,
                             std::optional<DType> &out) {
  auto s = asString(v, path);
  if (!s)
    return s.takeError();
  out = symbolizeDType(*s);
  if (!out)
    return err(path, "unknown dtype '" + *s + "'");
  return llvm::Error::success();
}
static llvm::Error readKwarg(const Value &v, llvm::StringRef path,
                             std::optional<QScheme> &out) {
  auto s = asString(v, path);
  if (!s)
    return s.takeError();
  out = symbolizeQScheme(*s);
  if (!out)
    return err(path, "unknown qscheme '" + *s + "'");
  return llvm::Error::success();
}
static llvm::Error readKwarg(const Value &v, llvm::StringRef path,
                             std::optional<int64_t> &out) {
  out = v.getAsInteger();
  if (!out)
    return err(path, "expected an integer");
  return llvm::Error::success();
}
static llvm::Error readKwarg(const Value &v, llvm::StringRef path,
                             std::optional<bool> &out) {
  out = v.getAsBoolean();
  if (!out)
    return err(path, "expected a boolean");
  return llvm::Error::success();
}
static llvm::Error readKwarg(const Value &v, llvm::StringRef path,
                             std::optional<double> &out) {
  out = v.getAsNumber();
  if (!out)
    return err(path, "expected a number");
  return llvm::Error::success();
}
static llvm::Error readKwarg(const Value &v, llvm::StringRef path,
                             std::optional<std::string> &out) {
  auto s = asString(v, path);
  if (!s)
    return s.takeError();
  out = *s;
  return llvm::Error::success();
}

static llvm::Expected<ObserverSpec> parseSpec(const Value &v,
                                              llvm::StringRef path) {
  auto obj = asObject(v, path);
  if (!obj)
    return obj.takeError();
  if (auto e = checkKeys(**obj, path, {"class", "kwargs"}))
    return std::move(e);
  const Value *clsValue = (*obj)->get("class");
  if (!clsValue)
    return err(path, "missing key 'class'");
  auto clsName = asString(*clsValue, at(path, "class"));
  if (!clsName)
    return clsName.takeError();
  auto cls = lookupObserverClass(*clsName);
  if (!cls)
    return err(at(path, "class"), "unknown observer class '" + *clsName + "'");
  ObserverSpec spec(*cls);
  const Value *kwargsValue = (*obj)->get("kwargs");
  if (!kwargsValue)
    return spec;
  std::string kwPath = at(path, "kwargs");
  auto kwargs = asObject(*kwargsValue, kwPath);
  if (!kwargs)
    return kwargs.takeError();
  for (const auto &kv : **kwargs) {
    llvm::StringRef key = kv.first;
    std::string keyPath = at(kwPath, key);
    if (kv.second.kind() == Value::Null)
      continue; // Python None == unset.
    if (key == "observer") {
      auto inner = parseSpec(kv.second, keyPath);
      if (!inner)
        return inner.takeError();
      spec.withObserver(std::move(*inner));
      continue;
    }
    bool known = false;
#define QFX_LOAD(member, pyName, kind)                                         \
  if (key == pyName) {                                                         \
    known = true;                                                              \
    if (auto e = readKwarg(kv.second, keyPath, spec.member))                   \
      return std::move(e);                                                     \
  }
    QFX_OBSERVER_KWARGS(QFX_LOAD)
#undef QFX_LOAD
    if (!known)
      return err(keyPath, "unknown observer kwarg '" + key + "'");
  }
  return spec;
}

llvm::Expected<ObserverSpec> qfx::config::observerSpecFromJson(const Value &v,
                                                       llvm::StringRef path) {
  auto spec = parseSpec(v, path);
  if (!spec)
    return spec.takeError();
  if (auto e = verifyObserverSpec(*spec, path))
    return std::move(e);
  return spec;
}

static llvm::Expected<std::optional<ObserverSpec>>
optionalSpec(const Object &o, llvm::StringRef key, llvm::StringRef path) {
  const Value *v = o.get(key);
  if (!v || v->kind() == Value::Null)
    return std::nullopt;
  auto spec = observerSpecFromJson(*v, at(path, key));
  if (!spec)
    return spec.takeError();
  return std::optional<ObserverSpec>(std::move(*spec));
}

llvm::Expected<QConfigOrNone> qfx::config::qconfigFromJson(const Value &v,
                                                   llvm::StringRef path) {
  if (v.kind() == Value::Null)
    return std::nullopt;
  auto obj = asObject(v, path);
  if (!obj)
    return obj.takeError();
  if (auto e = checkKeys(**obj, path, {"activation", "weight"}))
    return std::move(e);
  QConfig q;
  auto act = optionalSpec(**obj, "activation", path);
  if (!act)
    return act.takeError();
  auto wt = optionalSpec(**obj, "weight", path);
  if (!wt)
    return wt.takeError();
  q.activation = std::move(*act);
  q.weight = std::move(*wt);
  return QConfigOrNone(std::move(q));
}

/// Reads the `qconfig` member of a table entry.
static llvm::Expected<QConfigOrNone> entryQConfig(const Object &o,
                                                  llvm::StringRef path) {
  const Value *v = o.get("qconfig");
  if (!v)
    return err(path, "missing key 'qconfig'");
  return qconfigFromJson(*v, at(path, "qconfig"));
}

static llvm::Expected<std::string>
entryString(const Object &o, llvm::StringRef key, llvm::StringRef path) {
  const Value *v = o.get(key);
  if (!v)
    return err(path, "missing key '" + key + "'");
  return asString(*v, at(path, key));
}

llvm::Expected<QConfigMapping> qfx::config::qconfigMappingFromJson(const Value &v) {
  auto root = asObject(v, "<root>");
  if (!root)
    return root.takeError();
  if (auto e = checkKeys(**root, "",
                         {"global", "object_type", "module_name_regex",
                          "module_name", "module_name_object_type_order"}))
    return std::move(e);
  QConfigMapping m;
  if (const Value *g = (*root)->get("global")) {
    auto q = qconfigFromJson(*g, "global");
    if (!q)
      return q.takeError();
    m.setGlobal(std::move(*q));
  }
  for (llvm::StringRef table :
       {"object_type", "module_name_regex", "module_name"}) {
    const Value *tv = (*root)->get(table);
    if (!tv)
      continue;
    auto arr = asArray(*tv, table);
    if (!arr)
      return arr.takeError();
    for (size_t i = 0; i < (*arr)->size(); ++i) {
      std::string path = at(table, i);
      auto entry = asObject((**arr)[i], path);
      if (!entry)
        return entry.takeError();
      if (auto e = checkKeys(**entry, path, {table, "qconfig"}))
        return std::move(e);
      auto key = entryString(**entry, table, path);
      if (!key)
        return key.takeError();
      if (table == "module_name_regex") {
        auto ok = pythonReMatch(*key, "");
        if (!ok)
          return err(at(path, table), llvm::toString(ok.takeError()));
      }
      auto q = entryQConfig(**entry, path);
      if (!q)
        return q.takeError();
      if (table == "object_type")
        m.setObjectType(*key, std::move(*q));
      else if (table == "module_name_regex")
        m.setModuleNameRegex(*key, std::move(*q));
      else
        m.setModuleName(*key, std::move(*q));
    }
  }
  if (const Value *tv = (*root)->get("module_name_object_type_order")) {
    auto arr = asArray(*tv, "module_name_object_type_order");
    if (!arr)
      return arr.takeError();
    for (size_t i = 0; i < (*arr)->size(); ++i) {
      std::string path = at("module_name_object_type_order", i);
      auto entry = asObject((**arr)[i], path);
      if (!entry)
        return entry.takeError();
      if (auto e =
              checkKeys(**entry, path,
                        {"module_name", "object_type", "index", "qconfig"}))
        return std::move(e);
      auto name = entryString(**entry, "module_name", path);
      if (!name)
        return name.takeError();
      auto type = entryString(**entry, "object_type", path);
      if (!type)
        return type.takeError();
      const Value *idx = (*entry)->get("index");
      std::optional<int64_t> index = idx ? idx->getAsInteger() : std::nullopt;
      if (!index || *index < 0)
        return err(at(path, "index"), "expected a non-negative integer");
      auto q = entryQConfig(**entry, path);
      if (!q)
        return q.takeError();
      m.setModuleNameObjectTypeOrder(*name, *type, *index, std::move(*q));
    }
  }
  if (auto e = verifyQConfigMapping(m))
    return std::move(e);
  return m;
}

llvm::Expected<QConfigMapping> qfx::config::parseQConfigMapping(llvm::StringRef text) {
  auto v = llvm::json::parse(text);
  if (!v)
    return err("<root>", "invalid JSON: " + llvm::toString(v.takeError()));
  return qconfigMappingFromJson(*v);
}
