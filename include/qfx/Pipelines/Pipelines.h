//===- Pipelines.h - Named qfx pass pipelines -------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Pipelines that span the qfx transforms and the kernel lowering:
// `qfx-convert-fx` is PyTorch 1.13's convert_fx, i.e. convert_to_reference_fx
// (--qfx-convert) followed by the lowering to int8 kernels (--qfx-lower).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_PIPELINES_PIPELINES_H
#define QFX_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace qfx {

/// Options of `qfx-convert-fx`.
struct ConvertFxPipelineOptions
    : public mlir::PassPipelineOptions<ConvertFxPipelineOptions> {
  Option<std::string> backend{
      *this, "backend",
      llvm::cl::desc("fbgemm, x86, onednn or qnnpack: the kernels --qfx-lower "
                     "targets and the engine --qfx-convert assumes "
                     "(reduce_range of dynamic quantization)"),
      llvm::cl::init("x86")};
  Option<std::string> qconfigMapping{
      *this, "qconfig-mapping",
      llvm::cl::desc("convert-time QConfigMapping (preset name, JSON text or "
                     "path), as convert_fx(qconfig_mapping=...)"),
      llvm::cl::init("")};
  Option<bool> removeQConfig{
      *this, "remove-qconfig",
      llvm::cl::desc("drop the qfx.qconfig annotations (_remove_qconfig)"),
      llvm::cl::init(true)};
};

/// Adds --qfx-convert and --qfx-lower with `options` to `pm`.
void buildConvertFxPipeline(mlir::OpPassManager &pm,
                            const ConvertFxPipelineOptions &options);

/// Registers `qfx-convert-fx` with the global pipeline registry.
void registerQFXPipelines();

} // namespace qfx

#endif // QFX_PIPELINES_PIPELINES_H
