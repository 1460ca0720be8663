// RUN: qfx-opt %s -split-input-file -verify-diagnostics

func.func @per_axis_dim_out_of_range(%x: tensor<4x3xf32>) {
  // expected-error@+1 {{per-axis quantized dimension 2 is out of range for rank 2}}
  %q = qfx.quantize %x : tensor<4x3xf32> -> tensor<4x3x!quant.uniform<i8:f32:2, {0.1, 0.2, 0.3}>>
  return
}

// -----

func.func @per_axis_scale_count(%x: tensor<4x3xf32>) {
  // expected-error@+1 {{per-axis type has 3 scales but dim 0 has size 4}}
  %q = qfx.quantize %x : tensor<4x3xf32> -> tensor<4x3x!quant.uniform<i8:f32:0, {0.1, 0.2, 0.3}>>
  return
}

// -----

func.func @zero_point_out_of_range(%x: tensor<4x3xf32>) {
  // expected-error@+1 {{zero point 300 is outside the storage range [0, 255]}}
  %q = qfx.quantize %x : tensor<4x3xf32> -> tensor<4x3x!quant.uniform<u8:f32, 0.1:300>>
  return
}

// -----

func.func @per_axis_zero_point_out_of_range(%q: tensor<2x3x!quant.uniform<i8:f32:0, {0.1:0, 0.2:-129}>>) {
  // expected-error@+1 {{zero point -129 is outside the storage range [-128, 127]}}
  %x = qfx.dequantize %q : tensor<2x3x!quant.uniform<i8:f32:0, {0.1:0, 0.2:-129}>> -> tensor<2x3xf32>
  return
}

// -----

func.func @narrow_storage_zero_point(%q: tensor<4x!quant.uniform<u8<0:127>:f32, 0.5:3>>) {
  // expected-error@+1 {{zero point 200 is outside the storage range [0, 127]}}
  %r = qfx.requantize %q : tensor<4x!quant.uniform<u8<0:127>:f32, 0.5:3>> -> tensor<4x!quant.uniform<u8<0:127>:f32, 0.25:200>>
  return
}

// -----

func.func @scale_not_positive(%x: tensor<4xf32>) {
  // expected-error@+1 {{scale 0.000000e+00 out of expressed type range}}
  %q = qfx.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.0:3>>
  return
}

// -----

func.func @quantize_shape_mismatch(%x: tensor<4x3xf32>) {
  // expected-error@+1 {{shapes differ}}
  %q = qfx.quantize %x : tensor<4x3xf32> -> tensor<3x4x!quant.uniform<u8:f32, 0.1:3>>
  return
}

// -----

func.func @quantize_expressed_type(%x: tensor<4xf16>) {
  // expected-error@+1 {{quantized type expresses 'f32' but the float tensor holds 'f16'}}
  %q = qfx.quantize %x : tensor<4xf16> -> tensor<4x!quant.uniform<u8:f32, 0.1:3>>
  return
}

// -----

func.func @dequantize_per_axis(%q: tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>) {
  // expected-error@+1 {{per-axis type has 2 scales but dim 1 has size 3}}
  %x = qfx.dequantize %q : tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>> -> tensor<2x3xf32>
  return
}

// -----

func.func @requantize_shape(%q: tensor<4x!quant.uniform<u8:f32, 0.5:3>>) {
  // expected-error@+1 {{shapes differ}}
  %r = qfx.requantize %q : tensor<4x!quant.uniform<u8:f32, 0.5:3>> -> tensor<5x!quant.uniform<u8:f32, 0.25:0>>
  return
}

// -----

func.func @quant_min_gt_max(%x: tensor<4xf32>) {
  // expected-error@+1 {{quant_min (10) must not exceed quant_max (-10)}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = qint8, qscheme = per_tensor_affine, quant_min = 10, quant_max = -10> : tensor<4xf32>
  return
}

// -----

func.func @quant_range_equal(%x: tensor<4xf32>) {
  // expected-error@+1 {{quant_min and quant_max must differ}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = qint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 0> : tensor<4xf32>
  return
}

// -----

func.func @quant_range_excludes_zero(%x: tensor<4xf32>) {
  // expected-error@+1 {{quantization range [1, 100] must include 0}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 1, quant_max = 100> : tensor<4xf32>
  return
}

// -----

func.func @quant_range_outside_dtype(%x: tensor<4xf32>) {
  // expected-error@+1 {{quantization range [0, 300] exceeds dtype 'quint8' range [0, 255]}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 300> : tensor<4xf32>
  return
}

// -----

func.func @quant_min_alone(%x: tensor<4xf32>) {
  // expected-error@+1 {{quant_min and quant_max must be given together}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0> : tensor<4xf32>
  return
}

