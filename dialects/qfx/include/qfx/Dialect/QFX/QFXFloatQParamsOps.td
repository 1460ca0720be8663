//===- QFXFloatQParamsOps.td - float zero point Q/DQ -------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// per_channel_affine_float_qparams (weight-only embeddings): zero points are
// floats, which !quant.uniform cannot spell, so these ops carry scales and
// zero points as attributes on an integer storage tensor (docs/convert.md).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXFLOATQPARAMSOPS_TD
#define QFX_DIALECT_QFX_QFXFLOATQPARAMSOPS_TD

include "qfx/Dialect/QFX/QFXAttrs.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// Storage of a float-qparams tensor: one unsigned byte per value (quint4x2
/// values stay unpacked, in [0, 15]).
/// Per-channel float32 scales or zero points.
def QFX_F32ElementsAttr : FloatElementsAttr<32>;

def QFX_FloatQParamsStorage : RankedTensorOf<[UI8]>;

class QFX_FloatQParamsOp<string mnemonic> : QFX_Op<mnemonic, [Pure]> {
  let hasVerifier = 1;
  code extraBaseClassDeclaration = [{
    /// The float tensor's type (the input of quantize, the result of
    /// dequantize).
    ::mlir::RankedTensorType getFloatType();
  }];
  let extraClassDeclaration = extraBaseClassDeclaration;
}

def QFX_QuantizeFloatQParamsOp
    : QFX_FloatQParamsOp<"quantize_float_qparams"> {
  let summary = "torch.quantize_per_channel with float zero points";
  let description = [{
    Per-channel quantization along `axis` with a float32 scale and a
    float32 zero point per channel (`per_channel_affine_float_qparams`),
    exactly as ATen's `quantize_val_float_qparams`:
    `q = clamp(lrintf(x * (1.0f / scale) + zero_point), 0, qmax)` in float32
    arithmetic, qmax 255 for quint8 and 15 for quint4x2. The result is the
    integer storage, one unsigned byte per value.

    ```mlir
    %q = qfx.quantize_float_qparams %w dtype = quint8 axis = 0
        scale = dense<[0.0123, 0.0201]> : tensor<2xf32>
        zero_point = dense<[97.5, 120.25]> : tensor<2xf32>
        : tensor<2x8xf32> -> tensor<2x8xui8>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
    QFX_QuantDTypeAttr:$dtype, I64Attr:$axis,
    QFX_F32ElementsAttr:$scale, QFX_F32ElementsAttr:$zero_point);
  let results = (outs QFX_FloatQParamsStorage:$result);
  let assemblyFormat = [{
    $input `dtype` `=` $dtype `axis` `=` $axis `scale` `=` $scale
    `zero_point` `=` $zero_point attr-dict `:` type($input) `->` type($result)
  }];
}

def QFX_DequantizeFloatQParamsOp
    : QFX_FloatQParamsOp<"dequantize_float_qparams"> {
  let summary = "Tensor.dequantize() of a float-qparams tensor";
  let description = [{
    `x = (float(q) - zero_point) * scale` per channel along `axis`, in
    float32, as ATen's `dequantize_tensor_per_channel_float_qparams_cpu`.

    ```mlir
    %d = qfx.dequantize_float_qparams %q dtype = quint8 axis = 0
        scale = dense<[0.0123, 0.0201]> : tensor<2xf32>
        zero_point = dense<[97.5, 120.25]> : tensor<2xf32>
        : tensor<2x8xui8> -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins QFX_FloatQParamsStorage:$input,
    QFX_QuantDTypeAttr:$dtype, I64Attr:$axis,
    QFX_F32ElementsAttr:$scale, QFX_F32ElementsAttr:$zero_point);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `dtype` `=` $dtype `axis` `=` $axis `scale` `=` $scale
    `zero_point` `=` $zero_point attr-dict `:` type($input) `->` type($result)
  }];
}

#endif // QFX_DIALECT_QFX_QFXFLOATQPARAMSOPS_TD
