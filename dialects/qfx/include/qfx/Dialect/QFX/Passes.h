//===- Passes.h - qfx dialect passes ----------------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_PASSES_H
#define QFX_DIALECT_QFX_PASSES_H

#include "mlir/Pass/Pass.h"
#include "qfx/Dialect/QFX/QFXOps.h"

namespace qfx {

#define GEN_PASS_DECL
#include "qfx/Dialect/QFX/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qfx/Dialect/QFX/Passes.h.inc"

} // namespace qfx

#endif // QFX_DIALECT_QFX_PASSES_H
