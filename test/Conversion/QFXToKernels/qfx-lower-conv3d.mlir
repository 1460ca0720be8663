// RUN: qfx-opt %s --qfx-lower="backend=x86" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qfx-opt %s --qfx-lower="backend=qnnpack" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=QNNPACK

// A 3-d convolution (+relu, fused) becomes qfxk.conv3d on NCDHW with an
// OIDHW packed weight; consecutive ones need no layout op.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!act = !quant.uniform<u8:f32, 2.000000e-02>
!w = !quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3}>
qfx.parameter @c1.weight parameter = dense<0.1> : tensor<2x3x3x3x3xf32>
qfx.parameter @c1.bias parameter = dense<0.5> : tensor<2xf32>
qfx.parameter @c2.weight parameter = dense<0.1> : tensor<2x1x1x3x3xf32>

// CHECK-DAG: qfxk.packed_weight @c1.weight.packed source = @c1.weight type = tensor<2x3x3x3x3x!quant.uniform<i8:f32:0, {1.000000e-03,2.000000e-03}>> weight = dense<"0x{{(64){81}(32){81}"}}> : tensor<2x3x3x3x3xi8> bias = dense<5.000000e-01> : tensor<2xf32>
// CHECK-DAG: qfxk.packed_weight @c2.weight.packed source = @c2.weight type = tensor<2x1x1x3x3x
// CHECK-LABEL: func.func @conv3d
// CHECK: %[[XQ:.*]] = qfx.quantize %{{.*}} -> tensor<1x3x4x6x6x
// CHECK: %[[C1:.*]] = qfxk.conv3d %[[XQ]] weight = @c1.weight.packed stride = [1, 1, 1] padding = [1, 1, 1] dilation = [1, 1, 1] groups = 1 requant = float relu = true : tensor<1x3x4x6x6x{{.*}}> -> tensor<1x2x4x6x6x
// CHECK: %[[C2:.*]] = qfxk.conv3d %[[C1]] weight = @c2.weight.packed stride = [1, 2, 2] padding = [0, 1, 1] dilation = [1, 1, 1] groups = 2 requant = float relu = false : tensor<1x2x4x6x6x{{.*}}> -> tensor<1x2x4x3x3x
// CHECK: qfx.dequantize %[[C2]]
// CHECK-NOT: qfx.conv
// CHECK-NOT: qfxk.to_nhwc
// QNNPACK-DAG: qfxk.packed_weight @c1.weight.packed {{.*}} bias = dense<{{.*}}> : tensor<2xf32>
// QNNPACK: qfxk.conv3d {{.*}} requant = float relu = true
// QNNPACK: qfxk.conv3d {{.*}} requant = float relu = false
func.func @conv3d(%x: tensor<1x3x4x6x6xf32>) -> tensor<1x2x4x3x3xf32> {
  %xq = qfx.quantize %x : tensor<1x3x4x6x6xf32> -> tensor<1x3x4x6x6x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x4x6x6x!in> -> tensor<1x3x4x6x6xf32>
  %y = qfx.fused %xd : (tensor<1x3x4x6x6xf32>) -> tensor<1x2x4x6x6xf32> {
  ^bb0(%in: tensor<1x3x4x6x6xf32>):
    %w = qfx.get_attr @c1.weight : tensor<2x3x3x3x3xf32>
    %wq = qfx.quantize %w : tensor<2x3x3x3x3xf32> -> tensor<2x3x3x3x3x!w>
    %wd = qfx.dequantize %wq : tensor<2x3x3x3x3x!w> -> tensor<2x3x3x3x3xf32>
    %b = qfx.get_attr @c1.bias : tensor<2xf32>
    %c = qfx.conv %in, %wd, %b stride = [1, 1, 1] padding = [1, 1, 1] dilation = [1, 1, 1] groups = 1 : (tensor<1x3x4x6x6xf32>, tensor<2x3x3x3x3xf32>, tensor<2xf32>) -> tensor<1x2x4x6x6xf32>
    %r = qfx.relu %c : tensor<1x2x4x6x6xf32>
    qfx.yield %r : tensor<1x2x4x6x6xf32>
  }
  %yq = qfx.quantize %y : tensor<1x2x4x6x6xf32> -> tensor<1x2x4x6x6x!act>
  %yd = qfx.dequantize %yq : tensor<1x2x4x6x6x!act> -> tensor<1x2x4x6x6xf32>
  %w2 = qfx.get_attr @c2.weight : tensor<2x1x1x3x3xf32>
  %w2q = qfx.quantize %w2 : tensor<2x1x1x3x3xf32> -> tensor<2x1x1x3x3x!w>
  %w2d = qfx.dequantize %w2q : tensor<2x1x1x3x3x!w> -> tensor<2x1x1x3x3xf32>
  %c2 = qfx.conv %yd, %w2d stride = [1, 2, 2] padding = [0, 1, 1] dilation = [1, 1, 1] groups = 2 : (tensor<1x2x4x6x6xf32>, tensor<2x1x1x3x3xf32>) -> tensor<1x2x4x3x3xf32>
  %c2q = qfx.quantize %c2 : tensor<1x2x4x3x3xf32> -> tensor<1x2x4x3x3x!act>
  %c2d = qfx.dequantize %c2q : tensor<1x2x4x3x3x!act> -> tensor<1x2x4x3x3xf32>
  return %c2d : tensor<1x2x4x3x3xf32>
}

