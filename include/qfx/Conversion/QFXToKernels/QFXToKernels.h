//===- QFXToKernels.h - qfx reference patterns to qfxk ----------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_CONVERSION_QFXTOKERNELS_QFXTOKERNELS_H
#define QFX_CONVERSION_QFXTOKERNELS_QFXTOKERNELS_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "qfx/Dialect/QFXK/QFXKOps.h"

#include <map>
#include <string>

namespace qfx {

/// Why a reference pattern was left alone, per op (for remarks).
using LowerFailures = std::map<mlir::Operation *, std::string>;

/// Patterns rewriting `q(op(dq ...))` into qfxk ops with requantization
/// convention \p requant. Failures are recorded in \p failures.
void populateQFXToKernelsPatterns(mlir::RewritePatternSet &patterns,
                                  kernels::Requant requant,
                                  LowerFailures *failures);

#define GEN_PASS_DECL_QFXLOWER
#define GEN_PASS_REGISTRATION
#include "qfx/Conversion/QFXToKernels/Passes.h.inc"

} // namespace qfx

#endif // QFX_CONVERSION_QFXTOKERNELS_QFXTOKERNELS_H
