//===- FuseParameters.h - module parameters during fusion -------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The `qfx.parameter`s of a module as --qfx-fuse moves them: lookup by name
// and by owning module path, get_attr use counts, float32 values in and
// out, and the final removal of parameters that fusion left unread.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_TRANSFORMS_FUSEPARAMETERS_H
#define QFX_DIALECT_QFX_TRANSFORMS_FUSEPARAMETERS_H

#include "qfx/Dialect/QFX/QFXOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"

namespace qfx {

/// Parameters of one module, indexed once (linear in the module size).
class FuseParameters {
public:
  explicit FuseParameters(mlir::ModuleOp module);

  /// The parameter named `name`, or null.
  ParameterOp lookup(llvm::StringRef name) const {
    return byName.lookup(name);
  }
  /// Names of the parameters whose owning module is `path` (`conv1` owns
  /// `conv1.weight`, not `conv1.0.weight`), in module order.
  llvm::ArrayRef<mlir::StringAttr> ownedBy(llvm::StringRef path) const;
  /// get_attr ops reading `name` (kept up to date by the fusion pattern).
  unsigned &uses(mlir::StringAttr name) { return useCount[name]; }

  /// The float32 elements of `param`, or failure for other element types.
  static mlir::FailureOr<llvm::SmallVector<float>> readF32(ParameterOp param);

  /// Creates parameter `name` (or, when it exists and nothing reads it any
  /// more, updates it) with `value`, before `anchor`. Null when the name is
  /// taken by a parameter that is still read.
  ParameterOp define(mlir::RewriterBase &rewriter, mlir::Operation *anchor,
                     llvm::StringRef name, ParameterKind kind,
                     mlir::TypedAttr value);
  /// A float32 dense_resource value of type `type`.
  static mlir::TypedAttr makeF32Value(mlir::RankedTensorType type,
                                      llvm::StringRef name,
                                      llvm::ArrayRef<float> data);

  /// Marks the parameters of an absorbed module for removal once unread.
  void retire(mlir::StringAttr name) { retired.insert(name); }
  /// Erases the retired parameters that no get_attr reads.
  void eraseUnread(mlir::RewriterBase &rewriter, mlir::ModuleOp module);
  /// eraseUnread for a caller that kept `uses` exact (counted every read it
  /// created or erased): no walk over the module, which is most of the cost
  /// on large graphs.
  void eraseUnreadCounted(mlir::RewriterBase &rewriter);

private:
  void eraseRetired(mlir::RewriterBase &rewriter,
                    llvm::function_ref<bool(mlir::StringAttr)> isRead);

  llvm::StringMap<ParameterOp> byName;
  llvm::StringMap<llvm::SmallVector<mlir::StringAttr, 4>> byOwner;
  llvm::DenseMap<mlir::StringAttr, unsigned> useCount;
  llvm::SetVector<mlir::StringAttr> retired;
};

} // namespace qfx

#endif // QFX_DIALECT_QFX_TRANSFORMS_FUSEPARAMETERS_H