// -----

// Preconditions of the 2-d convolution hold for 3-d ones: affine weights
// stay in reference form with a remark.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!w = !quant.uniform<i8:f32, 1.0e-3:3>
qfx.parameter @c.weight parameter = dense<0.1> : tensor<2x3x1x1x1xf32>

// CHECK-LABEL: func.func @conv3d_affine_weight
// CHECK: qfx.conv
// CHECK-NOT: qfxk.conv3d
func.func @conv3d_affine_weight(%x: tensor<1x3x2x4x4xf32>) -> tensor<1x2x2x4x4xf32> {
  %xq = qfx.quantize %x : tensor<1x3x2x4x4xf32> -> tensor<1x3x2x4x4x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x2x4x4x!in> -> tensor<1x3x2x4x4xf32>
  %w = qfx.get_attr @c.weight : tensor<2x3x1x1x1xf32>
  %wq = qfx.quantize %w : tensor<2x3x1x1x1xf32> -> tensor<2x3x1x1x1x!w>
  %wd = qfx.dequantize %wq : tensor<2x3x1x1x1x!w> -> tensor<2x3x1x1x1xf32>
  // expected-remark@+1 {{left in reference form: the weight zero point is not 0 (affine weights have no kernel)}}
  %c = qfx.conv %xd, %wd stride = [1, 1, 1] padding = [0, 0, 0] dilation = [1, 1, 1] groups = 1 : (tensor<1x3x2x4x4xf32>, tensor<2x3x1x1x1xf32>) -> tensor<1x2x2x4x4xf32>
  %cq = qfx.quantize %c : tensor<1x2x2x4x4xf32> -> tensor<1x2x2x4x4x!in>
  %cd = qfx.dequantize %cq : tensor<1x2x2x4x4x!in> -> tensor<1x2x2x4x4xf32>
  return %cd : tensor<1x2x2x4x4xf32>
}

// -----

// ReLU6 (hardtanh 0..6 on the convolution's own qparams) folds into
// qfxk.conv3d as its output clamp [q(0), q(6)] = [10, 130], as for conv2d.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!act = !quant.uniform<u8:f32, 5.000000e-02:10>
!w = !quant.uniform<i8:f32, 1.0e-3>
qfx.parameter @c.weight parameter = dense<0.1> : tensor<2x3x1x1x1xf32>

// CHECK-LABEL: func.func @conv3d_relu6
// CHECK: %[[C:.*]] = qfxk.conv3d %{{.*}} requant = {{float|fp32}} relu = false clamp = [10, 130] : tensor<1x3x2x4x4x{{.*}}> -> tensor<1x2x2x4x4x
// CHECK-NEXT: qfx.dequantize %[[C]]
// CHECK-NOT: qfxk.clamp
// QNNPACK-LABEL: func.func @conv3d_relu6
// QNNPACK: qfxk.conv3d {{.*}} requant = float relu = false clamp = [10, 130]
func.func @conv3d_relu6(%x: tensor<1x3x2x4x4xf32>) -> tensor<1x2x2x4x4xf32> {
  %xq = qfx.quantize %x : tensor<1x3x2x4x4xf32> -> tensor<1x3x2x4x4x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x2x4x4x!in> -> tensor<1x3x2x4x4xf32>
  %w = qfx.get_attr @c.weight : tensor<2x3x1x1x1xf32>
  %wq = qfx.quantize %w : tensor<2x3x1x1x1xf32> -> tensor<2x3x1x1x1x!w>
  %wd = qfx.dequantize %wq : tensor<2x3x1x1x1x!w> -> tensor<2x3x1x1x1xf32>
  %c = qfx.conv %xd, %wd stride = [1, 1, 1] padding = [0, 0, 0] dilation = [1, 1, 1] groups = 1 : (tensor<1x3x2x4x4xf32>, tensor<2x3x1x1x1xf32>) -> tensor<1x2x2x4x4xf32>
  %cq = qfx.quantize %c : tensor<1x2x2x4x4xf32> -> tensor<1x2x2x4x4x!act>
  %cd = qfx.dequantize %cq : tensor<1x2x2x4x4x!act> -> tensor<1x2x2x4x4xf32>
  %r = qfx.hardtanh %cd min_val = 0.0 max_val = 6.0 : tensor<1x2x2x4x4xf32>
  %rq = qfx.quantize %r : tensor<1x2x2x4x4xf32> -> tensor<1x2x2x4x4x!act>
  %rd = qfx.dequantize %rq : tensor<1x2x2x4x4x!act> -> tensor<1x2x2x4x4xf32>
  return %rd : tensor<1x2x2x4x4xf32>
}
