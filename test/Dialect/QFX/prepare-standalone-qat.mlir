// RUN: qfx-opt %s -split-input-file --qfx-prepare="qconfig-mapping=qnnpack qat=true prepare-custom-config=%S/Inputs/prepare-standalone-qat.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-prepare="qconfig-mapping=qnnpack qat=true prepare-custom-config=%S/Inputs/prepare-standalone.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s --check-prefix=SWAP

// prepare_qat_fx with a traced standalone module: before `sub` is prepared
// on its own, the parent's prepare swaps its Conv2d and Linear to QAT
// modules with the parent's qconfigs (propagate_qconfig_). So nothing inside
// is fused (nnqat.Conv2d + ReLU matches no fusion pattern) and both weights
// get the parent's weight fake-quantize, although the module's own mapping
// (prepare-standalone-qat.json: global None, `fc` default_qconfig) gives
// the conv no qconfig and the linear a MinMaxObserver weight. The linear's
// activations are observed as its own mapping says (MinMaxObserver); the
// parent's conv + relu are fused as usual.
//
// With prepare-standalone.json (no mapping of its own) `sub` is
// prepared with the parent's qconfig for the call as global qconfig. Its
// swapped conv (an nnqat.Conv2d in PyTorch) matches no (ReLU, Conv2d)
// pattern: the conv output gets its own fake-quantize, on the conv, and the
// relu (a share-qparams op matched on its own) shares it, where a fused
// conv + relu match would put the one output fake-quantize on the relu.

// CHECK-LABEL: func.func @forward
// CHECK: qfx.fused
// CHECK: call @sub.forward
// CHECK-LABEL: func.func private @sub.forward
// CHECK-NOT: qfx.fused
// CHECK: %[[W:.*]] = qfx.fake_quantize %{{.*}} config = <kind = fused_moving_avg_obs_fake_quantize> observer = <kind = moving_average_min_max, dtype = qint8, qscheme = per_tensor_symmetric{{.*}}> : tensor<4x4x1x1xf32> loc("sub.activation_post_process_
// CHECK: %[[C:.*]] = qfx.conv %arg0, %[[W]]
// CHECK-NEXT: %[[R:.*]] = qfx.relu %[[C]]
// CHECK-NEXT: %[[RO:.*]] = qfx.observer %[[R]] config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 127> : tensor<1x4x2x4xf32> loc("sub.activation_post_process_0")
// CHECK: %[[FW:.*]] = qfx.fake_quantize %{{.*}} config = <kind = fused_moving_avg_obs_fake_quantize> observer = <kind = moving_average_min_max, dtype = qint8, qscheme = per_tensor_symmetric{{.*}}> : tensor<4x4xf32> loc("sub.activation_post_process_1")
// CHECK-NEXT: %[[F:.*]] = qfx.linear %[[RO]], %[[FW]]
// CHECK-NEXT: qfx.observer %[[F]] config = <kind = min_max
// CHECK-NOT: qfx.fake_quantize
// CHECK: return

