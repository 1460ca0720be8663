// RUN: qfx-opt %s -split-input-file -verify-diagnostics

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @bn_channel_dim(%x: tensor<1x2x3x3x!a>) -> tensor<1x2x3x3x!a> {
  // expected-error@+1 {{'channel_dim' 4 must be a non-batch dim of the rank-4 input}}
  %y = qfxk.batch_norm %x multiplier = dense<1.0> : tensor<2xf32> offset = dense<0.0> : tensor<2xf32> channel_dim = 4 relu = false : tensor<1x2x3x3x!a> -> tensor<1x2x3x3x!a>
  return %y : tensor<1x2x3x3x!a>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @bn_multiplier_size(%x: tensor<1x2x3x3x!a>) -> tensor<1x2x3x3x!a> {
  // expected-error@+1 {{expects 'multiplier' of 2 values, got 'tensor<3xf32>'}}
  %y = qfxk.batch_norm %x multiplier = dense<1.0> : tensor<3xf32> offset = dense<0.0> : tensor<2xf32> channel_dim = 1 relu = false : tensor<1x2x3x3x!a> -> tensor<1x2x3x3x!a>
  return %y : tensor<1x2x3x3x!a>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @bn_offset_size(%x: tensor<1x2x3x3x!a>) -> tensor<1x2x3x3x!a> {
  // expected-error@+1 {{expects 'offset' of 3 values, got 'tensor<2xf32>'}}
  %y = qfxk.batch_norm %x multiplier = dense<1.0> : tensor<3xf32> offset = dense<0.0> : tensor<2xf32> channel_dim = 3 relu = false : tensor<1x2x3x3x!a> -> tensor<1x2x3x3x!a>
  return %y : tensor<1x2x3x3x!a>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @bn_shape(%x: tensor<1x2x3x3x!a>) -> tensor<1x2x3x4x!a> {
  // expected-error@+1 {{expects static shapes, the input's on the result}}
  %y = qfxk.batch_norm %x multiplier = dense<1.0> : tensor<2xf32> offset = dense<0.0> : tensor<2xf32> channel_dim = 1 relu = false : tensor<1x2x3x3x!a> -> tensor<1x2x3x4x!a>
  return %y : tensor<1x2x3x4x!a>
}

// -----

func.func @bn_float(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  // expected-error@+1 {{operand #0 must be ranked tensor of}}
  %y = qfxk.batch_norm %x multiplier = dense<1.0> : tensor<2xf32> offset = dense<0.0> : tensor<2xf32> channel_dim = 1 relu = false : tensor<1x2xf32> -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @ln_dims(%x: tensor<2x3x4x!a>) -> tensor<2x3x4x!a> {
  // expected-error@+1 {{'normalized_dims' 4 out of range for rank 3}}
  %y = qfxk.layer_norm %x normalized_dims = 4 eps = 1.0e-5 : tensor<2x3x4x!a> -> tensor<2x3x4x!a>
  return %y : tensor<2x3x4x!a>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @ln_weight(%x: tensor<2x3x4x!a>) -> tensor<2x3x4x!a> {
  // expected-error@+1 {{expects 'weight' of 12 values, got 'tensor<4xf32>'}}
  %y = qfxk.layer_norm %x weight = dense<1.0> : tensor<4xf32> normalized_dims = 2 eps = 1.0e-5 : tensor<2x3x4x!a> -> tensor<2x3x4x!a>
  return %y : tensor<2x3x4x!a>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @ln_bias(%x: tensor<2x3x4x!a>) -> tensor<2x3x4x!a> {
  // expected-error@+1 {{expects 'bias' of 4 values, got 'tensor<3xf32>'}}
  %y = qfxk.layer_norm %x bias = dense<1.0> : tensor<3xf32> normalized_dims = 1 eps = 1.0e-5 : tensor<2x3x4x!a> -> tensor<2x3x4x!a>
  return %y : tensor<2x3x4x!a>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @ln_eps(%x: tensor<2x3x4x!a>) -> tensor<2x3x4x!a> {
  // expected-error@+1 {{'eps' must be >= 0}}
  %y = qfxk.layer_norm %x normalized_dims = 1 eps = -1.0 : tensor<2x3x4x!a> -> tensor<2x3x4x!a>
  return %y : tensor<2x3x4x!a>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
!b = !quant.uniform<u8:f32, 5.000000e-02:62>
func.func @ln_shape(%x: tensor<2x3x4x!a>) -> tensor<2x4x3x!b> {
  // expected-error@+1 {{expects static shapes, the input's on the result}}
  %y = qfxk.layer_norm %x normalized_dims = 1 eps = 1.0e-5 : tensor<2x3x4x!a> -> tensor<2x4x3x!b>
  return %y : tensor<2x4x3x!b>
}
