// RUN: qfx-opt %s -split-input-file --qfx-convert="engine=onednn" | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-convert="engine=onednn decomposed=true" | FileCheck %s --check-prefix=DECOMP

// Dynamic nn.LSTM (default_dynamic_qconfig): convert_to_reference_fx swaps
// in the reference LSTM, which quantizes and dequantizes each flat weight
// with its own qparams (a fresh MinMaxObserver(qint8, per_tensor_symmetric)
// per tensor: absmax / 127.5, here 2.0 and 1.0); biases stay float. The
// input observer becomes quantize_per_tensor_dynamic -> dequantize.
module {
  qfx.parameter @"lstm.weight_ih_l0" parameter = dense<[[0.5, -0.25], [1.0, 2.0], [0.5, -0.25], [1.0, 2.0], [0.5, -0.25], [1.0, 2.0], [0.5, -0.25], [1.0, 2.0]]> : tensor<8x2xf32>
  qfx.parameter @"lstm.weight_hh_l0" parameter = dense<[[0.5, -1.0], [0.25, 0.125], [0.5, -1.0], [0.25, 0.125], [0.5, -1.0], [0.25, 0.125], [0.5, -1.0], [0.25, 0.125]]> : tensor<8x2xf32>
  qfx.parameter @"lstm.bias_ih_l0" parameter = dense<0.5> : tensor<8xf32>
  qfx.parameter @"lstm.bias_hh_l0" parameter = dense<-0.5> : tensor<8xf32>
  // CHECK-LABEL: func.func @dynamic_lstm
  // DECOMP-LABEL: func.func @dynamic_lstm
  func.func @dynamic_lstm(%x: tensor<3x1x2xf32>) -> tensor<3x1x2xf32> {
    // CHECK: %[[Q:.*]] = qfx.quantize_dynamic %{{.*}} reduce_range = false {qfx.node = #qfx.node<call_function, "torch.quantize_per_tensor_dynamic", module = "activation_post_process_0">}
    // CHECK: %[[D:.*]] = qfx.dequantize %[[Q]]
    // CHECK-DAG: %[[WIH:.*]] = qfx.get_attr @lstm.weight_ih_l0
    // CHECK-DAG: %[[WHH:.*]] = qfx.get_attr @lstm.weight_hh_l0
    // CHECK-DAG: %[[BIH:.*]] = qfx.get_attr @lstm.bias_ih_l0
    // CHECK-DAG: %[[BHH:.*]] = qfx.get_attr @lstm.bias_hh_l0
    // CHECK: %[[QIH:.*]] = qfx.quantize %[[WIH]] : tensor<8x2xf32> -> tensor<8x2x!quant.uniform<i8:f32, 0.015686275437474251>>{{$}}
    // CHECK: %[[DIH:.*]] = qfx.dequantize %[[QIH]] : tensor<8x2x!quant.uniform<i8:f32, 0.015686275437474251>> -> tensor<8x2xf32>
    // CHECK: %[[QHH:.*]] = qfx.quantize %[[WHH]] : tensor<8x2xf32> -> tensor<8x2x!quant.uniform<i8:f32, 0.0078431377187371254>>
    // CHECK: %[[DHH:.*]] = qfx.dequantize %[[QHH]]
    // CHECK-NOT: qfx.quantize
    // CHECK: qfx.lstm %[[D]] weights(%[[DIH]], %[[DHH]], %[[BIH]], %[[BHH]]) hidden_size = 2
    // CHECK-NOT: qfx.qconfig
    // DECOMP: qfx.choose_qparams
    // DECOMP: qfx.quantize_affine %{{.*}} scales = array<f32: 0.0156862754> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<8x2xf32> -> tensor<8x2xi8>
    // DECOMP: qfx.dequantize_affine
    // DECOMP: qfx.quantize_affine %{{.*}} scales = array<f32: 0.00784313772> zero_points = array<i64: 0> quant_min = -128 quant_max = 127 : tensor<8x2xf32> -> tensor<8x2xi8>
    // DECOMP-NOT: !quant
    %0 = qfx.observer %x config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x1x2xf32>
    %wih = qfx.get_attr @"lstm.weight_ih_l0" : tensor<8x2xf32>
    %whh = qfx.get_attr @"lstm.weight_hh_l0" : tensor<8x2xf32>
    %bih = qfx.get_attr @"lstm.bias_ih_l0" : tensor<8xf32>
    %bhh = qfx.get_attr @"lstm.bias_hh_l0" : tensor<8xf32>
    %o, %h, %c = qfx.lstm %0 weights(%wih, %whh, %bih, %bhh) hidden_size = 2 num_layers = 1 has_biases dropout = 0.0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.rnn.LSTM", module = "lstm">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x1x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<3x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
    return %o : tensor<3x1x2xf32>
  }
}

