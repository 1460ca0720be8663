//===- QConfigMapping.cpp - QConfigMapping container ----------------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/QConfigMapping.h"

#include "llvm/Support/Regex.h"

using namespace qfx::config;

template <typename Key>
static void setEntry(std::vector<QConfigMapping::Entry<Key>> &entries,
                     const Key &key, QConfigOrNone qconfig) {
  for (auto &e : entries) {
    if (e.key == key) {
      e.qconfig = std::move(qconfig);
      return;
    }
  }
  entries.push_back({key, std::move(qconfig)});
}

QConfigMapping &QConfigMapping::setGlobal(QConfigOrNone qconfig) {
  global = std::move(qconfig);
  return *this;
}
QConfigMapping &QConfigMapping::setObjectType(llvm::StringRef objectType,
                                              QConfigOrNone qconfig) {
  setEntry(objectTypes, objectType.str(), std::move(qconfig));
  return *this;
}
QConfigMapping &QConfigMapping::setModuleNameRegex(llvm::StringRef regex,
                                                   QConfigOrNone qconfig) {
  setEntry(moduleNameRegexes, regex.str(), std::move(qconfig));
  return *this;
}
QConfigMapping &QConfigMapping::setModuleName(llvm::StringRef moduleName,
                                              QConfigOrNone qconfig) {
  setEntry(moduleNames, moduleName.str(), std::move(qconfig));
  return *this;
}
QConfigMapping &QConfigMapping::setModuleNameObjectTypeOrder(
    llvm::StringRef moduleName, llvm::StringRef objectType, int64_t index,
    QConfigOrNone qconfig) {
  setEntry(
      moduleNameObjectTypeOrders,
      ModuleNameObjectTypeOrderKey{moduleName.str(), objectType.str(), index},
      std::move(qconfig));
  return *this;
}

static const QConfigMapping::StringEntry *
findEntry(llvm::ArrayRef<QConfigMapping::StringEntry> entries,
          llvm::StringRef key) {
  for (const auto &e : entries)
    if (e.key == key)
      return &e;
  return nullptr;
}

const QConfigMapping::StringEntry *
QConfigMapping::findObjectType(llvm::StringRef objectType) const {
  return findEntry(objectTypes, objectType);
}
const QConfigMapping::StringEntry *
QConfigMapping::findModuleName(llvm::StringRef moduleName) const {
  return findEntry(moduleNames, moduleName);
}

template <typename Key>
static bool entriesEqual(llvm::ArrayRef<QConfigMapping::Entry<Key>> a,
                         llvm::ArrayRef<QConfigMapping::Entry<Key>> b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i].key == b[i].key) || a[i].qconfig != b[i].qconfig)
      return false;
  return true;
}

bool QConfigMapping::operator==(const QConfigMapping &o) const {
  return global == o.global &&
         entriesEqual<std::string>(objectTypes, o.objectTypes) &&
         entriesEqual<std::string>(moduleNameRegexes, o.moduleNameRegexes) &&
         entriesEqual<std::string>(moduleNames, o.moduleNames) &&
         entriesEqual<ModuleNameObjectTypeOrderKey>(
             moduleNameObjectTypeOrders, o.moduleNameObjectTypeOrders);
}

/// Rewrites the Python-only escapes \d \w \s (and upper-case negations)
/// into POSIX bracket expressions llvm::Regex understands.
static std::string translatePythonRegex(llvm::StringRef regex) {
  std::string out;
  for (size_t i = 0; i < regex.size(); ++i) {
    char c = regex[i];
    if (c != '\\' || i + 1 == regex.size()) {
      out += c;
      continue;
    }
    char n = regex[++i];
    switch (n) {
    case 'd':
      out += "[0-9]";
      break;
    case 'D':
      out += "[^0-9]";
      break;
    case 'w':
      out += "[_[:alnum:]]";
      break;
    case 'W':
      out += "[^_[:alnum:]]";
      break;
    case 's':
      out += "[[:space:]]";
      break;
    case 'S':
      out += "[^[:space:]]";
      break;
    default:
      out += '\\';
      out += n;
    }
  }
  return out;
}

llvm::Expected<bool> qfx::config::pythonReMatch(llvm::StringRef regex,
                                        llvm::StringRef text) {
  // re.match anchors at the start only: "^(R)" with a search.
  llvm::Regex re("^(" + translatePythonRegex(regex) + ")");
  std::string error;
  if (!re.isValid(error))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "invalid regex '%s': %s",
                                   regex.str().c_str(), error.c_str());
  return re.match(text);
}

static llvm::Error verifyEntryQConfig(const QConfigOrNone &qconfig,
                                      const std::string &path) {
  if (!qconfig)
    return llvm::Error::success();
  return verifyQConfig(*qconfig, path + ".qconfig");
}

llvm::Error qfx::config::verifyQConfigMapping(const QConfigMapping &mapping) {
  if (mapping.getGlobal())
    if (auto err = verifyQConfig(*mapping.getGlobal(), "global"))
      return err;
  auto table = [](llvm::StringRef name,
                  llvm::ArrayRef<QConfigMapping::StringEntry> entries,
                  bool isRegex) -> llvm::Error {
    for (size_t i = 0; i < entries.size(); ++i) {
      std::string path = (name + "[" + llvm::Twine(i) + "]").str();
      if (isRegex) {
        auto ok = pythonReMatch(entries[i].key, "");
        if (!ok)
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(),
              path + ".module_name_regex: " + llvm::toString(ok.takeError()));
      }
      if (auto err = verifyEntryQConfig(entries[i].qconfig, path))
        return err;
    }
    return llvm::Error::success();
  };
  if (auto err = table("object_type", mapping.getObjectTypes(), false))
    return err;
  if (auto err =
          table("module_name_regex", mapping.getModuleNameRegexes(), true))
    return err;
  if (auto err = table("module_name", mapping.getModuleNames(), false))
    return err;
  auto orders = mapping.getModuleNameObjectTypeOrders();
  for (size_t i = 0; i < orders.size(); ++i)
    if (auto err = verifyEntryQConfig(
            orders[i].qconfig,
            ("module_name_object_type_order[" + llvm::Twine(i) + "]").str()))
      return err;
  return llvm::Error::success();
}
