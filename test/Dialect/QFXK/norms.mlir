// RUN: qfx-opt %s | qfx-opt | FileCheck %s

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
!b = !quant.uniform<u8:f32, 2.000000e-02:128>

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<1x4x4x2x!a>, %s: tensor<2x3x4x!a>) -> (tensor<1x4x4x2x!b>, tensor<2x3x4x!b>, tensor<2x3x4x!b>) {
  // CHECK: qfxk.batch_norm %{{.*}} multiplier = dense<[1.500000e+00, 5.000000e-01]> : tensor<2xf32> offset = dense<[1.000000e-01, -2.000000e-01]> : tensor<2xf32> channel_dim = 3 relu = true : tensor<1x4x4x2x!{{.*}}> -> tensor<1x4x4x2x!{{.*}}>
  %y = qfxk.batch_norm %x multiplier = dense<[1.5, 0.5]> : tensor<2xf32> offset = dense<[0.1, -0.2]> : tensor<2xf32> channel_dim = 3 relu = true : tensor<1x4x4x2x!a> -> tensor<1x4x4x2x!b>
  // CHECK: qfxk.layer_norm %{{.*}} weight = dense<2.000000e+00> : tensor<4xf32> bias = dense<5.000000e-01> : tensor<4xf32> normalized_dims = 1 eps = 1.000000e-05
  %l = qfxk.layer_norm %s weight = dense<2.0> : tensor<4xf32> bias = dense<0.5> : tensor<4xf32> normalized_dims = 1 eps = 1.0e-5 : tensor<2x3x4x!a> -> tensor<2x3x4x!b>
  // CHECK: qfxk.layer_norm %{{.*}} normalized_dims = 2 eps = 1.000000e-03 :
  %m = qfxk.layer_norm %s normalized_dims = 2 eps = 1.0e-3 : tensor<2x3x4x!a> -> tensor<2x3x4x!b>
  return %y, %l, %m : tensor<1x4x4x2x!b>, tensor<2x3x4x!b>, tensor<2x3x4x!b>
}
