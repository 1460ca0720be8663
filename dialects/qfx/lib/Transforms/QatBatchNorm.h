//===- QatBatchNorm.h - QAT Conv/Linear + BN bodies -------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The two ends of a QAT ConvBn / ConvBnReLU / LinearBn module in qfx:
// --qfx-prepare spells out its forward (the fake-quantized weight is the
// BN-scaled one), --qfx-convert folds the batch norm into the weights as
// the module's to_float() does.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_TRANSFORMS_QATBATCHNORM_H
#define QFX_DIALECT_QFX_TRANSFORMS_QATBATCHNORM_H

#include "qfx/Dialect/QFX/QFXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace qfx {

/// Rewrites every QAT-prepared `qfx.fused` body of the form
/// fake_quantize(weight) -> conv|linear -> batch_norm into nniqat's
/// `_forward_approximate`: the weight is scaled by
/// bn.weight / sqrt(running_var + eps) before its fake-quantize, the
/// conv/linear runs with a zero bias, and its output is divided by the
/// scale (and gets its own bias back) before the batch norm.
void scaleQatBatchNormWeights(mlir::func::FuncOp func);

/// Undoes scaleQatBatchNormWeights for conversion: each such body becomes
/// the float module nniqat's to_float() returns (the batch norm folded into
/// the weight and bias with fuse_conv_bn_weights / fuse_linear_bn_weights
/// on the running statistics; ConvBn -> Conv, ConvBnReLU -> ConvReLU,
/// LinearBn -> Linear), its weight fake-quantize now reading the folded
/// weight. Fails (with a diagnostic) on a body it cannot fold.
mlir::LogicalResult foldQatBatchNorms(mlir::ModuleOp module);

} // namespace qfx

#endif // QFX_DIALECT_QFX_TRANSFORMS_QATBATCHNORM_H
