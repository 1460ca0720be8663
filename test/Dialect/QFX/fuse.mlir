// RUN: qfx-opt %s --split-input-file --qfx-fuse | FileCheck %s
// RUN: qfx-opt %s --split-input-file --qfx-fuse="backend=%S/Inputs/fuse-custom.json" | FileCheck %s --check-prefix=CUSTOM

// Eval: Conv2d + BatchNorm2d + nn.ReLU is a ConvReLU2d at the conv's path
// with the batch norm folded into `conv1.0.weight` / `conv1.0.bias`
// (gamma = [2, 3], beta = [0.5, -1], mean = [1, 2], var + eps = 1:
// weight [2, 3], bias [-1.5, -7]); the conv's and bn's old parameters go.
// The custom backend config has no conv-bn-relu pattern: only its
// (ReLU6, Conv2d) pattern could apply, so nothing is fused.

// CHECK-LABEL: module attributes {qfx.training = false}
// CHECK-NOT: @"bn1.
// CHECK-NOT: @conv1.weight
// CHECK-DAG: qfx.parameter @conv1.0.weight parameter = dense_resource<[[W:conv1_0_weight[_0-9]*]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: qfx.parameter @conv1.0.bias parameter = dense_resource<[[B:conv1_0_bias[_0-9]*]]> : tensor<2xf32>
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x4x4xf32>
// CHECK: %[[F:.*]] = qfx.fused %[[X]] : (tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
// CHECK: ^bb0(%[[IN:.*]]: tensor<1x1x4x4xf32>):
// CHECK:   %[[FW:.*]] = qfx.get_attr @conv1.0.weight
// CHECK:   %[[FB:.*]] = qfx.get_attr @conv1.0.bias
// CHECK:   %[[C:.*]] = qfx.conv %[[IN]], %[[FW]], %[[FB]] {{.*}}#qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1.0">
// CHECK:   %[[R:.*]] = qfx.relu %[[C]] {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "conv1.1">}
// CHECK:   qfx.yield %[[R]]
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvReLU2d", module = "conv1">}
// CHECK-NOT: qfx.batch_norm
// CHECK: return %[[F]]
// CHECK: [[W]]: "0x040000000000004000004040"
// CHECK: [[B]]: "0x040000000000C0BF0000E0C0"

// CUSTOM-LABEL: module attributes {qfx.training = false}
// CUSTOM: qfx.conv
// CUSTOM: qfx.batch_norm
// CUSTOM: qfx.relu
module attributes {qfx.training = false} {
  qfx.parameter @"conv1.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"bn1.weight" parameter = dense<[2.0, 3.0]> : tensor<2xf32>
  qfx.parameter @"bn1.bias" parameter = dense<[0.5, -1.0]> : tensor<2xf32>
  qfx.parameter @"bn1.running_mean" buffer = dense<[1.0, 2.0]> : tensor<2xf32>
  qfx.parameter @"bn1.running_var" buffer = dense<0.75> : tensor<2xf32>
  qfx.parameter @"bn1.num_batches_tracked" buffer = dense<0> : tensor<i64>
  func.func @forward(%x: tensor<1x1x4x4xf32> {qfx.name = "x"}) -> tensor<1x2x4x4xf32> {
    %w = qfx.get_attr @"conv1.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1">} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
    %g = qfx.get_attr @"bn1.weight" : tensor<2xf32>
    %b = qfx.get_attr @"bn1.bias" : tensor<2xf32>
    %m = qfx.get_attr @"bn1.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn1.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %c weight %g bias %b mean %m var %v eps = 0.25 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn1">} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    %r = qfx.relu %n {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu1">} : tensor<1x2x4x4xf32>
    return %r : tensor<1x2x4x4xf32>
  }
}

// -----

// Eval Conv2d + BatchNorm2d: fuse_conv_bn_eval returns a plain Conv2d, so
// the result is a conv with provenance Conv2d at "conv" whose folded
// weight keeps the name `conv.weight` and gains `conv.bias`.

