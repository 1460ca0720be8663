//===- QConfigResolution.cpp - Which QConfig applies to a node ------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Reproduces PyTorch 1.13 `generate_qconfig_map` precedence, lowest first:
//   global < object_type < module_name_regex < module_name
//          < module_name_object_type_order.
// call_function: object_type(function), then object_type(scope module class),
//   regex/module_name on the scope path, then order on (scope path, function).
// call_method: object_type(method), object_type(scope class), regex and
//   module_name on the scope path.
// call_module: object_type(module class), regex and module_name on the
//   module's own path, then order on (parent path, module class).
// get_attr: as call_module for the module owning the attribute.
// module_name also matches ancestors (nearest first), regexes are tried in
// insertion order with `re.match` semantics and the first match wins.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/QConfigMapping.h"

#include "llvm/ADT/Twine.h"

using namespace qfx::config;

llvm::StringRef qfx::config::stringifyQConfigRule(QConfigRule rule) {
  switch (rule) {
  case QConfigRule::None:
    return "none";
  case QConfigRule::Global:
    return "global";
  case QConfigRule::ObjectType:
    return "object_type";
  case QConfigRule::ParentModuleType:
    return "parent_module_type";
  case QConfigRule::ModuleNameRegex:
    return "module_name_regex";
  case QConfigRule::ModuleName:
    return "module_name";
  case QConfigRule::ParentModuleName:
    return "parent_module_name";
  case QConfigRule::ModuleNameObjectTypeOrder:
    return "module_name_object_type_order";
  }
  llvm_unreachable("unknown QConfigRule");
}

/// `_parent_name`: "a.b.c" -> "a.b", "a" -> "".
static llvm::StringRef parentName(llvm::StringRef path) {
  size_t dot = path.rfind('.');
  return dot == llvm::StringRef::npos ? llvm::StringRef()
                                      : path.take_front(dot);
}

/// get_object_type_qconfig: overrides `fallback` if `type` has an entry.
static void applyObjectType(const QConfigMapping &mapping, llvm::StringRef type,
                            QConfigRule rule, QConfigResolution &res) {
  if (type.empty())
    return;
  if (const auto *e = mapping.findObjectType(type))
    res = {e->qconfig, rule, e->key};
}

/// `maybe_adjust_qconfig_for_module_type_or_name`.
static void adjustForModuleTypeOrName(const QConfigMapping &mapping,
                                      llvm::StringRef moduleType,
                                      QConfigRule typeRule,
                                      llvm::StringRef moduleName,
                                      QConfigResolution &res) {
  applyObjectType(mapping, moduleType, typeRule, res);
  for (const auto &e : mapping.getModuleNameRegexes()) {
    auto matched = pythonReMatch(e.key, moduleName);
    if (!matched) {
      // Invalid regexes are rejected by verifyQConfigMapping.
      llvm::consumeError(matched.takeError());
      continue;
    }
    if (*matched) {
      res = {e.qconfig, QConfigRule::ModuleNameRegex, e.key};
      break;
    }
  }
  // get_module_name_qconfig walks up to (but excluding) the root "".
  for (llvm::StringRef name = moduleName; !name.empty();
       name = parentName(name)) {
    if (const auto *e = mapping.findModuleName(name)) {
      res = {e->qconfig,
             name == moduleName ? QConfigRule::ModuleName
                                : QConfigRule::ParentModuleName,
             e->key};
      break;
    }
  }
}

static void applyOrder(const QConfigMapping &mapping, llvm::StringRef path,
                       llvm::StringRef type, int64_t index,
                       QConfigResolution &res) {
  for (const auto &e : mapping.getModuleNameObjectTypeOrders()) {
    if (e.key.moduleName == path && e.key.objectType == type &&
        e.key.index == index) {
      res = {e.qconfig, QConfigRule::ModuleNameObjectTypeOrder,
             (e.key.moduleName + "/" + e.key.objectType + "/" +
              llvm::Twine(e.key.index))
                 .str()};
      return;
    }
  }
}

QConfigResolution qfx::config::resolveQConfig(const QConfigMapping &mapping,
                                      const NodeQuery &q) {
  QConfigResolution res{mapping.getGlobal(), QConfigRule::Global, ""};
  switch (q.kind) {
  case NodeKind::GetAttr:
    adjustForModuleTypeOrName(mapping, q.targetModuleType,
                              QConfigRule::ObjectType, parentName(q.target),
                              res);
    return res;
  case NodeKind::CallFunction:
    applyObjectType(mapping, q.target, QConfigRule::ObjectType, res);
    adjustForModuleTypeOrName(mapping, q.moduleType,
                              QConfigRule::ParentModuleType, q.modulePath, res);
    applyOrder(mapping, q.modulePath, q.target, q.objectTypeIndex, res);
    return res;
  case NodeKind::CallMethod:
    // The first adjust call's regex/module_name results are recomputed
    // identically by the second call, so only the object types stack.
    applyObjectType(mapping, q.target, QConfigRule::ObjectType, res);
    adjustForModuleTypeOrName(mapping, q.moduleType,
                              QConfigRule::ParentModuleType, q.modulePath, res);
    return res;
  case NodeKind::CallModule:
    adjustForModuleTypeOrName(mapping, q.targetModuleType,
                              QConfigRule::ObjectType, q.target, res);
    applyOrder(mapping, parentName(q.target), q.targetModuleType,
               q.objectTypeIndex, res);
    return res;
  case NodeKind::Other:
    return QConfigResolution{std::nullopt, QConfigRule::None, ""};
  }
  llvm_unreachable("unknown NodeKind");
}

QConfigResolution QConfigResolver::resolve(NodeQuery query) {
  if (query.kind == NodeKind::CallFunction)
    query.objectTypeIndex = counters[query.modulePath][query.target]++;
  else if (query.kind == NodeKind::CallModule)
    query.objectTypeIndex =
        counters[parentName(query.target)][query.targetModuleType]++;
  return resolveQConfig(mapping, query);
}
