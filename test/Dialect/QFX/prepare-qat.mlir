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
