// gelu(approximate="tanh") as torch.onnx writes it (Mul Mul Mul Add Mul
// Tanh Add Mul Mul) becomes one qfx.gelu; the same chain around another
// tensor stays elementwise ops.
// RUN: rm -rf %t && %python %S/make_models.py %t gelu_tanh
// RUN: qfx-translate --import-onnx %t/gelu_tanh.onnx | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32> {qfx.name = "x"})
// CHECK-NEXT: %[[G:.*]] = qfx.gelu %[[X]] approximate = tanh {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.GELU", module = "act">} : tensor<2x8xf32>
// CHECK-NEXT: qfx.mul %[[X]], %[[G]]
// CHECK: qfx.tanh
// CHECK-NOT: qfx.gelu
