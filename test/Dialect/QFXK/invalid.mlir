// RUN: qfx-opt %s -split-input-file -verify-diagnostics

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
// expected-error@+1 {{expects symmetric weights (zero point 0)}}
qfxk.packed_weight @w source = @p type = tensor<4x3x!quant.uniform<i8:f32, 1.0e-3:3>> weight = dense<1> : tensor<4x3xi8>

// -----

// expected-error@+1 {{expects signed 8-bit weights}}
qfxk.packed_weight @w source = @p type = tensor<4x3x!quant.uniform<u8:f32, 1.0e-3>> weight = dense<1> : tensor<4x3xi8>

// -----

// expected-error@+1 {{weight data must be 2-d i8 of the weight type's shape}}
qfxk.packed_weight @w source = @p type = tensor<4x3x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<3x4xi8>

// -----

// expected-error@+1 {{bias must have one value per output channel}}
qfxk.packed_weight @w source = @p type = tensor<4x3x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<4x3xi8> bias = dense<1.0> : tensor<3xf32>

// -----

// expected-error@+1 {{expects weights quantized along axis 0}}
qfxk.packed_weight @w source = @p type = tensor<4x3x!quant.uniform<i8:f32:1, {1.0e-3, 1.0e-3, 1.0e-3}>> weight = dense<1> : tensor<4x3xi8>

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
qfxk.packed_weight @w source = @p type = tensor<4x3x3x3x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<4x3x3x3xi8> bias = dense<1.0> : tensor<4xf32>
func.func @conv_bias_convention(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{'fp32' requantization takes an i32 bias}}
  %y = qfxk.conv2d %x weight = @w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 requant = fp32 relu = false : tensor<1x8x8x3x!a> -> tensor<1x8x8x4x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
qfxk.packed_weight @w source = @p type = tensor<4x3x3x3x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<4x3x3x3xi8>
func.func @conv_channels(%x: tensor<1x8x8x5x!a>) {
  // expected-error@+1 {{input has 5 channels, the weight expects 3}}
  %y = qfxk.conv2d %x weight = @w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = false : tensor<1x8x8x5x!a> -> tensor<1x8x8x4x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
qfxk.packed_weight @w source = @p type = tensor<4x3x3x3x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<4x3x3x3xi8>
func.func @conv_spatial(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{NHWC result dim 1 is 8, expected 6}}
  %y = qfxk.conv2d %x weight = @w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 requant = float relu = false : tensor<1x8x8x3x!a> -> tensor<1x8x8x4x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @conv_missing_weight(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{'nope' is not a qfxk.packed_weight}}
  %y = qfxk.conv2d %x weight = @nope stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = false : tensor<1x8x8x3x!a> -> tensor<1x8x8x4x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @conv_stride(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{expects 2 values in 'stride'}}
  %y = qfxk.conv2d %x weight = @w stride = [1] padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = false : tensor<1x8x8x3x!a> -> tensor<1x8x8x4x!a>
  return
}

// -----

func.func @float_activation(%x: tensor<1x8x8x3xf32>) {
  // expected-error@+1 {{'qfxk.to_nchw' op operand #0 must be ranked tensor of quantized type values}}
  %y = qfxk.to_nchw %x : tensor<1x8x8x3xf32> -> tensor<1x3x8x8xf32>
  return
}

// -----

!a = !quant.uniform<i16:f32, 5.000000e-02:62>
func.func @wide_activation(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{expects per-tensor 8-bit quantized activations}}
  %y = qfxk.to_nchw %x : tensor<1x8x8x3x!a> -> tensor<1x3x8x8x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @layout_shape(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{result shape is not the permuted input shape}}
  %y = qfxk.to_nchw %x : tensor<1x8x8x3x!a> -> tensor<1x8x8x3x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
