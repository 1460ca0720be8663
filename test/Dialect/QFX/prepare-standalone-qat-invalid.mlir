// RUN: qfx-opt %s -verify-diagnostics --qfx-prepare="qconfig-mapping=%S/Inputs/prepare-standalone-qat-recording.json qat=true prepare-custom-config=%S/Inputs/prepare-standalone.json"

// prepare_qat_fx swaps the standalone module's conv to nnqat.Conv2d with the
// parent's qconfig for `sub.conv` (propagate_qconfig_'s eager rules), here
// a RecordingObserver activation: qfx has no observer kind for it, so the
// swapped conv's weight fake-quantize cannot be built (an error, not a
// crash). The module's own prepare (global None) never looks at it.
module attributes {qfx.training = true} {
  qfx.parameter @"sub.conv.weight" parameter = dense<0.2> : tensor<4x4x1x1xf32>
  func.func @forward(%x: tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32> {
    %s = func.call @"sub.forward"(%x) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32>
    return %s : tensor<1x4x2x4xf32>
  }
  func.func private @"sub.forward"(%a: tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32> {
    %w = qfx.get_attr @"sub.conv.weight" : tensor<4x4x1x1xf32>
    // expected-error@+1 {{module 'sub.conv' of standalone module 'sub': prepare_qat_fx swaps it to its QAT class with the parent's qconfig, which has no qfx form}}
    %c = qfx.conv %a, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "sub.conv">} : (tensor<1x4x2x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x4xf32>
    return %c : tensor<1x4x2x4xf32>
  }
}
