// RUN: qfx-opt %s --qfx-lower="backend=x86" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qfx-opt %s --qfx-lower="backend=qnnpack" -split-input-file -verify-diagnostics | FileCheck %s

// Eval batch norm on a quantized input: qfxk.batch_norm on the logical
// NCHW layout (channel_dim = 1) with ATen's constants folded:
// invstd = 1 / sqrt(3 + 1) = 0.5, multiplier = 0.5 * w, offset =
// fma(-mean, multiplier, b).
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!out = !quant.uniform<u8:f32, 2.000000e-02:100>
qfx.parameter @bn.weight parameter = dense<[2.0, 4.0]> : tensor<2xf32>
qfx.parameter @bn.bias parameter = dense<[1.0, -1.0]> : tensor<2xf32>
qfx.parameter @bn.running_mean parameter = dense<[0.5, 0.25]> : tensor<2xf32>
qfx.parameter @bn.running_var parameter = dense<3.0> : tensor<2xf32>

// CHECK-LABEL: func.func @batch_norm
// CHECK: %[[XQ:.*]] = qfx.quantize
// CHECK: %[[BN:.*]] = qfxk.batch_norm %[[XQ]] multiplier = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32> offset = dense<[5.000000e-01, -1.500000e+00]> : tensor<2xf32> channel_dim = 1 relu = false : tensor<1x2x3x3x{{.*}}> -> tensor<1x2x3x3x
// CHECK: qfx.dequantize %[[BN]]
// CHECK-NOT: qfx.batch_norm
func.func @batch_norm(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %xq = qfx.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!in>
  %xd = qfx.dequantize %xq : tensor<1x2x3x3x!in> -> tensor<1x2x3x3xf32>
  %w = qfx.get_attr @bn.weight : tensor<2xf32>
  %b = qfx.get_attr @bn.bias : tensor<2xf32>
  %m = qfx.get_attr @bn.running_mean : tensor<2xf32>
  %v = qfx.get_attr @bn.running_var : tensor<2xf32>
  %y = qfx.batch_norm %xd weight %w bias %b mean %m var %v eps = 1.0 momentum = 0.1 : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %yq = qfx.quantize %y : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!out>
  %yd = qfx.dequantize %yq : tensor<1x2x3x3x!out> -> tensor<1x2x3x3xf32>
  return %yd : tensor<1x2x3x3xf32>
}

// -----

// A fused BNReLU2d after a convolution: relu = true, channels-last
// (channel_dim = 3) between the NHWC kernels, no layout change between
// them; affine = False (no weight / bias).
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!act = !quant.uniform<u8:f32, 2.000000e-02>
!w = !quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3}>
qfx.parameter @c.weight parameter = dense<0.1> : tensor<2x3x1x1xf32>
qfx.parameter @bn.running_mean parameter = dense<0.0> : tensor<2xf32>
qfx.parameter @bn.running_var parameter = dense<0.0> : tensor<2xf32>

// CHECK-LABEL: func.func @conv_bn_relu
// CHECK: %[[T:.*]] = qfxk.to_nhwc
// CHECK: %[[C:.*]] = qfxk.conv2d %[[T]]
// CHECK-NEXT: %[[BN:.*]] = qfxk.batch_norm %[[C]] multiplier = dense<1.000000e+00> : tensor<2xf32> offset = dense<0.000000e+00> : tensor<2xf32> channel_dim = 3 relu = true : tensor<1x4x4x2x{{.*}}> -> tensor<1x4x4x2x
// CHECK-NEXT: qfxk.to_nchw %[[BN]]
// CHECK-NOT: qfx.fused
func.func @conv_bn_relu(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %xq = qfx.quantize %x : tensor<1x3x4x4xf32> -> tensor<1x3x4x4x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x4x4x!in> -> tensor<1x3x4x4xf32>
  %w = qfx.get_attr @c.weight : tensor<2x3x1x1xf32>
  %wq = qfx.quantize %w : tensor<2x3x1x1xf32> -> tensor<2x3x1x1x!w>
  %wd = qfx.dequantize %wq : tensor<2x3x1x1x!w> -> tensor<2x3x1x1xf32>
  %c = qfx.conv %xd, %wd stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %cq = qfx.quantize %c : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!act>
  %cd = qfx.dequantize %cq : tensor<1x2x4x4x!act> -> tensor<1x2x4x4xf32>
  %y = qfx.fused %cd : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  ^bb0(%in: tensor<1x2x4x4xf32>):
    %m = qfx.get_attr @bn.running_mean : tensor<2xf32>
    %v = qfx.get_attr @bn.running_var : tensor<2xf32>
    %bn = qfx.batch_norm %in mean %m var %v eps = 1.0 momentum = 0.1 : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    %r = qfx.relu %bn : tensor<1x2x4x4xf32>
    qfx.yield %r : tensor<1x2x4x4xf32>
  }
  %yq = qfx.quantize %y : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!act>
  %yd = qfx.dequantize %yq : tensor<1x2x4x4x!act> -> tensor<1x2x4x4xf32>
  return %yd : tensor<1x2x4x4xf32>
}

// -----

// BatchNorm3d: rank 5, NCDHW (channel_dim = 1).
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
qfx.parameter @bn.running_mean parameter = dense<0.0> : tensor<2xf32>
qfx.parameter @bn.running_var parameter = dense<0.0> : tensor<2xf32>