// -----

func.func @unknown_observer_kind(%x: tensor<4xf32>) {
  // expected-error@+2 {{expected ::qfx::ObserverKind to be one of: min_max, moving_average_min_max, per_channel_min_max, moving_average_per_channel_min_max, histogram, fixed_qparams, placeholder, reuse_input, noop}}
  // expected-error@+1 {{failed to parse QFX_ObserverConfigAttr parameter 'kind'}}
  %0 = qfx.observer %x config = <kind = minmax, dtype = quint8, qscheme = per_tensor_affine> : tensor<4xf32>
  return
}

// -----

func.func @observer_float_dtype(%x: tensor<4xf32>) {
  // expected-error@+1 {{observer 'histogram' does not support dtype 'float16' (only quint8, qint8, qint32, quint4x2)}}
  %0 = qfx.observer %x config = <kind = histogram, dtype = float16, qscheme = per_tensor_affine> : tensor<4xf32>
  return
}

// -----

func.func @observer_wrong_qscheme(%x: tensor<4xf32>) {
  // expected-error@+1 {{observer 'min_max' does not support qscheme 'per_channel_affine'}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_channel_affine> : tensor<4xf32>
  return
}

// -----

func.func @float_qparams_dtype(%x: tensor<4x2xf32>) {
  // expected-error@+1 {{qscheme 'per_channel_affine_float_qparams' needs dtype quint8 or quint4x2}}
  %0 = qfx.observer %x config = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_affine_float_qparams> : tensor<4x2xf32>
  return
}

// -----

func.func @reduce_range_symmetric_quint8(%x: tensor<4xf32>) {
  // expected-error@+1 {{cannot reduce range for symmetric quantization of quint8}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_symmetric, reduce_range = true> : tensor<4xf32>
  return
}

// -----

func.func @averaging_constant(%x: tensor<4xf32>) {
  // expected-error@+1 {{averaging_constant must be in (0, 1], got 2}}
  %0 = qfx.observer %x config = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, averaging_constant = 2.0> : tensor<4xf32>
  return
}

// -----

func.func @eps_positive(%x: tensor<4xf32>) {
  // expected-error@+1 {{eps must be positive and finite}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine, eps = 0.0> : tensor<4xf32>
  return
}

// -----

func.func @bins_positive(%x: tensor<4xf32>) {
  // expected-error@+1 {{bins must be positive, got 0}}
  %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, bins = 0> : tensor<4xf32>
  return
}

// -----

func.func @upsample_rate_positive(%x: tensor<4xf32>) {
  // expected-error@+1 {{upsample_rate must be positive, got -1}}
  %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, upsample_rate = -1> : tensor<4xf32>
  return
}

// -----

func.func @fixed_qparams_scale(%x: tensor<4xf32>) {
  // expected-error@+1 {{fixed_qparams observer needs a positive scale}}
  %0 = qfx.observer %x config = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine> : tensor<4xf32>
  return
}

// -----

func.func @fixed_qparams_zero_point(%x: tensor<4xf32>) {
  // expected-error@+1 {{fixed zero_point 300 is outside dtype 'quint8'}}
  %0 = qfx.observer %x config = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, scale = 0.5, zero_point = 300> : tensor<4xf32>
  return
}

// -----

func.func @per_channel_axis(%x: tensor<4x2xf32>) {
  // expected-error@+1 {{ch_axis 2 is out of range for rank 2}}
  %0 = qfx.observer %x config = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric, ch_axis = 2> : tensor<4x2xf32>
  return
}

// -----

func.func @per_channel_state_count(%x: tensor<4x2xf32>) {
  // expected-error@+1 {{observer state has 1 min/max values but the observed tensor needs 4}}
  %0 = qfx.observer %x config = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric> state = <min = [0.0], max = [1.0]> : tensor<4x2xf32>
  return
}

// -----

func.func @state_on_placeholder(%x: tensor<4xf32>) {
  // expected-error@+1 {{observer 'placeholder' keeps no calibration state}}
  %0 = qfx.observer %x config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine> state = <min = [0.0], max = [1.0]> : tensor<4xf32>
  return
}

// -----

func.func @histogram_state_missing(%x: tensor<4xf32>) {
  // expected-error@+1 {{histogram observer state needs a histogram}}
  %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> state = <min = [0.0], max = [1.0]> : tensor<4xf32>
  return
}

// -----

func.func @histogram_state_on_minmax(%x: tensor<4xf32>) {
  // expected-error@+1 {{only histogram observers keep a histogram}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [0.0], max = [1.0], histogram = [1.0]> : tensor<4xf32>
  return
}

// -----

