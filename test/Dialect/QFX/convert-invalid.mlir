// RUN: qfx-opt %s -split-input-file --qfx-convert -verify-diagnostics

// RUN: not qfx-opt %s --qfx-convert="engine=tpu" 2>&1 | FileCheck %s --check-prefix=ENGINE

// ENGINE: unknown engine 'tpu' (expected fbgemm, x86, qnnpack or onednn)

func.func @dynamic_qint32(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{cannot convert: dynamic quantization to 'qint32' is not supported yet}}
  %0 = qfx.observer %x config = <kind = placeholder, dtype = qint32, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<4xf32>
  %1 = qfx.relu %0 {qfx.node = #qfx.node<call_function, "torch.relu">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = qint32, qscheme = per_tensor_affine, is_dynamic = true>>} : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  func.func @weight_quint4x2(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    // expected-error@+1 {{cannot convert: weight dtype 'quint4x2' is not supported yet}}
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint4x2, qscheme = per_channel_affine_float_qparams>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// A weight-only embedding module whose weight is no qfx.parameter.
func.func @embedding_weight_only(%w: tensor<10x4xf32>, %i: tensor<3xi64>) -> tensor<3x4xf32> {
  // expected-error@+1 {{cannot convert: the weight of embedding module 'emb' is not a qfx.parameter}}
  %0 = qfx.embedding %w, %i {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "emb">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams>>} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A dynamically quantized LSTM whose weight is no qfx.parameter.
func.func @dynamic_lstm(%x: tensor<5x1x4xf32>, %a: tensor<32x4xf32>, %b: tensor<32x8xf32>) -> tensor<5x1x8xf32> {
  %0 = qfx.observer %x config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<5x1x4xf32>
  // expected-error@+1 {{cannot convert: LSTM weight #0 is not a float32 qfx.parameter with data}}
  %o, %h, %c = qfx.lstm %0 weights(%a, %b) hidden_size = 8 num_layers = 1 dropout = 0.0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.rnn.LSTM", module = "lstm">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<5x1x4xf32>, tensor<32x4xf32>, tensor<32x8xf32>) -> (tensor<5x1x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>)
  return %o : tensor<5x1x8xf32>
}

// -----

// A standalone module with input_quantized_idxs takes the quantized value
// its caller's quantize gives; its type holds the qparams, so two calls
// quantizing differently cannot share the function.
func.func @forward(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
  %o1 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [1.0]> : tensor<1x8xf32> loc("activation_post_process_0")
  %s1 = func.call @"sub.forward"(%o1) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %o2 = qfx.observer %s1 config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-2.0], max = [2.0]> : tensor<1x8xf32> loc("activation_post_process_1")
  // expected-error@+1 {{standalone module function @sub.forward takes input 0 quantized as}}
  %s2 = func.call @"sub.forward"(%o2) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return %s2 : tensor<1x8xf32>
}
func.func private @"sub.forward"(%a: tensor<1x8xf32> {qfx.name = "a"}) -> tensor<1x8xf32> attributes {qfx.standalone_input_quantized_idxs = array<i64: 0>} {
  %r = qfx.relu %a {qfx.node = #qfx.node<call_function, "torch.relu", module = "sub">} : tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// expected-error@+1 {{output_quantized_idxs entry 1 of standalone module function @other.forward is out of range}}
func.func private @"other.forward"(%a: tensor<1x8xf32> {qfx.name = "a"}) -> tensor<1x8xf32> attributes {qfx.standalone_output_quantized_idxs = array<i64: 1>} {
  return %a : tensor<1x8xf32>
}
