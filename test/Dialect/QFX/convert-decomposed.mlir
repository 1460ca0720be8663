// RUN: qfx-opt %s -split-input-file --qfx-convert="decomposed=true" | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-convert="decomposed=true" | FileCheck %s --check-prefix=NOQUANT

// The decomposed form: the reference model of convert.mlir / convert-
// dynamic.mlir with every !quant tensor spelled as its integer storage and
// the qparams of its type moved onto quantize_affine / dequantize_affine.
// The scales are those of the reference form's !quant.uniform types (for
// @activation: 0.015686275437474251:64), printed as the
// shortest decimal that reads back as the same float32.
// NOQUANT-NOT: !quant

// CHECK-LABEL: func.func @activation
func.func @activation(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: %[[Q:.*]] = qfx.quantize_affine %{{.*}} scales = array<f32: 0.0156862754> zero_points = array<i64: 64> quant_min = 0 quant_max = 255 {qfx.node = #qfx.node<call_function, "torch.quantize_per_tensor", module = "activation_post_process_0">} : tensor<2x4xf32> -> tensor<2x4xui8>
  // CHECK: %[[D:.*]] = qfx.dequantize_affine %[[Q]] scales = array<f32: 0.0156862754> zero_points = array<i64: 64> quant_min = 0 quant_max = 255 {qfx.node = #qfx.node<call_method, "dequantize", module = "activation_post_process_0">} : tensor<2x4xui8> -> tensor<2x4xf32>
  // CHECK: qfx.relu %[[D]]
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<2x4xf32>
  %1 = qfx.relu %0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>>} : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// qint8 activations are i8; per-channel weights keep their axis (reference
// type !quant.uniform<i8:f32:0, {0.0039215688593685627,0.015686275437474251}>).
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @weight_per_channel
  func.func @weight_per_channel(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[X:.*]] = qfx.dequantize_affine %{{.*}} : tensor<3x2xi8> -> tensor<3x2xf32>
    // CHECK: %[[W:.*]] = qfx.get_attr @fc.weight
    // CHECK: %[[WQ:.*]] = qfx.quantize_affine %[[W]] scales = array<f32: 0.00392156886, 0.0156862754> zero_points = array<i64: 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<2x2xf32> -> tensor<2x2xi8>
    // CHECK: %[[WD:.*]] = qfx.dequantize_affine %[[WQ]] scales = array<f32: 0.00392156886, 0.0156862754> zero_points = array<i64: 0, 0> axis = 0 quant_min = -128 quant_max = 127 : tensor<2x2xi8> -> tensor<2x2xf32>
    // CHECK: qfx.linear %[[X]], %[[WD]]
    %0 = qfx.observer %x config = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric> state = <min = [-1.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>, weight = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// Inside a fused module the weight pair is decomposed too.
module {
  qfx.parameter @"conv.0.weight" parameter = dense<[[[[0.5]], [[-0.25]]], [[[1.0]], [[2.0]]]]> : tensor<2x2x1x1xf32>
  // CHECK-LABEL: func.func @fused
  func.func @fused(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
    // CHECK: qfx.fused
    // CHECK: %[[W:.*]] = qfx.get_attr @conv.0.weight
    // CHECK: %[[WQ:.*]] = qfx.quantize_affine %[[W]] scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<2x2x1x1xf32> -> tensor<2x2x1x1xi8>
    // CHECK: %[[WD:.*]] = qfx.dequantize_affine %[[WQ]]
    // CHECK: qfx.conv %{{.*}}, %[[WD]]
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<1x2x3x3xf32>
    %1 = qfx.fused %0 : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
    ^bb0(%in: tensor<1x2x3x3xf32>):
      %w = qfx.get_attr @"conv.0.weight" : tensor<2x2x1x1xf32>
      %c = qfx.conv %in, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
      %r = qfx.relu %c : tensor<1x2x3x3xf32>
      qfx.yield %r : tensor<1x2x3x3xf32>
    } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvReLU2d", module = "conv">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>}
    return %1 : tensor<1x2x3x3xf32>
  }
}

// -----

// Dynamic quantization: quantize_per_tensor_dynamic becomes choose_qparams
// (with the engine's reduce_range) and a quantize_affine that reads its
// result; the dequantize reads the same qparams.
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @dynamic_linear
  func.func @dynamic_linear(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[QP:.*]] = qfx.choose_qparams %{{.*}} quant_min = 0 quant_max = 255 reduce_range = true : tensor<3x2xf32> -> tensor<2xf64>
    // CHECK: %[[Q:.*]] = qfx.quantize_affine %{{.*}} qparams(%[[QP]] : tensor<2xf64>) quant_min = 0 quant_max = 255 {qfx.node = #qfx.node<call_function, "torch.quantize_per_tensor_dynamic", module = "activation_post_process_0">} : tensor<3x2xf32> -> tensor<3x2xui8>
    // CHECK: %[[D:.*]] = qfx.dequantize_affine %[[Q]] qparams(%[[QP]] : tensor<2xf64>) quant_min = 0 quant_max = 255 {qfx.node = #qfx.node<call_method, "dequantize", module = "activation_post_process_0">} : tensor<3x2xui8> -> tensor<3x2xf32>
    // CHECK: qfx.linear %[[D]]
    %0 = qfx.observer %x config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// float16 dynamic quantization has no !quant type: it stays as it is.
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @float16_dynamic
  func.func @float16_dynamic(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[H:.*]] = qfx.quantize_dynamic %{{.*}} reduce_range = false {{.*}} : tensor<3x2xf32> -> tensor<3x2xf16>
    // CHECK: qfx.dequantize %[[H]] {{.*}} : tensor<3x2xf16> -> tensor<3x2xf32>
    %0 = qfx.observer %x config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}
