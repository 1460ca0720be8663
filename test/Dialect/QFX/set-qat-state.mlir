// RUN: qfx-opt %s -split-input-file --qfx-prepare="qconfig-mapping=qnnpack qat=true" --qfx-set-qat-state="freeze-bn-stats disable-observer" | FileCheck %s --check-prefix=FROZEN
// RUN: qfx-opt %s -split-input-file --qfx-prepare="qconfig-mapping=qnnpack qat=true" --qfx-set-qat-state="freeze-bn-stats disable-fake-quant" --qfx-set-qat-state="update-bn-stats enable-fake-quant" | FileCheck %s --check-prefix=UPDATED
// RUN: qfx-opt %s -split-input-file --qfx-prepare="qconfig-mapping=qnnpack qat=true" --qfx-set-qat-state | FileCheck %s --check-prefix=UNCHANGED

// model.apply(disable_observer) and model.apply(nniqat.freeze_bn_stats):
// every fake-quantize stops observing; the ConvBnReLU2d's batch norm runs
// in eval mode; LinearBn1d is not a class freeze_bn_stats acts on, so its
// batch norm keeps training.

// FROZEN-LABEL: func.func @forward
// FROZEN-NOT: observer_enabled = true
// FROZEN: qfx.fake_quantize %{{.*}} config = <kind = fused_moving_avg_obs_fake_quantize, observer_enabled = false>
// FROZEN: qfx.fused
// FROZEN: qfx.fake_quantize %{{.*}} config = <kind = fused_moving_avg_obs_fake_quantize, observer_enabled = false>
// FROZEN: qfx.batch_norm
// FROZEN-NOT: training
// FROZEN-SAME: : (tensor<2x2x2x2xf32>
// FROZEN: ConvBnReLU2d
// FROZEN: qfx.fused
// FROZEN: qfx.fake_quantize %{{.*}} config = <kind = fused_moving_avg_obs_fake_quantize, observer_enabled = false>
// FROZEN: qfx.batch_norm {{.*}} training
// FROZEN: LinearBn1d

// update_bn_stats and enable_fake_quant undo the other two switches.
// UPDATED-LABEL: func.func @forward
// UPDATED-NOT: fake_quant_enabled = false
// UPDATED: qfx.batch_norm {{.*}} training
// UPDATED: ConvBnReLU2d
// UPDATED: qfx.batch_norm {{.*}} training
// UPDATED: LinearBn1d

// No switch: nothing changes.
// UNCHANGED-LABEL: func.func @forward
// UNCHANGED-NOT: observer_enabled
// UNCHANGED-NOT: fake_quant_enabled
// UNCHANGED: qfx.batch_norm {{.*}} training
// UNCHANGED: qfx.batch_norm {{.*}} training

module attributes {qfx.training = true} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"bn.weight" parameter = dense<2.0> : tensor<2xf32>
  qfx.parameter @"bn.bias" parameter = dense<0.5> : tensor<2xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<3.0> : tensor<2xf32>
  qfx.parameter @"bn.num_batches_tracked" buffer = dense<0> : tensor<i64>
  qfx.parameter @"fc.weight" parameter = dense<1.0> : tensor<2x2xf32>
  qfx.parameter @"bn1.weight" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn1.bias" parameter = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn1.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn1.running_var" buffer = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn1.num_batches_tracked" buffer = dense<0> : tensor<i64>
  func.func @forward(%x: tensor<2x1x2x2xf32> {qfx.name = "x"}, %y: tensor<2x2xf32> {qfx.name = "y"}) -> (tensor<2x2x2x2xf32>, tensor<2x2xf32>) {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<2x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<2x2x2x2xf32> loc("conv")
    %g = qfx.get_attr @"bn.weight" : tensor<2xf32>
    %b = qfx.get_attr @"bn.bias" : tensor<2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %c weight %g bias %b mean %m var %v eps = 1.0 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<2x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2x2x2xf32> loc("bn")
    %r = qfx.relu %n {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<2x2x2x2xf32> loc("relu")
    %fw = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %l = qfx.linear %y, %fw {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32> loc("fc")
    %g1 = qfx.get_attr @"bn1.weight" : tensor<2xf32>
    %b1 = qfx.get_attr @"bn1.bias" : tensor<2xf32>
    %m1 = qfx.get_attr @"bn1.running_mean" : tensor<2xf32>
    %v1 = qfx.get_attr @"bn1.running_var" : tensor<2xf32>
    %n1 = qfx.batch_norm %l weight %g1 bias %b1 mean %m1 var %v1 eps = 1.0e-05 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm1d", module = "bn1">} : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32> loc("bn1")
    return %r, %n1 : tensor<2x2x2x2xf32>, tensor<2x2xf32>
  }
}
