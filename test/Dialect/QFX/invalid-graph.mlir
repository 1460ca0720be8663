// RUN: qfx-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{FX node provenance needs a non-empty target}}
func.func @empty_target() attributes {qfx.node = #qfx.node<call_function, "">} {
  return
}

// -----

// expected-error@+1 {{call_module provenance needs the module path}}
func.func @module_without_path() attributes {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d">} {
  return
}

// -----

// expected-error@+1 {{'qfx.node' must be a #qfx.node provenance attribute}}
func.func @node_not_provenance() attributes {qfx.node = "conv1"} {
  return
}

// -----

// expected-error@+1 {{'qfx.training' is a module attribute}}
func.func @training_on_func() attributes {qfx.training = false} {
  return
}

// -----

// expected-error@+1 {{'qfx.training' must be a bool}}
module attributes {qfx.training = 1 : i32} {
}

// -----

// expected-error@+1 {{unknown qfx attribute 'qfx.nodes'}}
func.func @misspelled() attributes {qfx.nodes = 1 : i32} {
  return
}

// -----

// expected-error@+1 {{'qfx.name' of argument 0 must be a non-empty placeholder name}}
func.func @empty_name(%x: tensor<4xf32> {qfx.name = ""}) {
  return
}

// -----

// expected-error@+1 {{unknown qfx argument attribute 'qfx.label'}}
func.func @unknown_arg_attr(%x: tensor<4xf32> {qfx.label = "x"}) {
  return
}

// -----

module {
  // expected-error@+1 {{value must be a ranked tensor, got 'i32'}}
  qfx.parameter @p parameter = 1 : i32
}

// -----

module {
  // expected-error@+1 {{parameter 'p' must have a static shape}}
  qfx.parameter @p parameter = dense_resource<blob> : tensor<?xf32>
}

// -----

func.func @not_in_module() {
  // expected-error@+1 {{expects parent op 'builtin.module'}}
  qfx.parameter @p parameter = dense<1.0> : tensor<2xf32>
  return
}

// -----

module {
  func.func @missing_parameter() {
    // expected-error@+1 {{'w' does not name a qfx.parameter}}
    %w = qfx.get_attr @w : tensor<2xf32>
    return
  }
}

// -----

module {
  qfx.parameter @w parameter = dense<1.0> : tensor<2xf32>
  func.func @wrong_type() {
    // expected-error@+1 {{result type 'tensor<3xf32>' does not match parameter 'w' of type 'tensor<2xf32>'}}
    %w = qfx.get_attr @w : tensor<3xf32>
    return
  }
}

// -----

func.func @scalar_not_0d() {
  // expected-error@+1 {{a Python scalar must be a 0-d tensor}}
  %c = qfx.constant scalar dense<1.0> : tensor<1xf32>
  return
}

// -----

func.func @call_without_target(%x: tensor<4xf32>) {
  // expected-error@+1 {{needs a non-empty FX target}}
  %y = qfx.call call_function ""(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @call_wrong_kind(%x: tensor<4xf32>) {
  // expected-error@+1 {{kind must be call_module, call_function or call_method, got 'placeholder'}}
  %y = qfx.call placeholder "x"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @fused_arg_count(%x: tensor<4xf32>) {
  // expected-error@+1 {{body has 0 arguments for 1 inputs}}
  %y = qfx.fused %x : (tensor<4xf32>) -> tensor<4xf32> {
    %c = qfx.constant dense<1.0> : tensor<4xf32>
    qfx.yield %c : tensor<4xf32>
  }
  return
}

// -----

func.func @fused_arg_type(%x: tensor<4xf32>) {
  // expected-error@+1 {{body argument type 'tensor<5xf32>' does not match input type 'tensor<4xf32>'}}
  %y = qfx.fused %x : (tensor<4xf32>) -> tensor<5xf32> {
  ^bb0(%in: tensor<5xf32>):
    qfx.yield %in : tensor<5xf32>
  }
  return
}

// -----

func.func @fused_yield_types(%x: tensor<4xf32>) {
  // expected-error@+1 {{yielded types do not match the result types}}
  %y = qfx.fused %x : (tensor<4xf32>) -> tensor<5xf32> {
  ^bb0(%in: tensor<4xf32>):
    qfx.yield %in : tensor<4xf32>
  }
  return
}

// -----

// expected-error@+1 {{'qfx.qconfig' must be a #qfx.qconfig attribute}}
func.func @qconfig_not_attr() attributes {qfx.qconfig = 1 : i32} {
  return
}

// -----

// expected-error@+1 {{a qconfig needs an activation or a weight side}}
func.func @qconfig_empty() attributes {qfx.qconfig = #qfx.qconfig<>} {
  return
}

// -----

// expected-error@+1 {{weight_fake_quantize needs a weight observer}}
func.func @qconfig_fake_quant_alone() attributes {qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight_fake_quantize = <kind = fake_quantize>>} {
  return
}

// -----

// expected-error@+1 {{activation_fake_quantize needs an activation observer}}
func.func @qconfig_act_fake_quant_alone() attributes {qfx.qconfig = #qfx.qconfig<weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>, activation_fake_quantize = <kind = fake_quantize>>} {
  return
}
