//===- VerifyUtils.h - shared helpers of qfx op verifiers -------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_DIALECT_QFX_IR_VERIFYUTILS_H
#define QFX_LIB_DIALECT_QFX_IR_VERIFYUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

#include <optional>

namespace qfx {
namespace verify {

/// Resolves a Python-style dim (negative counts from the end) against
/// `rank`; std::nullopt when out of range.
inline std::optional<int64_t> normalizeDim(int64_t dim, int64_t rank) {
  if (dim < -rank || dim >= rank)
    return std::nullopt;
  return dim < 0 ? dim + rank : dim;
}

/// Like normalizeDim, but emits "<what> <dim> is out of range for rank R".
inline mlir::FailureOr<int64_t> checkDim(mlir::Operation *op, int64_t dim,
                                         int64_t rank, llvm::StringRef what) {
  if (std::optional<int64_t> d = normalizeDim(dim, rank))
    return *d;
  op->emitOpError() << what << " " << dim << " is out of range for rank "
                    << rank;
  return mlir::failure();
}

/// True if both sizes are static and different.
inline bool staticMismatch(int64_t a, int64_t b) {
  return !mlir::ShapedType::isDynamic(a) && !mlir::ShapedType::isDynamic(b) &&
         a != b;
}

/// Checks that a static result dim equals the expected static value.
inline mlir::LogicalResult checkResultDim(mlir::Operation *op,
                                          mlir::RankedTensorType type,
                                          unsigned dim, int64_t expected) {
  if (mlir::ShapedType::isDynamic(expected) ||
      !staticMismatch(type.getDimSize(dim), expected))
    return mlir::success();
  return op->emitOpError() << "result dim " << dim << " is "
                           << type.getDimSize(dim) << " but the op computes "
                           << expected;
}

/// Output size of a sliding window over `in` (conv / pooling arithmetic);
/// dynamic when `in` is.
inline int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                                int64_t padding, int64_t dilation,
                                bool ceilMode) {
  if (mlir::ShapedType::isDynamic(in) || stride <= 0)
    return mlir::ShapedType::kDynamic;
  int64_t span = in + 2 * padding - dilation * (kernel - 1) - 1;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // PyTorch: with ceil_mode the last window must start inside the input or
  // the left padding.
  if (ceilMode && (out - 1) * stride >= in + padding)
    --out;
  return out;
}

/// Emits an error unless `values` has `count` entries, all > minValue.
mlir::LogicalResult checkSpatialArray(mlir::Operation *op, llvm::StringRef name,
                                      llvm::ArrayRef<int64_t> values,
                                      size_t count, int64_t minValue);

} // namespace verify
} // namespace qfx

#endif // QFX_LIB_DIALECT_QFX_IR_VERIFYUTILS_H
