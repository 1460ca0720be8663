// RUN: qfx-opt %s -split-input-file --qfx-convert="engine=onednn" | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-convert | FileCheck %s --check-prefix=X86
// RUN: qfx-opt %s -split-input-file --qfx-convert="engine=qnnpack" | FileCheck %s --check-prefix=QNNPACK

// Dynamic quantization (default_dynamic_qconfig): the placeholder observer
// with is_dynamic becomes quantize_per_tensor_dynamic -> dequantize, whose
// qparams are chosen at run time; the weight is quantized as in static
// quantization. reduce_range follows the engine (fbgemm / x86: true).
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @dynamic_linear
  // X86-LABEL: func.func @dynamic_linear
  // QNNPACK-LABEL: func.func @dynamic_linear
  func.func @dynamic_linear(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[Q:.*]] = qfx.quantize_dynamic %{{.*}} reduce_range = false {qfx.node = #qfx.node<call_function, "torch.quantize_per_tensor_dynamic", module = "activation_post_process_0">} : tensor<3x2xf32> -> tensor<3x2x!quant.any<u8:f32>>
    // CHECK: %[[D:.*]] = qfx.dequantize %[[Q]] {qfx.node = #qfx.node<call_method, "dequantize", module = "activation_post_process_0">} : tensor<3x2x!quant.any<u8:f32>> -> tensor<3x2xf32>
    // CHECK: %[[W:.*]] = qfx.get_attr @fc.weight
    // CHECK: %[[WQ:.*]] = qfx.quantize %[[W]] : tensor<2x2xf32> -> tensor<2x2x!quant.uniform<i8:f32, 0.015686275437474251>>
    // CHECK: %[[WD:.*]] = qfx.dequantize %[[WQ]]
    // CHECK: qfx.linear %[[D]], %[[WD]]
    // CHECK-NOT: qfx.qconfig
    // X86: qfx.quantize_dynamic %{{.*}} reduce_range = true
    // QNNPACK: qfx.quantize_dynamic %{{.*}} reduce_range = false
    %0 = qfx.observer %x config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// qfx's own prepare observes the module weight in the graph: the weight
// observer (no state: nothing calibrates it) observes the weight at convert
// time; per-channel weights (per_channel_dynamic_qconfig) and a qint8
// dynamic activation.
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @per_channel_qint8
  func.func @per_channel_qint8(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: qfx.quantize_dynamic %{{.*}} reduce_range = false {{.*}} -> tensor<3x2x!quant.any<i8:f32>>
    // CHECK: qfx.quantize %{{.*}} -> tensor<2x2x!quant.uniform<i8:f32:0, {0.0039215688593685627,0.015686275437474251}>>
    %0 = qfx.observer %x config = <kind = placeholder, dtype = qint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %wo = qfx.observer %w config = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric> : tensor<2x2xf32>
    %1 = qfx.linear %0, %wo {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = qint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// A dynamic observer between ops whose qconfigs are None is removed.
// CHECK-LABEL: func.func @none_qconfig
func.func @none_qconfig(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NOT: qfx.quantize_dynamic
  // CHECK: qfx.relu
  // CHECK: qfx.relu
  %0 = qfx.relu %x {qfx.node = #qfx.node<call_function, "torch.relu">} : tensor<4xf32>
  %1 = qfx.observer %0 config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<4xf32>
  %2 = qfx.relu %1 {qfx.node = #qfx.node<call_function, "torch.relu">} : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// float16_dynamic_qconfig: quantize_per_tensor_dynamic(x, float16) is
// x.to(float16), never reduce_range; the float16 weight stays float in the
// reference module (weight_qscheme None), and the module-weight observer
// qfx's prepare placed is removed.
// X86-LABEL: func.func @float16_dynamic
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  func.func @float16_dynamic(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // X86: %[[Q:.*]] = qfx.quantize_dynamic %{{.*}} reduce_range = false {qfx.node = #qfx.node<call_function, "torch.quantize_per_tensor_dynamic", module = "activation_post_process_0">} : tensor<3x2xf32> -> tensor<3x2xf16>
    // X86: %[[D:.*]] = qfx.dequantize %[[Q]] {{.*}} : tensor<3x2xf16> -> tensor<3x2xf32>
    // X86: %[[W:.*]] = qfx.get_attr @fc.weight
    // X86-NEXT: qfx.linear %[[D]], %[[W]]
    %0 = qfx.observer %x config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %wo = qfx.observer %w config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine> : tensor<2x2xf32>
    %1 = qfx.linear %0, %wo {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}
