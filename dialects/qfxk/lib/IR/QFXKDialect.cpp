//===- QFXKDialect.cpp - qfxk dialect registration ------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFXK/QFXKDialect.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectImplementation.h"
#include "qfx/Dialect/QFXK/QFXKOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace qfx::kernels;

#include "qfx/Dialect/QFXK/QFXKOpsDialect.cpp.inc"
#include "qfx/Dialect/QFXK/QFXKEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "qfx/Dialect/QFXK/QFXKAttrs.cpp.inc"

void QFXKDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qfx/Dialect/QFXK/QFXKOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qfx/Dialect/QFXK/QFXKAttrs.cpp.inc"
      >();
}
