// RUN: qfx-opt %s --qfx-lower="backend=x86" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qfx-opt %s --qfx-lower="backend=qnnpack" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=QNNPACK

// The reference LSTM of a dynamic qconfig: qfx.lstm on
// dequantize(quantize_dynamic(x)) with q/dq'd weights and float biases
// becomes one qfxk.dynamic_lstm on the float input; each weight matrix is
// quantized at compile time and packed with its bias. reduce_range is the
// backend's (PyTorch's dynamic LSTM asks for it; qnnpack ignores it), not
// the reference graph's literal.
!wi = !quant.uniform<i8:f32, 0.015686275437474251>
!wh = !quant.uniform<i8:f32, 0.0078431377187371254>
qfx.parameter @lstm.weight_ih_l0 parameter = dense<[[0.5, -0.25], [1.0, 2.0], [0.0, 0.125], [-1.0, 0.75]]> : tensor<4x2xf32>
qfx.parameter @lstm.weight_hh_l0 parameter = dense<[[0.5], [-0.5], [0.25], [1.0]]> : tensor<4x1xf32>
qfx.parameter @lstm.bias_ih_l0 parameter = dense<[0.125, -1.0, 0.5, 0.25]> : tensor<4xf32>
qfx.parameter @lstm.bias_hh_l0 parameter = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>

// CHECK-DAG: qfxk.packed_weight @lstm.weight_ih_l0.packed source = @lstm.weight_ih_l0 type = tensor<4x2x!quant.uniform<i8:f32, 0.015686275437474251>> weight = dense<{{\[\[}}32, -16], [64, 127], [0, 8], [-64, 48]]> : tensor<4x2xi8> bias = dense<[1.250000e-01, -1.000000e+00, 5.000000e-01, 2.500000e-01]> : tensor<4xf32>
// CHECK-DAG: qfxk.packed_weight @lstm.weight_hh_l0.packed source = @lstm.weight_hh_l0 type = tensor<4x1x!quant.uniform<i8:f32, 0.0078431377187371254>> weight = dense<{{\[\[}}64], [-64], [32], [127]]> : tensor<4x1xi8> bias = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-LABEL: func.func @one_layer
// CHECK-SAME: (%[[X:.*]]: tensor<3x2x2xf32>)
// CHECK: %[[Y:.*]], %[[H:.*]], %[[C:.*]] = qfxk.dynamic_lstm %[[X]] weights = [@lstm.weight_ih_l0.packed, @lstm.weight_hh_l0.packed] hidden_size = 1 num_layers = 1 reduce_range = true : (tensor<3x2x2xf32>) -> (tensor<3x2x1xf32>, tensor<1x2x1xf32>, tensor<1x2x1xf32>)
// CHECK-NEXT: return %[[Y]], %[[C]]
// CHECK-NOT: qfx.lstm
// CHECK-NOT: qfx.quantize_dynamic
// CHECK-NOT: qfx.dequantize
// QNNPACK-LABEL: func.func @one_layer
// QNNPACK: qfxk.dynamic_lstm {{.*}} reduce_range = false
// QNNPACK-NOT: qfx.lstm
func.func @one_layer(%x: tensor<3x2x2xf32>) -> (tensor<3x2x1xf32>, tensor<1x2x1xf32>) {
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<3x2x2xf32> -> tensor<3x2x2x!quant.any<u8:f32>>
  %d = qfx.dequantize %q : tensor<3x2x2x!quant.any<u8:f32>> -> tensor<3x2x2xf32>
  %wi = qfx.get_attr @lstm.weight_ih_l0 : tensor<4x2xf32>
  %wh = qfx.get_attr @lstm.weight_hh_l0 : tensor<4x1xf32>
  %bi = qfx.get_attr @lstm.bias_ih_l0 : tensor<4xf32>
  %bh = qfx.get_attr @lstm.bias_hh_l0 : tensor<4xf32>
  %wiq = qfx.quantize %wi : tensor<4x2xf32> -> tensor<4x2x!wi>
  %wid = qfx.dequantize %wiq : tensor<4x2x!wi> -> tensor<4x2xf32>
  %whq = qfx.quantize %wh : tensor<4x1xf32> -> tensor<4x1x!wh>
  %whd = qfx.dequantize %whq : tensor<4x1x!wh> -> tensor<4x1xf32>
  %y, %h, %c = qfx.lstm %d weights(%wid, %whd, %bi, %bh) hidden_size = 1 num_layers = 1 has_biases dropout = 0.0 : (tensor<3x2x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<3x2x1xf32>, tensor<1x2x1xf32>, tensor<1x2x1xf32>)
  return %y, %c : tensor<3x2x1xf32>, tensor<1x2x1xf32>
}

// -----

