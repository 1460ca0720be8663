//===- QConfigLoading.cpp - Config specs and #qfx.qconfig conversion ------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Loading QConfigMappings / BackendConfigs from pass options and module
// attributes (preset, inline JSON or file), and config::QConfig to
// #qfx.qconfig.
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/ObserverInsertion.h"
#include "qfx/Dialect/QFX/QConfigAnnotation.h"
#include "qfx/Dialect/QFX/QFXDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "qfx/Config/ConfigJson.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace qfx;
namespace cfg = qfx::config;

//===----------------------------------------------------------------------===//
// QConfig -> #qfx.qconfig
//===----------------------------------------------------------------------===//

/// One side of a QConfig: the observer (for a fake-quantize, its effective
/// observer) and the fake-quantize class, if any. The same conversion
/// prepare uses for the observers it inserts, so annotation and insertion
/// cannot disagree.
static FailureOr<std::pair<ObserverConfigAttr, FakeQuantizeConfigAttr>>
getSideAttrs(MLIRContext *ctx, const cfg::ObserverSpec &spec) {
  FailureOr<ObserverConfigAttr> observer = getObserverConfigAttr(ctx, spec);
  if (failed(observer))
    return failure();
  return std::make_pair(*observer, getFakeQuantizeConfigAttr(ctx, spec));
}

FailureOr<QConfigAttr> qfx::getQConfigAttr(MLIRContext *ctx,
                                           const cfg::QConfig &qconfig) {
  std::pair<ObserverConfigAttr, FakeQuantizeConfigAttr> act, weight;
  for (auto [side, out] : {std::make_pair(&qconfig.activation, &act),
                           std::make_pair(&qconfig.weight, &weight)}) {
    if (!*side || (*side)->cls == cfg::ObserverClass::Identity)
      continue;
    auto attrs = getSideAttrs(ctx, **side);
    if (failed(attrs))
      return failure();
    *out = *attrs;
  }
  return QConfigAttr::get(ctx, act.first, weight.first, act.second,
                          weight.second);
}

//===----------------------------------------------------------------------===//
// Loading configs
//===----------------------------------------------------------------------===//

static llvm::Error prefixError(llvm::Error err, llvm::StringRef prefix) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 prefix + ": " +
                                     llvm::toString(std::move(err)));
}

/// JSON text of `spec` if it is inline JSON or a file; std::nullopt for a
/// preset name. `origin` names the source for messages.
static llvm::Expected<std::optional<std::string>>
readJsonSpec(llvm::StringRef spec, std::string &origin) {
  if (spec.ltrim().starts_with("{")) {
    origin = "inline JSON";
    return std::optional<std::string>(spec.str());
  }
  if (!spec.ends_with(".json") && !spec.contains('/'))
    return std::optional<std::string>();
  origin = spec.str();
  auto buf = llvm::MemoryBuffer::getFile(spec);
  if (!buf)
    return llvm::createStringError(buf.getError(),
                                   "cannot read '" + spec.str() +
                                       "': " + buf.getError().message());
  return std::optional<std::string>((*buf)->getBuffer().str());
}

llvm::Expected<cfg::QConfigMapping>
qfx::loadQConfigMapping(llvm::StringRef spec, bool qat) {
  std::string origin;
  auto text = readJsonSpec(spec, origin);
  if (!text)
    return text.takeError();
  if (*text) {
    auto mapping = cfg::parseQConfigMapping(**text);
    if (!mapping)
      return prefixError(mapping.takeError(), origin);
    return std::move(*mapping);
  }
  static const char *const kPresets[] = {"fbgemm", "x86", "qnnpack", "onednn"};
  if (!llvm::is_contained(kPresets, spec))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "unknown QConfigMapping preset '" + spec.str() +
            "' (expected fbgemm, x86, qnnpack, onednn, JSON text or a .json "
            "path)");
  if (qat)
    return cfg::getDefaultQATQConfigMapping(spec);
  return cfg::getDefaultQConfigMapping(spec);
}

llvm::Expected<cfg::BackendConfig>
qfx::loadBackendConfig(llvm::StringRef spec) {
  std::string origin;
  auto text = readJsonSpec(spec, origin);
  if (!text)
    return text.takeError();
  if (*text) {
    auto backend = cfg::parseBackendConfig(**text);
    if (!backend)
      return prefixError(backend.takeError(), origin);
    return std::move(*backend);
  }
  return cfg::getBackendConfig(spec);
}

FailureOr<std::pair<cfg::QConfigMapping, cfg::BackendConfig>>
qfx::loadConfigsFor(func::FuncOp func, llvm::StringRef mappingOption,
                    llvm::StringRef backendOption, bool qat) {
  auto module = func->getParentOfType<ModuleOp>();
  auto fromModule = [&](llvm::StringRef name) -> std::string {
    if (!module)
      return "";
    if (auto s = module->getAttrOfType<StringAttr>(name))
      return s.str();
    return "";
  };
  std::string mappingSpec = mappingOption.empty()
                                ? fromModule(kQConfigMappingAttrName)
                                : mappingOption.str();
  std::string backendSpec = backendOption.empty()
                                ? fromModule(kBackendConfigAttrName)
                                : backendOption.str();
  if (mappingSpec.empty())
    return func.emitError("no QConfigMapping: pass qconfig-mapping=<preset|"
                          "path.json> or set the module attribute '")
           << kQConfigMappingAttrName << "'";
  auto mapping = loadQConfigMapping(mappingSpec, qat);
  if (!mapping)
    return func.emitError("qconfig-mapping: ")
           << llvm::toString(mapping.takeError());
  auto backend = loadBackendConfig(backendSpec);
  if (!backend)
    return func.emitError("backend: ") << llvm::toString(backend.takeError());
  return std::make_pair(std::move(*mapping), std::move(*backend));
}
