// RUN: qfx-opt %s | qfx-opt | FileCheck %s

!a = !quant.uniform<u8<0:127>:f32, 5.000000e-02:62>
!b = !quant.uniform<u8<0:127>:f32, 2.000000e-02>
!c = !quant.uniform<u8:f32, 1.000000e-01:128>

// CHECK: qfxk.packed_weight @conv.q source = @conv.weight type = tensor<4x3x3x3x!quant.uniform<i8:f32:0, {{.*}}>> weight = dense<1> : tensor<4x3x3x3xi8> bias = dense<5.000000e-01> : tensor<4xf32>
qfxk.packed_weight @conv.q source = @conv.weight type = tensor<4x3x3x3x!quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3, 3.0e-3, 4.0e-3}>> weight = dense<1> : tensor<4x3x3x3xi8> bias = dense<0.5> : tensor<4xf32>
// CHECK: qfxk.packed_weight @fc.q source = @fc.weight type = tensor<10x4x!quant.uniform<i8:f32, 2.000000e-03>> weight = dense<3> : tensor<10x4xi8> bias = dense<7> : tensor<10xi32>
qfxk.packed_weight @fc.q source = @fc.weight type = tensor<10x4x!quant.uniform<i8:f32, 2.0e-3>> weight = dense<3> : tensor<10x4xi8> bias = dense<7> : tensor<10xi32>

// CHECK-LABEL: func.func @all
func.func @all(%x: tensor<1x3x8x8x!a>, %v: tensor<1x4x!c>) -> (tensor<1x4x8x8x!b>, tensor<1x10x!c>) {
  // CHECK: %[[X:.*]] = qfxk.to_nhwc %{{.*}} : tensor<1x3x8x8x!{{.*}}> -> tensor<1x8x8x3x
  %xn = qfxk.to_nhwc %x : tensor<1x3x8x8x!a> -> tensor<1x8x8x3x!a>
  // CHECK: %[[Y:.*]] = qfxk.conv2d %[[X]] weight = @conv.q stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = true
  %y = qfxk.conv2d %xn weight = @conv.q stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = true : tensor<1x8x8x3x!a> -> tensor<1x8x8x4x!b>
  // CHECK: qfxk.max_pool2d %[[Y]] kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1]
  %p = qfxk.max_pool2d %y kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] : tensor<1x8x8x4x!b> -> tensor<1x4x4x4x!b>
  // CHECK: qfxk.avg_pool2d %{{.*}} kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] count_include_pad = true divisor_override = 0
  %ap = qfxk.avg_pool2d %p kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] count_include_pad = true divisor_override = 0 : tensor<1x4x4x4x!b> -> tensor<1x2x2x4x!b>
  // CHECK: qfxk.add %{{.*}}, %{{.*}} relu = false
  %s = qfxk.add %p, %p relu = false : tensor<1x4x4x4x!b>, tensor<1x4x4x4x!b> -> tensor<1x4x4x4x!c>
  // CHECK: qfxk.unary %{{.*}} fn = hardswish
  %h = qfxk.unary %s fn = hardswish : tensor<1x4x4x4x!c> -> tensor<1x4x4x4x!c>
  // CHECK: qfxk.cat %{{.*}}, %{{.*}} dim = 3
  %cat = qfxk.cat %h, %h dim = 3 : (tensor<1x4x4x4x!c>, tensor<1x4x4x4x!c>) -> tensor<1x4x4x8x!c>
  // CHECK: qfxk.adaptive_avg_pool2d
  %g = qfxk.adaptive_avg_pool2d %cat : tensor<1x4x4x8x!c> -> tensor<1x1x1x8x!c>
  // CHECK: qfxk.reshape
  %f = qfxk.reshape %g : tensor<1x1x1x8x!c> -> tensor<1x8x!c>
  // CHECK: qfxk.linear %{{.*}} weight = @fc.q requant = fp32 relu = false
  %l = qfxk.linear %v weight = @fc.q requant = fp32 relu = false : tensor<1x4x!c> -> tensor<1x10x!c>
  // CHECK: qfxk.linear %{{.*}} weight = @fc.q requant = fp32 relu = true clamp = [128, 200]
  %l2 = qfxk.linear %v weight = @fc.q requant = fp32 relu = true clamp = [128, 200] : tensor<1x4x!c> -> tensor<1x10x!c>
  // CHECK: qfxk.mul %{{.*}}, %{{.*}} relu = true
  %m = qfxk.mul %l2, %l2 relu = true : tensor<1x10x!c>, tensor<1x10x!c> -> tensor<1x10x!c>
  // CHECK: qfxk.clamp %{{.*}} lo = 128 hi = 188
  %cl = qfxk.clamp %m lo = 128 hi = 188 : tensor<1x10x!c> -> tensor<1x10x!c>
  // CHECK: qfxk.softmax %{{.*}} dim = 1
  %sm = qfxk.softmax %cl dim = 1 : tensor<1x10x!c> -> tensor<1x10x!c>
  // CHECK: qfxk.to_nchw
  %yn = qfxk.to_nchw %y : tensor<1x8x8x4x!b> -> tensor<1x4x8x8x!b>
  return %yn, %l : tensor<1x4x8x8x!b>, tensor<1x10x!c>
}
