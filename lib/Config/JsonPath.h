//===- JsonPath.h - Error paths for the config JSON readers -----*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Private helpers shared by the QConfigMapping and BackendConfig JSON
// readers: every error names the JSON path of the offending value
// (`object_type[2][1].activation.dtype`), built with `at`.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_CONFIG_JSONPATH_H
#define QFX_LIB_CONFIG_JSONPATH_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <string>

namespace qfx::config::json_path {

/// An error "<path>: <msg>".
inline llvm::Error err(const llvm::Twine &path, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (path + ": " + msg).str());
}

/// The path of member `key` of the object at `path` (the root has "").
inline std::string at(llvm::StringRef path, llvm::StringRef key) {
  return path.empty() ? key.str() : (path + "." + key).str();
}

/// The path of element `i` of the array at `path`.
inline std::string at(llvm::StringRef path, size_t i) {
  return (path + "[" + llvm::Twine(i) + "]").str();
}

} // namespace qfx::config::json_path

#endif // QFX_LIB_CONFIG_JSONPATH_H
