// RUN: qfx-opt %s --qfx-prepare="qconfig-mapping=qnnpack prepare-custom-config=%S/Inputs/prepare-standalone-own.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s

// Standalone modules with configs of their own
// (Inputs/prepare-standalone-own.json, written by save_prepare_custom_config):
// * standalone_module_class m.Block: its own qconfig mapping quantizes only
//   its `fc` (module names relative to the module) with default_qconfig
//   (MinMaxObserver, quant range 0..127), not the parent's qnnpack mapping;
//   its own config has input_quantized_idxs [0], so the parent observes the
//   call's input with the parent's activation observer;
// * standalone_module_name `other`, also an m.Block: the name entry wins
//   over the class entry entirely (get_standalone_module_configs): no own
//   mapping (the call's qconfig becomes the global qconfig), float inputs,
//   and its own backend config (backend-strict.json: only Linear with a
//   2^-12 minimum scale, and the ReLU module), under which qnnpack's linear
//   qconfig is unsupported and torch.relu / operator.add have no pattern:
//   nothing in `other` is observed (under the parent's native backend the
//   add would be).

// CHECK-LABEL: func.func @forward
// CHECK-NEXT: %[[X:.*]] = qfx.observer %arg0 config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x8xf32> loc("activation_post_process_0")
// CHECK-NEXT: %[[S:.*]] = call @sub.forward(%[[X]])
// CHECK-NEXT: %[[O:.*]] = call @other.forward(%[[S]])
// CHECK-NEXT: return %[[O]]

// CHECK-LABEL: func.func private @sub.forward
// CHECK-SAME: attributes {qfx.standalone_input_quantized_idxs = array<i64: 0>}
// CHECK-NEXT: qfx.get_attr @sub.fc.weight
// CHECK-NEXT: %[[W:.*]] = qfx.observer %{{.*}} config = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric> : tensor<8x8xf32> loc("sub.activation_post_process_0")
// CHECK-NEXT: %[[F:.*]] = qfx.linear %arg0, %[[W]] {{.*}}qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 127>
// CHECK-NEXT: %[[FO:.*]] = qfx.observer %[[F]] config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 127> : tensor<1x8xf32> loc("sub.activation_post_process_1")
// CHECK-NEXT: %[[R:.*]] = qfx.relu %[[FO]] {qfx.node = #qfx.node<call_function, "torch.relu", module = "sub">}
// CHECK-NEXT: %[[A:.*]] = qfx.add %[[R]], %arg0 {qfx.node = #qfx.node<call_function, "operator.add", module = "sub">}
// CHECK-NEXT: return %[[A]]

// CHECK-LABEL: func.func private @other.forward
// CHECK-NOT: attributes
// CHECK-NOT: qfx.observer
// CHECK: return
module {
  qfx.parameter @"sub.fc.weight" parameter = dense<0.1> : tensor<8x8xf32>
  qfx.parameter @"other.fc.weight" parameter = dense<0.2> : tensor<8x8xf32>
  func.func @forward(%x: tensor<1x8xf32> {qfx.name = "x"} loc("x")) -> tensor<1x8xf32> {
    %s = func.call @"sub.forward"(%x) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x8xf32>) -> tensor<1x8xf32> loc("sub")
    %o = func.call @"other.forward"(%s) {qfx.node = #qfx.node<call_module, "m.Block", module = "other">} : (tensor<1x8xf32>) -> tensor<1x8xf32> loc("other")
    return %o : tensor<1x8xf32> loc("output")
  } loc("forward")
  func.func private @"sub.forward"(%a: tensor<1x8xf32> {qfx.name = "a"} loc("a")) -> tensor<1x8xf32> {
    %w = qfx.get_attr @"sub.fc.weight" : tensor<8x8xf32> loc("fc")
    %f = qfx.linear %a, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "sub.fc">} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32> loc("fc")
    %r = qfx.relu %f {qfx.node = #qfx.node<call_function, "torch.relu", module = "sub">} : tensor<1x8xf32> loc("relu")
    %s = qfx.add %r, %a {qfx.node = #qfx.node<call_function, "operator.add", module = "sub">} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("add")
    return %s : tensor<1x8xf32> loc("output")
  } loc("sub.forward")
  func.func private @"other.forward"(%a: tensor<1x8xf32> {qfx.name = "a"} loc("a")) -> tensor<1x8xf32> {
    %w = qfx.get_attr @"other.fc.weight" : tensor<8x8xf32> loc("fc")
    %f = qfx.linear %a, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "other.fc">} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32> loc("fc")
    %r = qfx.relu %f {qfx.node = #qfx.node<call_function, "torch.relu", module = "other">} : tensor<1x8xf32> loc("relu")
    %s = qfx.add %r, %a {qfx.node = #qfx.node<call_function, "operator.add", module = "other">} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("add")
    return %s : tensor<1x8xf32> loc("output")
  } loc("other.forward")
}
