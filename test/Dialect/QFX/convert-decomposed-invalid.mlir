// RUN: qfx-opt %s -split-input-file --qfx-convert="decomposed=true" -verify-diagnostics

// Only quantize / dequantize have a decomposed spelling: anything else that
// holds a !quant tensor is an error naming the op, not a half-decomposed
// model.

func.func @requantize(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qfx.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  // expected-error@+1 {{decomposed=true: 'qfx.requantize' holds a quantized tensor; only quantize / dequantize are decomposed}}
  %r = qfx.requantize %q : tensor<4x!quant.uniform<u8:f32, 0.5:3>> -> tensor<4x!quant.uniform<u8:f32, 0.25:0>>
  %d = qfx.dequantize %r : tensor<4x!quant.uniform<u8:f32, 0.25:0>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// A quantized argument (a standalone module's quantized input) becomes its
// storage tensor; only a dequantize may read it.
func.func private @quantized_arg(%q: tensor<4x!quant.uniform<u8:f32, 0.5:3>>) -> tensor<4xf32> {
  // expected-error@+1 {{decomposed=true: 'qfx.requantize' reads a quantized function argument or call result; only dequantize is decomposed}}
  %r = qfx.requantize %q : tensor<4x!quant.uniform<u8:f32, 0.5:3>> -> tensor<4x!quant.uniform<u8:f32, 0.25:0>>
  %d = qfx.dequantize %r : tensor<4x!quant.uniform<u8:f32, 0.25:0>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}
