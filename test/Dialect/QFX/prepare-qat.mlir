// RUN: qfx-opt %s -split-input-file --qfx-prepare="fuse=false qat=true" | FileCheck %s

// prepare_qat_fx: QAT qconfigs give fake-quantize ops, weights included;
// fixed-qparams ops get the backend's FixedQParamsFakeQuantize.

#qat = #qfx.qconfig<activation = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255>, weight = <kind = moving_average_min_max, dtype = qint8, qscheme = per_tensor_symmetric, quant_min = -128, quant_max = 127>, activation_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>, weight_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>>
// CHECK-LABEL: func.func @linear
// CHECK: %[[X:.*]] = qfx.fake_quantize %arg0 config = <kind = fused_moving_avg_obs_fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8
// CHECK: %[[W:.*]] = qfx.get_attr @fc.weight
// CHECK-NEXT: %[[WF:.*]] = qfx.fake_quantize %[[W]] config = <kind = fused_moving_avg_obs_fake_quantize> observer = <kind = moving_average_min_max, dtype = qint8
// CHECK: %[[Y:.*]] = qfx.linear %[[X]], %[[WF]]
// CHECK-NEXT: %[[YF:.*]] = qfx.fake_quantize %[[Y]]
// CHECK-NEXT: return %[[YF]]
module {
  qfx.parameter @"fc.weight" parameter = dense<0.1> : tensor<4x8xf32>
  func.func @linear(%x: tensor<2x8xf32> {qfx.name = "x"}) -> tensor<2x4xf32> {
    %w = qfx.get_attr @"fc.weight" : tensor<4x8xf32> loc("fc")
    %y = qfx.linear %x, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qat} : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32> loc("fc")
    return %y : tensor<2x4xf32>
  }
}

// -----

#qat = #qfx.qconfig<activation = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255>, weight = <kind = moving_average_min_max, dtype = qint8, qscheme = per_tensor_symmetric, quant_min = -128, quant_max = 127>, activation_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>, weight_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>>
// The output of tanh is fake-quantized with fixed qparams [-1, 1].
// CHECK-LABEL: func.func @tanh
// CHECK: %[[T:.*]] = qfx.tanh
// CHECK-NEXT: qfx.fake_quantize %[[T]] config = <kind = fixed_qparams_fake_quantize> observer = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 7.812500e-03, zero_point = 128>
func.func @tanh(%x: tensor<2x5xf32> {qfx.name = "x"}) -> tensor<2x5xf32> {
  %t = qfx.tanh %x {qfx.node = #qfx.node<call_function, "torch.tanh">, qfx.qconfig = #qat} : tensor<2x5xf32> loc("tanh")
  return %t : tensor<2x5xf32>
}

// -----

// A PTQ qconfig under prepare_qat_fx (a standalone module's own mapping):
// the sigmoid's output gets the backend's FixedQParamsFakeQuantize, and the
// mul by a scalar shares it. PyTorch points the mul's observer attribute
// at that instance, so the group's every member is that fake-quantize, not
// the mul qconfig's histogram observer.
#sig = #qfx.qconfig<activation = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 3.906250e-03>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
#ptq = #qfx.qconfig<activation = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// CHECK-LABEL: func.func @shared_fixed_qparams
// CHECK: %[[X:.*]] = qfx.observer %arg0 config = <kind = fixed_qparams
// CHECK-NEXT: %[[S:.*]] = qfx.sigmoid %[[X]]
// CHECK-NEXT: %[[SF:.*]] = qfx.fake_quantize %[[S]] config = <kind = fixed_qparams_fake_quantize> observer = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 3.906250e-03> {qfx.observer_group = "[[G:activation_post_process_[0-9]+]]"}
// CHECK: %[[M:.*]] = qfx.mul %[[SF]]
// CHECK-NEXT: %[[MF:.*]] = qfx.fake_quantize %[[M]] config = <kind = fixed_qparams_fake_quantize> observer = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 3.906250e-03> {qfx.observer_group = "[[G]]"}
// CHECK-NEXT: return %[[MF]]
func.func @shared_fixed_qparams(%x: tensor<2x5xf32> {qfx.name = "x"}) -> tensor<2x5xf32> {
  %s = qfx.sigmoid %x {qfx.node = #qfx.node<call_function, "torch.sigmoid">, qfx.qconfig = #sig} : tensor<2x5xf32> loc("sigmoid")
  %two = qfx.constant scalar dense<2.0> : tensor<f32> loc("mul")
  %m = qfx.mul %s, %two {qfx.node = #qfx.node<call_function, "operator.mul">, qfx.qconfig = #ptq} : (tensor<2x5xf32>, tensor<f32>) -> tensor<2x5xf32> loc("mul")
  return %m : tensor<2x5xf32>
}

// -----

// The other way round: a QAT-qconfig share-qparams op after a PTQ-qconfig
// op's histogram observer shares that observer instance, so its own
// fake-quantize becomes the owner's histogram observer.
#ptq = #qfx.qconfig<activation = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
#qat = #qfx.qconfig<activation = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255>, weight = <kind = moving_average_min_max, dtype = qint8, qscheme = per_tensor_symmetric, quant_min = -128, quant_max = 127>, activation_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>, weight_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>>
// CHECK-LABEL: func.func @shared_observer_owner
// CHECK: %[[X:.*]] = qfx.observer %arg0 config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine>
// CHECK-NEXT: %[[A:.*]] = qfx.add %[[X]], %[[X]]
// CHECK-NEXT: %[[AO:.*]] = qfx.observer %[[A]] config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> {qfx.observer_group = "activation_post_process_1"}
// CHECK: %[[M:.*]] = qfx.mul %[[AO]]
// CHECK-NEXT: %[[MO:.*]] = qfx.observer %[[M]] config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> {qfx.observer_group = "activation_post_process_1"}
// CHECK-NEXT: return %[[MO]]
func.func @shared_observer_owner(%x: tensor<2x5xf32> {qfx.name = "x"}) -> tensor<2x5xf32> {
  %a = qfx.add %x, %x {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #ptq} : (tensor<2x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32> loc("add")
  %two = qfx.constant scalar dense<2.0> : tensor<f32> loc("mul")
  %m = qfx.mul %a, %two {qfx.node = #qfx.node<call_function, "operator.mul">, qfx.qconfig = #qat} : (tensor<2x5xf32>, tensor<f32>) -> tensor<2x5xf32> loc("mul")
  return %m : tensor<2x5xf32>
}
