// Ops without a typed qfx op become generic calls keeping their attributes;
// external data is read relative to the model.
// RUN: rm -rf %t && %python %S/make_models.py %t generic external
// RUN: qfx-translate --import-onnx %t/generic.onnx | FileCheck %s
// RUN: qfx-translate --import-onnx %t/external.onnx | FileCheck %s --check-prefix=EXT

// CHECK: %[[L:.*]] = qfx.call call_function "onnx.LRN"(%{{.*}}) params {alpha = 9.99999974E-5 : f32, beta = 7.500000e-01 : f32, size = 3 : i64} {qfx.node = #qfx.node<call_function, "onnx.LRN", module = "lrn">} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
// CHECK: qfx.call call_function "onnx.Relu6Like"(%[[L]])

// EXT: qfx.parameter @fc.weight parameter = dense_resource<fc_weight> : tensor<2x3xf32>
// EXT: qfx.linear %{{.*}}, %{{.*}} {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">} : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x2xf32>
// EXT: fc_weight: "0x{{........}}0000803F000000400000404000008040
