// RUN: qfx-opt %s --qfx-lower="backend=x86" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qfx-opt %s --qfx-lower="backend=qnnpack" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=QNNPACK

// Dynamic linear: quantize_dynamic -> dequantize -> linear with a q/dq'd
// weight becomes one qfxk.dynamic_linear on the float input; the weight is
// quantized at compile time, the bias stays float (every backend: the
// float-bias convention of PyTorch's dynamic linear), reduce_range comes
// from the reference graph.
!w = !quant.uniform<i8:f32, 0.015686275437474251>
qfx.parameter @fc.weight parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
qfx.parameter @fc.bias parameter = dense<[0.125, -1.0]> : tensor<2xf32>

// CHECK: qfxk.packed_weight @fc.weight.packed source = @fc.weight type = tensor<2x2x!quant.uniform<i8:f32, 0.015686275437474251>> weight = dense<{{\[\[}}32, -16], [64, 127]]> : tensor<2x2xi8> bias = dense<[1.250000e-01, -1.000000e+00]> : tensor<2xf32>
// CHECK-LABEL: func.func @dynamic_linear
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK: %[[Y:.*]] = qfxk.dynamic_linear %[[X]] weight = @fc.weight.packed reduce_range = true relu = false : tensor<3x2xf32> -> tensor<3x2xf32>
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: qfx.quantize_dynamic
// CHECK-NOT: qfx.dequantize
// CHECK-NOT: qfx.linear
// QNNPACK: qfxk.packed_weight @fc.weight.packed {{.*}} bias = dense<[1.250000e-01, -1.000000e+00]> : tensor<2xf32>
// QNNPACK: qfxk.dynamic_linear %{{.*}} reduce_range = true relu = false
func.func @dynamic_linear(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %q = qfx.quantize_dynamic %x reduce_range = true : tensor<3x2xf32> -> tensor<3x2x!quant.any<u8:f32>>
  %d = qfx.dequantize %q : tensor<3x2x!quant.any<u8:f32>> -> tensor<3x2xf32>
  %w = qfx.get_attr @fc.weight : tensor<2x2xf32>
  %b = qfx.get_attr @fc.bias : tensor<2xf32>
  %wq = qfx.quantize %w : tensor<2x2xf32> -> tensor<2x2x!w>
  %wd = qfx.dequantize %wq : tensor<2x2x!w> -> tensor<2x2xf32>
  %y = qfx.linear %d, %wd, %b : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A fused LinearReLU (its body: linear -> relu) on a 3-d input, per-channel
// weight, no bias, full-range activations.
!w = !quant.uniform<i8:f32:0, {0.0039215688593685627,0.015686275437474251}>
qfx.parameter @fc.weight parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>

// CHECK: qfxk.packed_weight @fc.weight.packed source = @fc.weight type = tensor<2x2x!quant.uniform<i8:f32:0, {{.*}}>> weight = dense<{{\[\[}}127, -64], [64, 127]]> : tensor<2x2xi8>{{$}}
// CHECK-LABEL: func.func @fused_relu
// CHECK: qfxk.dynamic_linear %{{.*}} weight = @fc.weight.packed reduce_range = false relu = true : tensor<2x3x2xf32> -> tensor<2x3x2xf32>
// CHECK-NOT: qfx.fused
func.func @fused_relu(%x: tensor<2x3x2xf32>) -> tensor<2x3x2xf32> {
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<2x3x2xf32> -> tensor<2x3x2x!quant.any<u8:f32>>
  %d = qfx.dequantize %q : tensor<2x3x2x!quant.any<u8:f32>> -> tensor<2x3x2xf32>
  %y = qfx.fused %d : (tensor<2x3x2xf32>) -> tensor<2x3x2xf32> {
  ^bb0(%in: tensor<2x3x2xf32>):
    %w = qfx.get_attr @fc.weight : tensor<2x2xf32>
    %wq = qfx.quantize %w : tensor<2x2xf32> -> tensor<2x2x!w>
    %wd = qfx.dequantize %wq : tensor<2x2x!w> -> tensor<2x2xf32>
    %l = qfx.linear %in, %wd : (tensor<2x3x2xf32>, tensor<2x2xf32>) -> tensor<2x3x2xf32>
    %r = qfx.relu %l : tensor<2x3x2xf32>
    qfx.yield %r : tensor<2x3x2xf32>
  }
  return %y : tensor<2x3x2xf32>
}

// -----

// Two linears on one dynamically quantized input both lower; the shared
// quantize_dynamic goes away with its last user.
!w = !quant.uniform<i8:f32, 0.015686275437474251>
qfx.parameter @a.weight parameter = dense<0.5> : tensor<2x2xf32>
qfx.parameter @b.weight parameter = dense<0.25> : tensor<3x2xf32>
// CHECK-LABEL: func.func @shared_input
// CHECK-DAG: qfxk.dynamic_linear %{{.*}} weight = @a.weight.packed
// CHECK-DAG: qfxk.dynamic_linear %{{.*}} weight = @b.weight.packed
// CHECK-NOT: qfx.quantize_dynamic
func.func @shared_input(%x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x3xf32>) {
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<1x2xf32> -> tensor<1x2x!quant.any<u8:f32>>
  %d = qfx.dequantize %q : tensor<1x2x!quant.any<u8:f32>> -> tensor<1x2xf32>
  %wa = qfx.get_attr @a.weight : tensor<2x2xf32>
  %waq = qfx.quantize %wa : tensor<2x2xf32> -> tensor<2x2x!w>
  %wad = qfx.dequantize %waq : tensor<2x2x!w> -> tensor<2x2xf32>
  %ya = qfx.linear %d, %wad : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %wb = qfx.get_attr @b.weight : tensor<3x2xf32>
  %wbq = qfx.quantize %wb : tensor<3x2xf32> -> tensor<3x2x!w>
  %wbd = qfx.dequantize %wbq : tensor<3x2x!w> -> tensor<3x2xf32>
  %yb = qfx.linear %d, %wbd : (tensor<1x2xf32>, tensor<3x2xf32>) -> tensor<1x3xf32>
  return %ya, %yb : tensor<1x2xf32>, tensor<1x3xf32>
}

// -----

// Left in reference form, with a remark: qint8 dynamic activations
// (per_channel_dynamic_qconfig with a qint8 activation), float16 dynamic
// quantization, an affine weight.
!w = !quant.uniform<i8:f32, 0.015686275437474251>
!wa = !quant.uniform<i8:f32, 0.015686275437474251:3>
qfx.parameter @fc.weight parameter = dense<0.5> : tensor<2x2xf32>
// CHECK-LABEL: func.func @left
// CHECK-COUNT-3: qfx.linear
// CHECK-NOT: qfxk.dynamic_linear
func.func @left(%x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>) {
  %w = qfx.get_attr @fc.weight : tensor<2x2xf32>
  %wq = qfx.quantize %w : tensor<2x2xf32> -> tensor<2x2x!w>
  %wd = qfx.dequantize %wq : tensor<2x2x!w> -> tensor<2x2xf32>
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<1x2xf32> -> tensor<1x2x!quant.any<i8:f32>>
  %d = qfx.dequantize %q : tensor<1x2x!quant.any<i8:f32>> -> tensor<1x2xf32>
  // expected-remark@+1 {{left in reference form: dynamic linear kernels take quint8 dynamic activations (qint8 and float16 dynamic quantization stay reference)}}
  %y1 = qfx.linear %d, %wd : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %h = qfx.quantize_dynamic %x reduce_range = false : tensor<1x2xf32> -> tensor<1x2xf16>
  %hd = qfx.dequantize %h : tensor<1x2xf16> -> tensor<1x2xf32>
  // expected-remark@+1 {{left in reference form: dynamic linear kernels take quint8 dynamic activations}}
  %y2 = qfx.linear %hd, %w : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %u = qfx.quantize_dynamic %x reduce_range = false : tensor<1x2xf32> -> tensor<1x2x!quant.any<u8:f32>>
  %ud = qfx.dequantize %u : tensor<1x2x!quant.any<u8:f32>> -> tensor<1x2xf32>
  %waq = qfx.quantize %w : tensor<2x2xf32> -> tensor<2x2x!wa>
  %wad = qfx.dequantize %waq : tensor<2x2x!wa> -> tensor<2x2xf32>
  // expected-remark@+1 {{left in reference form: the weight zero point is not 0 (affine weights have no kernel)}}
  %y3 = qfx.linear %ud, %wad : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y1, %y2, %y3 : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>
}

// -----

// The decomposed spelling (--qfx-convert="decomposed=true") lowers to the
// same kernel: choose_qparams -> quantize_affine -> dequantize_affine on the
// input (reduce_range from choose_qparams), the weight pair with attribute
// qparams (per tensor here, per channel in the fused case), packed as the
// reference form's.
qfx.parameter @fc.weight parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
qfx.parameter @fc.bias parameter = dense<[0.125, -1.0]> : tensor<2xf32>

// CHECK-DAG: qfxk.packed_weight @[[PT:fc.weight.packed[0-9]*]] source = @fc.weight type = tensor<2x2x!quant.uniform<i8:f32, 0.015686275{{[0-9]*}}>> weight = dense<{{\[\[}}32, -16], [64, 127]]> : tensor<2x2xi8> bias = dense<[1.250000e-01, -1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: qfxk.packed_weight @[[PC:fc.weight.packed[0-9]*]] source = @fc.weight type = tensor<2x2x!quant.uniform<i8:f32:0, {{.*}}>> weight = dense<{{\[\[}}127, -64], [64, 127]]> : tensor<2x2xi8>{{$}}
// CHECK-LABEL: func.func @decomposed
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>
// CHECK: %[[Y:.*]] = qfxk.dynamic_linear %[[X]] weight = @[[PT]] reduce_range = true relu = false : tensor<3x2xf32> -> tensor<3x2xf32>
// CHECK: %[[Z:.*]] = qfxk.dynamic_linear %{{.*}} weight = @[[PC]] reduce_range = false relu = true : tensor<2x3x2xf32> -> tensor<2x3x2xf32>
// CHECK-NEXT: return %[[Y]], %[[Z]]
// CHECK-NOT: qfx.choose_qparams
// CHECK-NOT: qfx.quantize_affine
// CHECK-NOT: qfx.dequantize_affine
// QNNPACK-LABEL: func.func @decomposed
// QNNPACK-COUNT-2: qfxk.dynamic_linear
func.func @decomposed(%x: tensor<3x2xf32>, %s: tensor<2x3x2xf32>) -> (tensor<3x2xf32>, tensor<2x3x2xf32>) {
  %qp = qfx.choose_qparams %x quant_min = 0 quant_max = 255 reduce_range = true : tensor<3x2xf32> -> tensor<2xf64>
  %q = qfx.quantize_affine %x qparams(%qp : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<3x2xf32> -> tensor<3x2xui8>
  %d = qfx.dequantize_affine %q qparams(%qp : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<3x2xui8> -> tensor<3x2xf32>
  %w = qfx.get_attr @fc.weight : tensor<2x2xf32>
  %b = qfx.get_attr @fc.bias : tensor<2xf32>
  %wq = qfx.quantize_affine %w scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<2x2xf32> -> tensor<2x2xi8>
  %wd = qfx.dequantize_affine %wq scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<2x2xi8> -> tensor<2x2xf32>
  %y = qfx.linear %d, %wd, %b : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %sp = qfx.choose_qparams %s quant_min = 0 quant_max = 255 reduce_range = false : tensor<2x3x2xf32> -> tensor<2xf64>
  %sq = qfx.quantize_affine %s qparams(%sp : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<2x3x2xf32> -> tensor<2x3x2xui8>
  %sd = qfx.dequantize_affine %sq qparams(%sp : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<2x3x2xui8> -> tensor<2x3x2xf32>
  %z = qfx.fused %sd : (tensor<2x3x2xf32>) -> tensor<2x3x2xf32> {
  ^bb0(%in: tensor<2x3x2xf32>):
    %v = qfx.get_attr @fc.weight : tensor<2x2xf32>
    %vq = qfx.quantize_affine %v scales = array<f32: 0.00392156886, 0.0156862754> zero_points = array<i64: 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<2x2xf32> -> tensor<2x2xi8>
    %vd = qfx.dequantize_affine %vq scales = array<f32: 0.00392156886, 0.0156862754> zero_points = array<i64: 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<2x2xi8> -> tensor<2x2xf32>
    %l = qfx.linear %in, %vd : (tensor<2x3x2xf32>, tensor<2x2xf32>) -> tensor<2x3x2xf32>
    %r = qfx.relu %l : tensor<2x3x2xf32>
    qfx.yield %r : tensor<2x3x2xf32>
  }
  return %y, %z : tensor<3x2xf32>, tensor<2x3x2xf32>
}

// -----

// Decomposed patterns left alone, with a remark: a qparams range other than
// quint8's (qint8 dynamic activations), weight pairs whose qparams differ.
qfx.parameter @fc.weight parameter = dense<0.5> : tensor<2x2xf32>
// CHECK-LABEL: func.func @decomposed_left
// CHECK-COUNT-2: qfx.linear
// CHECK-NOT: qfxk.dynamic_linear
func.func @decomposed_left(%x: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %w = qfx.get_attr @fc.weight : tensor<2x2xf32>
  %wq = qfx.quantize_affine %w scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<2x2xf32> -> tensor<2x2xi8>
  %wd = qfx.dequantize_affine %wq scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<2x2xi8> -> tensor<2x2xf32>
  %ip = qfx.choose_qparams %x quant_min = -128 quant_max = 127 reduce_range = false : tensor<1x2xf32> -> tensor<2xf64>
  %iq = qfx.quantize_affine %x qparams(%ip : tensor<2xf64>) quant_min = -128 quant_max = 127 : tensor<1x2xf32> -> tensor<1x2xi8>
  %id = qfx.dequantize_affine %iq qparams(%ip : tensor<2xf64>) quant_min = -128 quant_max = 127 : tensor<1x2xi8> -> tensor<1x2xf32>
  // expected-remark@+1 {{left in reference form: dynamic linear kernels take quint8 dynamic activations over [0, 255] (other decomposed ranges stay reference)}}
  %y1 = qfx.linear %id, %wd : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %up = qfx.choose_qparams %x quant_min = 0 quant_max = 255 reduce_range = false : tensor<1x2xf32> -> tensor<2xf64>
  %uq = qfx.quantize_affine %x qparams(%up : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<1x2xf32> -> tensor<1x2xui8>
  %ud = qfx.dequantize_affine %uq qparams(%up : tensor<2xf64>) quant_min = 0 quant_max = 255 : tensor<1x2xui8> -> tensor<1x2xf32>
  %vq = qfx.quantize_affine %w scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<2x2xf32> -> tensor<2x2xi8>
  %vd = qfx.dequantize_affine %vq scales = array<f32: 0.0078431377> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<2x2xi8> -> tensor<2x2xf32>
  // expected-remark@+1 {{left in reference form: the weight's quantize_affine / dequantize_affine qparams differ}}
  %y2 = qfx.linear %ud, %vd : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  return %y1, %y2 : tensor<1x2xf32>, tensor<1x2xf32>
}
