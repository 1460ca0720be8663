//===- QFXShapeOps.td - data movement ops of FX graphs -----*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Ops that move or reshape data without arithmetic. PyTorch quantizes most
// of them by sharing the input's observer, so they are typed rather than
// generic calls. Dims may be negative (counted from the end) as in Python.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXSHAPEOPS_TD
#define QFX_DIALECT_QFX_QFXSHAPEOPS_TD

include "qfx/Dialect/QFX/QFXAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def QFX_CatOp : QFX_Op<"cat", [Pure]> {
  let summary = "torch.cat along dim";
  let description = [{
    ```mlir
    %y = qfx.cat %a, %b dim = 1 : (tensor<1x2x4xf32>, tensor<1x3x4xf32>) -> tensor<1x5x4xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$dim);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $inputs `dim` `=` $dim attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

def QFX_FlattenOp : QFX_Op<"flatten", [Pure]> {
  let summary = "torch.flatten(start_dim, end_dim)";
  let description = [{
    ```mlir
    %y = qfx.flatten %x start_dim = 1 end_dim = -1 : (tensor<1x512x1x1xf32>) -> tensor<1x512xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$start_dim,
                       I64Attr:$end_dim);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `start_dim` `=` $start_dim `end_dim` `=` $end_dim attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_ReshapeOp : QFX_Op<"reshape", [Pure]> {
  let summary = "reshape / view to a static shape";
  let description = [{
    Tensor.view, Tensor.reshape and torch.reshape. `shape` may hold one -1,
    as in PyTorch; the result type is the resolved shape.

    ```mlir
    %y = qfx.reshape %x shape = [1, -1] : (tensor<1x8x2x2xf32>) -> tensor<1x32xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `shape` `=` $shape attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_PermuteOp : QFX_Op<"permute", [Pure]> {
  let summary = "Tensor.permute";
  let description = [{
    ```mlir
    %y = qfx.permute %x dims = [0, 2, 3, 1] : (tensor<1x3x4x5xf32>) -> tensor<1x4x5x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `dims` `=` $dims attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_TransposeOp : QFX_Op<"transpose", [Pure]> {
  let summary = "swap two dims (torch.transpose, Tensor.transpose)";
  let description = [{
    ```mlir
    %y = qfx.transpose %x dim0 = 1 dim1 = 2 : (tensor<1x3x4xf32>) -> tensor<1x4x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$dim0, I64Attr:$dim1);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `dim0` `=` $dim0 `dim1` `=` $dim1 attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_SqueezeOp : QFX_Op<"squeeze", [Pure]> {
  let summary = "remove size-1 dims (all of them when dims is absent)";
  let description = [{
    ```mlir
    %y = qfx.squeeze %x dims = [2] : (tensor<1x3x1xf32>) -> tensor<1x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       OptionalAttr<DenseI64ArrayAttr>:$dims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`dims` `=` $dims^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_UnsqueezeOp : QFX_Op<"unsqueeze", [Pure]> {
  let summary = "insert a size-1 dim";
  let description = [{
    ```mlir
    %y = qfx.unsqueeze %x dim = 0 : (tensor<3xf32>) -> tensor<1x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$dim);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `dim` `=` $dim attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_GetItemOp : QFX_Op<"getitem", [Pure]> {
  let summary = "operator.getitem on a tensor (basic indexing)";
  let description = [{
    `x[index]` with Python basic indexing. `index` holds one entry per
    indexed dim: an integer (selects and drops the dim), a
    `[start, stop, step]` slice (`unit` for an absent bound), `unit` for
    `None` (new axis), or the string `"..."` for Ellipsis. Getitem on tuples
    (e.g. LSTM results) never appears: exporters select the op result
    directly.

    ```mlir
    %y = qfx.getitem %x index = [[unit, unit, unit], 0] : (tensor<2x3xf32>) -> tensor<2xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, ArrayAttr:$index);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `index` `=` $index attr-dict `:` functional-type(operands, results)
  }];
}

def QFX_SizeOp : QFX_Op<"size", [Pure]> {
  let summary = "Tensor.size(dim) or Tensor.size()";
  let description = [{
    With `dim`, an i64; without, a 1-d i64 tensor of the whole shape.

    ```mlir
    %n = qfx.size %x dim = 0 : (tensor<4x3xf32>) -> i64
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, OptionalAttr<I64Attr>:$dim);
  let results = (outs AnyTypeOf<[I64, 1DTensorOf<[I64]>]>:$result);
  let assemblyFormat = [{
    $input (`dim` `=` $dim^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_InterpolateOp : QFX_Op<"interpolate", [Pure]> {
  let summary = "F.interpolate / nn.Upsample";
  let description = [{
    Exactly one of `size` and `scale_factor` is given.

    ```mlir
    %y = qfx.interpolate %x mode = nearest scale_factor = [2.0, 2.0]
        : (tensor<1x8x4x4xf32>) -> tensor<1x8x8x8xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input,
    QFX_InterpolateModeAttr:$mode,
    OptionalAttr<DenseI64ArrayAttr>:$size,
    OptionalAttr<DenseF64ArrayAttr>:$scale_factor,
    OptionalAttr<BoolAttr>:$align_corners);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `mode` `=` $mode (`size` `=` $size^)?
    (`scale_factor` `=` $scale_factor^)? (`align_corners` `=` $align_corners^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_PadOp : QFX_Op<"pad", [Pure]> {
  let summary = "F.pad in constant mode";
  let description = [{
    `pad` is F.pad's list: (begin, end) pairs starting from the last dim,
    at most one pair per dim. Negative amounts crop, as in F.pad. Every
    new element is `value` (default 0). The ONNX importer writes one before
    a convolution or pool whose ONNX padding (`pads` with begin != end,
    auto_pad SAME_UPPER/SAME_LOWER) no torch module attribute expresses.

    ```mlir
    %y = qfx.pad %x pad = [0, 1, 0, 1] : (tensor<1x8x4x4xf32>) -> tensor<1x8x5x5xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input, DenseI64ArrayAttr:$pad,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `pad` `=` $pad (`value` `=` $value^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // QFX_DIALECT_QFX_QFXSHAPEOPS_TD
