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

def QfxFuse : Pass<"qfx-fuse", "::mlir::ModuleOp"> {
  let summary = "fuse ops as PyTorch 1.13's fuse_fx does, driven by a BackendConfig";
  let description = [{
    Matches the fusion patterns of a BackendConfig (the configs with a
    `fuser_method`, longest pattern first, walking the graph from its last
    node) and replaces every match by what the fuser method builds. In
    eval mode (`qfx.training = false`) batch norms are folded into the
    preceding conv/linear weights (`fuse_conv_bn_eval` arithmetic); in
    training mode (QAT fusion) they stay in the body of a `qfx.fused`
    op (e.g. `ConvBnReLU2d`). Intermediate values of a match must have a
    single use. See docs/passes.md.

    ```mlir
    %y = qfx.fused %x : (tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%in: tensor<1x3x8x8xf32>):
      ...
    } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvReLU2d", module = "conv">}
    ```
  }];
  let options = [
    Option<"backend", "backend", "std::string", /*default=*/"\"native\"",
           "BackendConfig: a preset name (native, fbgemm, x86, qnnpack, "
           "onednn, tensorrt, executorch) or a path to a JSON BackendConfig">
  ];
}

#endif // QFX_DIALECT_QFX_PASSES_TD