// Two bidirectional layers, batch first, initial states, no biases,
// per-channel weights; the flat order is (w_ih, w_hh) per layer and
// direction, and one weight used twice is packed once. (-2.0 / s quantizes
// to -127: ATen multiplies by the float32 reciprocal, 63.749996.)
!pc = !quant.uniform<i8:f32:0, {0.0078431377187371254, 0.015686275437474251, 0.0078431377187371254, 0.015686275437474251}>
qfx.parameter @w1 parameter = dense<[[0.5], [-1.0], [0.25], [2.0]]> : tensor<4x1xf32>
qfx.parameter @w2 parameter = dense<[[0.5, 0.5], [-1.0, 1.0], [0.25, 0.0], [2.0, -2.0]]> : tensor<4x2xf32>

// CHECK-DAG: qfxk.packed_weight @w1.packed source = @w1 type = tensor<4x1x!quant.uniform<i8:f32:0, {{.*}}>> weight = dense<{{\[\[}}64], [-64], [32], [127]]> : tensor<4x1xi8>{{$}}
// CHECK-DAG: qfxk.packed_weight @w2.packed source = @w2 {{.*}} weight = dense<{{\[\[}}64, 64], [-64, 64], [32, 0], [127, -127]]> : tensor<4x2xi8>{{$}}
// CHECK-LABEL: func.func @bidirectional
// CHECK: qfxk.dynamic_lstm %{{.*}} initial(%{{.*}}, %{{.*}}) weights = [@w1.packed, @w1.packed, @w1.packed, @w1.packed, @w2.packed, @w1.packed, @w2.packed, @w1.packed] hidden_size = 1 num_layers = 2 batch_first bidirectional reduce_range = true
// CHECK-NOT: qfx.lstm
// QNNPACK-LABEL: func.func @bidirectional
// QNNPACK: qfxk.dynamic_lstm {{.*}} reduce_range = false
func.func @bidirectional(%x: tensor<2x3x1xf32>, %h0: tensor<4x2x1xf32>, %c0: tensor<4x2x1xf32>) -> tensor<2x3x2xf32> {
  %q = qfx.quantize_dynamic %x reduce_range = true : tensor<2x3x1xf32> -> tensor<2x3x1x!quant.any<u8:f32>>
  %d = qfx.dequantize %q : tensor<2x3x1x!quant.any<u8:f32>> -> tensor<2x3x1xf32>
  %w1 = qfx.get_attr @w1 : tensor<4x1xf32>
  %w2 = qfx.get_attr @w2 : tensor<4x2xf32>
  %q1 = qfx.quantize %w1 : tensor<4x1xf32> -> tensor<4x1x!pc>
  %d1 = qfx.dequantize %q1 : tensor<4x1x!pc> -> tensor<4x1xf32>
  %q2 = qfx.quantize %w2 : tensor<4x2xf32> -> tensor<4x2x!pc>
  %d2 = qfx.dequantize %q2 : tensor<4x2x!pc> -> tensor<4x2xf32>
  %y, %h, %c = qfx.lstm %d initial(%h0, %c0) weights(%d1, %d1, %d1, %d1, %d2, %d1, %d2, %d1) hidden_size = 1 num_layers = 2 batch_first bidirectional dropout = 0.0 : (tensor<2x3x1xf32>, tensor<4x2x1xf32>, tensor<4x2x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x2xf32>, tensor<4x1xf32>, tensor<4x2xf32>, tensor<4x1xf32>) -> (tensor<2x3x2xf32>, tensor<4x2x1xf32>, tensor<4x2x1xf32>)
  return %y : tensor<2x3x2xf32>
}

// -----

// The decomposed spelling (--qfx-convert="decomposed=true"): choose_qparams
// -> quantize_affine -> dequantize_affine on the input, attribute qparams on
// the weights.
qfx.parameter @wi parameter = dense<[[0.5, -0.25], [1.0, 2.0], [0.0, 0.125], [-1.0, 0.75]]> : tensor<4x2xf32>
qfx.parameter @wh parameter = dense<[[0.5], [-0.5], [0.25], [1.0]]> : tensor<4x1xf32>

