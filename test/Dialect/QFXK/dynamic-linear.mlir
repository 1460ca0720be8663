// RUN: qfx-opt %s | qfx-opt | FileCheck %s

// CHECK: qfxk.packed_weight @fc.q source = @fc.weight type = tensor<6x4x!quant.uniform<i8:f32:0, {{.*}}>> weight = dense<3> : tensor<6x4xi8> bias = dense<5.000000e-01> : tensor<6xf32>
qfxk.packed_weight @fc.q source = @fc.weight type = tensor<6x4x!quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3, 3.0e-3, 4.0e-3, 5.0e-3, 6.0e-3}>> weight = dense<3> : tensor<6x4xi8> bias = dense<0.5> : tensor<6xf32>

// CHECK-LABEL: func.func @dynamic
func.func @dynamic(%x: tensor<2x4xf32>, %s: tensor<2x3x4xf32>) -> (tensor<2x6xf32>, tensor<2x3x6xf32>) {
  // CHECK: qfxk.dynamic_linear %{{.*}} weight = @fc.q reduce_range = true relu = false : tensor<2x4xf32> -> tensor<2x6xf32>
  %y = qfxk.dynamic_linear %x weight = @fc.q reduce_range = true relu = false : tensor<2x4xf32> -> tensor<2x6xf32>
  // CHECK: qfxk.dynamic_linear %{{.*}} weight = @fc.q reduce_range = false relu = true : tensor<2x3x4xf32> -> tensor<2x3x6xf32>
  %z = qfxk.dynamic_linear %s weight = @fc.q reduce_range = false relu = true : tensor<2x3x4xf32> -> tensor<2x3x6xf32>
  return %y, %z : tensor<2x6xf32>, tensor<2x3x6xf32>
}
