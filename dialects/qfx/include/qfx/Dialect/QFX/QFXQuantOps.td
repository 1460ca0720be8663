//===- QFXQuantOps.td - observers, fake-quant, Q/DQ --------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXQUANTOPS_TD
#define QFX_DIALECT_QFX_QFXQUANTOPS_TD

include "qfx/Dialect/QFX/QFXAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Dialect/Quant/IR/QuantBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def QFX_QuantizedTensor : RankedTensorOf<[quant_QuantizedType]>;
def QFX_ObservedTensor : RankedTensorOf<[AnyFloat]>;
/// A dynamically quantized tensor: `!quant.any` (integer storage, qparams
/// chosen at run time) or float16 (quantize_per_tensor_dynamic to float16).
def QFX_DynamicQuantizedTensor : RankedTensorOf<[quant_QuantizedType, F16]>;

def QFX_ObserverOp : QFX_Op<"observer", [SameOperandsAndResultType]> {
  let summary = "an observer module inserted by prepare";
  let description = [{
    Passes its input through and records statistics about it (PyTorch's
    `activation_post_process_N` modules). `config` is the observer class and
    its arguments; `state` is what calibration has seen so far (absent
    before calibration). Convert turns a calibrated observer into
    quantize/dequantize with the qparams its state implies.

    ```mlir
    %1 = qfx.observer %0 config = #qfx.observer<kind = min_max, dtype = quint8, qscheme = per_tensor_affine>
        state = #qfx.observer_state<min = array<f32: -1.0>, max = array<f32: 3.0>> : tensor<1x8xf32>
    ```
  }];
  let arguments = (ins QFX_ObservedTensor:$input,
    QFX_ObserverConfigAttr:$config,
    OptionalAttr<QFX_ObserverStateAttr>:$state);
  let results = (outs QFX_ObservedTensor:$result);
  let assemblyFormat = [{
    $input `config` `=` $config (`state` `=` $state^)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

def QFX_FakeQuantizeOp : QFX_Op<"fake_quantize", [SameOperandsAndResultType]> {
  let summary = "a fake-quantize module inserted by QAT prepare";
  let description = [{
    Quantizes and dequantizes its input with the current qparams (when
    `fake_quant_enabled`), updating its observer first (when
    `observer_enabled`). `qparams` holds the module's `scale` /
    `zero_point` buffers: one entry per tensor or per channel.

    ```mlir
    %1 = qfx.fake_quantize %0 config = #qfx.fake_quantize<kind = fake_quantize>
        observer = #qfx.observer<kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine>
        qparams = <scale = [0.0235294122], zero_point = [0]> : tensor<1x8xf32>
    ```
  }];
  let arguments = (ins QFX_ObservedTensor:$input,
    QFX_FakeQuantizeConfigAttr:$config,
    QFX_ObserverConfigAttr:$observer,
    OptionalAttr<QFX_ObserverStateAttr>:$state,
    OptionalAttr<QFX_QParamsAttr>:$qparams);
  let results = (outs QFX_ObservedTensor:$result);
  let assemblyFormat = [{
    $input `config` `=` $config `observer` `=` $observer
    (`state` `=` $state^)? (`qparams` `=` $qparams^)? attr-dict
    `:` type($result)
  }];
  let hasVerifier = 1;
}

def QFX_QuantizeOp : QFX_Op<"quantize", [Pure]> {
  let summary = "float tensor to quantized tensor (torch.quantize_per_tensor/_channel)";
  let description = [{
    `q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`, with
    scale, zero point and [qmin, qmax] taken from the result's
    `!quant.uniform` element type (per-tensor or per-axis).

    ```mlir
    %q = qfx.quantize %x : tensor<1x8xf32> -> tensor<1x8x!quant.uniform<u8:f32, 0.0235:0>>
    %w = qfx.quantize %v : tensor<4x3xf32> -> tensor<4x3x!quant.uniform<i8:f32:0, {0.1,0.2,0.1,0.3}>>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input);
  let results = (outs QFX_QuantizedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def QFX_QuantizeDynamicOp : QFX_Op<"quantize_dynamic", [Pure]> {
  let summary = "quantize with qparams chosen from the tensor at run time "
                "(torch.quantize_per_tensor_dynamic)";
  let description = [{
    Dynamic quantization: every execution takes the input's min and max,
    chooses a per-tensor scale and zero point from them as ATen's
    `ChooseQuantizationParams` does (the range extended to contain 0;
    `reduce_range` halves the storage range first), and quantizes with
    them. The result's `!quant.any` element type names the storage and
    expressed types only: the qparams travel with the value at run time,
    and `qfx.dequantize` of it uses them. A float16 result is
    `x.to(torch.float16)` (float16_dynamic_qconfig: round to nearest even
    float16; `reduce_range` is then meaningless and must be false).

    ```mlir
    %q = qfx.quantize_dynamic %x reduce_range = false : tensor<2x8xf32> -> tensor<2x8x!quant.any<u8:f32>>
    %d = qfx.dequantize %q : tensor<2x8x!quant.any<u8:f32>> -> tensor<2x8xf32>
    %h = qfx.quantize_dynamic %x reduce_range = false : tensor<2x8xf32> -> tensor<2x8xf16>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input, BoolAttr:$reduce_range);
  let results = (outs QFX_DynamicQuantizedTensor:$result);
  let assemblyFormat = [{
    $input `reduce_range` `=` $reduce_range attr-dict `:` type($input) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def QFX_DequantizeOp : QFX_Op<"dequantize", [Pure]> {
  let summary = "quantized tensor to float tensor";
  let description = [{
    `x = (q - zero_point) * scale`. A `!quant.any` input (from
    `qfx.quantize_dynamic`) is dequantized with the qparams chosen when it
    was quantized; a float16 input is widened to float32.

    ```mlir
    %x = qfx.dequantize %q : tensor<1x8x!quant.uniform<u8:f32, 0.0235:0>> -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins QFX_DynamicQuantizedTensor:$input);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def QFX_RequantizeOp : QFX_Op<"requantize", [Pure]> {
  let summary = "change the qparams of a quantized tensor";
  let description = [{
    Equivalent to dequantize followed by quantize, computed on integers.

    ```mlir
    %r = qfx.requantize %q : tensor<8x!quant.uniform<u8:f32, 0.5:3>> -> tensor<8x!quant.uniform<u8:f32, 0.25:0>>
    ```
  }];
  let arguments = (ins QFX_QuantizedTensor:$input);
  let results = (outs QFX_QuantizedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

#endif // QFX_DIALECT_QFX_QFXQUANTOPS_TD
