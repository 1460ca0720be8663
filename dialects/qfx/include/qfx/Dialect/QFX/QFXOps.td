//===- QFXOps.td - qfx dialect ops -------------------------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXOPS_TD
#define QFX_DIALECT_QFX_QFXOPS_TD

include "qfx/Dialect/QFX/QFXGraphOps.td"
include "qfx/Dialect/QFX/QFXComputeOps.td"
include "qfx/Dialect/QFX/QFXShapeOps.td"
include "qfx/Dialect/QFX/QFXSequenceOps.td"
include "qfx/Dialect/QFX/QFXQuantOps.td"
include "qfx/Dialect/QFX/QFXDecomposedOps.td"
include "qfx/Dialect/QFX/QFXFloatQParamsOps.td"

#endif // QFX_DIALECT_QFX_QFXOPS_TD
