//===- QFXAttrs.h - qfx attributes ------------------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXATTRS_H
#define QFX_DIALECT_QFX_QFXATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include <optional>

#include "qfx/Dialect/QFX/QFXEnums.h.inc"

namespace qfx {
namespace detail {
/// Parses `true` or `false` (attribute parameters written as Python bools).
mlir::FailureOr<bool> parseBoolParameter(mlir::AsmParser &parser);
/// Parses a decimal or hexadecimal float literal.
mlir::FailureOr<llvm::APFloat> parseDoubleParameter(mlir::AsmParser &parser);
/// Parses `[f, f, ...]` with float32 semantics.
mlir::FailureOr<mlir::DenseF32ArrayAttr>
parseF32ArrayParameter(mlir::AsmParser &parser);
/// Prints `[f, f, ...]` so that parseF32ArrayParameter restores the bits.
void printF32ArrayParameter(mlir::AsmPrinter &printer,
                            mlir::DenseF32ArrayAttr values);
} // namespace detail

/// The [min, max] storage range of a torch quantized dtype, before any
/// reduce_range; std::nullopt for the float dtypes.
std::optional<std::pair<int64_t, int64_t>> getDTypeRange(QuantDType dtype);
} // namespace qfx

#define GET_ATTRDEF_CLASSES
#include "qfx/Dialect/QFX/QFXAttrs.h.inc"

#endif // QFX_DIALECT_QFX_QFXATTRS_H
