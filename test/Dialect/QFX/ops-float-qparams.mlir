// RUN: qfx-opt %s | qfx-opt | FileCheck %s
// RUN: qfx-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of the float-qparams quantize / dequantize ops; scales and
// zero points survive bit for bit.
// CHECK-LABEL: func.func @round_trip
// CHECK: %[[Q:.*]] = qfx.quantize_float_qparams %arg0 dtype =  quint4x2 axis = 1 scale = dense<[0.0117647061, 3.000000e+00]> : tensor<2xf32> zero_point = dense<[1.275000e+02, -2.500000e-01]> : tensor<2xf32> : tensor<3x2xf32> -> tensor<3x2xui8>
// CHECK: qfx.dequantize_float_qparams %[[Q]] dtype =  quint8 axis = 0 scale = dense<2.500000e-01> : tensor<3xf32> zero_point = dense<0.000000e+00> : tensor<3xf32> : tensor<3x2xui8> -> tensor<3x2xf32>
// GENERIC: "qfx.quantize_float_qparams"
func.func @round_trip(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %q = qfx.quantize_float_qparams %x dtype = quint4x2 axis = 1 scale = dense<[0.0117647061, 3.0]> : tensor<2xf32> zero_point = dense<[127.5, -0.25]> : tensor<2xf32> : tensor<3x2xf32> -> tensor<3x2xui8>
  %d = qfx.dequantize_float_qparams %q dtype = quint8 axis = 0 scale = dense<0.25> : tensor<3xf32> zero_point = dense<0.0> : tensor<3xf32> : tensor<3x2xui8> -> tensor<3x2xf32>
  return %d : tensor<3x2xf32>
}
