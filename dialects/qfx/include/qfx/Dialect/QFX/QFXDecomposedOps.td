//===- QFXDecomposedOps.td - quantize/dequantize on integers -*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The decomposed representation of `--qfx-convert="decomposed=true"`
// (later PyTorch's `quantized_decomposed` ops): quantized tensors are plain
// integer tensors and the qparams are explicit, as attributes or, for
// dynamic quantization, as a run-time operand.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXDECOMPOSEDOPS_TD
#define QFX_DIALECT_QFX_QFXDECOMPOSEDOPS_TD

include "qfx/Dialect/QFX/QFXBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// Integer storage of a quantized tensor: quint8 (ui8), qint8 (i8), qint32.
def QFX_StorageTensor : RankedTensorOf<[UI8, I8, I32]>;
/// Run-time qparams of dynamic quantization: [scale, zero point] in float64
/// (the scale as the double ATen keeps).
def QFX_QParamsTensor : 1DTensorOf<[F64]>;

class QFX_AffineQuantOp<string mnemonic> : QFX_Op<mnemonic, [Pure]> {
  let hasVerifier = 1;
}

def QFX_QuantizeAffineOp : QFX_AffineQuantOp<"quantize_affine"> {
  let summary = "float tensor to integer storage with explicit qparams "
                "(quantized_decomposed.quantize_per_tensor / _per_channel)";
  let description = [{
    `q = clamp(nearbyint(x * (1.0f / scale)) + zero_point, quant_min,
    quant_max)`, computed as `qfx.quantize` computes it (docs/numerics.md).
    The qparams are attributes (`scales` / `zero_points`: one entry, or one
    per slice along `axis`), or the `qparams` operand that
    `qfx.choose_qparams` computes at run time.

    ```mlir
    %q = qfx.quantize_affine %x scales = array<f32: 0.05> zero_points = array<i64: 62>
        quant_min = 0 quant_max = 255 : tensor<1x8xf32> -> tensor<1x8xui8>
    %w = qfx.quantize_affine %v scales = array<f32: 0.1, 0.2> zero_points = array<i64: 0, 0>
        axis = 0 quant_min = -128 quant_max = 127 : tensor<2x3xf32> -> tensor<2x3xi8>
    %d = qfx.quantize_affine %x qparams(%qp : tensor<2xf64>) quant_min = 0 quant_max = 255
        : tensor<4x16xf32> -> tensor<4x16xui8>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
    Optional<QFX_QParamsTensor>:$qparams,
    OptionalAttr<DenseF32ArrayAttr>:$scales,
    OptionalAttr<DenseI64ArrayAttr>:$zero_points,
    OptionalAttr<I64Attr>:$axis,
    I64Attr:$quant_min, I64Attr:$quant_max);
  let results = (outs QFX_StorageTensor:$result);
  let assemblyFormat = [{
    $input (`qparams` `(` $qparams^ `:` type($qparams) `)`)?
    (`scales` `=` qualified($scales)^)? (`zero_points` `=` qualified($zero_points)^)?
    (`axis` `=` $axis^)? `quant_min` `=` $quant_min `quant_max` `=` $quant_max
    attr-dict `:` type($input) `->` type($result)
  }];
}

def QFX_DequantizeAffineOp : QFX_AffineQuantOp<"dequantize_affine"> {
  let summary = "integer storage to float tensor with explicit qparams "
                "(quantized_decomposed.dequantize_per_tensor / _per_channel)";
  let description = [{
    `x = (float(q) - zero_point) * scale`, as `qfx.dequantize` computes it.
    Qparams and range as in `qfx.quantize_affine`.

    ```mlir
    %x = qfx.dequantize_affine %q scales = array<f32: 0.05> zero_points = array<i64: 62>
        quant_min = 0 quant_max = 255 : tensor<1x8xui8> -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins QFX_StorageTensor:$input,
    Optional<QFX_QParamsTensor>:$qparams,
    OptionalAttr<DenseF32ArrayAttr>:$scales,
    OptionalAttr<DenseI64ArrayAttr>:$zero_points,
    OptionalAttr<I64Attr>:$axis,
    I64Attr:$quant_min, I64Attr:$quant_max);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input (`qparams` `(` $qparams^ `:` type($qparams) `)`)?
    (`scales` `=` qualified($scales)^)? (`zero_points` `=` qualified($zero_points)^)?
    (`axis` `=` $axis^)? `quant_min` `=` $quant_min `quant_max` `=` $quant_max
    attr-dict `:` type($input) `->` type($result)
  }];
}

def QFX_ChooseQParamsOp : QFX_Op<"choose_qparams", [Pure]> {
  let summary = "per-tensor qparams of a float tensor, chosen at run time "
                "(quantized_decomposed.choose_qparams)";
  let description = [{
    ATen's `ChooseQuantizationParams` on the tensor's min and max (the rules
    of `qfx.quantize_dynamic`: range extended to contain 0, `reduce_range`
    halving [quant_min, quant_max] first). The result holds the scale (as a
    double) and the zero point.

    ```mlir
    %qp = qfx.choose_qparams %x quant_min = 0 quant_max = 255 reduce_range = false
        : tensor<4x16xf32> -> tensor<2xf64>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input, I64Attr:$quant_min,
    I64Attr:$quant_max, BoolAttr:$reduce_range);
  let results = (outs QFX_QParamsTensor:$result);
  let assemblyFormat = [{
    $input `quant_min` `=` $quant_min `quant_max` `=` $quant_max
    `reduce_range` `=` $reduce_range attr-dict `:` type($input) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

#endif // QFX_DIALECT_QFX_QFXDECOMPOSEDOPS_TD
