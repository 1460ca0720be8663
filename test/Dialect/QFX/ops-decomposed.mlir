// RUN: qfx-opt %s | qfx-opt | FileCheck %s

// The decomposed quantize / dequantize ops round-trip: per tensor, per
// axis, and with run-time qparams from choose_qparams.

// CHECK-LABEL: func.func @per_tensor
func.func @per_tensor(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  // CHECK: %[[Q:.*]] = qfx.quantize_affine %{{.*}} scales = array<f32: 5.000000e-02> zero_points = array<i64: 62> quant_min = 0 quant_max = 255 : tensor<1x8xf32> -> tensor<1x8xui8>
  // CHECK: qfx.dequantize_affine %[[Q]] scales = array<f32: 5.000000e-02> zero_points = array<i64: 62> quant_min = 0 quant_max = 255 : tensor<1x8xui8> -> tensor<1x8xf32>
  %q = qfx.quantize_affine %x scales = array<f32: 0.05> zero_points = array<i64: 62> quant_min = 0 quant_max = 255 : tensor<1x8xf32> -> tensor<1x8xui8>
  %d = qfx.dequantize_affine %q scales = array<f32: 0.05> zero_points = array<i64: 62> quant_min = 0 quant_max = 255 : tensor<1x8xui8> -> tensor<1x8xf32>
  return %d : tensor<1x8xf32>
}

// CHECK-LABEL: func.func @per_axis
func.func @per_axis(%v: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: qfx.quantize_affine %{{.*}} scales = array<f32: 1.000000e-01, 2.000000e-01> zero_points = array<i64: 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<2x3xf32> -> tensor<2x3xi8>
  // CHECK: qfx.dequantize_affine %{{.*}} axis = 0 quant_min = -128 quant_max = 127 : tensor<2x3xi8> -> tensor<2x3xf32>
  %q = qfx.quantize_affine %v scales = array<f32: 0.1, 0.2> zero_points = array<i64: 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<2x3xf32> -> tensor<2x3xi8>
  %d = qfx.dequantize_affine %q scales = array<f32: 0.1, 0.2> zero_points = array<i64: 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<2x3xi8> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @dynamic
func.func @dynamic(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // CHECK: %[[QP:.*]] = qfx.choose_qparams %{{.*}} quant_min = 0 quant_max = 255 reduce_range = true : tensor<4x16xf32> -> tensor<2xf64>
  // CHECK: %[[Q:.*]] = qfx.quantize_affine %{{.*}} qparams(%[[QP]] : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<4x16xf32> -> tensor<4x16xui8>
  // CHECK: qfx.dequantize_affine %[[Q]] qparams(%[[QP]] : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<4x16xui8> -> tensor<4x16xf32>
  %qp = qfx.choose_qparams %x quant_min = 0 quant_max = 255 reduce_range = true : tensor<4x16xf32> -> tensor<2xf64>
  %q = qfx.quantize_affine %x qparams(%qp : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<4x16xf32> -> tensor<4x16xui8>
  %d = qfx.dequantize_affine %q qparams(%qp : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<4x16xui8> -> tensor<4x16xf32>
  return %d : tensor<4x16xf32>
}
