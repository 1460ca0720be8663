//===- OnnxNaming.h - torch.onnx names to FX names --------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// torch.onnx (1.13) names nodes after the module scopes they were traced in:
// `/layer1/layer1.0/conv1/Conv`, one component per module, each the module's
// qualified name shortened to its last non-numeric atom (`layer1.0`,
// `conv1`). These helpers recover FX module paths from such names.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_IMPORT_ONNXNAMING_H
#define QFX_IMPORT_ONNXNAMING_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace qfx {

/// A torch.onnx node name split into module scope and op name.
struct OnnxScope {
  /// The scope components, outermost first (`layer1`, `layer1.0`, `conv1`).
  llvm::SmallVector<std::string> components;
  /// The last component: op type with an optional `_N` suffix (`Conv_1`).
  std::string opName;
};

/// Splits a torch.onnx node name. Names not starting with `/` (other
/// producers, older torch) have no scope: all of it is the op name.
OnnxScope splitOnnxScope(llvm::StringRef nodeName);

/// Joins scope components into a qualified module path: each component is
/// the child's name, or (when it ends in a numeric atom) a suffix of the
/// parent path plus the child's index. `{layer1, layer1.0, conv1}` gives
/// `layer1.0.conv1`.
std::string joinScopeComponents(llvm::ArrayRef<std::string> components);

/// Undoes torch.onnx's renaming of a module called more than once
/// (`layer1.0.relu_1` for the second call of `layer1.0.relu`): strips a
/// trailing `_N` from the last atom when the shortened path is also a scope
/// of the graph (`scopePaths`), unless the full path is known to be a real
/// module (`realModules`, from parameter names).
std::string canonicalizeModulePath(llvm::StringRef path,
                                   const llvm::StringSet<> &scopePaths,
                                   const llvm::StringSet<> &realModules);

/// True for names torch gives parameters and buffers (`layer1.0.bn1.weight`)
/// as opposed to generated ones (`onnx::Conv_193`, `123`, `/fc/Constant`).
bool isTorchParameterName(llvm::StringRef name);

/// True for a parameter that PyTorch registers as a buffer.
bool isTorchBufferName(llvm::StringRef name);

/// A valid, readable resource blob key for a parameter name.
std::string blobKeyForName(llvm::StringRef name);

} // namespace qfx

#endif // QFX_IMPORT_ONNXNAMING_H
