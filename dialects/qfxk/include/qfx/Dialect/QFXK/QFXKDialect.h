//===- QFXKDialect.h - qfxk dialect -----------------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFXK_QFXKDIALECT_H
#define QFX_DIALECT_QFXK_QFXKDIALECT_H

#include "mlir/IR/Dialect.h"

#include "qfx/Dialect/QFXK/QFXKOpsDialect.h.inc"

#endif // QFX_DIALECT_QFXK_QFXKDIALECT_H