// CHECK-LABEL: module attributes {qfx.training = false}
// CHECK-DAG: qfx.parameter @conv.weight parameter = dense_resource<[[W:conv_weight[_0-9]*]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: qfx.parameter @conv.bias parameter = dense_resource<[[B:conv_bias[_0-9]*]]> : tensor<2xf32>
// CHECK-NOT: @"bn.
// CHECK-LABEL: func.func @forward
// CHECK: %[[W2:.*]] = qfx.get_attr @conv.weight
// CHECK: %[[B2:.*]] = qfx.get_attr @conv.bias
// CHECK: %[[C:.*]] = qfx.conv %{{.*}}, %[[W2]], %[[B2]] {{.*}}{qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">}
// CHECK-NOT: qfx.batch_norm
// CHECK: return %[[C]]
// Weight 1 * 1/sqrt(4) = 0.5; bias (0 - 1) * 0.5 = -0.5 (no affine).
// CHECK: [[W]]: "0x040000000000003F0000003F"
// CHECK: [[B]]: "0x04000000000000BF000000BF"
module attributes {qfx.training = false} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<3.0> : tensor<2xf32>
  func.func @forward(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %c mean %m var %v eps = 1.0 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    return %n : tensor<1x2x4x4xf32>
  }
}

// -----

// Conv1d + F.relu: ConvReLU1d; the functional relu becomes the fused
// module's nn.ReLU submodule `block.conv.1`. Conv3d + ReLU: ConvReLU3d.

