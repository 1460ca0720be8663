// RUN: qfx-opt %s --qfx-fuse --qfx-prepare="fuse=false" --qfx-pass-cpu-time 2>&1 -o %t | FileCheck %s --check-prefix=TIME
// RUN: FileCheck %s --input-file=%t
// RUN: qfx-opt %s --qfx-fuse 2>&1 | FileCheck %s --check-prefix=NOTIME

// --qfx-pass-cpu-time prints one line per top-level pass, in pipeline
// order, and leaves the output as it is without the flag.

// TIME: qfx-pass-cpu-time: {{[0-9]+\.[0-9]+}} QfxFuse
// TIME-NEXT: qfx-pass-cpu-time: {{[0-9]+\.[0-9]+}} QfxPrepare
// TIME-NOT: qfx-pass-cpu-time
// NOTIME-NOT: qfx-pass-cpu-time
// NOTIME: qfx.fused
// NOTIME-NOT: qfx-pass-cpu-time

// CHECK: qfx.fused
// CHECK-SAME: -> tensor<1x2x4x4xf32>
module attributes {qfx.training = false} {
  qfx.parameter @"conv1.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  func.func @forward(%x: tensor<1x1x4x4xf32> {qfx.name = "x"}) -> tensor<1x2x4x4xf32> {
    %w = qfx.get_attr @"conv1.weight" : tensor<2x1x1x1xf32> loc("conv1_weight")
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1">} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32> loc("conv1")
    %r = qfx.relu %c {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<1x2x4x4xf32> loc("relu")
    return %r : tensor<1x2x4x4xf32>
  }
}
