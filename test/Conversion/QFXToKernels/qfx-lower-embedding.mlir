// RUN: qfx-opt %s --qfx-lower="backend=x86" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qfx-opt %s --qfx-lower="backend=qnnpack" -split-input-file -verify-diagnostics | FileCheck %s

// Weight-only embedding bags: the quantize_float_qparams ->
// dequantize_float_qparams of the table becomes a qfxk.packed_embedding
// (codes quantized at compile time, packed per row; float scales and zero
// points) read by qfxk.embedding_bag. Row r: x / scale[r] + zp[r], rounded.
qfx.parameter @bag.weight parameter = dense<[[0.25, 1.25, -0.25], [0.5, 1.0, 0.0], [1.0, -1.0, 3.0]]> : tensor<3x3xf32>

// CHECK-DAG: qfxk.packed_embedding @bag.weight.packed source = @bag.weight bits = 8 dim = 3 data = dense<{{\[\[}}2, 4, 1], [2, 4, 0], [3, 1, 5]]> : tensor<3x3xi8> scales = dense<[5.000000e-01, 2.500000e-01, 1.000000e+00]> : tensor<3xf32> zero_points = dense<[1.500000e+00, 0.000000e+00, 2.000000e+00]> : tensor<3xf32>
// CHECK-DAG: qfxk.packed_embedding @bag.weight.packed1 source = @bag.weight bits = 4 dim = 3 data = dense<{{\[\[}}66, 1], [66, 0], [19, 5]]> : tensor<3x2xi8>
// CHECK-LABEL: func.func @bags
// CHECK-SAME: (%[[I:.*]]: tensor<5xi64>, %[[O:.*]]: tensor<3xi64>, %[[W:.*]]: tensor<5xf32>, %[[I2:.*]]: tensor<2x2xi64>)
// CHECK: qfxk.embedding_bag %[[I]] offsets %[[O]] per_sample_weights %[[W]] table = @bag.weight.packed mode = {{ *}}sum : (tensor<5xi64>, tensor<3xi64>, tensor<5xf32>) -> tensor<3x3xf32>
// CHECK: qfxk.embedding_bag %[[I]] offsets %[[O]] table = @bag.weight.packed1 mode = {{ *}}mean include_last_offset padding_idx = 1 : (tensor<5xi64>, tensor<3xi64>) -> tensor<2x3xf32>
// CHECK: qfxk.embedding_bag %[[I2]] table = @bag.weight.packed mode = {{ *}}max : (tensor<2x2xi64>) -> tensor<2x3xf32>
// CHECK-NOT: qfx.quantize_float_qparams
// CHECK-NOT: qfx.dequantize_float_qparams
// CHECK-NOT: qfx.embedding_bag
func.func @bags(%idx: tensor<5xi64>, %off: tensor<3xi64>, %psw: tensor<5xf32>, %idx2: tensor<2x2xi64>) -> (tensor<3x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %w = qfx.get_attr @bag.weight : tensor<3x3xf32>
  %q = qfx.quantize_float_qparams %w dtype = quint8 axis = 0 scale = dense<[0.5, 0.25, 1.0]> : tensor<3xf32> zero_point = dense<[1.5, 0.0, 2.0]> : tensor<3xf32> : tensor<3x3xf32> -> tensor<3x3xui8>
  %d = qfx.dequantize_float_qparams %q dtype = quint8 axis = 0 scale = dense<[0.5, 0.25, 1.0]> : tensor<3xf32> zero_point = dense<[1.5, 0.0, 2.0]> : tensor<3xf32> : tensor<3x3xui8> -> tensor<3x3xf32>
  %a = qfx.embedding_bag %d, %idx offsets %off per_sample_weights %psw mode = sum : (tensor<3x3xf32>, tensor<5xi64>, tensor<3xi64>, tensor<5xf32>) -> tensor<3x3xf32>
  %q4 = qfx.quantize_float_qparams %w dtype = quint4x2 axis = 0 scale = dense<[0.5, 0.25, 1.0]> : tensor<3xf32> zero_point = dense<[1.5, 0.0, 2.0]> : tensor<3xf32> : tensor<3x3xf32> -> tensor<3x3xui8>
  %d4 = qfx.dequantize_float_qparams %q4 dtype = quint4x2 axis = 0 scale = dense<[0.5, 0.25, 1.0]> : tensor<3xf32> zero_point = dense<[1.5, 0.0, 2.0]> : tensor<3xf32> : tensor<3x3xui8> -> tensor<3x3xf32>
  %b = qfx.embedding_bag %d4, %idx offsets %off mode = mean include_last_offset padding_idx = 1 : (tensor<3x3xf32>, tensor<5xi64>, tensor<3xi64>) -> tensor<2x3xf32>
  %c = qfx.embedding_bag %d, %idx2 mode = max : (tensor<3x3xf32>, tensor<2x2xi64>) -> tensor<2x3xf32>
  return %a, %b, %c : tensor<3x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Left in reference form, with a remark: a table quantized per column.
qfx.parameter @bag.weight parameter = dense<0.5> : tensor<3x3xf32>
// CHECK-LABEL: func.func @per_column
// CHECK: qfx.embedding_bag
func.func @per_column(%idx: tensor<5xi64>, %off: tensor<3xi64>) -> tensor<3x3xf32> {
  %w = qfx.get_attr @bag.weight : tensor<3x3xf32>
  %q = qfx.quantize_float_qparams %w dtype = quint8 axis = 1 scale = dense<0.5> : tensor<3xf32> zero_point = dense<0.0> : tensor<3xf32> : tensor<3x3xf32> -> tensor<3x3xui8>
  %d = qfx.dequantize_float_qparams %q dtype = quint8 axis = 1 scale = dense<0.5> : tensor<3xf32> zero_point = dense<0.0> : tensor<3xf32> : tensor<3x3xui8> -> tensor<3x3xf32>
  // expected-remark@+1 {{left in reference form: the table is not a 2-d tensor quantized per row (axis 0)}}
  %a = qfx.embedding_bag %d, %idx offsets %off mode = sum : (tensor<3x3xf32>, tensor<5xi64>, tensor<3xi64>) -> tensor<3x3xf32>
  return %a : tensor<3x3xf32>
}
