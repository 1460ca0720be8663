//===- ConfigJson.h - JSON form of qfx configs ------------------*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Loading and saving QConfigMapping and BackendConfig in the JSON schema of
// docs/configs.md, which mirrors PyTorch's `to_dict()` and is what
// python/qfx_torch/config_io.py writes. Load errors are prefixed with the
// JSON path of the offending value, e.g.
// `object_type[3].qconfig.activation.kwargs.dtype: unknown dtype 'quint9'`.
// Saving is deterministic (object keys sorted, list order preserved).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_CONFIG_CONFIGJSON_H
#define QFX_CONFIG_CONFIGJSON_H

#include "qfx/Config/BackendConfig.h"
#include "qfx/Config/QConfigMapping.h"

#include "llvm/Support/JSON.h"

namespace qfx::config {

llvm::json::Value observerSpecToJson(const ObserverSpec &spec);
llvm::json::Value qconfigToJson(const QConfigOrNone &qconfig);
llvm::json::Value qconfigMappingToJson(const QConfigMapping &mapping);
llvm::json::Value backendConfigToJson(const BackendConfig &config);
llvm::json::Value patternToJson(const Pattern &pattern);

llvm::Expected<ObserverSpec> observerSpecFromJson(const llvm::json::Value &v,
                                                  llvm::StringRef path);
llvm::Expected<QConfigOrNone> qconfigFromJson(const llvm::json::Value &v,
                                              llvm::StringRef path);
/// Parses and verifies a QConfigMapping.
llvm::Expected<QConfigMapping>
qconfigMappingFromJson(const llvm::json::Value &v);
/// Parses and verifies a BackendConfig.
llvm::Expected<BackendConfig> backendConfigFromJson(const llvm::json::Value &v);

/// Parses text, then the corresponding *FromJson.
llvm::Expected<QConfigMapping> parseQConfigMapping(llvm::StringRef text);
llvm::Expected<BackendConfig> parseBackendConfig(llvm::StringRef text);

/// Pretty-printed (indent 2), key-sorted JSON text with a trailing newline.
std::string printJson(const llvm::json::Value &v);

} // namespace qfx::config

#endif // QFX_CONFIG_CONFIGJSON_H