func.func @histogram_bins(%x: tensor<4xf32>) {
  // expected-error@+1 {{histogram has 2 bins but the observer has 3}}
  %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, bins = 3> state = <min = [0.0], max = [1.0], histogram = [1.0, 2.0]> : tensor<4xf32>
  return
}

// -----

func.func @state_min_max_count(%x: tensor<4xf32>) {
  // expected-error@+1 {{observer state has 1 min values but 2 max values}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [0.0], max = [1.0, 2.0]> : tensor<4xf32>
  return
}

// -----

func.func @state_empty(%x: tensor<4xf32>) {
  // expected-error@+1 {{observer state needs at least one min/max pair}}
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [], max = []> : tensor<4xf32>
  return
}

// -----

func.func @histogram_per_channel(%x: tensor<4xf32>) {
  // expected-error@+1 {{a histogram state is per-tensor (one min/max)}}
  %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, bins = 1> state = <min = [0.0, 1.0], max = [1.0, 2.0], histogram = [1.0]> : tensor<4xf32>
  return
}

// -----

func.func @histogram_empty(%x: tensor<4xf32>) {
  // expected-error@+1 {{histogram must have at least one bin}}
  %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> state = <min = [0.0], max = [1.0], histogram = []> : tensor<4xf32>
  return
}

// -----

func.func @histogram_infinite(%x: tensor<4xf32>) {
  // expected-error@+1 {{histogram counts must be finite}}
  %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, bins = 1> state = <min = [0.0], max = [1.0], histogram = [0x7F800000]> : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_counts(%x: tensor<4xf32>) {
  // expected-error@+1 {{got 1 scales but 2 zero points}}
  %0 = qfx.fake_quantize %x config = <kind = fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine> qparams = <scale = [0.1], zero_point = [0, 1]> : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_per_channel_count(%x: tensor<3x2xf32>) {
  // expected-error@+1 {{got 2 scales but the tensor needs 3}}
  %0 = qfx.fake_quantize %x config = <kind = fake_quantize> observer = <kind = moving_average_per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric> qparams = <scale = [0.1, 0.2], zero_point = [0, 0]> : tensor<3x2xf32>
  return
}

// -----

func.func @fake_quant_scale_positive(%x: tensor<4xf32>) {
  // expected-error@+1 {{scales must be positive and finite}}
  %0 = qfx.fake_quantize %x config = <kind = fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine> qparams = <scale = [0.0], zero_point = [0]> : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_qparams_empty(%x: tensor<4xf32>) {
  // expected-error@+1 {{qparams need at least one scale}}
  %0 = qfx.fake_quantize %x config = <kind = fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine> qparams = <scale = [], zero_point = []> : tensor<4xf32>
  return
}

// -----

func.func @quantize_dynamic_uniform(%x: tensor<4xf32>) {
  // expected-error@+1 {{expects a !quant.any result element type (the qparams are chosen at run time)}}
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.1:3>>
  return
}

// -----

func.func @quantize_dynamic_storage(%x: tensor<4xf32>) {
  // expected-error@+1 {{quantizes to 8-bit storage only (quint8 / qint8), got 'i32'}}
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<4xf32> -> tensor<4x!quant.any<i32:f32>>
  return
}

// -----

func.func @quantize_dynamic_range(%x: tensor<4xf32>) {
  // expected-error@+1 {{storage range must be the whole dtype, as quantize_per_tensor_dynamic clamps to it}}
  %q = qfx.quantize_dynamic %x reduce_range = true : tensor<4xf32> -> tensor<4x!quant.any<u8<0:127>:f32>>
  return
}

// -----

func.func @quantize_dynamic_shape(%x: tensor<4xf32>) {
  // expected-error@+1 {{shapes differ}}
  %q = qfx.quantize_dynamic %x reduce_range = false : tensor<4xf32> -> tensor<2x!quant.any<u8:f32>>
  return
}

// -----

func.func @quantize_any(%x: tensor<4xf32>) {
  // expected-error@+1 {{expects a !quant.uniform element type}}
  %q = qfx.quantize %x : tensor<4xf32> -> tensor<4x!quant.any<u8:f32>>
  return
}

// -----

func.func @quantize_dynamic_float16_reduce_range(%x: tensor<4xf32>) {
  // expected-error@+1 {{reduce_range has no meaning for float16}}
  %q = qfx.quantize_dynamic %x reduce_range = true : tensor<4xf32> -> tensor<4xf16>
  return
}

// -----

func.func @dequantize_float16_type(%h: tensor<4xf16>) {
  // expected-error@+1 {{float16 quantization converts float32 tensors, got 'f64'}}
  %d = qfx.dequantize %h : tensor<4xf16> -> tensor<4xf64>
  return
}