// CHECK-DAG: qfxk.packed_weight @wi.packed source = @wi type = tensor<4x2x!quant.uniform<i8:f32, 0.015686275{{[0-9]*}}>> weight = dense<{{\[\[}}32, -16], [64, 127], [0, 8], [-64, 48]]> : tensor<4x2xi8>{{$}}
// CHECK-DAG: qfxk.packed_weight @wh.packed source = @wh type = tensor<4x1x!quant.uniform<i8:f32:0, {{.*}}>> weight = dense<{{\[\[}}64], [-64], [32], [127]]> : tensor<4x1xi8>{{$}}
// CHECK-LABEL: func.func @decomposed
// CHECK: qfxk.dynamic_lstm %{{.*}} weights = [@wi.packed, @wh.packed] hidden_size = 1 num_layers = 1 reduce_range = true
// CHECK-NOT: qfx.choose_qparams
// CHECK-NOT: qfx.quantize_affine
// CHECK-NOT: qfx.dequantize_affine
func.func @decomposed(%x: tensor<3x2x2xf32>) -> tensor<3x2x1xf32> {
  %qp = qfx.choose_qparams %x quant_min = 0 quant_max = 255 reduce_range = false : tensor<3x2x2xf32> -> tensor<2xf64>
  %q = qfx.quantize_affine %x qparams(%qp : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<3x2x2xf32> -> tensor<3x2x2xui8>
  %d = qfx.dequantize_affine %q qparams(%qp : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<3x2x2xui8> -> tensor<3x2x2xf32>
  %wi = qfx.get_attr @wi : tensor<4x2xf32>
  %wh = qfx.get_attr @wh : tensor<4x1xf32>
  %wiq = qfx.quantize_affine %wi scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<4x2xf32> -> tensor<4x2xi8>
  %wid = qfx.dequantize_affine %wiq scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<4x2xi8> -> tensor<4x2xf32>
  %whq = qfx.quantize_affine %wh scales = array<f32: 0.00784313772, 0.00784313772, 0.00784313772, 0.00784313772> zero_points = array<i64: 0, 0, 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<4x1xf32> -> tensor<4x1xi8>
  %whd = qfx.dequantize_affine %whq scales = array<f32: 0.00784313772, 0.00784313772, 0.00784313772, 0.00784313772> zero_points = array<i64: 0, 0, 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<4x1xi8> -> tensor<4x1xf32>
  %y, %h, %c = qfx.lstm %d weights(%wid, %whd) hidden_size = 1 num_layers = 1 dropout = 0.0 : (tensor<3x2x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>) -> (tensor<3x2x1xf32>, tensor<1x2x1xf32>, tensor<1x2x1xf32>)
  return %y : tensor<3x2x1xf32>
}

// -----

// Left alone: a float LSTM (no dynamic input; no remark), float16 dynamic
// quantization, and float weights after a dynamic input.
qfx.parameter @wi parameter = dense<0.5> : tensor<4x2xf32>
qfx.parameter @wh parameter = dense<0.25> : tensor<4x1xf32>

// CHECK-LABEL: func.func @left
// CHECK-COUNT-3: qfx.lstm
// CHECK-NOT: qfxk.dynamic_lstm
func.func @left(%x: tensor<3x2x2xf32>) -> (tensor<3x2x1xf32>, tensor<3x2x1xf32>, tensor<3x2x1xf32>) {
  %wi = qfx.get_attr @wi : tensor<4x2xf32>
  %wh = qfx.get_attr @wh : tensor<4x1xf32>
  %y1, %h1, %c1 = qfx.lstm %x weights(%wi, %wh) hidden_size = 1 num_layers = 1 dropout = 0.0 : (tensor<3x2x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>) -> (tensor<3x2x1xf32>, tensor<1x2x1xf32>, tensor<1x2x1xf32>)
  %f = qfx.quantize_dynamic %x reduce_range = false : tensor<3x2x2xf32> -> tensor<3x2x2xf16>
  %fd = qfx.dequantize %f : tensor<3x2x2xf16> -> tensor<3x2x2xf32>
  // expected-remark@+1 {{left in reference form: dynamic LSTM kernels take quint8 dynamic activations (qint8 and float16 dynamic quantization stay reference)}}
  %y2, %h2, %c2 = qfx.lstm %fd weights(%wi, %wh) hidden_size = 1 num_layers = 1 dropout = 0.0 : (tensor<3x2x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>) -> (tensor<3x2x1xf32>, tensor<1x2x1xf32>, tensor<1x2x1xf32>)
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<3x2x2xf32> -> tensor<3x2x2x!quant.any<u8:f32>>
  %d = qfx.dequantize %q : tensor<3x2x2x!quant.any<u8:f32>> -> tensor<3x2x2xf32>
  // expected-remark@+1 {{left in reference form: the weight is not a quantize -> dequantize of a 2-d parameter}}
  %y3, %h3, %c3 = qfx.lstm %d weights(%wi, %wh) hidden_size = 1 num_layers = 1 dropout = 0.0 : (tensor<3x2x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>) -> (tensor<3x2x1xf32>, tensor<1x2x1xf32>, tensor<1x2x1xf32>)
  return %y1, %y2, %y3 : tensor<3x2x1xf32>, tensor<3x2x1xf32>, tensor<3x2x1xf32>
}
