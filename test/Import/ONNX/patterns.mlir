// torch.onnx's decomposed GELU and LayerNorm (opset 13) and the MatMul+Add
// of a Linear on a 3-d input each become one op; opset 17 LayerNormalization
// maps directly.
// RUN: rm -rf %t && %python %S/make_models.py %t patterns layernorm17 relu6
// RUN: qfx-translate --import-onnx %t/patterns.onnx | FileCheck %s
// RUN: qfx-translate --import-onnx %t/layernorm17.onnx | FileCheck %s --check-prefix=LN17
// RUN: qfx-translate --import-onnx %t/relu6.onnx | FileCheck %s --check-prefix=RELU6

// CHECK-DAG: qfx.parameter @ln.weight parameter
// Linear's weight is stored transposed for MatMul; the parameter holds W.
// CHECK-DAG: qfx.parameter @fc.weight parameter = dense_resource<fc_weight> : tensor<4x8xf32>
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32> {qfx.name = "x"})
// CHECK-NOT: qfx.div
// CHECK: %[[LN:.*]] = qfx.layer_norm %[[X]] weight %{{.*}} bias %{{.*}} normalized_shape = [8] eps = 1.000000e-05 {qfx.node = #qfx.node<call_module, "torch.nn.modules.normalization.LayerNorm", module = "ln">}
// CHECK-NEXT: %[[G:.*]] = qfx.gelu %[[LN]] {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.GELU", module = "act">} : tensor<2x3x8xf32>
// CHECK: qfx.linear %[[G]], %{{.*}}, %{{.*}} {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">} : (tensor<2x3x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
// CHECK-NOT: qfx.mul
// CHECK-NOT: qfx.call
// The transposed weight: W[j][k] = 10 * k + j, so row 0 is 0, 10, 20, ...
// CHECK: fc_weight: "0x{{........}}00000000000020410000A0410000F041

// LN17: qfx.layer_norm %{{.*}} weight %{{.*}} bias %{{.*}} normalized_shape = [8] eps = 1.000000e-05 {qfx.node = #qfx.node<call_module, "torch.nn.modules.normalization.LayerNorm", module = "ln">}

// F.relu6 is Relu + Clip(max 6) in torch.onnx: one hardtanh; nn.ReLU6 is
// a Clip(0, 6) of its own.
// RELU6-LABEL: func.func @forward
// RELU6-NOT: qfx.relu
// RELU6: %[[A:.*]] = qfx.hardtanh %{{.*}} min_val = 0.000000e+00 max_val = 6.000000e+00 {qfx.node = #qfx.node<call_function, "torch.nn.functional.relu6">}
// RELU6: qfx.hardtanh %[[A]] min_val = 0.000000e+00 max_val = 6.000000e+00 {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU6", module = "act">}
// RELU6-NOT: qfx.clamp
