// RUN: qfx-opt %s -verify-diagnostics --qfx-fuse="backend=%S/Inputs/fuse-no-fuser.json"

// The config matches (F.relu, Conv2d), but PyTorch looks the fuser method
// up by module types, (nn.ReLU, Conv2d), which this config lacks.
module attributes {qfx.training = false} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  func.func @f(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
    // expected-error@+1 {{--qfx-fuse: did not find fuser method for: (torch.nn.modules.activation.ReLU, torch.nn.modules.conv.Conv2d)}}
    %r = qfx.relu %c {qfx.node = #qfx.node<call_function, "torch.nn.functional.relu">} : tensor<1x2x2x2xf32>
    return %r : tensor<1x2x2x2xf32>
  }
}
