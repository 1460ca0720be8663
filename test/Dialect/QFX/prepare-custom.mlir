// RUN: qfx-opt %s --qfx-prepare="fuse=false prepare-custom-config=%S/Inputs/prepare-standalone.json" | FileCheck %s

// PrepareCustomConfig JSON (qfx_torch.save_prepare_custom_config): the
// standalone module `sub` (a call_module op kept as a leaf) gets no
// observers of its own, neither on its inputs nor inside nor on its output;
// its consumer takes its output as quantized (1.13 keeps the parent's
// qconfig dtype for it).

#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// CHECK-LABEL: func.func @standalone
// CHECK: %[[S:.*]] = qfx.linear %arg0, %{{.*}} {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "sub">
// CHECK-NEXT: %[[A:.*]] = qfx.add %[[S]], %[[S]]
// CHECK-NEXT: %[[AO:.*]] = qfx.observer %[[A]]
// CHECK-NEXT: return %[[AO]]
module {
  qfx.parameter @"sub.weight" parameter = dense<0.1> : tensor<8x8xf32>
  func.func @standalone(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
    %w = qfx.get_attr @"sub.weight" : tensor<8x8xf32> loc("sub")
    %s = qfx.linear %x, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "sub">, qfx.qconfig = #q} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32> loc("sub")
    %a = qfx.add %s, %s {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #q} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("add")
    return %a : tensor<1x8xf32>
  }
}
