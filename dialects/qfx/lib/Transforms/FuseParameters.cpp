//===- FuseParameters.cpp - module parameters during fusion ---------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "FuseParameters.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseSet.h"

#include <cstring>

using namespace mlir;
using namespace qfx;

FuseParameters::FuseParameters(ModuleOp module) {
  // Sized once: rehashing tables of a large module's names moves every
  // entry again.
  size_t numParams = llvm::range_size(module.getOps<ParameterOp>());
  byName = llvm::StringMap<ParameterOp>(numParams);
  byOwner = llvm::StringMap<llvm::SmallVector<StringAttr, 4>>(numParams);
  useCount.reserve(numParams);
  for (auto param : module.getOps<ParameterOp>()) {
    StringAttr name = param.getSymNameAttr();
    byName[name.getValue()] = param;
    size_t dot = name.getValue().rfind('.');
    StringRef owner =
        dot == StringRef::npos ? "" : name.getValue().take_front(dot);
    byOwner[owner].push_back(name);
  }
  module.walk([&](GetAttrOp get) { ++useCount[get.getNameAttr().getAttr()]; });
}

ArrayRef<StringAttr> FuseParameters::ownedBy(StringRef path) const {
  auto it = byOwner.find(path);
  if (it == byOwner.end())
    return {};
  return it->second;
}

FailureOr<SmallVector<float>> FuseParameters::readF32(ParameterOp param) {
  RankedTensorType type = param.getType();
  if (!type.getElementType().isF32())
    return failure();
  size_t n = type.getNumElements();
  SmallVector<float> out;
  out.resize_for_overwrite(n);
  Attribute value = param.getValue();
  if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != n * sizeof(float))
      return failure();
    std::memcpy(out.data(), blob->getData().data(), n * sizeof(float));
    return out;
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return failure();
  llvm::copy(dense.getValues<float>(), out.begin());
  if (dense.isSplat())
    std::fill(out.begin(), out.end(), dense.getSplatValue<float>());
  return out;
}

TypedAttr FuseParameters::makeF32Value(RankedTensorType type, StringRef name,
                                       ArrayRef<float> data) {
  std::string key = name.str();
  std::replace(key.begin(), key.end(), '.', '_');
  return DenseResourceElementsAttr::get(
      type, key, HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
}

ParameterOp FuseParameters::define(RewriterBase &rewriter, Operation *anchor,
                                   StringRef name, ParameterKind kind,
                                   TypedAttr value) {
  if (ParameterOp existing = lookup(name)) {
    if (uses(existing.getSymNameAttr()) != 0)
      return nullptr;
    rewriter.modifyOpInPlace(existing, [&] {
      existing.setValueAttr(value);
      existing.setKind(kind);
    });
    retired.remove(existing.getSymNameAttr());
    return existing;
  }
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(anchor);
  // One StringAttr for the symbol and its location: every uniquer lookup
  // of a new name misses the cache once the graph is large.
  StringAttr nameAttr = rewriter.getStringAttr(name);
  auto param = ParameterOp::create(
      rewriter, NameLoc::get(nameAttr), nameAttr,
      ParameterKindAttr::get(rewriter.getContext(), kind), value);
  byName[name] = param;
  return param;
}

void FuseParameters::eraseUnread(RewriterBase &rewriter, ModuleOp module) {
  if (retired.empty())
    return;
  llvm::DenseSet<StringAttr> read;
  module.walk([&](GetAttrOp get) { read.insert(get.getNameAttr().getAttr()); });
  eraseRetired(rewriter, [&](StringAttr name) { return read.contains(name); });
}

void FuseParameters::eraseUnreadCounted(RewriterBase &rewriter) {
  eraseRetired(rewriter, [&](StringAttr name) { return uses(name) != 0; });
}

void FuseParameters::eraseRetired(
    RewriterBase &rewriter, llvm::function_ref<bool(StringAttr)> isRead) {
  for (StringAttr name : retired) {
    ParameterOp param = lookup(name.getValue());
    if (!param || isRead(name))
      continue;
    byName.erase(name.getValue());
    rewriter.eraseOp(param);
  }
  retired.clear();
}
