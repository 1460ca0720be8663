// RUN: qfx-opt %s -split-input-file -verify-diagnostics

!a = !quant.uniform<u8:f32, 0.1:3>
qfxk.packed_weight @w source = @p type = tensor<4x8x3x3x!quant.uniform<i8:f32, 0.1>> weight = dense<1> : tensor<4x8x3x3xi8>

// 2x upsampling of 4x4: (4 - 1) * 2 - 2 + 2 + 1 + 1 = 8.
func.func @wrong_size(%x: tensor<1x4x4x8x!a>) -> tensor<1x7x8x4x!a> {
  // expected-error@+1 {{NHWC result dim 1 is 7, expected 8}}
  %y = qfxk.conv_transpose2d %x weight = @w stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = false : tensor<1x4x4x8x!a> -> tensor<1x7x8x4x!a>
  return %y : tensor<1x7x8x4x!a>
}

// -----

!a = !quant.uniform<u8:f32, 0.1:3>
qfxk.packed_weight @w source = @p type = tensor<4x8x3x3x!quant.uniform<i8:f32, 0.1>> weight = dense<1> : tensor<4x8x3x3xi8>

func.func @wrong_channels(%x: tensor<1x4x4x6x!a>) -> tensor<1x8x8x4x!a> {
  // expected-error@+1 {{input has 6 channels, the weight expects 8}}
  %y = qfxk.conv_transpose2d %x weight = @w stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = false : tensor<1x4x4x6x!a> -> tensor<1x8x8x4x!a>
  return %y : tensor<1x8x8x4x!a>
}

// -----

!a = !quant.uniform<u8:f32, 0.1:3>
qfxk.packed_weight @w source = @p type = tensor<4x8x3x3x!quant.uniform<i8:f32, 0.1>> weight = dense<1> : tensor<4x8x3x3xi8> bias = dense<1> : tensor<4xi32>

func.func @bias_convention(%x: tensor<1x4x4x8x!a>) -> tensor<1x8x8x4x!a> {
  // expected-error@+1 {{'float' requantization takes an f32 bias}}
  %y = qfxk.conv_transpose2d %x weight = @w stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = false : tensor<1x4x4x8x!a> -> tensor<1x8x8x4x!a>
  return %y : tensor<1x8x8x4x!a>
}

// -----

!a = !quant.uniform<u8:f32, 0.1:3>

func.func @negative_output_padding(%x: tensor<1x4x4x8x!a>) -> tensor<1x8x8x4x!a> {
  // expected-error@+1 {{'output_padding' values must be >= 0}}
  %y = qfxk.conv_transpose2d %x weight = @w stride = [2, 2] padding = [1, 1] output_padding = [-1, 1] dilation = [1, 1] groups = 1 requant = float relu = false : tensor<1x4x4x8x!a> -> tensor<1x8x8x4x!a>
  return %y : tensor<1x8x8x4x!a>
}
