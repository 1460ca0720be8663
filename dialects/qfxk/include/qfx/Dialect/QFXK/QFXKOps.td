//===- QFXKOps.td - quantized kernel ops -------------------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFXK_QFXKOPS_TD
#define QFX_DIALECT_QFXK_QFXKOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Dialect/Quant/IR/QuantBase.td"

def QFXK_Dialect : Dialect {
  let name = "qfxk";
  let cppNamespace = "::qfx::kernels";
  let summary = "quantized CPU kernels (the output of --qfx-lower)";
  let description = [{
    Each op is one kernel of the qfx runtime on `!quant.uniform` tensors:
    integer inputs and outputs, weights quantized and stored at compile time
    (`qfxk.packed_weight`), and an explicit requantization convention. The
    spatial ops (`conv2d`, pools) work on channels-last (NHWC) tensors; the
    types are the physical shapes, and `qfxk.to_nhwc` / `qfxk.to_nchw` mark
    layout changes. Numerics are specified in docs/kernels.md.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let useDefaultAttributePrinterParser = 1;
}

class QFXK_Op<string mnemonic, list<Trait> traits = []> :
    Op<QFXK_Dialect, mnemonic, traits>;

def QFXK_Requant : I32EnumAttr<"Requant", "requantization convention", [
    I32EnumAttrCase<"float_", 0, "float">,
    I32EnumAttrCase<"fp32", 1, "fp32">]> {
  let cppNamespace = "::qfx::kernels";
  let genSpecializedAttr = 0;
}
def QFXK_RequantAttr : EnumAttr<QFXK_Dialect, QFXK_Requant, "requant">;

def QFXK_UnaryFn : I32EnumAttr<"UnaryFn", "elementwise function", [
    I32EnumAttrCase<"identity", 0>, I32EnumAttrCase<"relu", 1>,
    I32EnumAttrCase<"hardswish", 2>, I32EnumAttrCase<"hardsigmoid", 3>,
    I32EnumAttrCase<"sigmoid", 4>, I32EnumAttrCase<"tanh", 5>]> {
  let cppNamespace = "::qfx::kernels";
  let genSpecializedAttr = 0;
}
def QFXK_UnaryFnAttr : EnumAttr<QFXK_Dialect, QFXK_UnaryFn, "unary_fn">;

/// A per-tensor quantized activation (8-bit storage).
def QFXK_QTensor : RankedTensorOf<[quant_QuantizedType]>;

def QFXK_PackedWeightOp : QFXK_Op<"packed_weight", [Symbol]> {
  let summary = "a weight (and bias) quantized at compile time";
  let description = [{
    The integer weight of a convolution or linear layer, quantized from the
    float parameter `source` with the per-channel qparams of `type`, in
    PyTorch's layout (OIDHW / OIHW / OI); runtimes repack it for their library when
    a plan is built. `bias` is float32 for `float` requantization and int32
    (scale `s_in * s_w[c]`) for `fp32` requantization.

    ```mlir
    qfxk.packed_weight @conv.weight.q source = @conv.weight
        type = tensor<4x3x3x3x!quant.uniform<i8:f32:0, {0.1,0.2,0.1,0.3}>>
        weight = dense<1> : tensor<4x3x3x3xi8> bias = dense<0.5> : tensor<4xf32>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$source,
    TypeAttrOf<QFXK_QTensor>:$type, ElementsAttr:$weight,
    OptionalAttr<ElementsAttr>:$bias);
  let assemblyFormat = [{
    $sym_name `source` `=` $source `type` `=` $type `weight` `=` $weight
    (`bias` `=` $bias^)? attr-dict
  }];
  let hasVerifier = 1;
}

def QFXK_Conv2dOp : QFXK_Op<"conv2d", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "quantized 2-d convolution on NHWC, optionally fused with relu";
  let description = [{
    `acc = sum((x - zp_x) * w)` in int32, then the `requant` convention
    (docs/kernels.md); `relu` clamps at the output zero point, and the
    optional `clamp = [lo, hi]` clamps the output integers further (a fused
    ReLU6 / hardtanh whose qparams are the convolution's own). Input and
    result are NHWC.

    ```mlir
    %y = qfxk.conv2d %x weight = @conv.weight.q stride = [1, 1] padding = [1, 1]
        dilation = [1, 1] groups = 1 requant = float relu = true
        : tensor<1x8x8x3x!quant.uniform<u8<0:127>:f32, 0.05:62>>
        -> tensor<1x8x8x4x!quant.uniform<u8<0:127>:f32, 0.0234:0>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, FlatSymbolRefAttr:$weight,
    DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
    DenseI64ArrayAttr:$dilation, I64Attr:$groups, QFXK_RequantAttr:$requant,
    BoolAttr:$relu, OptionalAttr<DenseI64ArrayAttr>:$clamp);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `weight` `=` $weight `stride` `=` $stride `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups `requant` `=` $requant
    `relu` `=` $relu (`clamp` `=` $clamp^)? attr-dict `:` type($input)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_Conv3dOp : QFXK_Op<"conv3d", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "quantized 3-d convolution on NCDHW, optionally fused with relu";
  let description = [{
    The numerics of `qfxk.conv2d` with a depth dimension (weight
    O x C/groups x KD x KH x KW). Input and result keep PyTorch's NCDHW
    layout (there is no 5-d layout op: the runtime converts to channels-last
    inside the kernel); `stride`, `padding` and `dilation` are (D, H, W).
    The optional `clamp = [lo, hi]` is a fused ReLU6 / hardtanh, as in
    `qfxk.conv2d`.

    ```mlir
    %y = qfxk.conv3d %x weight = @conv.weight.q stride = [1, 1, 1]
        padding = [1, 1, 1] dilation = [1, 1, 1] groups = 1 requant = float
        relu = false
        : tensor<1x2x4x8x8x!quant.uniform<u8:f32, 0.05:62>>
        -> tensor<1x4x4x8x8x!quant.uniform<u8:f32, 0.0234:0>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, FlatSymbolRefAttr:$weight,
    DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
    DenseI64ArrayAttr:$dilation, I64Attr:$groups, QFXK_RequantAttr:$requant,
    BoolAttr:$relu, OptionalAttr<DenseI64ArrayAttr>:$clamp);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `weight` `=` $weight `stride` `=` $stride `padding` `=` $padding
    `dilation` `=` $dilation `groups` `=` $groups `requant` `=` $requant
    `relu` `=` $relu (`clamp` `=` $clamp^)? attr-dict `:` type($input)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_ConvTranspose2dOp : QFXK_Op<"conv_transpose2d", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "quantized 2-d transposed convolution on NHWC (+relu)";
  let description = [{
    `acc[p] = sum((x - zp_x) * w)` over every input pixel and tap landing on
    output pixel `p`, then the `requant` convention of `qfxk.conv2d`. The
    packed weight is laid out as a convolution's, O x I/groups x KH x KW
    with O the *output* channels (PyTorch's I x O/groups x KH x KW,
    transposed per group at compile time). The output size per spatial dim
    is `(in - 1) * stride - 2 * padding + dilation * (k - 1) +
    output_padding + 1`. Input and result are NHWC.

    ```mlir
    %y = qfxk.conv_transpose2d %x weight = @up.weight.q stride = [2, 2]
        padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 1
        requant = float relu = false
        : tensor<1x4x4x8x!quant.uniform<u8:f32, 0.05:62>>
        -> tensor<1x8x8x4x!quant.uniform<u8:f32, 0.0234:0>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, FlatSymbolRefAttr:$weight,
    DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
    DenseI64ArrayAttr:$output_padding, DenseI64ArrayAttr:$dilation,
    I64Attr:$groups, QFXK_RequantAttr:$requant, BoolAttr:$relu);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `weight` `=` $weight `stride` `=` $stride `padding` `=` $padding
    `output_padding` `=` $output_padding `dilation` `=` $dilation
    `groups` `=` $groups `requant` `=` $requant `relu` `=` $relu attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_LinearOp : QFXK_Op<"linear", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "quantized linear layer [M, K] x [N, K]^T, optionally with relu";
  let description = [{
    The numerics of `qfxk.conv2d` (a 1x1 convolution over 1x1 images),
    including the optional output `clamp = [lo, hi]`.

    ```mlir
    %y = qfxk.linear %x weight = @fc.weight.q requant = float relu = false
        : tensor<1x512x!quant.uniform<u8:f32, 0.1:0>> -> tensor<1x10x!quant.uniform<u8:f32, 0.2:100>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, FlatSymbolRefAttr:$weight,
    QFXK_RequantAttr:$requant, BoolAttr:$relu,
    OptionalAttr<DenseI64ArrayAttr>:$clamp);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `weight` `=` $weight `requant` `=` $requant `relu` `=` $relu
    (`clamp` `=` $clamp^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_DynamicLinearOp : QFXK_Op<"dynamic_linear", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "dynamically quantized linear layer on float tensors";
  let description = [{
    PyTorch's dynamic linear: the float input [..., K] is quantized to
    quint8 with qparams chosen from its own min / max on every run (ATen's
    ChooseQuantizationParams, the range [0, 127] with `reduce_range`),
    multiplied exactly in int32 with the int8 weight [N, K] and scaled back
    with fbgemm's float convention, `float(acc) * float(s_x * s_w[c]) +
    bias[c]` (float bias, `relu` after it). The result is float
    [..., N]. The weight's bias, if any, is f32.

    ```mlir
    %y = qfxk.dynamic_linear %x weight = @fc.weight.packed reduce_range = true
        relu = false : tensor<4x16xf32> -> tensor<4x32xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input, FlatSymbolRefAttr:$weight,
    BoolAttr:$reduce_range, BoolAttr:$relu);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `weight` `=` $weight `reduce_range` `=` $reduce_range `relu` `=`
    $relu attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_DynamicLSTMOp : QFXK_Op<"dynamic_lstm", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "dynamically quantized LSTM on float tensors";
  let description = [{
    PyTorch 1.13's dynamic LSTM (`quantized::quantized_lstm`, what
    `convert_fx` makes of the reference LSTM): the gate matrix products are
    `qfxk.dynamic_linear`'s (int8 weight prepacked with its f32 bias, the
    input quantized to quint8 with qparams chosen on every call, exact
    int32 sums, fbgemm's float epilogue) and the gates are float32.
    Per layer and direction, `x W_ih^T + b_ih` is one call over the whole
    sequence and `h W_hh^T + b_hh` one call per time step on the
    [batch, hidden] state; `reduce_range` picks the qparams range [0, 127]
    for both. `weights` are the packed (w_ih, w_hh) per layer and direction
    in PyTorch's flat order; `initial` is (h0, c0) or absent (zeros).
    Results: output [T, B, D*H] ([B, T, D*H] with `batch_first`), h_n and
    c_n [L*D, B, H].

    ```mlir
    %y, %h, %c = qfxk.dynamic_lstm %x weights = [@w_ih.packed, @w_hh.packed]
        hidden_size = 8 num_layers = 1 reduce_range = true
        : (tensor<5x2x4xf32>) -> (tensor<5x2x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>)
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
    Variadic<RankedTensorOf<[F32]>>:$initial_states,
    FlatSymbolRefArrayAttr:$weights, I64Attr:$hidden_size,
    I64Attr:$num_layers, UnitAttr:$batch_first, UnitAttr:$bidirectional,
    BoolAttr:$reduce_range);
  let results = (outs RankedTensorOf<[F32]>:$output,
    RankedTensorOf<[F32]>:$h_n, RankedTensorOf<[F32]>:$c_n);
  let assemblyFormat = [{
    $input (`initial` `(` $initial_states^ `)`)? `weights` `=` $weights
    `hidden_size` `=` $hidden_size `num_layers` `=` $num_layers
    (`batch_first` $batch_first^)? (`bidirectional` $bidirectional^)?
    `reduce_range` `=` $reduce_range attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFXK_BagMode : I32EnumAttr<"BagMode", "embedding bag reduction", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>]> {
  let cppNamespace = "::qfx::kernels";
  let genSpecializedAttr = 0;
}
def QFXK_BagModeAttr : EnumAttr<QFXK_Dialect, QFXK_BagMode, "bag_mode">;

def QFXK_PackedEmbeddingOp : QFXK_Op<"packed_embedding", [Symbol]> {
  let summary = "a weight-only quantized embedding table, rows packed";
  let description = [{
    The embedding table of a weight-only quantized `nn.EmbeddingBag`
    (float qparams per row), quantized at compile time from the float
    parameter `source`: `bits = 8` (quint8, one code per byte) or `bits = 4`
    (quint4x2, two codes per byte, element 2i in the low nibble), `data`
    is rows x bytes-per-row, and every row has a float32 scale and zero
    point (PyTorch's float zero points are not integers).

    ```mlir
    qfxk.packed_embedding @bag.weight.packed source = @bag.weight bits = 4 dim = 8
        data = dense<...> : tensor<30x4xi8> scales = dense<...> : tensor<30xf32>
        zero_points = dense<...> : tensor<30xf32>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$source,
    I64Attr:$bits, I64Attr:$dim, ElementsAttr:$data, ElementsAttr:$scales,
    ElementsAttr:$zero_points);
  let assemblyFormat = [{
    $sym_name `source` `=` $source `bits` `=` $bits `dim` `=` $dim
    `data` `=` $data `scales` `=` $scales `zero_points` `=` $zero_points
    attr-dict
  }];
  let hasVerifier = 1;
}

def QFXK_EmbeddingBagOp : QFXK_Op<"embedding_bag", [Pure,
    AttrSizedOperandSegments, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "embedding bag over a packed quantized table";
  let description = [{
    `nn.EmbeddingBag` whose weight is a `qfxk.packed_embedding`: each row
    is dequantized as the reference model does, `(float(q) - zp[r]) *
    scale[r]`, and reduced with the reference model's float32 operations
    (sum with optional per-sample weights, mean, max; offsets,
    include_last_offset, padding_idx as in `qfx.embedding_bag`).

    ```mlir
    %y = qfxk.embedding_bag %idx offsets %off table = @bag.weight.packed mode = mean
        : (tensor<10xi64>, tensor<3xi64>) -> tensor<3x8xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I64, I32]>:$indices,
    Optional<RankedTensorOf<[I64, I32]>>:$offsets,
    Optional<RankedTensorOf<[F32]>>:$per_sample_weights,
    FlatSymbolRefAttr:$table, QFXK_BagModeAttr:$mode,
    UnitAttr:$include_last_offset, OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $indices (`offsets` $offsets^)?
    (`per_sample_weights` $per_sample_weights^)? `table` `=` $table
    `mode` `=` $mode (`include_last_offset` $include_last_offset^)?
    (`padding_idx` `=` $padding_idx^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFXK_AddOp : QFXK_Op<"add", [Pure]> {
  let summary = "quantized elementwise add (same shapes), optionally with relu";
  let description = [{
    `q_out(dq(a) + dq(b))` in float32, exactly the reference model.

    ```mlir
    %y = qfxk.add %a, %b relu = true : tensor<1x8x8x4x!quant.uniform<u8:f32, 0.1:3>>,
        tensor<1x8x8x4x!quant.uniform<u8:f32, 0.2:0>> -> tensor<1x8x8x4x!quant.uniform<u8:f32, 0.3:0>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$lhs, QFXK_QTensor:$rhs, BoolAttr:$relu);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `relu` `=` $relu attr-dict `:` type($lhs) `,` type($rhs)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_MulOp : QFXK_Op<"mul", [Pure]> {
  let summary = "quantized elementwise multiply (same shapes), optionally with relu";
  let description = [{
    `q_out(dq(a) * dq(b))` in float32, exactly the reference model.

    ```mlir
    %y = qfxk.mul %a, %b relu = false : tensor<1x8x8x4x!quant.uniform<u8:f32, 0.1:3>>,
        tensor<1x8x8x4x!quant.uniform<u8:f32, 0.2:0>> -> tensor<1x8x8x4x!quant.uniform<u8:f32, 0.3:0>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$lhs, QFXK_QTensor:$rhs, BoolAttr:$relu);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `relu` `=` $relu attr-dict `:` type($lhs) `,` type($rhs)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_ClampOp : QFXK_Op<"clamp", [Pure]> {
  let summary = "clamp of quantized integers (qparams unchanged)";
  let description = [{
    `min(max(x, lo), hi)` on the stored integers: ReLU, ReLU6 and hardtanh
    share their input's qparams, and then `q(clamp(dq(x), a, b))` is exactly
    the integer clamp to `[q(a), q(b)]` (quantization is monotonic).
    `--qfx-lower` folds it into a producing `conv2d` / `linear` of the same
    qparams. Any layout.

    ```mlir
    %y = qfxk.clamp %x lo = 62 hi = 182 : tensor<1x8x8x4x!quant.uniform<u8:f32, 0.05:62>>
        -> tensor<1x8x8x4x!quant.uniform<u8:f32, 0.05:62>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, I64Attr:$lo, I64Attr:$hi);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `lo` `=` $lo `hi` `=` $hi attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_SoftmaxOp : QFXK_Op<"softmax", [Pure]> {
  let summary = "q_out(softmax(dq(x), dim)) in float32";
  let description = [{
    On the logical (PyTorch) layout; the result has PyTorch's fixed qparams
    (scale 1/256, zero point 0) in the reference models.

    ```mlir
    %y = qfxk.softmax %x dim = 1 : tensor<1x10x!quant.uniform<u8:f32, 0.1:3>>
        -> tensor<1x10x!quant.uniform<u8:f32, 0.00390625>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, I64Attr:$dim);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `dim` `=` $dim attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_BatchNormOp : QFXK_Op<"batch_norm", [Pure]> {
  let summary = "eval-mode batch norm on quantized integers (+relu)";
  let description = [{
    `q_out(fma(dq(x), multiplier[c], offset[c]))` per channel `c` along the
    physical dim `channel_dim`, in float32: ATen's eval batch norm with
    `multiplier = w * invstd` and `offset = fma(-mean, multiplier, b)`
    folded at compile time (docs/kernels.md). `relu` clamps at the output
    zero point (BNReLU2d / BNReLU3d). Any rank >= 2; NCHW (channel_dim = 1)
    or NHWC (channel_dim = 3).

    ```mlir
    %y = qfxk.batch_norm %x multiplier = dense<[1.5, 0.5]> : tensor<2xf32>
        offset = dense<[0.1, -0.2]> : tensor<2xf32> channel_dim = 3 relu = false
        : tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1:3>>
        -> tensor<1x4x4x2x!quant.uniform<u8:f32, 0.2:100>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, FloatElementsAttr<32>:$multiplier,
    FloatElementsAttr<32>:$offset, I64Attr:$channel_dim, BoolAttr:$relu);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `multiplier` `=` $multiplier `offset` `=` $offset
    `channel_dim` `=` $channel_dim `relu` `=` $relu attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_LayerNormOp : QFXK_Op<"layer_norm", [Pure]> {
  let summary = "layer norm over the trailing dims of quantized integers";
  let description = [{
    Per row of the trailing `normalized_dims` dims (PyTorch's logical
    layout): ATen's float32 layer norm of `dq(x)` (its moments, then
    `fma(fma(dq(x), rstd, -rstd * mean), weight[j], bias[j])`), quantized
    (docs/kernels.md). `weight` / `bias` are the
    float elementwise affine parameters (absent: 1 and 0).

    ```mlir
    %y = qfxk.layer_norm %x weight = dense<1.0> : tensor<8xf32>
        bias = dense<0.0> : tensor<8xf32> normalized_dims = 1 eps = 1.0e-05
        : tensor<2x8x!quant.uniform<u8:f32, 0.1:3>>
        -> tensor<2x8x!quant.uniform<u8:f32, 0.02:128>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input,
    OptionalAttr<FloatElementsAttr<32>>:$weight, OptionalAttr<FloatElementsAttr<32>>:$bias,
    I64Attr:$normalized_dims, F64Attr:$eps);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input (`weight` `=` $weight^)? (`bias` `=` $bias^)?
    `normalized_dims` `=` $normalized_dims `eps` `=` $eps attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_MaxPool2dOp : QFXK_Op<"max_pool2d", [Pure]> {
  let summary = "quantized NHWC max pooling (qparams unchanged)";
  let description = [{
    ```mlir
    %y = qfxk.max_pool2d %x kernel_size = [3, 3] stride = [2, 2] padding = [1, 1]
        dilation = [1, 1] : tensor<1x8x8x4x!quant.uniform<u8:f32, 0.1:3>>
        -> tensor<1x4x4x4x!quant.uniform<u8:f32, 0.1:3>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, DenseI64ArrayAttr:$kernel_size,
    DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
    DenseI64ArrayAttr:$dilation);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `kernel_size` `=` $kernel_size `stride` `=` $stride
    `padding` `=` $padding `dilation` `=` $dilation attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_AvgPool2dOp : QFXK_Op<"avg_pool2d", [Pure]> {
  let summary = "quantized NHWC average pooling";
  let description = [{
    ```mlir
    %y = qfxk.avg_pool2d %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0]
        count_include_pad = true divisor_override = 0
        : tensor<1x8x8x4x!quant.uniform<u8:f32, 0.1:3>> -> tensor<1x4x4x4x!quant.uniform<u8:f32, 0.1:3>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, DenseI64ArrayAttr:$kernel_size,
    DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
    BoolAttr:$count_include_pad, I64Attr:$divisor_override);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `kernel_size` `=` $kernel_size `stride` `=` $stride
    `padding` `=` $padding `count_include_pad` `=` $count_include_pad
    `divisor_override` `=` $divisor_override attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_AdaptiveAvgPool2dOp : QFXK_Op<"adaptive_avg_pool2d", [Pure]> {
  let summary = "quantized NHWC adaptive average pooling to the result's H x W";
  let description = [{
    ```mlir
    %y = qfxk.adaptive_avg_pool2d %x : tensor<1x7x7x512x!quant.uniform<u8:f32, 0.1:3>>
        -> tensor<1x1x1x512x!quant.uniform<u8:f32, 0.05:0>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def QFXK_UnaryOp : QFXK_Op<"unary", [Pure]> {
  let summary = "elementwise q_out(f(dq(x))) through a 256-entry table";
  let description = [{
    Hardswish and the fixed-qparams ops (sigmoid, tanh, hardsigmoid): the
    table holds `q_out(f(dq(x)))` for every input code. Any layout.

    ```mlir
    %y = qfxk.unary %x fn = hardswish : tensor<1x8x!quant.uniform<u8:f32, 0.1:3>>
        -> tensor<1x8x!quant.uniform<u8:f32, 0.05:10>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input, QFXK_UnaryFnAttr:$fn);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $input `fn` `=` $fn attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def QFXK_CatOp : QFXK_Op<"cat", [Pure]> {
  let summary = "quantized concatenation along a physical dim";
  let description = [{
    Inputs whose qparams differ from the result's are requantized.

    ```mlir
    %y = qfxk.cat %a, %b dim = 3 : (tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1:3>>,
        tensor<1x4x4x2x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<1x4x4x4x!quant.uniform<u8:f32, 0.1:3>>
    ```
  }];
  let arguments = (ins Variadic<QFXK_QTensor>:$inputs, I64Attr:$dim);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = [{
    $inputs `dim` `=` $dim attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

def QFXK_ReshapeOp : QFXK_Op<"reshape", [Pure]> {
  let summary = "reshape (flatten, view) of a contiguous quantized tensor";
  let description = [{
    ```mlir
    %y = qfxk.reshape %x : tensor<1x512x1x1x!quant.uniform<u8:f32, 0.1:3>>
        -> tensor<1x512x!quant.uniform<u8:f32, 0.1:3>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

class QFXK_LayoutOp<string mnemonic, string what> : QFXK_Op<mnemonic, [Pure]> {
  let summary = what;
  let description = [{
    A physical layout change of a rank-4 quantized tensor.

    ```mlir
    %y = qfxk.to_nhwc %x : tensor<1x3x8x8x!quant.uniform<u8:f32, 0.1:3>>
        -> tensor<1x8x8x3x!quant.uniform<u8:f32, 0.1:3>>
    ```
  }];
  let arguments = (ins QFXK_QTensor:$input);
  let results = (outs QFXK_QTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}
def QFXK_ToNhwcOp : QFXK_LayoutOp<"to_nhwc", "NCHW to NHWC">;
def QFXK_ToNchwOp : QFXK_LayoutOp<"to_nchw", "NHWC to NCHW">;

#endif // QFX_DIALECT_QFXK_QFXKOPS_TD
