// QuantizeLinear / DequantizeLinear with constant qparams, per tensor and
// per axis; int8 weights are read in storage type and cast.
// RUN: rm -rf %t && %python %S/make_models.py %t qdq
// RUN: qfx-translate --import-onnx %t/qdq.onnx | FileCheck %s
// RUN: qfx-translate --import-onnx %t/qdq.onnx | qfx-opt | FileCheck %s

// CHECK: qfx.parameter @conv.weight_quantized parameter = dense_resource<{{.*}}> : tensor<2x3x1x1xi8>
// CHECK: %[[Q:.*]] = qfx.quantize %{{.*}} {qfx.node = #qfx.node<call_function, "torch.quantize_per_tensor">} : tensor<1x3x4x4xf32> -> tensor<1x3x4x4x!quant.uniform<u8:f32, 5.000000e-01:128>>
// CHECK: %[[XD:.*]] = qfx.dequantize %[[Q]] {qfx.node = #qfx.node<call_method, "dequantize">} : tensor<1x3x4x4x!quant.uniform<u8:f32, 5.000000e-01:128>> -> tensor<1x3x4x4xf32>
// CHECK: %[[RAW:.*]] = qfx.get_attr @conv.weight_quantized : tensor<2x3x1x1xi8>
// CHECK: %[[QW:.*]] = quant.scast %[[RAW]] : tensor<2x3x1x1xi8> to tensor<2x3x1x1x!quant.uniform<i8:f32:0, {2.500000e-01,1.250000e-01}>>
// CHECK: %[[W:.*]] = qfx.dequantize %[[QW]]
// CHECK: qfx.conv %[[XD]], %[[W]] {{.*}}call_module, "torch.nn.modules.conv.Conv2d", module = "conv"
// Bit-exact storage bytes.
// CHECK: conv_weight_quantized: "0x{{........}}010203FFFE80"