!b = !quant.uniform<u8:f32, 1.000000e-01:62>
func.func @maxpool_qparams(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{expects the input's qparams on the result}}
  %y = qfxk.max_pool2d %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] : tensor<1x8x8x3x!a> -> tensor<1x4x4x3x!b>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @avgpool_divisor(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{'divisor_override' must be >= 0 (0: none)}}
  %y = qfxk.avg_pool2d %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] count_include_pad = true divisor_override = -1 : tensor<1x8x8x3x!a> -> tensor<1x4x4x3x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @adaptive_channels(%x: tensor<1x8x8x3x!a>) {
  // expected-error@+1 {{batch and channels must be preserved}}
  %y = qfxk.adaptive_avg_pool2d %x : tensor<1x8x8x3x!a> -> tensor<1x1x1x4x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @add_shapes(%x: tensor<1x8x!a>, %y: tensor<1x4x!a>) {
  // expected-error@+1 {{expects operands and result of one shape}}
  %z = qfxk.add %x, %y relu = false : tensor<1x8x!a>, tensor<1x4x!a> -> tensor<1x8x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @unary_shape(%x: tensor<1x8x!a>) {
  // expected-error@+1 {{expects the input's shape on the result}}
  %z = qfxk.unary %x fn = sigmoid : tensor<1x8x!a> -> tensor<1x4x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @cat_sum(%x: tensor<1x8x!a>) {
  // expected-error@+1 {{inputs sum to 16 along dim 1, the result has 12}}
  %z = qfxk.cat %x, %x dim = 1 : (tensor<1x8x!a>, tensor<1x8x!a>) -> tensor<1x12x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @cat_dim(%x: tensor<1x8x!a>) {
  // expected-error@+1 {{'dim' 2 out of range for rank 2}}
  %z = qfxk.cat %x, %x dim = 2 : (tensor<1x8x!a>, tensor<1x8x!a>) -> tensor<1x16x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @cat_other_dim(%x: tensor<1x8x!a>, %y: tensor<2x8x!a>) {
  // expected-error@+1 {{input dim 0 differs from the result}}
  %z = qfxk.cat %x, %y dim = 1 : (tensor<1x8x!a>, tensor<2x8x!a>) -> tensor<1x16x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @reshape_count(%x: tensor<1x8x!a>) {
  // expected-error@+1 {{expects static shapes with equal element counts}}
  %z = qfxk.reshape %x : tensor<1x8x!a> -> tensor<1x4x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
qfxk.packed_weight @w source = @p type = tensor<10x4x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<10x4xi8>
func.func @linear_shapes(%x: tensor<1x5x!a>) {
  // expected-error@+1 {{shapes do not match the 10x4 weight}}
  %z = qfxk.linear %x weight = @w requant = float relu = false : tensor<1x5x!a> -> tensor<1x10x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @linear_rows(%x: tensor<2x4x!a>) {
  // expected-error@+1 {{row count changes}}
  %z = qfxk.linear %x weight = @w requant = float relu = false : tensor<2x4x!a> -> tensor<1x10x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
!b = !quant.uniform<u8:f32, 1.000000e-01:62>
func.func @clamp_qparams(%x: tensor<1x8x!a>) {
  // expected-error@+1 {{expects the input's qparams on the result}}
  %z = qfxk.clamp %x lo = 62 hi = 182 : tensor<1x8x!a> -> tensor<1x8x!b>
  return
}

// -----

!a = !quant.uniform<u8<0:127>:f32, 5.000000e-02:62>
func.func @clamp_range(%x: tensor<1x8x!a>) {
  // expected-error@+1 {{clamp [62, 182] is not a non-empty range of the result's storage [0, 127]}}
  %z = qfxk.clamp %x lo = 62 hi = 182 : tensor<1x8x!a> -> tensor<1x8x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
qfxk.packed_weight @w source = @p type = tensor<10x4x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<10x4xi8>
func.func @linear_clamp(%x: tensor<1x4x!a>) {
  // expected-error@+1 {{clamp [100, 50] is not a non-empty range of the result's storage [0, 255]}}
  %z = qfxk.linear %x weight = @w requant = float relu = false clamp = [100, 50] : tensor<1x4x!a> -> tensor<1x10x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
qfxk.packed_weight @w source = @p type = tensor<10x4x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<10x4xi8>
func.func @linear_clamp_size(%x: tensor<1x4x!a>) {
  // expected-error@+1 {{expects 'clamp' = [lo, hi]}}
  %z = qfxk.linear %x weight = @w requant = float relu = false clamp = [1] : tensor<1x4x!a> -> tensor<1x10x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @softmax_dim(%x: tensor<1x8x!a>) {
  // expected-error@+1 {{'dim' 2 out of range for rank 2}}
  %z = qfxk.softmax %x dim = 2 : tensor<1x8x!a> -> tensor<1x8x!a>
  return
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @mul_shapes(%x: tensor<1x8x!a>, %y: tensor<1x4x!a>) {
  // expected-error@+1 {{expects operands and result of one shape}}
  %z = qfxk.mul %x, %y relu = false : tensor<1x8x!a>, tensor<1x4x!a> -> tensor<1x8x!a>
  return
}
