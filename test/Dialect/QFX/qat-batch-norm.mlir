// RUN: qfx-opt %s --qfx-prepare="qconfig-mapping=qnnpack qat=true" | FileCheck %s
// RUN: qfx-opt %s --qfx-prepare="qconfig-mapping=qnnpack qat=true" | qfx-opt --qfx-convert | FileCheck %s --check-prefix=CONVERT

// prepare_qat_fx's ConvBnReLU2d / LinearBn1d run nniqat's
// _forward_approximate: the weight fake-quantize sees
// weight * bn.weight / sqrt(running_var + eps), the conv runs with a zero
// bias, and its output is unscaled (and gets the conv bias back) before the
// training batch norm.

// CHECK-LABEL: func.func @forward
// CHECK: qfx.fused
// CHECK: %[[W:.*]] = qfx.get_attr @conv.0.weight
// CHECK-NEXT: %[[G:.*]] = qfx.get_attr @conv.1.weight
// CHECK-NEXT: %[[V:.*]] = qfx.get_attr @conv.1.running_var
// CHECK-NEXT: %[[EPS:.*]] = qfx.constant scalar dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[VE:.*]] = qfx.add %[[V]], %[[EPS]]
// CHECK-NEXT: %[[STD:.*]] = qfx.sqrt %[[VE]]
// CHECK-NEXT: %[[S:.*]] = qfx.div %[[G]], %[[STD]]
// CHECK-NEXT: %[[SW:.*]] = qfx.reshape %[[S]] shape = [2, 1, 1, 1]
// CHECK-NEXT: %[[WS:.*]] = qfx.mul %[[W]], %[[SW]]
// CHECK-NEXT: %[[FQ:.*]] = qfx.fake_quantize %[[WS]]
// CHECK-NEXT: %[[B:.*]] = qfx.get_attr @conv.0.bias
// CHECK-NEXT: %[[Z:.*]] = qfx.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK-NEXT: %[[C:.*]] = qfx.conv %{{.*}}, %[[FQ]], %[[Z]]
// CHECK: %[[SO:.*]] = qfx.reshape %[[S]] shape = [1, 2, 1, 1]
// CHECK-NEXT: %[[U:.*]] = qfx.div %[[C]], %[[SO]]
// CHECK-NEXT: %[[BO:.*]] = qfx.reshape %[[B]] shape = [1, 2, 1, 1]
// CHECK-NEXT: %[[UB:.*]] = qfx.add %[[U]], %[[BO]]
// CHECK-NEXT: %[[N:.*]] = qfx.batch_norm %[[UB]] weight %[[G]] {{.*}} var %[[V]] eps = 1.000000e+00 {{.*}} training
// CHECK-NEXT: qfx.relu %[[N]]
// CHECK: ConvBnReLU2d
// LinearBn1d: [C, 1] for the weight, [1, C] for the output; no bias.
// CHECK: qfx.fused
// CHECK: qfx.reshape %{{.*}} shape = [2, 1] : (tensor<2xf32>) -> tensor<2x1xf32>
// CHECK: %[[LIN:.*]] = qfx.linear %{{.*}}, %{{.*}}, %{{.*}} {
// CHECK: qfx.reshape %{{.*}} shape = [1, 2] : (tensor<2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT: %[[LU:.*]] = qfx.div %[[LIN]], %{{.*}}
// CHECK-NEXT: qfx.batch_norm %[[LU]]
// CHECK: LinearBn1d

// convert folds the batch norm as to_float() does: ConvBnReLU2d becomes a
// ConvReLU2d (conv at conv.0, ReLU at conv.1), LinearBn1d a Linear at fc.
// With weight 1, bias 0.25, gamma 2, beta 0.5, mean 1, var 3, eps 1:
// scale 2 / sqrt(4) = 1, folded weight 1.0, folded bias
// (0.25 - 1) * 1 + 0.5 = -0.25.
// CONVERT-NOT: qfx.batch_norm
// CONVERT-NOT: qfx.sqrt
// CONVERT-NOT: num_batches_tracked
// CONVERT-LABEL: func.func @forward
// CONVERT: qfx.fused
// CONVERT: %[[CW:.*]] = qfx.get_attr @conv.0.weight
// CONVERT-NEXT: %[[CQ:.*]] = qfx.quantize %[[CW]]
// CONVERT-NEXT: %[[CD:.*]] = qfx.dequantize %[[CQ]]
// CONVERT-NEXT: %[[CB:.*]] = qfx.get_attr @conv.0.bias
// CONVERT-NEXT: %[[CC:.*]] = qfx.conv %{{.*}}, %[[CD]], %[[CB]] {{.*}}module = "conv.0"
// CONVERT-NEXT: qfx.relu %[[CC]] {{.*}}module = "conv.1"
// CONVERT: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvReLU2d", module = "conv">}
// CONVERT: qfx.get_attr @fc.weight
// CONVERT: qfx.get_attr @fc.bias
// CONVERT: qfx.linear {{.*}}#qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">
// CONVERT-DAG: conv_0_weight: "0x040000000000803F0000803F"
// CONVERT-DAG: conv_0_bias: "0x04000000000080BE000080BE"

module attributes {qfx.training = true} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"conv.bias" parameter = dense<0.25> : tensor<2xf32>
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
    %cb = qfx.get_attr @"conv.bias" : tensor<2xf32>
    %c = qfx.conv %x, %w, %cb stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<2x1x2x2xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<2x2x2x2xf32> loc("conv")
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
