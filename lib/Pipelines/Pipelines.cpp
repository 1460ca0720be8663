//===- Pipelines.cpp - Named qfx pass pipelines ---------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "qfx/Conversion/QFXToKernels/QFXToKernels.h"
#include "qfx/Dialect/QFX/Passes.h"

using namespace mlir;

void qfx::buildConvertFxPipeline(OpPassManager &pm,
                                 const ConvertFxPipelineOptions &options) {
  // One backend name drives both halves, as one engine does in PyTorch:
  // convert_fx converts under torch.backends.quantized.engine and lowers
  // for the same backend.
  QfxConvertOptions convert;
  convert.engine = options.backend;
  convert.qconfigMapping = options.qconfigMapping;
  convert.removeQConfig = options.removeQConfig;
  pm.addPass(createQfxConvert(convert));
  QfxLowerOptions lower;
  lower.backend = options.backend;
  pm.addPass(createQfxLower(lower));
}

void qfx::registerQFXPipelines() {
  PassPipelineRegistration<ConvertFxPipelineOptions>(
      "qfx-convert-fx",
      "PyTorch 1.13 convert_fx: --qfx-convert (the reference quantized "
      "model) then --qfx-lower (int8 kernels) for one backend",
      buildConvertFxPipeline);
}
