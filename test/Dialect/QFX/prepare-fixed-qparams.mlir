// RUN: qfx-opt %s -split-input-file -verify-diagnostics --qfx-prepare="qconfig-mapping=%S/Inputs/qconfig-fixed-qparams.json" | FileCheck %s

// _validate_fixed_qparams_qconfigs: prepare_fx raises for a fixed-qparams
// op whose resolved qconfig (here the global MinMaxObserver one) does not
// use the op's fixed-qparams observer; functions and module classes alike.
func.func @sigmoid_function(%x: tensor<2x5xf32> {qfx.name = "x"}) -> tensor<2x5xf32> {
  // (No NameLoc: diagnostics are matched by file location; the node name
  // then falls back to the op name.)
  // expected-error@+1 {{fixed-qparams op 'qfx.sigmoid' (torch.sigmoid) needs its fixed-qparams observer as the qconfig's activation}}
  %s = qfx.sigmoid %x {qfx.node = #qfx.node<call_function, "torch.sigmoid">} : tensor<2x5xf32>
  return %s : tensor<2x5xf32>
}

// -----

func.func @sigmoid_module(%x: tensor<2x5xf32> {qfx.name = "x"}) -> tensor<2x5xf32> {
  %r = qfx.relu %x {qfx.node = #qfx.node<call_function, "torch.relu">} : tensor<2x5xf32> loc("relu")
  // expected-error@+1 {{fixed-qparams op 'qfx.sigmoid' (torch.nn.modules.activation.Sigmoid) needs}}
  %s = qfx.sigmoid %r {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.Sigmoid", module = "act">} : tensor<2x5xf32>
  return %s : tensor<2x5xf32>
}

// -----

// Not errors: the fixed observer itself (Tanh's object_type entry), a None
// qconfig (F.hardsigmoid's entry), and a method call, which 1.13 does not
// check (its type lookup gives None for call_method nodes).
// CHECK-LABEL: func.func @valid
// CHECK: qfx.tanh
// CHECK: qfx.hardsigmoid
// CHECK: qfx.sigmoid
// CHECK-SAME: call_method
func.func @valid(%x: tensor<2x5xf32> {qfx.name = "x"}) -> tensor<2x5xf32> {
  %t = qfx.tanh %x {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.Tanh", module = "tanh">} : tensor<2x5xf32> loc("tanh")
  %h = qfx.hardsigmoid %t {qfx.node = #qfx.node<call_function, "torch.nn.functional.hardsigmoid">} : tensor<2x5xf32> loc("hardsigmoid")
  %s = qfx.sigmoid %h {qfx.node = #qfx.node<call_method, "sigmoid">} : tensor<2x5xf32> loc("sigmoid")
  return %s : tensor<2x5xf32>
}