// CHECK-LABEL: func.func @conv_relu
// CHECK: qfx.fused
// CHECK:   qfx.get_attr @block.conv.0.weight
// CHECK:   qfx.get_attr @block.conv.0.bias
// CHECK:   qfx.conv {{.*}}module = "block.conv.0"
// CHECK:   qfx.relu {{.*}}#qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "block.conv.1">
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvReLU1d", module = "block.conv">}
// CHECK: qfx.fused
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvReLU3d", module = "c3">}
module attributes {qfx.training = false} {
  qfx.parameter @"block.conv.weight" parameter = dense<1.0> : tensor<2x1x1xf32>
  qfx.parameter @"block.conv.bias" parameter = dense<0.0> : tensor<2xf32>
  qfx.parameter @"c3.weight" parameter = dense<1.0> : tensor<2x1x1x1x1xf32>
  func.func @conv_relu(%x: tensor<1x1x4xf32>, %y: tensor<1x1x2x2x2xf32>) -> (tensor<1x2x4xf32>, tensor<1x2x2x2x2xf32>) {
    %w = qfx.get_attr @"block.conv.weight" : tensor<2x1x1xf32>
    %b = qfx.get_attr @"block.conv.bias" : tensor<2xf32>
    %c = qfx.conv %x, %w, %b stride = [1] padding = [0] dilation = [1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv1d", module = "block.conv">} : (tensor<1x1x4xf32>, tensor<2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
    %r = qfx.relu %c {qfx.node = #qfx.node<call_function, "torch.nn.functional.relu", module = "block">} : tensor<1x2x4xf32>
    %w3 = qfx.get_attr @"c3.weight" : tensor<2x1x1x1x1xf32>
    %c3 = qfx.conv %y, %w3 stride = [1, 1, 1] padding = [0, 0, 0] dilation = [1, 1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv3d", module = "c3">} : (tensor<1x1x2x2x2xf32>, tensor<2x1x1x1x1xf32>) -> tensor<1x2x2x2x2xf32>
    %r3 = qfx.relu %c3 {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "r3">} : tensor<1x2x2x2x2xf32>
    return %r, %r3 : tensor<1x2x4xf32>, tensor<1x2x2x2x2xf32>
  }
}

// -----

// Linear + ReLU: LinearReLU. Linear + BatchNorm1d (eval): a folded Linear
// ((b - mean) * (gamma * rsqrt) + beta = (1 - 1) * 2 + 1 = 1).
// BatchNorm2d + ReLU: BNReLU2d.

// CHECK-LABEL: func.func @linear
// CHECK: qfx.fused
// CHECK:   qfx.linear {{.*}}module = "fc1.0"
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.LinearReLU", module = "fc1">}
// CHECK: %[[W:.*]] = qfx.get_attr @fc2.weight
// CHECK: %[[B:.*]] = qfx.get_attr @fc2.bias
// CHECK: qfx.linear %{{.*}}, %[[W]], %[[B]] {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc2">}
// CHECK-NOT: qfx.batch_norm {{.*}}BatchNorm1d
// CHECK: qfx.fused
// CHECK:   qfx.batch_norm {{.*}}module = "bn.0"
// CHECK:   qfx.relu {{.*}}module = "bn.1"
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.BNReLU2d", module = "bn">}
// CHECK: "0x040000000000803F0000803F"
module attributes {qfx.training = false} {
  qfx.parameter @"fc1.weight" parameter = dense<1.0> : tensor<2x2xf32>
  qfx.parameter @"fc2.weight" parameter = dense<1.0> : tensor<2x2xf32>
  qfx.parameter @"fc2.bias" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn1d.weight" parameter = dense<2.0> : tensor<2xf32>
  qfx.parameter @"bn1d.bias" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn1d.running_mean" buffer = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn1d.running_var" buffer = dense<0.5> : tensor<2xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  func.func @linear(%x: tensor<1x2xf32>, %y: tensor<1x2x2x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2x2x2xf32>) {
    %w1 = qfx.get_attr @"fc1.weight" : tensor<2x2xf32>
    %l1 = qfx.linear %x, %w1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc1">} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    %r1 = qfx.relu %l1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<1x2xf32>
    %w2 = qfx.get_attr @"fc2.weight" : tensor<2x2xf32>
    %b2 = qfx.get_attr @"fc2.bias" : tensor<2xf32>
    %l2 = qfx.linear %x, %w2, %b2 {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc2">} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    %g = qfx.get_attr @"bn1d.weight" : tensor<2xf32>
    %bb = qfx.get_attr @"bn1d.bias" : tensor<2xf32>
    %m = qfx.get_attr @"bn1d.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn1d.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %l2 weight %g bias %bb mean %m var %v eps = 0.5 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm1d", module = "bn1d">} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    %m2 = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v2 = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n2 = qfx.batch_norm %y mean %m2 var %v2 eps = 1.0e-05 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    %r2 = qfx.relu %n2 {qfx.node = #qfx.node<call_function, "torch.nn.functional.relu">} : tensor<1x2x2x2xf32>
    return %r1, %n, %r2 : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2x2x2xf32>
  }
}

// -----

// ConvTranspose2d + BatchNorm2d (eval): folded along weight dim 1
// (weight C x O x k x k = 1x2x1x1, scale [0.5, 0.25]).

// CHECK-LABEL: func.func @deconv
// CHECK: qfx.conv_transpose {{.*}}module = "up"
// CHECK-NOT: qfx.batch_norm
// CHECK: "0x040000000000003F0000803E"
module attributes {qfx.training = false} {
  qfx.parameter @"up.weight" parameter = dense<1.0> : tensor<1x2x1x1xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<[3.0, 15.0]> : tensor<2xf32>
  func.func @deconv(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
    %w = qfx.get_attr @"up.weight" : tensor<1x2x1x1xf32>
    %c = qfx.conv_transpose %x, %w stride = [1, 1] padding = [0, 0] output_padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.ConvTranspose2d", module = "up">} : (tensor<1x1x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %c mean %m var %v eps = 1.0 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    return %n : tensor<1x2x2x2xf32>
  }
}

// -----

// Training (QAT fusion): nothing is folded. Conv2d + BatchNorm2d + ReLU is
// a ConvBnReLU2d whose body keeps the training batch norm; its parameters
// and buffers (num_batches_tracked too) move to `conv.0.*` / `conv.1.*`.
// Conv2d + BatchNorm2d is a ConvBn2d, Linear + BatchNorm1d a LinearBn1d.

// CHECK-LABEL: module attributes {qfx.training = true}
// CHECK-DAG: qfx.parameter @conv.0.weight
// CHECK-DAG: qfx.parameter @conv.1.weight
// CHECK-DAG: qfx.parameter @conv.1.bias
// CHECK-DAG: qfx.parameter @conv.1.running_mean
// CHECK-DAG: qfx.parameter @conv.1.running_var
// CHECK-DAG: qfx.parameter @conv.1.num_batches_tracked buffer = dense<0> : tensor<i64>
// CHECK-LABEL: func.func @train
// CHECK: qfx.fused
// CHECK:   qfx.conv {{.*}}module = "conv.0"
// CHECK:   qfx.batch_norm {{.*}} training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "conv.1">}
// CHECK:   qfx.relu {{.*}}module = "conv.2"
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvBnReLU2d", module = "conv">}
// CHECK: qfx.fused
// CHECK:   qfx.conv {{.*}}module = "conv2.0"
// CHECK:   qfx.batch_norm {{.*}}module = "conv2.1"
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvBn2d", module = "conv2">}
// CHECK: qfx.fused
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.LinearBn1d", module = "fc">}
module attributes {qfx.training = true} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"bn.weight" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn.bias" parameter = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn.num_batches_tracked" buffer = dense<0> : tensor<i64>
  qfx.parameter @"conv2.weight" parameter = dense<1.0> : tensor<2x2x1x1xf32>
  qfx.parameter @"bn2.weight" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn2.bias" parameter = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn2.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn2.running_var" buffer = dense<1.0> : tensor<2xf32>
  qfx.parameter @"fc.weight" parameter = dense<1.0> : tensor<2x2xf32>
  qfx.parameter @"bn3.weight" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn3.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn3.running_var" buffer = dense<1.0> : tensor<2xf32>
  func.func @train(%x: tensor<2x1x2x2xf32>, %y: tensor<2x2xf32>) -> (tensor<2x2x2x2xf32>, tensor<2x2xf32>) {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<2x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<2x2x2x2xf32>
    %g = qfx.get_attr @"bn.weight" : tensor<2xf32>
    %b = qfx.get_attr @"bn.bias" : tensor<2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %c weight %g bias %b mean %m var %v eps = 1.0e-05 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<2x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2x2x2xf32>
    %r = qfx.relu %n {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<2x2x2x2xf32>
    %w2 = qfx.get_attr @"conv2.weight" : tensor<2x2x1x1xf32>
    %c2 = qfx.conv %r, %w2 stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv2">} : (tensor<2x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<2x2x2x2xf32>
    %g2 = qfx.get_attr @"bn2.weight" : tensor<2xf32>
    %b2 = qfx.get_attr @"bn2.bias" : tensor<2xf32>
    %m2 = qfx.get_attr @"bn2.running_mean" : tensor<2xf32>
    %v2 = qfx.get_attr @"bn2.running_var" : tensor<2xf32>
    %n2 = qfx.batch_norm %c2 weight %g2 bias %b2 mean %m2 var %v2 eps = 1.0e-05 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn2">} : (tensor<2x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2x2x2xf32>
    %wf = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %l = qfx.linear %y, %wf {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">} : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
    %g3 = qfx.get_attr @"bn3.weight" : tensor<2xf32>
    %m3 = qfx.get_attr @"bn3.running_mean" : tensor<2xf32>
    %v3 = qfx.get_attr @"bn3.running_var" : tensor<2xf32>
    %n3 = qfx.batch_norm %l weight %g3 mean %m3 var %v3 eps = 1.0e-05 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm1d", module = "bn3">} : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
    return %n2, %n3 : tensor<2x2x2x2xf32>, tensor<2x2xf32>
  }
}

// -----

// An intermediate value with a second use blocks the pattern through it
// (is_match's max_uses=1 below the last node): the conv feeding both the bn
// and the return is not fused, so (ReLU, (BatchNorm2d, Conv2d)) fails at
// `relu` and the shorter (ReLU, BatchNorm2d) claims bn + relu: a BNReLU2d,
// as fuse_fx does. The bn2 whose result is also returned is the last node
// of (BatchNorm2d, Conv2d): conv2 + bn2 fold, relu2 stays.

// CHECK-LABEL: func.func @multi_use
// CHECK: %[[C:.*]] = qfx.conv {{.*}}module = "conv"
// CHECK: %[[F:.*]] = qfx.fused %[[C]]
// CHECK:   qfx.batch_norm {{.*}}module = "bn.0"
// CHECK:   qfx.relu {{.*}}module = "bn.1"
// CHECK: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.BNReLU2d", module = "bn">}
// CHECK: %[[C2:.*]] = qfx.conv %[[F]], {{.*}}module = "conv2"
// CHECK-NOT: qfx.batch_norm
// CHECK: %[[R2:.*]] = qfx.relu %[[C2]] {{.*}}module = "relu2"
// CHECK: return %[[C]], %[[C2]], %[[R2]]
// 1 / sqrt(1 + 1e-5) in float32, as fuse_conv_bn_eval gives.
// CHECK: "0x04000000ACFF7F3FACFF7F3FACFF7F3FACFF7F3F"
module attributes {qfx.training = false} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  qfx.parameter @"conv2.weight" parameter = dense<1.0> : tensor<2x2x1x1xf32>
  qfx.parameter @"bn2.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn2.running_var" buffer = dense<1.0> : tensor<2xf32>
  func.func @multi_use(%x: tensor<1x1x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %c mean %m var %v eps = 1.0e-05 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    %r = qfx.relu %n {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<1x2x2x2xf32>
    %w2 = qfx.get_attr @"conv2.weight" : tensor<2x2x1x1xf32>
    %c2 = qfx.conv %r, %w2 stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv2">} : (tensor<1x2x2x2xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %m2 = qfx.get_attr @"bn2.running_mean" : tensor<2xf32>
    %v2 = qfx.get_attr @"bn2.running_var" : tensor<2xf32>
    %n2 = qfx.batch_norm %c2 mean %m2 var %v2 eps = 1.0e-05 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn2">} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    %r2 = qfx.relu %n2 {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu2">} : tensor<1x2x2x2xf32>
    return %c, %n2, %r2 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
  }
}

// -----

// A pattern only the custom backend config has: (ReLU6, Conv2d) fused into
// its own class; native has no such pattern and leaves the ops alone.

// CHECK-LABEL: func.func @relu6
// CHECK-NOT: qfx.fused
// CUSTOM-LABEL: func.func @relu6
// CUSTOM: qfx.fused
// CUSTOM:   qfx.conv {{.*}}module = "conv.0"
// CUSTOM:   qfx.hardtanh {{.*}}#qfx.node<call_module, "torch.nn.modules.activation.ReLU6", module = "conv.1">
// CUSTOM: } {qfx.node = #qfx.node<call_module, "custom.ConvReLU6", module = "conv">}
module attributes {qfx.training = false} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  func.func @relu6(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
    %r = qfx.hardtanh %c min_val = 0.0 max_val = 6.0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU6", module = "relu6">} : tensor<1x2x2x2xf32>
    return %r : tensor<1x2x2x2xf32>
  }
}

// -----

// One sweep, as _find_matches: native has no (ReLU, (BatchNorm1d, Linear))
// pattern, so fuse_fx folds the batch norm into the linear and leaves the
// ReLU alone (no second round turns linear + relu into a LinearReLU). A dead
// op (FX keeps dead nodes) stays.

// CHECK-LABEL: func.func @linear_bn_relu
// CHECK-NOT: qfx.fused
// CHECK: qfx.size %{{.*}} dim = 0
// CHECK: %[[L:.*]] = qfx.linear {{.*}}module = "fc">}
// CHECK-NOT: qfx.batch_norm
// CHECK: %[[R:.*]] = qfx.relu %[[L]] {{.*}}module = "relu">}
// CHECK: return %[[R]]
module attributes {qfx.training = false} {
  qfx.parameter @"fc.weight" parameter = dense<1.0> : tensor<2x2xf32>
  qfx.parameter @"bn.weight" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn.bias" parameter = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  func.func @linear_bn_relu(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
    %s = qfx.size %x dim = 0 {qfx.node = #qfx.node<call_method, "size">} : (tensor<1x2xf32>) -> i64
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %l = qfx.linear %x, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">} : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
    %g = qfx.get_attr @"bn.weight" : tensor<2xf32>
    %b = qfx.get_attr @"bn.bias" : tensor<2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %l weight %g bias %b mean %m var %v eps = 1.0e-05 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm1d", module = "bn">} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    %r = qfx.relu %n {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<1x2xf32>
    return %r : tensor<1x2xf32>
  }
}

// -----

// Hand-written IR whose fused names are taken: `conv.0.weight` is read by
// another op, so conv + relu cannot become a ConvReLU2d at `conv` and stay
// as they are (no crash, no clobbered parameter).

// CHECK-LABEL: func.func @name_clash
// CHECK-NOT: qfx.fused
// CHECK: qfx.conv {{.*}}module = "conv">}
// CHECK: qfx.relu {{.*}}module = "relu">}
module attributes {qfx.training = false} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"conv.0.weight" parameter = dense<2.0> : tensor<2x1x1x1xf32>
  func.func @name_clash(%x: tensor<1x1x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<2x1x1x1xf32>) {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
    %r = qfx.relu %c {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<1x2x2x2xf32>
    %o = qfx.get_attr @"conv.0.weight" : tensor<2x1x1x1xf32>
    return %r, %o : tensor<1x2x2x2xf32>, tensor<2x1x1x1xf32>
  }
}
