//===- Passes.td - qfx to kernel lowering ------------------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_CONVERSION_QFXTOKERNELS_PASSES_TD
#define QFX_CONVERSION_QFXTOKERNELS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QfxLower : Pass<"qfx-lower", "::mlir::ModuleOp"> {
  let summary = "lower reference quantized patterns (dq -> op -> q) to qfxk kernels";
  let description = [{
    Rewrites `qfx.quantize(op(qfx.dequantize ...))` patterns of a reference
    quantized model (convert_to_reference_fx, `--qfx-convert`) into qfxk
    kernel ops: weights are quantized at compile time into
    `qfxk.packed_weight` symbols, spatial ops run channels-last with
    `qfxk.to_nhwc` / `qfxk.to_nchw` only where the layout changes. Ops that
    cannot be lowered stay in reference form with a remark saying why.
    `backend` picks the requantization convention: fbgemm, x86 and onednn
    use `float` (float bias), qnnpack uses `fp32` (int32 bias).
  }];
  let options = [
    Option<"backend", "backend", "std::string", /*default=*/"\"x86\"",
           "fbgemm, x86, onednn or qnnpack">
  ];
  let dependentDialects = ["::qfx::kernels::QFXKDialect"];
}

#endif // QFX_CONVERSION_QFXTOKERNELS_PASSES_TD
