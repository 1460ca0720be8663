// RUN: qfx-opt %s -split-input-file | qfx-opt -split-input-file | FileCheck %s
// RUN: qfx-opt %s --emit-bytecode | qfx-opt | FileCheck %s --check-prefix=BYTECODE

// Quantize / dequantize / requantize on per-tensor and per-axis types, and
// observers and fake-quantize with configuration and state.

// CHECK-LABEL: func.func @qdq
// BYTECODE-LABEL: func.func @qdq
func.func @qdq(%x: tensor<2x3xf32>, %w: tensor<3x2xf32>) -> (tensor<2x3xf32>, tensor<3x2xf32>) {
  // CHECK: %[[Q:.*]] = qfx.quantize %{{.*}} : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<u8:f32, 2.350000e-02:3>>
  %q = qfx.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<u8:f32, 0.0235:3>>
  // CHECK: %[[R:.*]] = qfx.requantize %[[Q]] : tensor<2x3x!quant.uniform<u8:f32, 2.350000e-02:3>> -> tensor<2x3x!quant.uniform<u8<0:127>:f32, 5.000000e-02>>
  %r = qfx.requantize %q : tensor<2x3x!quant.uniform<u8:f32, 0.0235:3>> -> tensor<2x3x!quant.uniform<u8<0:127>:f32, 0.05>>
  // CHECK: qfx.dequantize %[[R]] : tensor<2x3x!quant.uniform<u8<0:127>:f32, 5.000000e-02>> -> tensor<2x3xf32>
  %d = qfx.dequantize %r : tensor<2x3x!quant.uniform<u8<0:127>:f32, 0.05>> -> tensor<2x3xf32>
  // CHECK: qfx.quantize %{{.*}} : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32:0, {1.000000e-01,2.000000e-01,3.000000e-01}>>
  %wq = qfx.quantize %w : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>
  %wd = qfx.dequantize %wq : tensor<3x2x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>> -> tensor<3x2xf32>
  return %d, %wd : tensor<2x3xf32>, tensor<3x2xf32>
}

// -----

// Dynamic quantization: the qparams are chosen at run time, so the
// quantized type is !quant.any (storage and expressed types only).
// CHECK-LABEL: func.func @dynamic
// BYTECODE-LABEL: func.func @dynamic
func.func @dynamic(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: %[[Q:.*]] = qfx.quantize_dynamic %{{.*}} reduce_range = true : tensor<2x3xf32> -> tensor<2x3x!quant.any<u8:f32>>
  // BYTECODE: qfx.quantize_dynamic %{{.*}} reduce_range = true
  %q = qfx.quantize_dynamic %x reduce_range = true : tensor<2x3xf32> -> tensor<2x3x!quant.any<u8:f32>>
  // CHECK: qfx.dequantize %[[Q]] : tensor<2x3x!quant.any<u8:f32>> -> tensor<2x3xf32>
  %d = qfx.dequantize %q : tensor<2x3x!quant.any<u8:f32>> -> tensor<2x3xf32>
  // CHECK: %[[H:.*]] = qfx.quantize_dynamic %{{.*}} reduce_range = false : tensor<2x3xf32> -> tensor<2x3xf16>
  %h = qfx.quantize_dynamic %d reduce_range = false : tensor<2x3xf32> -> tensor<2x3xf16>
  // CHECK: qfx.dequantize %[[H]] : tensor<2x3xf16> -> tensor<2x3xf32>
  %e = qfx.dequantize %h : tensor<2x3xf16> -> tensor<2x3xf32>
  return %e : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @observers
func.func @observers(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // CHECK: qfx.observer %{{.*}} config = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 127, averaging_constant = 2.000000e-01> : tensor<4x2xf32>
  %0 = qfx.observer %x config = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 127, averaging_constant = 0.2> : tensor<4x2xf32>
  // CHECK: qfx.observer %{{.*}} config = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric, ch_axis = 1> state = <min = [-1.000000e+00, -2.000000e+00], max = [1.000000e+00, 2.000000e+00]>
  %1 = qfx.observer %0 config = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric, ch_axis = 1> state = <min = [-1.0, -2.0], max = [1.0, 2.0]> : tensor<4x2xf32>
  // CHECK: qfx.observer %{{.*}} config = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 3.906250e-03> : tensor<4x2xf32>
  %2 = qfx.observer %1 config = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 0.00390625, zero_point = 0> : tensor<4x2xf32>
  // CHECK: qfx.observer %{{.*}} config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true> : tensor<4x2xf32>
  %3 = qfx.observer %2 config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true> : tensor<4x2xf32>
  // CHECK: qfx.fake_quantize %{{.*}} config = <kind = fused_moving_avg_obs_fake_quantize, observer_enabled = false> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.000000e+00], max = [3.000000e+00]> qparams = <scale = [0.0156862754], zero_point = [64]> : tensor<4x2xf32>
  %4 = qfx.fake_quantize %3 config = <kind = fused_moving_avg_obs_fake_quantize, observer_enabled = false>
      observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine>
      state = <min = [-1.0], max = [3.0]> qparams = <scale = [0.0156862754], zero_point = [64]> : tensor<4x2xf32>
  return %4 : tensor<4x2xf32>
}

// -----

// Float state values survive printing and parsing bit for bit, including
// values that need more than six significant digits and infinities (an
// observer that has seen nothing starts at +inf / -inf in PyTorch).
// CHECK-LABEL: func.func @exact_state
func.func @exact_state(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: state = <min = [0x7F800000], max = [0xFF800000]>
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [0x7F800000], max = [0xFF800000]> : tensor<4xf32>
  // CHECK: state = <min = [-0.123456791], max = [3.40282347E+38]>
  %1 = qfx.observer %0 config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-0.123456789], max = [3.4028234663852886e38]> : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// PyTorch's HistogramObserver can leave tiny negative counts in empty bins.
// CHECK-LABEL: func.func @negative_histogram_count
func.func @negative_histogram_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: histogram = [1.000000e+00, -6.10351563E-5]
  %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, bins = 2> state = <min = [0.0], max = [1.0], histogram = [1.0, -6.103515625e-05]> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @annotated
func.func @annotated(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: qfx.relu %{{.*}} {qfx.qconfig = #qfx.qconfig<activation = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine>, activation_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>>}
  %0 = qfx.relu %x {qfx.qconfig = #qfx.qconfig<activation = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine>, activation_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
