// RUN: qfx-opt %s --qfx-fuse="backend=%S/Inputs/fuse-claimed.json" | FileCheck %s

// An op that a fusion claimed is not matched again (fuse_fx's
// _find_matches skips nodes already in a match): the sweep meets the
// (Conv2d, BatchNorm2d) match first, from its last op; the folded conv then
// ends the backend config's (ReLU, Conv2d) pattern but stays unfused.

// CHECK-LABEL: func.func @forward
// CHECK: qfx.relu
// CHECK-SAME: module = "act"
// CHECK: qfx.conv
// CHECK-SAME: module = "conv"
// CHECK-NOT: qfx.fused
// CHECK-NOT: qfx.batch_norm
// CHECK: return
module attributes {qfx.training = false} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"bn.weight" parameter = dense<[2.0, 3.0]> : tensor<2xf32>
  qfx.parameter @"bn.bias" parameter = dense<[0.5, -1.0]> : tensor<2xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<[1.0, 2.0]> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<0.75> : tensor<2xf32>
  func.func @forward(%x: tensor<1x1x4x4xf32> {qfx.name = "x"}) -> tensor<1x2x4x4xf32> {
    %a = qfx.relu %x {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "act">} : tensor<1x1x4x4xf32>
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %a, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
    %g = qfx.get_attr @"bn.weight" : tensor<2xf32>
    %b = qfx.get_attr @"bn.bias" : tensor<2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %c weight %g bias %b mean %m var %v eps = 0.25 momentum = 0.1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    return %n : tensor<1x2x4x4xf32>
  }
}