// SWAP-LABEL: func.func @forward
// SWAP: qfx.fused
// SWAP: call @sub.forward
// SWAP-LABEL: func.func private @sub.forward
// SWAP-NOT: qfx.fused
// SWAP: %[[X:.*]] = qfx.fake_quantize %arg0 {{.*}}loc("sub.activation_post_process_0")
// SWAP-NEXT: %[[WR:.*]] = qfx.get_attr @sub.conv.weight
// SWAP-NEXT: %[[W:.*]] = qfx.fake_quantize %[[WR]] {{.*}}dtype = qint8, qscheme = per_tensor_symmetric
// SWAP-NEXT: %[[C:.*]] = qfx.conv %[[X]], %[[W]]
// SWAP-NEXT: %[[CO:.*]] = qfx.fake_quantize %[[C]] config = <kind = fused_moving_avg_obs_fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8{{.*}}> {qfx.observer_group = "[[G:sub.activation_post_process_[0-9]+]]"}
// SWAP-NEXT: %[[R:.*]] = qfx.relu %[[CO]]
// SWAP-NEXT: %[[RO:.*]] = qfx.fake_quantize %[[R]] {{.*}}{qfx.observer_group = "[[G]]"}
// SWAP: qfx.linear %[[RO]]
// SWAP: return
module attributes {qfx.training = true} {
  qfx.parameter @"conv.weight" parameter = dense<0.1> : tensor<4x4x1x1xf32>
  qfx.parameter @"sub.conv.weight" parameter = dense<0.2> : tensor<4x4x1x1xf32>
  qfx.parameter @"sub.fc.weight" parameter = dense<0.3> : tensor<4x4xf32>
  func.func @forward(%x: tensor<1x4x2x4xf32> {qfx.name = "x"} loc("x")) -> tensor<1x4x2x4xf32> {
    %w = qfx.get_attr @"conv.weight" : tensor<4x4x1x1xf32> loc("conv")
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x4x2x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x4xf32> loc("conv")
    %r = qfx.relu %c {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<1x4x2x4xf32> loc("relu")
    %s = func.call @"sub.forward"(%r) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32> loc("sub")
    return %s : tensor<1x4x2x4xf32> loc("output")
  } loc("forward")
  func.func private @"sub.forward"(%a: tensor<1x4x2x4xf32> {qfx.name = "x"} loc("x")) -> tensor<1x4x2x4xf32> {
    %w = qfx.get_attr @"sub.conv.weight" : tensor<4x4x1x1xf32> loc("conv")
    %c = qfx.conv %a, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "sub.conv">} : (tensor<1x4x2x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x4xf32> loc("conv")
    %r = qfx.relu %c {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "sub.relu">} : tensor<1x4x2x4xf32> loc("relu")
    %fw = qfx.get_attr @"sub.fc.weight" : tensor<4x4xf32> loc("fc")
    %f = qfx.linear %r, %fw {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "sub.fc">} : (tensor<1x4x2x4xf32>, tensor<4x4xf32>) -> tensor<1x4x2x4xf32> loc("fc")
    return %f : tensor<1x4x2x4xf32> loc("output")
  } loc("sub.forward")
}

// -----

// A swapped conv followed by batch_norm + relu: fuse_fx of the standalone
// module no longer sees Conv2d (nnqat.Conv2d matches no fusion pattern), so
// the batch_norm + relu that follow fuse on their own (BNReLU2d), as 1.13's
// first-match-wins walk tries the shorter pattern next.

// CHECK-LABEL: func.func private @sub.forward
// CHECK: qfx.conv
// CHECK-NOT: qfx.conv
// CHECK: qfx.fused
// CHECK: qfx.batch_norm
// CHECK: qfx.relu
// CHECK: qfx.yield
// CHECK: "torch.ao.nn.intrinsic.modules.fused.BNReLU2d", module = "sub.bn"

// SWAP-LABEL: func.func private @sub.forward
// SWAP: %[[C:.*]] = qfx.conv
// SWAP-NEXT: %[[CO:.*]] = qfx.fake_quantize %[[C]] {{.*}}loc("sub.activation_post_process_2")
// SWAP-NEXT: %[[F:.*]] = qfx.fused %[[CO]]
// SWAP: "torch.ao.nn.intrinsic.modules.fused.BNReLU2d", module = "sub.bn"
// SWAP-NEXT: qfx.fake_quantize %[[F]] {{.*}}loc("sub.activation_post_process_3")
module attributes {qfx.training = true} {
  qfx.parameter @"sub.conv.weight" parameter = dense<0.2> : tensor<4x4x1x1xf32>
  qfx.parameter @"sub.bn.weight" parameter = dense<1.0> : tensor<4xf32>
  qfx.parameter @"sub.bn.bias" parameter = dense<0.0> : tensor<4xf32>
  qfx.parameter @"sub.bn.running_mean" buffer = dense<0.0> : tensor<4xf32>
  qfx.parameter @"sub.bn.running_var" buffer = dense<1.0> : tensor<4xf32>
  func.func @forward(%x: tensor<1x4x2x4xf32> {qfx.name = "x"} loc("x")) -> tensor<1x4x2x4xf32> {
    %s = func.call @"sub.forward"(%x) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x4x2x4xf32>) -> tensor<1x4x2x4xf32> loc("sub")
    return %s : tensor<1x4x2x4xf32> loc("output")
  } loc("forward")
  func.func private @"sub.forward"(%a: tensor<1x4x2x4xf32> {qfx.name = "x"} loc("x")) -> tensor<1x4x2x4xf32> {
    %w = qfx.get_attr @"sub.conv.weight" : tensor<4x4x1x1xf32> loc("conv")
    %c = qfx.conv %a, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "sub.conv">} : (tensor<1x4x2x4xf32>, tensor<4x4x1x1xf32>) -> tensor<1x4x2x4xf32> loc("conv")
    %bw = qfx.get_attr @"sub.bn.weight" : tensor<4xf32> loc("bn")
    %bb = qfx.get_attr @"sub.bn.bias" : tensor<4xf32> loc("bn")
    %bm = qfx.get_attr @"sub.bn.running_mean" : tensor<4xf32> loc("bn")
    %bv = qfx.get_attr @"sub.bn.running_var" : tensor<4xf32> loc("bn")
    %b = qfx.batch_norm %c weight %bw bias %bb mean %bm var %bv eps = 1.0e-05 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "sub.bn">} : (tensor<1x4x2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x2x4xf32> loc("bn")
    %r = qfx.relu %b {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "sub.relu">} : tensor<1x4x2x4xf32> loc("relu")
    return %r : tensor<1x4x2x4xf32> loc("output")
  } loc("sub.forward")
}
