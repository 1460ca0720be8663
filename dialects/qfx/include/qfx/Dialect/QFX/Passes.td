//===- Passes.td - qfx dialect passes ----------------------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Passes over qfx graphs. Each pass lives in its own file under
// dialects/qfx/lib/Transforms and is named after its flag. Configuration
// comes through pass options (preset names or JSON paths), never cl::opt.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_PASSES_TD
#define QFX_DIALECT_QFX_PASSES_TD

include "mlir/Pass/PassBase.td"

#endif // QFX_DIALECT_QFX_PASSES_TD
