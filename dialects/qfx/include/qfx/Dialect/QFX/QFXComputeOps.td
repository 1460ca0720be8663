//===- QFXComputeOps.td - typed float ops of FX graphs -----*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One op per op family that PyTorch's backend configs know. The FX target
// that produced an op (Conv2d module, F.conv2d, ...) is kept in `qfx.node`;
// the op itself states the computation in functional form: weights are
// operands (from qfx.get_attr), hyper-parameters are attributes. Spatial
// rank is implied by the attributes (conv with two strides is conv2d).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXCOMPUTEOPS_TD
#define QFX_DIALECT_QFX_QFXCOMPUTEOPS_TD

include "qfx/Dialect/QFX/QFXAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def QFX_FloatTensor : RankedTensorOf<[AnyFloat]>;
def QFX_IndexTensor : RankedTensorOf<[I32, I64]>;

//===----------------------------------------------------------------------===//
// Convolution and linear
//===----------------------------------------------------------------------===//

def QFX_ConvOp : QFX_Op<"conv", [Pure]> {
  let summary = "N-d convolution (Conv1d/2d/3d, F.conv1d/2d/3d)";
  let description = [{
    `input` is N x C x spatial..., `weight` is O x C/groups x kernel...,
    optional `bias` has O elements. 1, 2 or 3 spatial dims, given by the
    length of `stride`, `padding` and `dilation`.

    ```mlir
    %y = qfx.conv %x, %w, %b stride = [2, 2] padding = [3, 3] dilation = [1, 1] groups = 1
        : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
    ```
  }];
  let arguments = (ins
    QFX_FloatTensor:$input, QFX_FloatTensor:$weight,
    Optional<QFX_FloatTensor>:$bias,
    DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
    DenseI64ArrayAttr:$dilation, I64Attr:$groups,
    DefaultValuedAttr<QFX_PaddingModeAttr, "::qfx::PaddingMode::zeros">
      :$padding_mode
  );
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `stride` `=` $stride `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups
    (`padding_mode` `=` $padding_mode^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_ConvTransposeOp : QFX_Op<"conv_transpose", [Pure]> {
  let summary = "N-d transposed convolution (ConvTranspose1d/2d/3d)";
  let description = [{
    `weight` is C x O/groups x kernel...; the output size per spatial dim is
    `(in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1`.

    ```mlir
    %y = qfx.conv_transpose %x, %w stride = [2, 2] padding = [1, 1] output_padding = [1, 1]
        dilation = [1, 1] groups = 1
        : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins
    QFX_FloatTensor:$input, QFX_FloatTensor:$weight,
    Optional<QFX_FloatTensor>:$bias,
    DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
    DenseI64ArrayAttr:$output_padding, DenseI64ArrayAttr:$dilation,
    I64Attr:$groups
  );
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? `stride` `=` $stride `padding` `=` $padding
    `output_padding` `=` $output_padding `dilation` `=` $dilation
    `groups` `=` $groups attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_LinearOp : QFX_Op<"linear", [Pure]> {
  let summary = "y = x W^T + b (nn.Linear, F.linear)";
  let description = [{
    ```mlir
    %y = qfx.linear %x, %w, %b : (tensor<1x512xf32>, tensor<10x512xf32>, tensor<10xf32>) -> tensor<1x10xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input, QFX_FloatTensor:$weight,
                       Optional<QFX_FloatTensor>:$bias);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_MatmulOp : QFX_Op<"matmul", [Pure]> {
  let summary = "torch.matmul with batch broadcasting";
  let description = [{
    ```mlir
    %y = qfx.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$lhs, QFX_FloatTensor:$rhs);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def QFX_BatchNormOp : QFX_Op<"batch_norm", [Pure, AttrSizedOperandSegments]> {
  let summary = "batch normalization (BatchNorm1d/2d/3d, F.batch_norm)";
  let description = [{
    Channel dim 1. In eval mode (`training` absent) uses the running
    statistics; `weight`/`bias` are absent for `affine=False`. An absent
    `momentum` is PyTorch's `momentum=None`: the running statistics are a
    cumulative moving average.

    ```mlir
    %y = qfx.batch_norm %x weight %g bias %b mean %m var %v eps = 1.0e-05 momentum = 1.0e-01
        : (tensor<1x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x8x8xf32>
    ```
  }];
  let arguments = (ins
    QFX_FloatTensor:$input,
    Optional<QFX_FloatTensor>:$weight, Optional<QFX_FloatTensor>:$bias,
    Optional<QFX_FloatTensor>:$running_mean,
    Optional<QFX_FloatTensor>:$running_var,
    F64Attr:$eps, OptionalAttr<F64Attr>:$momentum, UnitAttr:$training
  );
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? (`bias` $bias^)? (`mean` $running_mean^)?
    (`var` $running_var^)? `eps` `=` $eps (`momentum` `=` $momentum^)?
    (`training` $training^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_LayerNormOp : QFX_Op<"layer_norm", [Pure, AttrSizedOperandSegments]> {
  let summary = "layer normalization over the trailing dims";
  let description = [{
    ```mlir
    %y = qfx.layer_norm %x weight %g bias %b normalized_shape = [16] eps = 1.0e-05
        : (tensor<2x4x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
    ```
  }];
  let arguments = (ins
    QFX_FloatTensor:$input,
    Optional<QFX_FloatTensor>:$weight, Optional<QFX_FloatTensor>:$bias,
    DenseI64ArrayAttr:$normalized_shape, F64Attr:$eps
  );
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? (`bias` $bias^)?
    `normalized_shape` `=` $normalized_shape `eps` `=` $eps attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_GroupNormOp : QFX_Op<"group_norm", [Pure, AttrSizedOperandSegments]> {
  let summary = "group normalization";
  let description = [{
    ```mlir
    %y = qfx.group_norm %x weight %g bias %b num_groups = 2 eps = 1.0e-05
        : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins
    QFX_FloatTensor:$input,
    Optional<QFX_FloatTensor>:$weight, Optional<QFX_FloatTensor>:$bias,
    I64Attr:$num_groups, F64Attr:$eps
  );
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? (`bias` $bias^)? `num_groups` `=` $num_groups
    `eps` `=` $eps attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_InstanceNormOp : QFX_Op<"instance_norm", [
    Pure, AttrSizedOperandSegments]> {
  let summary = "instance normalization (InstanceNorm1d/2d/3d)";
  let description = [{
    An absent `momentum` is PyTorch's `momentum=None` (cumulative moving
    average of the running statistics).

    ```mlir
    %y = qfx.instance_norm %x weight %g bias %b eps = 1.0e-05 momentum = 1.0e-01 use_input_stats
        : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins
    QFX_FloatTensor:$input,
    Optional<QFX_FloatTensor>:$weight, Optional<QFX_FloatTensor>:$bias,
    Optional<QFX_FloatTensor>:$running_mean,
    Optional<QFX_FloatTensor>:$running_var,
    F64Attr:$eps, OptionalAttr<F64Attr>:$momentum,
    UnitAttr:$use_input_stats
  );
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` $weight^)? (`bias` $bias^)? (`mean` $running_mean^)?
    (`var` $running_var^)? `eps` `=` $eps (`momentum` `=` $momentum^)?
    (`use_input_stats` $use_input_stats^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class QFX_UnaryOp<string mnemonic, string opSummary, dag attrs = (ins),
                  string attrFormat = ""> :
    QFX_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = opSummary;
  let description = "Elementwise `" # mnemonic # "` with PyTorch semantics.\n\n"
    # "```mlir\n%y = qfx." # mnemonic # " %x " # attrFormat
    # " : tensor<1x8xf32>\n```";
  let arguments = !con((ins QFX_FloatTensor:$input), attrs);
  let results = (outs QFX_FloatTensor:$result);
}

def QFX_ReluOp : QFX_UnaryOp<"relu", "max(x, 0)"> {
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def QFX_SigmoidOp : QFX_UnaryOp<"sigmoid", "logistic sigmoid"> {
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def QFX_TanhOp : QFX_UnaryOp<"tanh", "hyperbolic tangent"> {
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def QFX_SqrtOp : QFX_UnaryOp<"sqrt", "square root (torch.sqrt)"> {
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def QFX_HardsigmoidOp : QFX_UnaryOp<"hardsigmoid", "relu6(x + 3) / 6"> {
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def QFX_HardswishOp : QFX_UnaryOp<"hardswish", "x * relu6(x + 3) / 6"> {
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def QFX_IdentityOp : QFX_UnaryOp<"identity", "nn.Identity"> {
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def QFX_ContiguousOp : QFX_UnaryOp<"contiguous", "Tensor.contiguous"> {
  let assemblyFormat = "$input attr-dict `:` type($result)";
}
def QFX_HardtanhOp : QFX_UnaryOp<"hardtanh", "clamp to [min_val, max_val] (ReLU6, Hardtanh)",
    (ins F64Attr:$min_val, F64Attr:$max_val),
    "min_val = 0.0 max_val = 6.0"> {
  let assemblyFormat = [{
    $input `min_val` `=` $min_val `max_val` `=` $max_val attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}
def QFX_ClampOp : QFX_UnaryOp<"clamp", "torch.clamp with optional bounds",
    (ins OptionalAttr<F64Attr>:$min, OptionalAttr<F64Attr>:$max),
    "min = -1.0 max = 1.0"> {
  let assemblyFormat = [{
    $input (`min` `=` $min^)? (`max` `=` $max^)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}
def QFX_EluOp : QFX_UnaryOp<"elu", "exponential linear unit",
    (ins F64Attr:$alpha), "alpha = 1.0"> {
  let assemblyFormat = "$input `alpha` `=` $alpha attr-dict `:` type($result)";
}
def QFX_LeakyReluOp : QFX_UnaryOp<"leaky_relu", "leaky ReLU",
    (ins F64Attr:$negative_slope), "negative_slope = 0.01"> {
  let assemblyFormat = [{
    $input `negative_slope` `=` $negative_slope attr-dict `:` type($result)
  }];
}
def QFX_GeluOp : QFX_UnaryOp<"gelu", "Gaussian error linear unit",
    (ins DefaultValuedAttr<QFX_GeluApproximationAttr,
         "::qfx::GeluApproximation::none">:$approximate), ""> {
  let assemblyFormat = [{
    $input (`approximate` `=` $approximate^)? attr-dict `:` type($result)
  }];
}
def QFX_SoftmaxOp : QFX_UnaryOp<"softmax", "softmax along dim",
    (ins I64Attr:$dim), "dim = 1"> {
  let assemblyFormat = "$input `dim` `=` $dim attr-dict `:` type($result)";
  let hasVerifier = 1;
}
def QFX_DropoutOp : QFX_UnaryOp<"dropout", "dropout (identity in eval)",
    (ins F64Attr:$p, UnitAttr:$training), "p = 0.5"> {
  let assemblyFormat = [{
    $input `p` `=` $p (`training` $training^)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

class QFX_BinaryOp<string mnemonic, string opSummary> :
    QFX_Op<mnemonic, [Pure, ResultsBroadcastableShape]> {
  let summary = opSummary;
  let description = "Elementwise `" # mnemonic # "` with broadcasting. "
    # "A Python-number operand is a `qfx.constant scalar`.\n\n"
    # "```mlir\n%y = qfx." # mnemonic
    # " %a, %b : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>\n```";
  let arguments = (ins QFX_FloatTensor:$lhs, QFX_FloatTensor:$rhs);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def QFX_AddOp : QFX_BinaryOp<"add", "lhs + rhs (torch.add, operator.add)">;
def QFX_SubOp : QFX_BinaryOp<"sub", "lhs - rhs">;
def QFX_MulOp : QFX_BinaryOp<"mul", "lhs * rhs (torch.mul, operator.mul)">;
def QFX_DivOp : QFX_BinaryOp<"div", "lhs / rhs (true division)">;

//===----------------------------------------------------------------------===//
// Pooling and reductions
//===----------------------------------------------------------------------===//

def QFX_MaxPoolOp : QFX_Op<"max_pool", [Pure]> {
  let summary = "N-d max pooling (MaxPool1d/2d/3d)";
  let description = [{
    ```mlir
    %y = qfx.max_pool %x kernel_size = [3, 3] stride = [2, 2] padding = [1, 1] dilation = [1, 1]
        : (tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input,
    DenseI64ArrayAttr:$kernel_size, DenseI64ArrayAttr:$stride,
    DenseI64ArrayAttr:$padding, DenseI64ArrayAttr:$dilation,
    UnitAttr:$ceil_mode);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `kernel_size` `=` $kernel_size `stride` `=` $stride
    `padding` `=` $padding `dilation` `=` $dilation (`ceil_mode` $ceil_mode^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_AvgPoolOp : QFX_Op<"avg_pool", [Pure]> {
  let summary = "N-d average pooling (AvgPool1d/2d/3d)";
  let description = [{
    ```mlir
    %y = qfx.avg_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] count_include_pad
        : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input,
    DenseI64ArrayAttr:$kernel_size, DenseI64ArrayAttr:$stride,
    DenseI64ArrayAttr:$padding, UnitAttr:$ceil_mode,
    UnitAttr:$count_include_pad, OptionalAttr<I64Attr>:$divisor_override);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `kernel_size` `=` $kernel_size `stride` `=` $stride
    `padding` `=` $padding (`ceil_mode` $ceil_mode^)?
    (`count_include_pad` $count_include_pad^)?
    (`divisor_override` `=` $divisor_override^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_AdaptiveAvgPoolOp : QFX_Op<"adaptive_avg_pool", [Pure]> {
  let summary = "N-d adaptive average pooling (AdaptiveAvgPool1d/2d/3d)";
  let description = [{
    ```mlir
    %y = qfx.adaptive_avg_pool %x output_size = [1, 1]
        : (tensor<1x512x7x7xf32>) -> tensor<1x512x1x1xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input,
                       DenseI64ArrayAttr:$output_size);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `output_size` `=` $output_size attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_MeanOp : QFX_Op<"mean", [Pure]> {
  let summary = "torch.mean over dims";
  let description = [{
    ```mlir
    %y = qfx.mean %x dims = [2, 3] keepdim : (tensor<1x8x4x4xf32>) -> tensor<1x8x1x1xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$input, DenseI64ArrayAttr:$dims,
                       UnitAttr:$keepdim);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $input `dims` `=` $dims (`keepdim` $keepdim^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // QFX_DIALECT_QFX_QFXCOMPUTEOPS_TD
