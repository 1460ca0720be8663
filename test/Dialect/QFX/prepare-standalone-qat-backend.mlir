// RUN: qfx-opt %s --qfx-prepare="backend=%S/Inputs/backend-qat-classes.json qconfig-mapping=qnnpack qat=true prepare-custom-config=%S/Inputs/prepare-standalone.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s

// prepare_qat_fx swaps the standalone module's conv and linear to
// nnqat.Conv2d / nnqat.Linear (the BackendConfig's qat_module entries), so
// its own prepare matches them with the patterns of those classes, not of
// nn.Conv2d / nn.Linear. backend-qat-classes.json has a pattern for
// nnqat.Linear but none for nnqat.Conv2d: the conv matches nothing
// (neither its input nor its output is observed; its weight keeps the
// parent's fake-quantize, the module's weight_fake_quant), and the linear
// observes the conv's output as its input. Checked against 1.13's
// prepare_qat_fx with the same BackendConfig.

// CHECK-LABEL: func.func private @sub.forward
// CHECK-NOT: qfx.fake_quantize %arg0
// CHECK: %[[W:.*]] = qfx.fake_quantize %{{.*}} : tensor<4x4x1x1xf32>
// CHECK-NEXT: %[[C:.*]] = qfx.conv %arg0, %[[W]]
// CHECK-NEXT: %[[CO:.*]] = qfx.fake_quantize %[[C]] {{.*}}loc("sub.activation_post_process_0")
// CHECK: %[[FW:.*]] = qfx.fake_quantize %{{.*}} : tensor<8x8xf32>
// CHECK-NEXT: %[[F:.*]] = qfx.linear %[[CO]], %[[FW]]
// CHECK-NEXT: %[[FO:.*]] = qfx.fake_quantize %[[F]] {{.*}}loc("sub.activation_post_process_2")
// CHECK-NEXT: return %[[FO]]
module attributes {qfx.training = true} {
  qfx.parameter @"sub.conv.weight" parameter = dense<0.2> : tensor<4x4x1x1xf32>
  qfx.parameter @"sub.fc.weight" parameter = dense<0.3> : tensor<8x8xf32>
  func.func @forward(%x: tensor<1x4x2x8xf32> {qfx.name = "x"} loc("x")) -> tensor<1x4x2x8xf32> {
    %s = func.call @"sub.forward"(%x) {qfx.node = #qfx.node<call_module, "m.Sub", module = "sub">} : (tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xf32> loc("sub")
    return %s : tensor<1x4x2x8xf32> loc("output")
  } loc("forward")
  func.func private @"sub.forward"(%a: tensor<1x4x2x8xf32> {qfx.name = "x"} loc("x")) -> tensor<1x4x2x8xf32> {
    %w = qfx.get_attr @"sub.conv.weight" : tensor<4x4x1x1xf32> loc("conv")
    %c = qfx.conv %a, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "sub.conv">} : (tensor<1x4x2x8xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x8xf32> loc("conv")
    %fw = qfx.get_attr @"sub.fc.weight" : tensor<8x8xf32> loc("fc")
    %f = qfx.linear %c, %fw {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "sub.fc">} : (tensor<1x4x2x8xf32>, tensor<8x8xf32>) -> tensor<1x4x2x8xf32> loc("fc")
    return %f : tensor<1x4x2x8xf32> loc("output")
  } loc("sub.forward")
}
