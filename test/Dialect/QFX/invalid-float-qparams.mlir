// RUN: qfx-opt %s -split-input-file -verify-diagnostics

func.func @dtype(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{float qparams need dtype quint8 or quint4x2, got qint8}}
  %q = qfx.quantize_float_qparams %x dtype = qint8 axis = 0 scale = dense<1.0> : tensor<2xf32> zero_point = dense<0.0> : tensor<2xf32> : tensor<2x4xf32> -> tensor<2x4xui8>
  return
}

// -----

func.func @axis(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{axis 2 is outside a tensor of rank 2}}
  %q = qfx.quantize_float_qparams %x dtype = quint8 axis = 2 scale = dense<1.0> : tensor<2xf32> zero_point = dense<0.0> : tensor<2xf32> : tensor<2x4xf32> -> tensor<2x4xui8>
  return
}

// -----

func.func @count(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{got 3 scales and 2 zero points for 2 channels}}
  %q = qfx.quantize_float_qparams %x dtype = quint8 axis = 0 scale = dense<1.0> : tensor<3xf32> zero_point = dense<0.0> : tensor<2xf32> : tensor<2x4xf32> -> tensor<2x4xui8>
  return
}

// -----

func.func @scale(%q: tensor<2x4xui8>) {
  // expected-error@+1 {{scales must be positive and finite, got 0}}
  %d = qfx.dequantize_float_qparams %q dtype = quint8 axis = 0 scale = dense<[1.0, 0.0]> : tensor<2xf32> zero_point = dense<0.0> : tensor<2xf32> : tensor<2x4xui8> -> tensor<2x4xf32>
  return
}

// -----

func.func @zero_point(%q: tensor<2x4xui8>) {
  // expected-error@+1 {{zero points must be finite}}
  %d = qfx.dequantize_float_qparams %q dtype = quint8 axis = 0 scale = dense<1.0> : tensor<2xf32> zero_point = dense<[0.0, 0x7F800000]> : tensor<2xf32> : tensor<2x4xui8> -> tensor<2x4xf32>
  return
}

// -----

func.func @shape(%q: tensor<2x4xui8>) {
  // expected-error@+1 {{shapes differ}}
  %d = qfx.dequantize_float_qparams %q dtype = quint8 axis = 0 scale = dense<1.0> : tensor<2xf32> zero_point = dense<0.0> : tensor<2xf32> : tensor<2x4xui8> -> tensor<2x5xf32>
  return
}

// -----

func.func @storage(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{result #0 must be ranked tensor of 8-bit unsigned integer values}}
  %q = qfx.quantize_float_qparams %x dtype = quint8 axis = 0 scale = dense<1.0> : tensor<2xf32> zero_point = dense<0.0> : tensor<2xf32> : tensor<2x4xf32> -> tensor<2x4xi8>
  return
}
