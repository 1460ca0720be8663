// RUN: qfx-opt %s -split-input-file -verify-diagnostics

qfxk.packed_weight @w source = @p type = tensor<10x4x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<10x4xi8>
func.func @shapes(%x: tensor<2x5xf32>) {
  // expected-error@+1 {{shapes do not match the 10x4 weight}}
  %y = qfxk.dynamic_linear %x weight = @w reduce_range = false relu = false : tensor<2x5xf32> -> tensor<2x10xf32>
  return
}

// -----

func.func @rows(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{leading dims change}}
  %y = qfxk.dynamic_linear %x weight = @w reduce_range = false relu = false : tensor<2x4xf32> -> tensor<3x10xf32>
  return
}

// -----

func.func @rank(%x: tensor<4xf32>) {
  // expected-error@+1 {{expects static float tensors of one rank >= 2}}
  %y = qfxk.dynamic_linear %x weight = @w reduce_range = false relu = false : tensor<4xf32> -> tensor<10xf32>
  return
}

// -----

qfxk.packed_weight @w source = @p type = tensor<10x4x!quant.uniform<i8:f32, 1.0e-3>> weight = dense<1> : tensor<10x4xi8> bias = dense<1> : tensor<10xi32>
func.func @int_bias(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{'float' requantization takes an f32 bias}}
  %y = qfxk.dynamic_linear %x weight = @w reduce_range = false relu = false : tensor<2x4xf32> -> tensor<2x10xf32>
  return
}

// -----

func.func @missing(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{'nope' is not a qfxk.packed_weight}}
  %y = qfxk.dynamic_linear %x weight = @nope reduce_range = false relu = false : tensor<2x4xf32> -> tensor<2x10xf32>
  return
}
