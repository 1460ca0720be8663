// RUN: qfx-opt %s -split-input-file -verify-diagnostics --qfx-prepare="qconfig-mapping=qnnpack prepare-custom-config=%S/Inputs/prepare-standalone-out.json"
// RUN: not qfx-opt %s -split-input-file --qfx-prepare="qconfig-mapping=qnnpack prepare-custom-config=%S/Inputs/prepare-standalone-bad.json" 2>&1 | FileCheck %s --check-prefix=BAD

// Config: standalone_module_name [["sub", null, null,
// {"output_quantized_idxs": [0]}, null]].

// BAD: error: prepare-custom-config '{{.*}}prepare-standalone-bad.json': standalone_module_name[0].qconfig_mapping: {{.*}}quint9

// A nested function whose module the custom config does not list as
// standalone (1.13 would have traced through it).
func.func @forward(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
  // expected-error@+1 {{call of the nested function @other.forward (module 'other'): its module is not a standalone module of the prepare custom config}}
  %o = func.call @"other.forward"(%x) {qfx.node = #qfx.node<call_module, "m.Block", module = "other">} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return %o : tensor<1x8xf32>
}
func.func private @"other.forward"(%a: tensor<1x8xf32> {qfx.name = "a"}) -> tensor<1x8xf32> {
  return %a : tensor<1x8xf32>
}

// -----

// output_quantized_idxs needs a single result (1.13: "standalone module
// only supports returning simple value").
func.func @forward(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
  // expected-error@+1 {{standalone module 'sub' has output_quantized_idxs but returns 2 values}}
  %s:2 = func.call @"sub.forward"(%x) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>)
  return %s#0 : tensor<1x8xf32>
}
func.func private @"sub.forward"(%a: tensor<1x8xf32> {qfx.name = "a"}) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  return %a, %a : tensor<1x8xf32>, tensor<1x8xf32>
}

// -----

// The callee must have a body.
func.func @forward(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
  // expected-error@+1 {{standalone module 'sub' calls @sub.forward, which is not a function with a body}}
  %s = func.call @"sub.forward"(%x) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return %s : tensor<1x8xf32>
}
func.func private @"sub.forward"(tensor<1x8xf32>) -> tensor<1x8xf32>