// CHECK-LABEL: func.func @batch_norm3d
// CHECK: qfxk.batch_norm %{{.*}} channel_dim = 1 relu = false : tensor<1x2x2x3x3x
func.func @batch_norm3d(%x: tensor<1x2x2x3x3xf32>) -> tensor<1x2x2x3x3xf32> {
  %xq = qfx.quantize %x : tensor<1x2x2x3x3xf32> -> tensor<1x2x2x3x3x!in>
  %xd = qfx.dequantize %xq : tensor<1x2x2x3x3x!in> -> tensor<1x2x2x3x3xf32>
  %m = qfx.get_attr @bn.running_mean : tensor<2xf32>
  %v = qfx.get_attr @bn.running_var : tensor<2xf32>
  %y = qfx.batch_norm %xd mean %m var %v eps = 1.0e-5 momentum = 0.1 : (tensor<1x2x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x3x3xf32>
  %yq = qfx.quantize %y : tensor<1x2x2x3x3xf32> -> tensor<1x2x2x3x3x!in>
  %yd = qfx.dequantize %yq : tensor<1x2x2x3x3x!in> -> tensor<1x2x2x3x3xf32>
  return %yd : tensor<1x2x2x3x3xf32>
}

// -----

// Layer norm over the last dim, with and without affine parameters.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!out = !quant.uniform<u8:f32, 2.000000e-02:128>
qfx.parameter @ln.weight parameter = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
qfx.parameter @ln.bias parameter = dense<0.5> : tensor<4xf32>

// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[XQ:.*]] = qfx.quantize
// CHECK: %[[L1:.*]] = qfxk.layer_norm %[[XQ]] weight = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32> bias = dense<5.000000e-01> : tensor<4xf32> normalized_dims = 1 eps = 1.000000e-05 : tensor<2x3x4x{{.*}}> -> tensor<2x3x4x
// CHECK: %[[L2:.*]] = qfxk.layer_norm %[[XQ]] normalized_dims = 2 eps = 1.000000e-03 : tensor<2x3x4x{{.*}}> -> tensor<2x3x4x
// CHECK-NOT: qfx.layer_norm
func.func @layer_norm(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %xq = qfx.quantize %x : tensor<2x3x4xf32> -> tensor<2x3x4x!in>
  %xd = qfx.dequantize %xq : tensor<2x3x4x!in> -> tensor<2x3x4xf32>
  %w = qfx.get_attr @ln.weight : tensor<4xf32>
  %b = qfx.get_attr @ln.bias : tensor<4xf32>
  %y = qfx.layer_norm %xd weight %w bias %b normalized_shape = [4] eps = 1.0e-5 : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %yq = qfx.quantize %y : tensor<2x3x4xf32> -> tensor<2x3x4x!out>
  %yd = qfx.dequantize %yq : tensor<2x3x4x!out> -> tensor<2x3x4xf32>
  %xd2 = qfx.dequantize %xq : tensor<2x3x4x!in> -> tensor<2x3x4xf32>
  %z = qfx.layer_norm %xd2 normalized_shape = [3, 4] eps = 1.0e-3 : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %zq = qfx.quantize %z : tensor<2x3x4xf32> -> tensor<2x3x4x!out>
  %zd = qfx.dequantize %zq : tensor<2x3x4x!out> -> tensor<2x3x4xf32>
  return %yd, %zd : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Training-mode batch norm normalizes with the batch's statistics: it stays
// in reference form with a remark.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>

// CHECK-LABEL: func.func @batch_norm_training
// CHECK: qfx.batch_norm
// CHECK-NOT: qfxk.batch_norm
func.func @batch_norm_training(%x: tensor<2x2x3x3xf32>) -> tensor<2x2x3x3xf32> {
  %xq = qfx.quantize %x : tensor<2x2x3x3xf32> -> tensor<2x2x3x3x!in>
  %xd = qfx.dequantize %xq : tensor<2x2x3x3x!in> -> tensor<2x2x3x3xf32>
  // expected-remark@+1 {{left in reference form: batch norm in training mode normalizes with the batch's statistics (no kernel)}}
  %y = qfx.batch_norm %xd eps = 1.0e-5 training : (tensor<2x2x3x3xf32>) -> tensor<2x2x3x3xf32>
  %yq = qfx.quantize %y : tensor<2x2x3x3xf32> -> tensor<2x2x3x3x!in>
  %yd = qfx.dequantize %yq : tensor<2x2x3x3x!in> -> tensor<2x2x3x3xf32>
  return %yd : tensor<2x2x3x3xf32>
}

// -----

// A quantized input with per-channel qparams has no kernel: remark.
!pc = !quant.uniform<u8:f32:1, {5.000000e-02:62, 1.000000e-01:0}>
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
qfx.parameter @bn.running_mean parameter = dense<0.0> : tensor<2xf32>
qfx.parameter @bn.running_var parameter = dense<1.0> : tensor<2xf32>

// CHECK-LABEL: func.func @batch_norm_per_channel_input
// CHECK: qfx.batch_norm
func.func @batch_norm_per_channel_input(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %xq = qfx.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!pc>
  %xd = qfx.dequantize %xq : tensor<1x2x3x3x!pc> -> tensor<1x2x3x3xf32>
  %m = qfx.get_attr @bn.running_mean : tensor<2xf32>
  %v = qfx.get_attr @bn.running_var : tensor<2xf32>
  // expected-remark@+1 {{left in reference form: the input is not a dequantized per-tensor quint8 tensor}}
  %y = qfx.batch_norm %xd mean %m var %v eps = 1.0e-5 momentum = 0.1 : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %yq = qfx.quantize %y : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!in>
  %yd = qfx.dequantize %yq : tensor<1x2x3x3x!in> -> tensor<1x2x3x3xf32>
  return %yd : tensor<1x2x3x3xf32>
}