// -----

// per_channel_dynamic_qconfig, no biases, bidirectional: every flat tensor
// is a weight (two per direction), each quantized per output channel.
module {
  qfx.parameter @"lstm.weight_ih_l0" parameter = dense<[[0.5, -0.25], [1.0, 2.0], [0.5, -0.25], [1.0, 2.0], [0.5, -0.25], [1.0, 2.0], [0.5, -0.25], [1.0, 2.0]]> : tensor<8x2xf32>
  qfx.parameter @"lstm.weight_hh_l0" parameter = dense<[[0.5, -1.0], [0.25, 0.125], [0.5, -1.0], [0.25, 0.125], [0.5, -1.0], [0.25, 0.125], [0.5, -1.0], [0.25, 0.125]]> : tensor<8x2xf32>
  // CHECK-LABEL: func.func @per_channel_bidirectional
  func.func @per_channel_bidirectional(%x: tensor<3x1x2xf32>) -> tensor<3x1x4xf32> {
    // CHECK-COUNT-2: qfx.quantize %{{.*}} : tensor<8x2xf32> -> tensor<8x2x!quant.uniform<i8:f32:0, {0.0039215688593685627,0.015686275437474251,0.0039215688593685627,0.015686275437474251,0.0039215688593685627,0.015686275437474251,0.0039215688593685627,0.015686275437474251}>>
    // CHECK-COUNT-2: qfx.quantize %{{.*}} : tensor<8x2xf32> -> tensor<8x2x!quant.uniform<i8:f32:0, {0.0078431377187371254,0.0019607844296842813,0.0078431377187371254,0.0019607844296842813,0.0078431377187371254,0.0019607844296842813,0.0078431377187371254,0.0019607844296842813}>>
    // CHECK-NOT: qfx.quantize %
    // CHECK: qfx.lstm
    %0 = qfx.observer %x config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x1x2xf32>
    %wih = qfx.get_attr @"lstm.weight_ih_l0" : tensor<8x2xf32>
    %whh = qfx.get_attr @"lstm.weight_hh_l0" : tensor<8x2xf32>
    %o, %h, %c = qfx.lstm %0 weights(%wih, %wih, %whh, %whh) hidden_size = 2 num_layers = 1 bidirectional dropout = 0.0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.rnn.LSTM", module = "lstm">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric>>} : (tensor<3x1x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>) -> (tensor<3x1x4xf32>, tensor<2x1x2xf32>, tensor<2x1x2xf32>)
    return %o : tensor<3x1x4xf32>
  }
}

// -----

