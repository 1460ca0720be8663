//===- QFXOps.h - qfx dialect ops -------------------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXOPS_H
#define QFX_DIALECT_QFX_QFXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "qfx/Dialect/QFX/QFXAttrs.h"
#include "qfx/Dialect/QFX/QFXDialect.h"

#define GET_OP_CLASSES
#include "qfx/Dialect/QFX/QFXOps.h.inc"

#endif // QFX_DIALECT_QFX_QFXOPS_H
