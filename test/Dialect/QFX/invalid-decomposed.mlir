// RUN: qfx-opt %s -split-input-file -verify-diagnostics

func.func @shape(%x: tensor<1x8xf32>) -> tensor<1x4xui8> {
  // expected-error@+1 {{shapes differ}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.05> zero_points = array<i64: 0> quant_min = 0 quant_max = 255 : tensor<1x8xf32> -> tensor<1x4xui8>
  return %q : tensor<1x4xui8>
}

// -----

func.func @range_outside_storage(%x: tensor<4xf32>) -> tensor<4xi8> {
  // expected-error@+1 {{quant range [0, 255] is not inside the storage range of 'i8' [-128, 127]}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.05> zero_points = array<i64: 0> quant_min = 0 quant_max = 255 : tensor<4xf32> -> tensor<4xi8>
  return %q : tensor<4xi8>
}

// -----

func.func @range_reversed(%q: tensor<4xui8>) -> tensor<4xf32> {
  // expected-error@+1 {{quant range [200, 100] is not inside}}
  %x = qfx.dequantize_affine %q scales = array<f32: 0.05> zero_points = array<i64: 150> quant_min = 200 quant_max = 100 : tensor<4xui8> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @scale_zero(%x: tensor<4xf32>) -> tensor<4xui8> {
  // expected-error@+1 {{scale 0.000000e+00 is not a positive finite number}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.0> zero_points = array<i64: 0> quant_min = 0 quant_max = 255 : tensor<4xf32> -> tensor<4xui8>
  return %q : tensor<4xui8>
}

// -----

func.func @scale_negative(%q: tensor<4xi8>) -> tensor<4xf32> {
  // expected-error@+1 {{scale -5.000000e-01 is not a positive finite number}}
  %x = qfx.dequantize_affine %q scales = array<f32: -0.5> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<4xi8> -> tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @zero_point_range(%x: tensor<4xf32>) -> tensor<4xui8> {
  // expected-error@+1 {{zero point 256 is outside the quant range [0, 255]}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.1> zero_points = array<i64: 256> quant_min = 0 quant_max = 255 : tensor<4xf32> -> tensor<4xui8>
  return %q : tensor<4xui8>
}

// -----

func.func @axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{axis 2 is out of range for rank 2}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.1, 0.2> zero_points = array<i64: 0, 0> axis = 2 quant_min = -128 quant_max = 127 : tensor<2x3xf32> -> tensor<2x3xi8>
  return %q : tensor<2x3xi8>
}

// -----

func.func @per_axis_count(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{has 2 scales but the tensor needs 3}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.1, 0.2> zero_points = array<i64: 0, 0> axis = 1 quant_min = -128 quant_max = 127 : tensor<2x3xf32> -> tensor<2x3xi8>
  return %q : tensor<2x3xi8>
}

// -----

func.func @per_tensor_count(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{has 2 scales but the tensor needs 1}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.1, 0.2> zero_points = array<i64: 0, 0> quant_min = -128 quant_max = 127 : tensor<2x3xf32> -> tensor<2x3xi8>
  return %q : tensor<2x3xi8>
}

// -----

func.func @count_mismatch(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{has 2 scales and 1 zero points}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.1, 0.2> zero_points = array<i64: 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<2x3xf32> -> tensor<2x3xi8>
  return %q : tensor<2x3xi8>
}

// -----

func.func @no_qparams(%x: tensor<4xf32>) -> tensor<4xui8> {
  // expected-error@+1 {{needs scales and zero_points (or a qparams operand)}}
  %q = qfx.quantize_affine %x quant_min = 0 quant_max = 255 : tensor<4xf32> -> tensor<4xui8>
  return %q : tensor<4xui8>
}

// -----

func.func @both_qparams(%x: tensor<4xf32>, %qp: tensor<2xf64>) -> tensor<4xui8> {
  // expected-error@+1 {{takes its qparams either from the qparams operand or from attributes}}
  %q = qfx.quantize_affine %x qparams(%qp : tensor<2xf64>) scales = array<f32: 0.1> zero_points = array<i64: 0> quant_min = 0 quant_max = 255 : tensor<4xf32> -> tensor<4xui8>
  return %q : tensor<4xui8>
}

// -----

func.func @qparams_size(%x: tensor<4xf32>, %qp: tensor<3xf64>) -> tensor<4xui8> {
  // expected-error@+1 {{qparams operand must be tensor<2xf64> [scale, zero point]}}
  %q = qfx.quantize_affine %x qparams(%qp : tensor<3xf64>) quant_min = 0 quant_max = 255 : tensor<4xf32> -> tensor<4xui8>
  return %q : tensor<4xui8>
}

// -----

func.func @float_storage(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error@+1 {{result #0 must be ranked tensor of 8-bit unsigned integer or 8-bit signless integer or 32-bit signless integer values}}
  %q = qfx.quantize_affine %x scales = array<f32: 0.1> zero_points = array<i64: 0> quant_min = 0 quant_max = 255 : tensor<4xf32> -> tensor<4xf16>
  return %q : tensor<4xf16>
}

// -----

func.func @choose_range(%x: tensor<4xf32>) -> tensor<2xf64> {
  // expected-error@+1 {{quant_min 255 must be below quant_max 0}}
  %qp = qfx.choose_qparams %x quant_min = 255 quant_max = 0 reduce_range = false : tensor<4xf32> -> tensor<2xf64>
  return %qp : tensor<2xf64>
}

// -----

func.func @choose_result(%x: tensor<4xf32>) -> tensor<3xf64> {
  // expected-error@+1 {{result must be tensor<2xf64> [scale, zero point]}}
  %qp = qfx.choose_qparams %x quant_min = 0 quant_max = 255 reduce_range = false : tensor<4xf32> -> tensor<3xf64>
  return %qp : tensor<3xf64>
}