// float16_dynamic_qconfig: the reference LSTM's weight_qscheme is None and
// its weights stay float; the input rounds to float16 and back.
module {
  qfx.parameter @"lstm.weight_ih_l0" parameter = dense<0.5> : tensor<8x2xf32>
  // CHECK-LABEL: func.func @float16_lstm
  func.func @float16_lstm(%x: tensor<3x1x2xf32>) -> tensor<3x1x2xf32> {
    // CHECK: qfx.quantize_dynamic %{{.*}} -> tensor<3x1x2xf16>
    // CHECK-NOT: qfx.quantize %
    // CHECK: %[[W:.*]] = qfx.get_attr @lstm.weight_ih_l0
    // CHECK-NOT: qfx.quantize %
    // CHECK: qfx.lstm %{{.*}} weights(%[[W]], %[[W]])
    %0 = qfx.observer %x config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x1x2xf32>
    %w = qfx.get_attr @"lstm.weight_ih_l0" : tensor<8x2xf32>
    %o, %h, %c = qfx.lstm %0 weights(%w, %w) hidden_size = 2 num_layers = 1 dropout = 0.0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.rnn.LSTM", module = "lstm">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine>>} : (tensor<3x1x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>) -> (tensor<3x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
    return %o : tensor<3x1x2xf32>
  }
}

// -----

// LSTMs PyTorch leaves float: an unobserved input (not in
// observed_node_names), and a static qconfig (no rnn DTypeConfig takes it:
// the observer before it still becomes quantize -> dequantize).
module {
  qfx.parameter @"lstm.weight_ih_l0" parameter = dense<0.5> : tensor<8x2xf32>
  // CHECK-LABEL: func.func @float_lstms
  func.func @float_lstms(%x: tensor<3x1x2xf32>) -> (tensor<3x1x2xf32>, tensor<3x1x2xf32>) {
    // CHECK: %[[W:.*]] = qfx.get_attr @lstm.weight_ih_l0
    // CHECK: qfx.lstm %{{.*}} weights(%[[W]], %[[W]])
    // CHECK: %[[Q:.*]] = qfx.quantize %{{.*}} : tensor<3x1x2xf32> -> tensor<3x1x2x!quant.uniform<u8:f32
    // CHECK: %[[D:.*]] = qfx.dequantize %[[Q]]
    // CHECK-NOT: qfx.quantize %
    // CHECK: qfx.lstm %[[D]] weights(%[[W]], %[[W]])
    %w = qfx.get_attr @"lstm.weight_ih_l0" : tensor<8x2xf32>
    %o, %h, %c = qfx.lstm %x weights(%w, %w) hidden_size = 2 num_layers = 1 dropout = 0.0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.rnn.LSTM", module = "lstm">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x1x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>) -> (tensor<3x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
    %0 = qfx.observer %o config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [1.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<3x1x2xf32>
    %o2, %h2, %c2 = qfx.lstm %0 weights(%w, %w) hidden_size = 2 num_layers = 1 dropout = 0.0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.rnn.LSTM", module = "lstm2">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x1x2xf32>, tensor<8x2xf32>, tensor<8x2xf32>) -> (tensor<3x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
    return %o, %o2 : tensor<3x1x2xf32>, tensor<3x1x2xf32>
  }
}

// -----

// nn.GRU has no BackendConfig pattern and no reference module in 1.13:
// convert leaves it float even with a dynamic qconfig and an observed input
// (the observer itself still converts).
module {
  qfx.parameter @"gru.weight_ih_l0" parameter = dense<0.5> : tensor<6x2xf32>
  // CHECK-LABEL: func.func @dynamic_gru
  func.func @dynamic_gru(%x: tensor<3x1x2xf32>) -> tensor<3x1x2xf32> {
    // CHECK: %[[D:.*]] = qfx.dequantize
    // CHECK: %[[W:.*]] = qfx.get_attr @gru.weight_ih_l0
    // CHECK-NOT: qfx.quantize %
    // CHECK: qfx.gru %[[D]] weights(%[[W]], %[[W]])
    %0 = qfx.observer %x config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x1x2xf32>
    %w = qfx.get_attr @"gru.weight_ih_l0" : tensor<6x2xf32>
    %o, %h = qfx.gru %0 weights(%w, %w) hidden_size = 2 num_layers = 1 dropout = 0.0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.rnn.GRU", module = "gru">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x1x2xf32>, tensor<6x2xf32>, tensor<6x2xf32>) -> (tensor<3x1x2xf32>, tensor<1x1x2xf32>)
    return %o : tensor<3x1x2xf32>
  }
}
