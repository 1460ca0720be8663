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

def QfxPrepare : Pass<"qfx-prepare", "::mlir::ModuleOp"> {
  let summary = "insert observers / fake-quantize as PyTorch 1.13's prepare_fx and prepare_qat_fx";
  let description = [{
    Runs fusion (as `--qfx-fuse` with the same backend), resolves qconfigs
    (`--qfx-annotate-qconfig`, when `qconfig-mapping` is given; otherwise
    the ops' existing `qfx.qconfig` attributes are used) and inserts
    `qfx.observer` (PTQ) or `qfx.fake_quantize` (QAT qconfigs) ops where
    prepare_fx's `insert_observers_for_model` inserts
    `activation_post_process_N` modules: input observers at the root op of
    a BackendConfig pattern (weights included), an output observer after
    its last op, none after ops that share their input's observer. Ops
    whose qconfig the backend does not support stay float (remark). See
    docs/passes.md.

    ```mlir
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x3x8x8xf32> loc("activation_post_process_0")
    ```
  }];
  let options = [
    Option<"backend", "backend", "std::string", /*default=*/"\"native\"",
           "BackendConfig: a preset name or a path to a JSON BackendConfig">,
    Option<"qconfigMapping", "qconfig-mapping", "std::string",
           /*default=*/"\"\"",
           "QConfigMapping: a preset backend name (default mapping of that "
           "backend) or a JSON path; empty: use the ops' qfx.qconfig">,
    Option<"qat", "qat", "bool", /*default=*/"false",
           "prepare_qat_fx: QAT default mappings, fake-quantize outputs of "
           "fixed-qparams ops">,
    Option<"fuse", "fuse", "bool", /*default=*/"true",
           "run --qfx-fuse first (as prepare_fx does)">,
    ListOption<"inputQuantizedIdxs", "input-quantized-idxs", "int64_t",
               "PrepareCustomConfig.input_quantized_indexes">,
    ListOption<"outputQuantizedIdxs", "output-quantized-idxs", "int64_t",
               "PrepareCustomConfig.output_quantized_indexes ([] or [0])">,
    Option<"prepareCustomConfig", "prepare-custom-config", "std::string",
           /*default=*/"\"\"",
           "path to PrepareCustomConfig.to_dict() JSON "
           "(qfx_torch.save_prepare_custom_config)">
  ];
  let dependentDialects = ["::qfx::QFXDialect"];
}

def QfxConvert : Pass<"qfx-convert", "::mlir::ModuleOp"> {
  let summary = "convert a calibrated graph to the reference quantized model "
                "(PyTorch 1.13 convert_to_reference_fx)";
  let description = [{
    Replaces every calibrated `qfx.observer` / `qfx.fake_quantize` that
    quantizes to an integer dtype by `qfx.quantize` -> `qfx.dequantize`
    carrying the qparams its state implies (QFXRuntime's calculate_qparams,
    bit-exact with PyTorch); observers that stay float are removed. The
    weight of every quantized weighted op (conv, conv_transpose, linear,
    also inside `qfx.fused`) is quantized and dequantized with qparams
    computed from the weight values by the weight observer of the op's
    `qfx.qconfig` (QAT: by its weight `qfx.fake_quantize`). The result is
    the reference quantized model: dq -> float op -> q. Dynamic observers
    (`is_dynamic`) become `qfx.quantize_dynamic` -> `qfx.dequantize`, whose
    qparams are chosen per call at run time. See docs/convert.md.

    ```mlir
    %q = qfx.quantize %x : tensor<1x8xf32> -> tensor<1x8x!quant.uniform<u8:f32, 0.0235:0>>
    %d = qfx.dequantize %q : tensor<1x8x!quant.uniform<u8:f32, 0.0235:0>> -> tensor<1x8xf32>
    ```
  }];
  let options = [
    Option<"decomposed", "decomposed", "bool", /*default=*/"false",
           "emit the decomposed representation (integer storage tensors, "
           "no !quant types: quantize_affine / dequantize_affine / "
           "choose_qparams)">,
    Option<"removeQConfig", "remove-qconfig", "bool", /*default=*/"true",
           "drop the qfx.qconfig annotations from the result">,
    Option<"qconfigMapping", "qconfig-mapping", "std::string",
           /*default=*/"\"\"",
           "convert-time QConfigMapping (preset name, JSON text or path): "
           "entries resolving to None make ops float; other entries must "
           "equal prepare's">,
    Option<"engine", "engine", "std::string", /*default=*/"\"x86\"",
           "torch.backends.quantized.engine at convert time (fbgemm, x86, "
           "qnnpack, onednn): dynamic activations get reduce_range=true "
           "under fbgemm and x86, as get_quantize_node_info decides">
  ];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
}

def QfxAnnotateQConfig : Pass<"qfx-annotate-qconfig", "::mlir::func::FuncOp"> {
  let summary = "attach the QConfig PyTorch 1.13's prepare_fx resolves to each op";
  let description = [{
    Resolves a QConfigMapping on the graph like prepare_fx: fusion view,
    `generate_qconfig_map` precedence, BackendConfig pattern matching and the
    backend dtype check. Quantized ops get `qfx.qconfig = #qfx.qconfig<...>`;
    ops that stay float get none. Options name a preset or a JSON file; when
    empty, the module attributes `qfx.qconfig_mapping` / `qfx.backend_config`
    are used (backend default: native). See docs/passes.md.
  }];
  let options = [
    Option<"qconfigMapping", "qconfig-mapping", "std::string", /*default=*/"",
           "QConfigMapping: fbgemm, x86, qnnpack, onednn (default QAT mapping "
           "when qat=true) or a JSON file path">,
    Option<"backend", "backend", "std::string", /*default=*/"",
           "BackendConfig: a preset name (native, fbgemm, x86, qnnpack, "
           "onednn, tensorrt, executorch) or a JSON file path">,
    Option<"qat", "qat", "bool", /*default=*/"false",
           "resolve for prepare_qat_fx (QAT default mappings, QAT fusion)">
  ];
}

def QfxExplain : Pass<"qfx-explain", "::mlir::func::FuncOp"> {
  let summary = "explain which rule chose each op's QConfig and why ops stay float";
  let description = [{
    Prints, per FX node, the QConfigMapping rule that chose its QConfig,
    the QConfig, the matched BackendConfig pattern and whether the backend
    supports it (else which DTypeConfig constraint failed). The IR is not
    changed. `format=remark` emits remarks on the ops, `table` and `json`
    print to stdout.
  }];
  let options = [
    Option<"qconfigMapping", "qconfig-mapping", "std::string", /*default=*/"",
           "as for --qfx-annotate-qconfig">,
    Option<"backend", "backend", "std::string", /*default=*/"",
           "as for --qfx-annotate-qconfig">,
    Option<"qat", "qat", "bool", /*default=*/"false",
           "as for --qfx-annotate-qconfig">,
    Option<"format", "format", "std::string", /*default=*/"\"remark\"",
           "remark, table or json">
  ];
}

def QfxSetQatState : Pass<"qfx-set-qat-state", "::mlir::ModuleOp"> {
  let summary = "switch fake-quantize observers and QAT batch-norm statistics on or off";
  let description = [{
    The training-time switches PyTorch 1.13 applies to a QAT-prepared model
    with `model.apply(...)`: `disable-observer` / `enable-observer` and
    `disable-fake-quant` / `enable-fake-quant` set the flags of every
    `qfx.fake_quantize` (torch.ao.quantization.disable_observer, ...);
    `freeze-bn-stats` / `update-bn-stats` put the batch norm of every QAT
    ConvBn / ConvBnReLU body (a `qfx.fused` whose conv has a fake-quantized
    weight) into eval / training mode, as
    torch.nn.intrinsic.qat.freeze_bn_stats / update_bn_stats do. Like
    those functions, LinearBn1d is left alone. qfx-run then calibrates the
    model as PyTorch runs it. Giving both switches of a pair is an error.
  }];
  let options = [
    Option<"disableObserver", "disable-observer", "bool", /*default=*/"false",
           "stop updating the observers of fake-quantize ops">,
    Option<"enableObserver", "enable-observer", "bool", /*default=*/"false",
           "update the observers of fake-quantize ops">,
    Option<"disableFakeQuant", "disable-fake-quant", "bool", /*default=*/"false",
           "fake-quantize ops pass their input through">,
    Option<"enableFakeQuant", "enable-fake-quant", "bool", /*default=*/"false",
           "fake-quantize ops quantize and dequantize">,
    Option<"freezeBnStats", "freeze-bn-stats", "bool", /*default=*/"false",
           "QAT ConvBn batch norms use (and keep) their running statistics">,
    Option<"updateBnStats", "update-bn-stats", "bool", /*default=*/"false",
           "QAT ConvBn batch norms normalize with batch statistics and "
           "update the running ones">
  ];
}

#endif // QFX_DIALECT_QFX_PASSES_TD
