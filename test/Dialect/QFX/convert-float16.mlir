// RUN: qfx-opt %s -split-input-file --qfx-convert | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-convert="decomposed=true" | FileCheck %s

// Static float16 (float16_static_qconfig, a BackendConfig with float16
// patterns): each PlaceholderObserver(dtype=float16) becomes PyTorch's
// x.to(torch.float16) -> dequantize(), spelled quantize_dynamic to f16 ->
// dequantize; the float16 weight stays float (weight_qscheme None). There
// is no !quant type, so the decomposed form is the same.
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @static_float16
  func.func @static_float16(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[H:.*]] = qfx.quantize_dynamic %{{.*}} reduce_range = false {qfx.node = #qfx.node<call_method, "to", module = "activation_post_process_0">} : tensor<3x2xf32> -> tensor<3x2xf16>
    // CHECK: %[[D:.*]] = qfx.dequantize %[[H]] {qfx.node = #qfx.node<call_method, "dequantize", module = "activation_post_process_0">} : tensor<3x2xf16> -> tensor<3x2xf32>
    // CHECK: %[[W:.*]] = qfx.get_attr @fc.weight
    // CHECK-NOT: qfx.quantize
    // CHECK: %[[Y:.*]] = qfx.linear %[[D]], %[[W]]
    // CHECK: %[[H2:.*]] = qfx.quantize_dynamic %[[Y]] reduce_range = false {qfx.node = #qfx.node<call_method, "to", module = "activation_post_process_1">}
    // CHECK: qfx.dequantize %[[H2]]
    %0 = qfx.observer %x config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine>, weight = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    %2 = qfx.observer %1 config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_1">} : tensor<3x2xf32>
    return %2 : tensor<3x2xf32>
  }
}

// -----

// Between ops whose qconfig is None the observer is removed, as for
// integer observers.
// CHECK-LABEL: func.func @none_qconfig
func.func @none_qconfig(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: qfx.quantize_dynamic
  // CHECK: qfx.relu
  %r = qfx.relu %x {qfx.node = #qfx.node<call_function, "torch.relu">} : tensor<4xf32>
  %0 = qfx.observer %r config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<4xf32>
  %1 = qfx.relu %0 {qfx.node = #qfx.node<call_function, "torch.relu">} : tensor<4xf32>
  return %1 : tensor<4xf32>
}
