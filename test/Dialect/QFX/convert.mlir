// RUN: qfx-opt %s -split-input-file --qfx-convert | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-convert="remove-qconfig=false" | FileCheck %s --check-prefix=KEEP

// Qparams in the CHECK lines are PyTorch 1.13's calculate_qparams for the
// same observer and data (scales printed as the float32 value widened to
// double).

// A calibrated activation observer becomes quantize -> dequantize with
// PyTorch's provenance; the qconfig annotation is dropped.
// CHECK-LABEL: func.func @activation
// KEEP-LABEL: func.func @activation
func.func @activation(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: %[[Q:.*]] = qfx.quantize %{{.*}} {qfx.node = #qfx.node<call_function, "torch.quantize_per_tensor", module = "activation_post_process_0">} : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u8:f32, 0.015686275437474251:64>>
  // CHECK: %[[D:.*]] = qfx.dequantize %[[Q]] {qfx.node = #qfx.node<call_method, "dequantize", module = "activation_post_process_0">}
  // CHECK: qfx.relu %[[D]] {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<2x4xf32>
  // KEEP: qfx.relu {{.*}}qfx.qconfig
  %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<2x4xf32>
  %1 = qfx.relu %0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>>} : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// The weight of an observed linear is quantized with a fresh weight
// observer of its qconfig run on the parameter values (per channel here).
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @weight_per_channel
  func.func @weight_per_channel(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[X:.*]] = qfx.dequantize
    // CHECK: %[[W:.*]] = qfx.get_attr @fc.weight
    // CHECK: %[[WQ:.*]] = qfx.quantize %[[W]] : tensor<2x2xf32> -> tensor<2x2x!quant.uniform<i8:f32:0, {0.0039215688593685627,0.015686275437474251}>>
    // CHECK-NOT: qfx.node
    // CHECK: %[[WD:.*]] = qfx.dequantize %[[WQ]]
    // CHECK: qfx.linear %[[X]], %[[WD]]
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// Inside a fused module the qconfig of the qfx.fused op applies.
module {
  qfx.parameter @"conv.0.weight" parameter = dense<[[[[0.5]], [[-0.25]]], [[[1.0]], [[2.0]]]]> : tensor<2x2x1x1xf32>
  // CHECK-LABEL: func.func @fused
  func.func @fused(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
    // CHECK: qfx.fused
    // CHECK: %[[W:.*]] = qfx.get_attr @conv.0.weight
    // CHECK: %[[WQ:.*]] = qfx.quantize %[[W]] : tensor<2x2x1x1xf32> -> tensor<2x2x1x1x!quant.uniform<i8:f32, 0.015686275437474251>>
    // CHECK: %[[WD:.*]] = qfx.dequantize %[[WQ]]
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

// Float observers are removed; so are integer observers whose producer and
// consumers all have a None qconfig. Fixed-qparams observers keep their
// fixed scale and zero point.
// CHECK-LABEL: func.func @removed_and_fixed
func.func @removed_and_fixed(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NEXT: %[[R:.*]] = qfx.relu %{{.*}} {qfx.node
  // CHECK-NEXT: %[[S:.*]] = qfx.sigmoid %[[R]] {qfx.node
  // CHECK-NEXT: %[[Q:.*]] = qfx.quantize %[[S]] {{.*}} -> tensor<4x!quant.uniform<u8:f32, 3.906250e-03>>
  // CHECK-NEXT: %[[D:.*]] = qfx.dequantize %[[Q]]
  // CHECK-NEXT: return %[[D]]
  %0 = qfx.observer %x config = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<4xf32>
  %1 = qfx.relu %0 {qfx.node = #qfx.node<call_function, "torch.relu">} : tensor<4xf32>
  %2 = qfx.observer %1 config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [0.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_1">} : tensor<4xf32>
  %3 = qfx.sigmoid %2 {qfx.node = #qfx.node<call_function, "torch.sigmoid">} : tensor<4xf32>
  %4 = qfx.observer %3 config = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 0.00390625, zero_point = 0> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.FixedQParamsObserver", module = "activation_post_process_2">} : tensor<4xf32>
  return %4 : tensor<4xf32>
}

// -----

// QAT: the weight fake-quantize observes the weight once more (observer
// enabled) and converts with its observer's qparams; the activation
// fake-quantize converts with its observer's state.
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @qat
  func.func @qat(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: qfx.quantize %{{.*}} {qfx.node = #qfx.node<call_function, "torch.quantize_per_tensor"{{.*}} -> tensor<3x2x!quant.uniform<u8:f32, 0.015686275437474251:64>>
    // CHECK: %[[W:.*]] = qfx.get_attr @fc.weight
    // CHECK: qfx.quantize %[[W]] : tensor<2x2xf32> -> tensor<2x2x!quant.uniform<i8:f32, 0.011803921312093735>>
    %0 = qfx.fake_quantize %x config = <kind = fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [3.0]> qparams = <scale = [0.5], zero_point = [3]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.fake_quantize.FakeQuantize", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %wf = qfx.fake_quantize %w config = <kind = fake_quantize> observer = <kind = moving_average_min_max, dtype = qint8, qscheme = per_tensor_symmetric, quant_min = -128, quant_max = 127> state = <min = [-1.0], max = [1.5]> qparams = <scale = [0.5], zero_point = [0]> : tensor<2x2xf32>
    %1 = qfx.linear %0, %wf {qfx.node = #qfx.node<call_module, "torch.ao.nn.qat.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = moving_average_min_max, dtype = qint8, qscheme = per_tensor_symmetric, quant_min = -128, quant_max = 127>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// Without a qconfig (or without an observed input) a weighted op keeps its
// float weight.
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @float_weight
  func.func @float_weight(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK-NOT: qfx.quantize
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %1 = qfx.linear %x, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}
