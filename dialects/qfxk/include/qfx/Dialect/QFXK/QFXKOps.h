//===- QFXKOps.h - qfxk operations ------------------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFXK_QFXKOPS_H
#define QFX_DIALECT_QFXK_QFXKOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qfx/Dialect/QFXK/QFXKDialect.h"

#include "qfx/Dialect/QFXK/QFXKEnums.h.inc"
#define GET_ATTRDEF_CLASSES
#include "qfx/Dialect/QFXK/QFXKAttrs.h.inc"
#define GET_OP_CLASSES
#include "qfx/Dialect/QFXK/QFXKOps.h.inc"

#endif // QFX_DIALECT_QFXK_QFXKOPS_H
