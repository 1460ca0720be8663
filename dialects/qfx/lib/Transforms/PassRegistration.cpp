//===- PassRegistration.cpp - anchor of the qfx transforms library --------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The registration entry point (qfx::registerQFXPasses) is generated inline
// in Passes.h; this file gives the library a translation unit that checks
// the header compiles on its own.
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/Passes.h"
