// RUN: qfx-opt %s -split-input-file -verify-diagnostics

!a = !quant.uniform<u8:f32, 0.1:3>
qfxk.packed_weight @w source = @p type = tensor<4x3x3x3x3x!quant.uniform<i8:f32, 0.1>> weight = dense<1> : tensor<4x3x3x3x3xi8>

func.func @wrong_channels(%x: tensor<1x5x4x8x8x!a>) -> tensor<1x4x4x8x8x!a> {
  // expected-error@+1 {{input has 5 channels, the weight expects 3}}
  %y = qfxk.conv3d %x weight = @w stride = [1, 1, 1] padding = [1, 1, 1] dilation = [1, 1, 1] groups = 1 requant = float relu = false : tensor<1x5x4x8x8x!a> -> tensor<1x4x4x8x8x!a>
  return %y : tensor<1x4x4x8x8x!a>
}

// -----

!a = !quant.uniform<u8:f32, 0.1:3>
qfxk.packed_weight @w source = @p type = tensor<4x3x3x3x3x!quant.uniform<i8:f32, 0.1>> weight = dense<1> : tensor<4x3x3x3x3xi8>

func.func @wrong_depth(%x: tensor<1x3x4x8x8x!a>) -> tensor<1x4x4x8x8x!a> {
  // expected-error@+1 {{NCDHW result dim 2 is 4, expected 2}}
  %y = qfxk.conv3d %x weight = @w stride = [1, 1, 1] padding = [0, 1, 1] dilation = [1, 1, 1] groups = 1 requant = float relu = false : tensor<1x3x4x8x8x!a> -> tensor<1x4x4x8x8x!a>
  return %y : tensor<1x4x4x8x8x!a>
}

// -----

!a = !quant.uniform<u8:f32, 0.1:3>
qfxk.packed_weight @w source = @p type = tensor<4x3x3x3x!quant.uniform<i8:f32, 0.1>> weight = dense<1> : tensor<4x3x3x3xi8>

func.func @rank4_weight(%x: tensor<1x3x4x8x8x!a>) -> tensor<1x4x4x8x8x!a> {
  // expected-error@+1 {{expects a rank-5 weight}}
  %y = qfxk.conv3d %x weight = @w stride = [1, 1, 1] padding = [1, 1, 1] dilation = [1, 1, 1] groups = 1 requant = float relu = false : tensor<1x3x4x8x8x!a> -> tensor<1x4x4x8x8x!a>
  return %y : tensor<1x4x4x8x8x!a>
}

// -----

!a = !quant.uniform<u8:f32, 0.1:3>

func.func @two_strides(%x: tensor<1x3x4x8x8x!a>) -> tensor<1x4x4x8x8x!a> {
  // expected-error@+1 {{expects 3 values in 'stride'}}
  %y = qfxk.conv3d %x weight = @w stride = [1, 1] padding = [1, 1, 1] dilation = [1, 1, 1] groups = 1 requant = float relu = false : tensor<1x3x4x8x8x!a> -> tensor<1x4x4x8x8x!a>
  return %y : tensor<1x4x4x8x8x!a>
}

// -----

!a = !quant.uniform<u8:f32, 0.1:3>

func.func @rank4_input(%x: tensor<1x3x8x8x!a>) -> tensor<1x4x8x8x!a> {
  // expected-error@+1 {{expects a static rank-5 NCDHW input}}
  %y = qfxk.conv3d %x weight = @w stride = [1, 1, 1] padding = [1, 1, 1] dilation = [1, 1, 1] groups = 1 requant = float relu = false : tensor<1x3x8x8x!a> -> tensor<1x4x8x8x!a>
  return %y : tensor<1x4x8x8x!a>
}

// -----

!a = !quant.uniform<u8:f32, 0.1:3>
// expected-error@+1 {{expects an OI, OIHW or OIDHW weight}}
qfxk.packed_weight @w source = @p type = tensor<4x3x3x!quant.uniform<i8:f32, 0.1>> weight = dense<1> : tensor<4x3x3xi8>

// -----

!a = !quant.uniform<u8<0:127>:f32, 0.1:3>
qfxk.packed_weight @w source = @p type = tensor<4x3x1x1x1x!quant.uniform<i8:f32, 0.1>> weight = dense<1> : tensor<4x3x1x1x1xi8>

func.func @clamp_range(%x: tensor<1x3x2x4x4x!a>) -> tensor<1x4x2x4x4x!a> {
  // expected-error@+1 {{clamp [62, 182] is not a non-empty range of the result's storage [0, 127]}}
  %y = qfxk.conv3d %x weight = @w stride = [1, 1, 1] padding = [0, 0, 0] dilation = [1, 1, 1] groups = 1 requant = float relu = false clamp = [62, 182] : tensor<1x3x2x4x4x!a> -> tensor<1x4x2x4x4x!a>
  return %y : tensor<1x4x2x4x4x!a>
}
