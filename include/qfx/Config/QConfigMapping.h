//===- QConfigMapping.h - Mapping from graph nodes to QConfigs --*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// The qfx model of PyTorch 1.13's `QConfigMapping` and the precedence rules
// `prepare_fx` uses to pick a QConfig for each FX node
// (`fx/qconfig_mapping_utils.py: generate_qconfig_map`).
//
// Targets (object types) use qfx's canonical spelling: module classes as
// `__module__.__qualname__` (`torch.nn.modules.conv.Conv2d`), functions by
// their public name (`torch.nn.functional.relu`, `torch.add`,
// `operator.add`), methods by bare name (`relu`). See docs/configs.md.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_CONFIG_QCONFIGMAPPING_H
#define QFX_CONFIG_QCONFIGMAPPING_H

#include "qfx/Config/QConfig.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qfx::config {

/// One `module_name_object_type_order` key.
struct ModuleNameObjectTypeOrderKey {
  std::string moduleName;
  std::string objectType;
  int64_t index = 0;

  bool operator==(const ModuleNameObjectTypeOrderKey &o) const {
    return moduleName == o.moduleName && objectType == o.objectType &&
           index == o.index;
  }
};

/// Mapping from model ops to QConfigs. Each table is ordered by first
/// insertion; setting an existing key replaces the value in place, like the
/// Python OrderedDicts.
class QConfigMapping {
public:
  template <typename Key> struct Entry {
    Key key;
    QConfigOrNone qconfig;
  };
  using StringEntry = Entry<std::string>;
  using OrderEntry = Entry<ModuleNameObjectTypeOrderKey>;

  QConfigMapping &setGlobal(QConfigOrNone qconfig);
  QConfigMapping &setObjectType(llvm::StringRef objectType,
                                QConfigOrNone qconfig);
  /// Registers a regex; the caller validates it (see verifyQConfigMapping).
  QConfigMapping &setModuleNameRegex(llvm::StringRef regex,
                                     QConfigOrNone qconfig);
  QConfigMapping &setModuleName(llvm::StringRef moduleName,
                                QConfigOrNone qconfig);
  QConfigMapping &setModuleNameObjectTypeOrder(llvm::StringRef moduleName,
                                               llvm::StringRef objectType,
                                               int64_t index,
                                               QConfigOrNone qconfig);

  const QConfigOrNone &getGlobal() const { return global; }
  llvm::ArrayRef<StringEntry> getObjectTypes() const { return objectTypes; }
  llvm::ArrayRef<StringEntry> getModuleNameRegexes() const {
    return moduleNameRegexes;
  }
  llvm::ArrayRef<StringEntry> getModuleNames() const { return moduleNames; }
  llvm::ArrayRef<OrderEntry> getModuleNameObjectTypeOrders() const {
    return moduleNameObjectTypeOrders;
  }

  /// Finds an exact key; nullptr if absent.
  const StringEntry *findObjectType(llvm::StringRef objectType) const;
  const StringEntry *findModuleName(llvm::StringRef moduleName) const;

  bool operator==(const QConfigMapping &o) const;

private:
  QConfigOrNone global;
  std::vector<StringEntry> objectTypes;
  std::vector<StringEntry> moduleNameRegexes;
  std::vector<StringEntry> moduleNames;
  std::vector<OrderEntry> moduleNameObjectTypeOrders;
};

/// Verifies every QConfig and regex of `mapping`; messages carry the JSON
/// path (`module_name_regex[2].module_name_regex: invalid regex ...`).
llvm::Error verifyQConfigMapping(const QConfigMapping &mapping);

/// `get_default_qconfig_mapping(backend)` for fbgemm, x86, qnnpack, onednn.
/// Other names follow PyTorch and use `default_qconfig` as the base qconfig.
QConfigMapping getDefaultQConfigMapping(llvm::StringRef backend = "fbgemm");
/// `get_default_qat_qconfig_mapping(backend, version)`.
llvm::Expected<QConfigMapping>
getDefaultQATQConfigMapping(llvm::StringRef backend = "fbgemm",
                            int version = 1);

