//===- PrepareStandaloneQat.h - QAT swap in standalone modules --*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_TRANSFORMS_PREPARESTANDALONEQAT_H
#define QFX_DIALECT_QFX_TRANSFORMS_PREPARESTANDALONEQAT_H

#include "qfx/Config/QConfigMapping.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace qfx {

/// The conv / linear / embedding / embedding_bag module ops of standalone
/// modules' functions, each
/// with the qconfig the parent's QConfigMapping gives it by
/// propagate_qconfig_'s eager rules (`parent`; null: the call's own
/// `qfx.qconfig` stands for the whole module). prepare_qat_fx swaps those
/// with a qconfig to QAT modules before it prepares the standalone module;
/// those without one stay float unless the module's own fusion fuses them.
using StandaloneQatSwaps =
    llvm::DenseMap<mlir::Operation *, config::QConfigOrNone>;
StandaloneQatSwaps findStandaloneQatSwaps(mlir::ModuleOp module,
                                          const config::QConfigMapping *parent);

/// prepare_qat_fx swaps every nn.Embedding / nn.EmbeddingBag with a qconfig
/// (eager propagation of `mapping`) to its nnqat class, whose from_float
/// asserts a per_channel_affine_float_qparams weight: an error at each
/// top-level one that has another qconfig (standalone modules' are checked
/// by applyStandaloneQatWeights).
mlir::LogicalResult
checkQatEmbeddingQConfigs(mlir::ModuleOp module,
                          const config::QConfigMapping &mapping);

/// After the standalone module's own prepare: the weight of each swapped op
/// of `callee` is observed by the parent qconfig's weight fake-quantize
/// (the QAT module's weight_fake_quant), replacing what the module's own
/// config put there, or inserted as
/// `<modulePath>.activation_post_process_<nextIndex++>`; an unswapped,
/// unfused one (a float module) loses the weight observer its own config
/// put there.
mlir::LogicalResult applyStandaloneQatWeights(const StandaloneQatSwaps &swaps,
                                              mlir::func::FuncOp callee,
                                              llvm::StringRef modulePath,
                                              int64_t &nextIndex);

} // namespace qfx

#endif // QFX_DIALECT_QFX_TRANSFORMS_PREPARESTANDALONEQAT_H
