//===- QFXOps.cpp - generated op definitions ------------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The ODS-generated op classes. Hand-written verifiers and folds live in the
// per-family files (QFXGraphOps.cpp, QFXComputeOps.cpp, ...).
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/QFXOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace qfx;

#define GET_OP_CLASSES
#include "qfx/Dialect/QFX/QFXOps.cpp.inc"