/// The FX node kinds that can receive a QConfig.
enum class NodeKind { CallModule, CallFunction, CallMethod, GetAttr, Other };

/// `_validate_fixed_qparams_qconfigs` for one FX node: true when `target` is
/// a fixed-qparams op of `_FIXED_QPARAMS_OP_TO_OBSERVER` (module classes of
/// call_module nodes, functions of call_function nodes; 1.13 never checks
/// call_method nodes) and `qconfig` is not None but its activation is none
/// of the op's fixed-qparams observer, float16_static_qconfig's and
/// float16_dynamic_qconfig's activation, nor a FixedQParamsFakeQuantize of
/// one of them. prepare_fx raises a ValueError for such a node.
bool isInvalidFixedQParamsQConfig(NodeKind kind, llvm::StringRef target,
                                  const QConfigOrNone &qconfig);

/// What the resolver needs to know about one FX node.
struct NodeQuery {
  NodeKind kind = NodeKind::Other;
  /// call_module / get_attr: the qualified attribute path (`sub.conv`);
  /// call_function: the canonical function name; call_method: method name.
  std::string target;
  /// The module scope the node was traced in (`node_name_to_scope` path):
  /// for call_module this is the module itself, otherwise the module whose
  /// forward contains the node ("" for the root).
  std::string modulePath;
  /// The class of that scope module (canonical name; "" for the root).
  std::string moduleType;
  /// call_module: class of the called module. get_attr: class of the module
  /// owning the attribute.
  std::string targetModuleType;
  /// Occurrence index used by module_name_object_type_order. Filled in by
  /// QConfigResolver; for the stateless resolveQConfig pass it explicitly.
  int64_t objectTypeIndex = 0;
};

/// The precedence rule that produced a QConfig.
enum class QConfigRule {
  /// No rule applied (node kind without qconfig).
  None,
  Global,
  /// `object_type` keyed by the node's own target (function, method, module
  /// class).
  ObjectType,
  /// `object_type` keyed by the class of the module the node is traced in.
  ParentModuleType,
  ModuleNameRegex,
  /// `module_name` exact match on the node's module path.
  ModuleName,
  /// `module_name` matched on an ancestor of the node's module path.
  ParentModuleName,
  ModuleNameObjectTypeOrder,
};
llvm::StringRef stringifyQConfigRule(QConfigRule rule);

/// The chosen QConfig (std::nullopt = PyTorch None) and why.
struct QConfigResolution {
  QConfigOrNone qconfig;
  QConfigRule rule = QConfigRule::None;
  /// The key of the winning entry (regex, module name, object type, or
  /// `name/type/index`); empty for Global/None.
  std::string ruleKey;
};

/// Resolves one node with 1.13's precedence, using `query.objectTypeIndex`.
QConfigResolution resolveQConfig(const QConfigMapping &mapping,
                                 const NodeQuery &query);

/// Stateful resolver that numbers object-type occurrences per module like
/// `generate_qconfig_map`; feed the nodes in graph order.
class QConfigResolver {
public:
  explicit QConfigResolver(const QConfigMapping &mapping) : mapping(mapping) {}
  /// Assigns the occurrence index (call_function: per (module path,
  /// function); call_module: per (parent path, module class)) and resolves.
  QConfigResolution resolve(NodeQuery query);

private:
  const QConfigMapping &mapping;
  llvm::StringMap<llvm::StringMap<int64_t>> counters;
};

/// Python `re.match` semantics: true if `regex` matches a prefix of `text`.
/// Returns an error for a regex llvm::Regex cannot compile.
llvm::Expected<bool> pythonReMatch(llvm::StringRef regex, llvm::StringRef text);

} // namespace qfx::config

#endif // QFX_CONFIG_QCONFIGMAPPING_H
