// RUN: qfx-opt %s --qfx-lower="backend=x86" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qfx-opt %s --qfx-lower="backend=qnnpack" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=QNNPACK

// A 2-d transposed convolution becomes qfxk.conv_transpose2d on NHWC; its
// weight (PyTorch's I x O/groups x KH x KW) is packed per group as
// O x I/groups x KH x KW, and consecutive ones stay channels-last.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!act = !quant.uniform<u8:f32, 2.000000e-02>
!w = !quant.uniform<i8:f32, 1.0e-2>
!wc = !quant.uniform<i8:f32:1, {1.0e-2, 2.0e-2, 4.0e-2}>
// up1: 4 -> 6 channels, groups 2 (weight 4 x 3 x 1 x 2); values = 0.01 * (index + 1)
qfx.parameter @up1.weight parameter = dense<[[[[0.01, 0.02]], [[0.03, 0.04]], [[0.05, 0.06]]], [[[0.07, 0.08]], [[0.09, 0.10]], [[0.11, 0.12]]], [[[0.13, 0.14]], [[0.15, 0.16]], [[0.17, 0.18]]], [[[0.19, 0.20]], [[0.21, 0.22]], [[0.23, 0.24]]]]> : tensor<4x3x1x2xf32>
qfx.parameter @up1.bias parameter = dense<0.5> : tensor<6xf32>
// up2: per-channel along axis 1 (output channels), groups 1
qfx.parameter @up2.weight parameter = dense<0.4> : tensor<6x3x3x3xf32>

// Group 0 takes input channels 0-1 to outputs 0-2, so packed row o = 0 is
// [w[0][0], w[1][0]] = [1 2 | 7 8] (scale 0.01); row 3 (group 1, j = 0) is
// [w[2][0], w[3][0]] = [13 14 | 19 20].
// CHECK-DAG: qfxk.packed_weight @up1.weight.packed source = @up1.weight type = tensor<6x2x1x2x!quant.uniform<i8:f32, 1.000000e-02>> weight = dense<{{\[\[\[\[}}1, 2]], {{\[\[}}7, 8]]], {{\[\[\[}}3, 4]], {{\[\[}}9, 10]]], {{\[\[\[}}5, 6]], {{\[\[}}11, 12]]], {{\[\[\[}}13, 14]], {{\[\[}}19, 20]]], {{\[\[\[}}15, 16]], {{\[\[}}21, 22]]], {{\[\[\[}}17, 18]], {{\[\[}}23, 24]]]]> : tensor<6x2x1x2xi8> bias = dense<5.000000e-01> : tensor<6xf32>
// CHECK-DAG: qfxk.packed_weight @up2.weight.packed source = @up2.weight type = tensor<3x6x3x3x!quant.uniform<i8:f32:0, {1.000000e-02,2.000000e-02,4.000000e-02}>> weight = dense<"0x{{(28){54}(14){54}(0[Aa]){54}"}}> : tensor<3x6x3x3xi8>
// CHECK-LABEL: func.func @conv_transpose
// CHECK: %[[X:.*]] = qfxk.to_nhwc %{{.*}} -> tensor<1x3x3x4x
// CHECK: %[[U1:.*]] = qfxk.conv_transpose2d %[[X]] weight = @up1.weight.packed stride = [2, 2] padding = [0, 0] output_padding = [0, 0] dilation = [1, 1] groups = 2 requant = float relu = false : {{.*}} -> tensor<1x5x6x6x
// CHECK: %[[U2:.*]] = qfxk.conv_transpose2d %[[U1]] weight = @up2.weight.packed stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = false : {{.*}} -> tensor<1x10x12x3x
// CHECK: qfxk.to_nchw %[[U2]]
// CHECK-NOT: qfx.conv_transpose
// QNNPACK-DAG: qfxk.packed_weight @up1.weight.packed {{.*}} bias = dense<5.000000e-01> : tensor<6xf32>
// QNNPACK: qfxk.conv_transpose2d {{.*}} requant = float
func.func @conv_transpose(%x: tensor<1x4x3x3xf32>) -> tensor<1x3x10x12xf32> {
  %xq = qfx.quantize %x : tensor<1x4x3x3xf32> -> tensor<1x4x3x3x!in>
  %xd = qfx.dequantize %xq : tensor<1x4x3x3x!in> -> tensor<1x4x3x3xf32>
  %w = qfx.get_attr @up1.weight : tensor<4x3x1x2xf32>
  %wq = qfx.quantize %w : tensor<4x3x1x2xf32> -> tensor<4x3x1x2x!w>
  %wd = qfx.dequantize %wq : tensor<4x3x1x2x!w> -> tensor<4x3x1x2xf32>
  %b = qfx.get_attr @up1.bias : tensor<6xf32>
  %u = qfx.conv_transpose %xd, %wd, %b stride = [2, 2] padding = [0, 0] output_padding = [0, 0] dilation = [1, 1] groups = 2 : (tensor<1x4x3x3xf32>, tensor<4x3x1x2xf32>, tensor<6xf32>) -> tensor<1x6x5x6xf32>
  %uq = qfx.quantize %u : tensor<1x6x5x6xf32> -> tensor<1x6x5x6x!act>
  %ud = qfx.dequantize %uq : tensor<1x6x5x6x!act> -> tensor<1x6x5x6xf32>
  %w2 = qfx.get_attr @up2.weight : tensor<6x3x3x3xf32>
  %w2q = qfx.quantize %w2 : tensor<6x3x3x3xf32> -> tensor<6x3x3x3x!wc>
  %w2d = qfx.dequantize %w2q : tensor<6x3x3x3x!wc> -> tensor<6x3x3x3xf32>
  %u2 = qfx.conv_transpose %ud, %w2d stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x6x5x6xf32>, tensor<6x3x3x3xf32>) -> tensor<1x3x10x12xf32>
  %u2q = qfx.quantize %u2 : tensor<1x3x10x12xf32> -> tensor<1x3x10x12x!act>
  %u2d = qfx.dequantize %u2q : tensor<1x3x10x12x!act> -> tensor<1x3x10x12xf32>
  return %u2d : tensor<1x3x10x12xf32>
}

