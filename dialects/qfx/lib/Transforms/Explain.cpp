//===- Explain.cpp - Explain QConfig resolution per op --------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// --qfx-explain: for every FX node, the rule that chose its QConfig, the
// QConfig, the matched backend pattern and why the op stays float.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/ConfigJson.h"
#include "qfx/Dialect/QFX/Passes.h"
#include "qfx/Dialect/QFX/QConfigAnnotation.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace qfx {
#define GEN_PASS_DEF_QFXEXPLAIN
#include "qfx/Dialect/QFX/Passes.h.inc"
} // namespace qfx

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;

/// "object_type torch.add", "module_name_regex layer.*", ...
static std::string describeRule(const OpQConfigInfo &info) {
  const cfg::QConfigResolution &r = *info.resolution;
  std::string text = cfg::stringifyQConfigRule(r.rule).str();
  switch (r.rule) {
  case cfg::QConfigRule::None:
  case cfg::QConfigRule::Global:
    break;
  case cfg::QConfigRule::ParentModuleType:
    text = "object_type " + r.ruleKey + " (class of enclosing module '" +
           info.node.getModule().str() + "')";
    break;
  case cfg::QConfigRule::ParentModuleName:
    text = "module_name " + r.ruleKey + " (parent module)";
    break;
  case cfg::QConfigRule::ModuleNameObjectTypeOrder: {
    // ruleKey is "name/type/index".
    llvm::StringRef key(r.ruleKey);
    auto [name, rest] = key.split('/');
    auto [type, index] = rest.rsplit('/');
    text = ("module_name_object_type_order (" + name + ", " + type + ", " +
            index + ")")
               .str();
    break;
  }
  default:
    text += " " + r.ruleKey;
  }
  if (info.fusedInto)
    text += " [fused " + info.fusedType + "]";
  return text;
}

static std::string describeQConfig(const OpQConfigInfo &info) {
  const cfg::QConfigOrNone &q = info.resolution->qconfig;
  if (!q)
    return "None";
  return cfg::printJson(cfg::qconfigToJson(q));
}

static std::string compactJson(const llvm::json::Value &v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << v;
  return s;
}

namespace {
struct ExplainPass : public qfx::impl::QfxExplainBase<ExplainPass> {
  using QfxExplainBase::QfxExplainBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (format != "remark" && format != "table" && format != "json") {
      func.emitError("format must be remark, table or json, not '")
          << format << "'";
      return signalPassFailure();
    }
    auto configs = loadConfigsFor(func, qconfigMapping, backend, qat);
    if (failed(configs))
      return signalPassFailure();
    auto annotation = computeQConfigAnnotation(func, configs->first,
                                               configs->second, qat);
    if (failed(annotation))
      return signalPassFailure();
    llvm::json::Array rows;
    std::string table;
    llvm::raw_string_ostream os(table);
    if (format == "table")
      os << "// qfx-explain @" << func.getSymName() << " backend="
         << configs->second.getName() << "\n"
         << "node | kind | target | module | rule | quantized | why\n";
    for (const OpQConfigInfo &info : annotation->ops) {
      std::string rule = describeRule(info);
      std::string pattern =
          info.checkedPattern ? info.checkedPattern->pattern.str() : "";
      std::string quantized = info.isQuantized() ? "yes" : "no";
      std::string why = info.isQuantized() ? "pattern " + pattern
                                           : info.floatReason;
      llvm::StringRef kind = stringifyNodeKind(info.node.getKind());
      if (format == "remark") {
        info.op->emitRemark()
            << "'" << info.name << "' (" << kind << " "
            << info.node.getTarget().getValue() << ", module '"
            << info.node.getModule().getValue() << "'): rule " << rule
            << "; qconfig "
            << compactJson(cfg::qconfigToJson(info.resolution->qconfig))
            << "; " << (info.isQuantized() ? "quantized by " : "float: ")
            << why;
      } else if (format == "table") {
        os << info.name << " | " << kind << " | "
           << info.node.getTarget().getValue() << " | "
           << info.node.getModule().getValue() << " | " << rule << " | "
           << quantized << " | " << why << "\n";
      } else {
        llvm::json::Object row{
            {"node", info.name},
            {"kind", kind},
            {"target", info.node.getTarget().getValue()},
            {"module", info.node.getModule().getValue()},
            {"scope_type", info.scopeType},
            {"rule", cfg::stringifyQConfigRule(info.resolution->rule)},
            {"rule_key", info.resolution->ruleKey},
            {"qconfig", cfg::qconfigToJson(info.resolution->qconfig)},
            {"pattern", pattern},
            {"quantized", info.isQuantized()},
            {"float_reason", info.floatReason}};
        if (info.fusedInto)
          row["fused_type"] = info.fusedType;
        if (info.unsupportedReason)
          row["unsupported"] = *info.unsupportedReason;
        rows.push_back(std::move(row));
      }
    }
    if (format == "json")
      os << cfg::printJson(llvm::json::Object{
          {"function", func.getSymName()},
          {"backend", configs->second.getName()},
          {"nodes", std::move(rows)}});
    llvm::outs() << table;
    llvm::outs().flush();
    markAllAnalysesPreserved();
  }
};
} // namespace
