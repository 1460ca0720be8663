//===- OnnxNaming.cpp - torch.onnx names to FX names ----------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Import/OnnxNaming.h"

#include "llvm/ADT/StringExtras.h"

using namespace qfx;

static bool isNumeric(llvm::StringRef s) {
  return !s.empty() && llvm::all_of(s, llvm::isDigit);
}

OnnxScope qfx::splitOnnxScope(llvm::StringRef nodeName) {
  OnnxScope scope;
  if (!nodeName.starts_with("/")) {
    scope.opName = nodeName.str();
    return scope;
  }
  llvm::SmallVector<llvm::StringRef> parts;
  nodeName.drop_front().split(parts, '/', /*MaxSplit=*/-1,
                              /*KeepEmpty=*/false);
  if (parts.empty())
    return scope;
  scope.opName = parts.pop_back_val().str();
  for (llvm::StringRef p : parts)
    scope.components.push_back(p.str());
  return scope;
}

std::string qfx::joinScopeComponents(llvm::ArrayRef<std::string> components) {
  std::string path;
  for (const std::string &comp : components) {
    llvm::StringRef c(comp);
    llvm::StringRef child = c;
    // A numeric child (`0` of a Sequential) is spelled with its parent's last
    // non-numeric atom in front: `layer1.0`. Only the index is new.
    auto dot = c.rfind('.');
    if (dot != llvm::StringRef::npos && isNumeric(c.substr(dot + 1)) &&
        !path.empty())
      child = c.substr(dot + 1);
    if (!path.empty())
      path += ".";
    path += child.str();
  }
  return path;
}

std::string qfx::canonicalizeModulePath(llvm::StringRef path,
                                        const llvm::StringSet<> &scopePaths,
                                        const llvm::StringSet<> &realModules) {
  if (realModules.contains(path))
    return path.str();
  auto underscore = path.rfind('_');
  auto dot = path.rfind('.');
  if (underscore == llvm::StringRef::npos ||
      (dot != llvm::StringRef::npos && underscore < dot))
    return path.str();
  if (!isNumeric(path.substr(underscore + 1)))
    return path.str();
  llvm::StringRef base = path.take_front(underscore);
  if (scopePaths.contains(base) || realModules.contains(base))
    return base.str();
  return path.str();
}

bool qfx::isTorchParameterName(llvm::StringRef name) {
  if (name.empty() || name.contains("::") || name.contains('/') ||
      name.contains(':'))
    return false;
  if (isNumeric(name))
    return false;
  // Python identifiers joined by dots; numeric atoms are Sequential indices.
  llvm::SmallVector<llvm::StringRef> atoms;
  name.split(atoms, '.');
  for (llvm::StringRef atom : atoms) {
    if (atom.empty())
      return false;
    if (isNumeric(atom))
      continue;
    if (llvm::isDigit(atom.front()))
      return false;
    for (char ch : atom)
      if (!llvm::isAlnum(ch) && ch != '_')
        return false;
  }
  return true;
}

bool qfx::isTorchBufferName(llvm::StringRef name) {
  return name.ends_with("running_mean") || name.ends_with("running_var") ||
         name.ends_with("num_batches_tracked");
}

std::string qfx::blobKeyForName(llvm::StringRef name) {
  std::string key;
  for (char ch : name)
    key += (llvm::isAlnum(ch) || ch == '_') ? ch : '_';
  if (key.empty() || llvm::isDigit(key.front()))
    key = "t_" + key;
  return key;
}
