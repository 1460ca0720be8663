// RUN: qfx-opt %s --qfx-prepare="qconfig-mapping=qnnpack prepare-custom-config=%S/Inputs/prepare-standalone.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s --check-prefix=PLAIN
// RUN: qfx-opt %s --qfx-prepare="qconfig-mapping=qnnpack prepare-custom-config=%S/Inputs/prepare-standalone-idx.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s --check-prefix=IDX

// A standalone module traced as a nested function (qfx_torch.export(...,
// standalone_modules=...)): `sub` is called by func.call with call_module
// provenance. The parent never observes the call's output, and its
// consumer takes it as quantized (the parent's qconfig dtype, as 1.13's
// target dtype for the standalone node). The nested function is prepared
// with the call's qconfig as global qconfig (no own qconfig mapping), its
// observers named as submodules of `sub`.
//
// With prepare-standalone.json (standalone_module_name [["sub", null,
// null, null, null]]), a float boundary: the parent observes neither input (erf's float output goes in
// as it is); inside, both inputs and the output are observed.
// With prepare-standalone-idx.json the module's own config has
// input_quantized_idxs [0] and
// output_quantized_idxs [0]: the parent observes input 0 (the float erf
// output) with its own activation observer and leaves input 1 alone;
// inside, input 0 is not observed again, and the function records its
// quantized idxs for convert.

// PLAIN-LABEL: func.func @forward
// PLAIN: %[[PRE:.*]] = qfx.linear
// PLAIN-NEXT: %[[PREO:.*]] = qfx.observer %[[PRE]] {{.*}} loc("activation_post_process_2")
// PLAIN-NEXT: %[[ERF:.*]] = qfx.call call_function "torch.erf"
// PLAIN-NEXT: %[[S:.*]] = call @sub.forward(%[[ERF]], %[[PREO]]) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">, qfx.qconfig = #qfx.qconfig<activation = <kind = histogram
// PLAIN-NEXT: qfx.get_attr @fc.weight
// PLAIN-NEXT: %[[FW:.*]] = qfx.observer
// PLAIN-NEXT: qfx.linear %[[S]], %[[FW]]
// PLAIN-LABEL: func.func private @sub.forward
// PLAIN-NOT: attributes
// PLAIN-SAME: {
// PLAIN-NEXT: %[[B:.*]] = qfx.observer %arg1 config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x8xf32> loc("sub.activation_post_process_3")
// PLAIN-NEXT: %[[A:.*]] = qfx.observer %arg0 config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x8xf32> loc("sub.activation_post_process_0")
// PLAIN-NEXT: qfx.get_attr @sub.fc.weight
// PLAIN-NEXT: %[[W:.*]] = qfx.observer {{.*}} loc("sub.activation_post_process_1")
// PLAIN-NEXT: %[[F:.*]] = qfx.linear %[[A]], %[[W]]
// PLAIN-NEXT: %[[FO:.*]] = qfx.observer %[[F]] {{.*}} loc("sub.activation_post_process_2")
// PLAIN-NEXT: %[[R:.*]] = qfx.add %[[FO]], %[[B]]
// PLAIN-NEXT: %[[RO:.*]] = qfx.observer %[[R]] {{.*}} loc("sub.activation_post_process_4")
// PLAIN-NEXT: return %[[RO]]

// IDX-LABEL: func.func @forward
// IDX: %[[PREO:.*]] = qfx.observer {{.*}} loc("activation_post_process_2")
// IDX-NEXT: %[[ERF:.*]] = qfx.call call_function "torch.erf"
// IDX-NEXT: %[[ERFO:.*]] = qfx.observer %[[ERF]] config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x8xf32> loc("activation_post_process_3")
// IDX-NEXT: %[[S:.*]] = call @sub.forward(%[[ERFO]], %[[PREO]])
// IDX-LABEL: func.func private @sub.forward
// IDX-SAME: attributes {qfx.standalone_input_quantized_idxs = array<i64: 0>, qfx.standalone_output_quantized_idxs = array<i64: 0>}
// IDX-NEXT: %[[B:.*]] = qfx.observer %arg1 {{.*}} loc("sub.activation_post_process_2")
// IDX-NEXT: qfx.get_attr @sub.fc.weight
// IDX-NEXT: %[[W:.*]] = qfx.observer
// IDX-NEXT: %[[F:.*]] = qfx.linear %arg0, %[[W]]
// IDX-NEXT: %[[FO:.*]] = qfx.observer %[[F]]
// IDX-NEXT: %[[R:.*]] = qfx.add %[[FO]], %[[B]]
// IDX-NEXT: %[[RO:.*]] = qfx.observer %[[R]]
// IDX-NEXT: return %[[RO]]
module {
  qfx.parameter @"pre.weight" parameter = dense<0.1> : tensor<8x8xf32>
  qfx.parameter @"fc.weight" parameter = dense<0.1> : tensor<8x8xf32>
  qfx.parameter @"sub.fc.weight" parameter = dense<0.2> : tensor<8x8xf32>
  func.func @forward(%x: tensor<1x8xf32> {qfx.name = "x"} loc("x")) -> tensor<1x8xf32> {
    %pw = qfx.get_attr @"pre.weight" : tensor<8x8xf32> loc("pre")
    %pre = qfx.linear %x, %pw {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "pre">} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32> loc("pre")
    %e = qfx.call call_function "torch.erf"(%x) {qfx.node = #qfx.node<call_function, "torch.erf">} : (tensor<1x8xf32>) -> (tensor<1x8xf32>) loc("erf")
    %s = func.call @"sub.forward"(%e, %pre) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("sub")
    %fw = qfx.get_attr @"fc.weight" : tensor<8x8xf32> loc("fc")
    %fc = qfx.linear %s, %fw {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32> loc("fc")
    return %fc : tensor<1x8xf32> loc("output")
  } loc("forward")
  func.func private @"sub.forward"(%a: tensor<1x8xf32> {qfx.name = "a"} loc("a"), %b: tensor<1x8xf32> {qfx.name = "b"} loc("b")) -> tensor<1x8xf32> {
    %w = qfx.get_attr @"sub.fc.weight" : tensor<8x8xf32> loc("fc")
    %f = qfx.linear %a, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "sub.fc">} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32> loc("fc")
    %r = qfx.add %f, %b {qfx.node = #qfx.node<call_function, "operator.add", module = "sub">} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("add")
    return %r : tensor<1x8xf32> loc("output")
  } loc("sub.forward")
}