// -----

// Per-channel weights along axis 0 (the input channels of a transposed
// weight) have no per-output-channel scale: reference form with a remark.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!w0 = !quant.uniform<i8:f32:0, {1.0e-2, 2.0e-2}>
qfx.parameter @up.weight parameter = dense<0.1> : tensor<2x3x2x2xf32>

// CHECK-LABEL: func.func @axis0_weight
// CHECK: qfx.conv_transpose
// CHECK-NOT: qfxk.conv_transpose2d
func.func @axis0_weight(%x: tensor<1x2x3x3xf32>) -> tensor<1x3x6x6xf32> {
  %xq = qfx.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!in>
  %xd = qfx.dequantize %xq : tensor<1x2x3x3x!in> -> tensor<1x2x3x3xf32>
  %w = qfx.get_attr @up.weight : tensor<2x3x2x2xf32>
  %wq = qfx.quantize %w : tensor<2x3x2x2xf32> -> tensor<2x3x2x2x!w0>
  %wd = qfx.dequantize %wq : tensor<2x3x2x2x!w0> -> tensor<2x3x2x2xf32>
  // expected-remark@+1 {{left in reference form: per-channel transposed-convolution weights must be symmetric along axis 1 (output channels), groups = 1}}
  %u = qfx.conv_transpose %xd, %wd stride = [2, 2] padding = [0, 0] output_padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x2x3x3xf32>, tensor<2x3x2x2xf32>) -> tensor<1x3x6x6xf32>
  %uq = qfx.quantize %u : tensor<1x3x6x6xf32> -> tensor<1x3x6x6x!in>
  %ud = qfx.dequantize %uq : tensor<1x3x6x6x!in> -> tensor<1x3x6x6xf32>
  return %ud : tensor<1x3x6x6xf32>
}
