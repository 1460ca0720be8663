// RUN: qfx-opt %s -split-input-file -verify-diagnostics

qfxk.packed_weight @ih source = @w_ih type = tensor<8x3x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x3xi8> bias = dense<0.5> : tensor<8xf32>
qfxk.packed_weight @hh source = @w_hh type = tensor<8x2x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x2xi8>
func.func @rank(%x: tensor<5x3xf32>) {
  // expected-error@+1 {{expects a static 3-d input}}
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [@ih, @hh] hidden_size = 2 num_layers = 1 reduce_range = true : (tensor<5x3xf32>) -> (tensor<5x2xf32>, tensor<1x2xf32>, tensor<1x2xf32>)
  return
}

// -----

func.func @count(%x: tensor<5x1x3xf32>) {
  // expected-error@+1 {{expects 4 weights (w_ih, w_hh per layer and direction), got 2}}
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [@ih, @hh] hidden_size = 2 num_layers = 1 bidirectional reduce_range = true : (tensor<5x1x3xf32>) -> (tensor<5x1x4xf32>, tensor<2x1x2xf32>, tensor<2x1x2xf32>)
  return
}

// -----

func.func @hidden(%x: tensor<5x1x3xf32>) {
  // expected-error@+1 {{expects a positive hidden_size and num_layers}}
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [] hidden_size = 0 num_layers = 1 reduce_range = true : (tensor<5x1x3xf32>) -> (tensor<5x1x0xf32>, tensor<1x1x0xf32>, tensor<1x1x0xf32>)
  return
}

// -----

func.func @output(%x: tensor<2x5x3xf32>) {
  // expected-error@+1 {{output must be [B, T, D*H] = [2, 5, 2]}}
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [@ih, @hh] hidden_size = 2 num_layers = 1 batch_first reduce_range = true : (tensor<2x5x3xf32>) -> (tensor<5x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>)
  return
}

// -----

func.func @states(%x: tensor<5x2x3xf32>, %h0: tensor<1x1x2xf32>, %c0: tensor<1x1x2xf32>) {
  // expected-error@+1 {{states must be [L*D, B, H] = [1, 2, 2]}}
  %y, %h, %c = qfxk.dynamic_lstm %x initial(%h0, %c0) weights = [@ih, @hh] hidden_size = 2 num_layers = 1 reduce_range = true : (tensor<5x2x3xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>) -> (tensor<5x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>)
  return
}

// -----

func.func @one_state(%x: tensor<5x2x3xf32>, %h0: tensor<1x2x2xf32>) {
  // expected-error@+1 {{expects (h0, c0) or no initial states}}
  %y, %h, %c = qfxk.dynamic_lstm %x initial(%h0) weights = [@ih, @hh] hidden_size = 2 num_layers = 1 reduce_range = true : (tensor<5x2x3xf32>, tensor<1x2x2xf32>) -> (tensor<5x2x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>)
  return
}

// -----

qfxk.packed_weight @ih source = @w_ih type = tensor<8x3x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x3xi8>
qfxk.packed_weight @hh source = @w_hh type = tensor<8x2x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x2xi8>
func.func @swapped(%x: tensor<5x1x3xf32>) {
  // expected-error@+1 {{weight #0 is 8x2, expected 8x3}}
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [@hh, @ih] hidden_size = 2 num_layers = 1 reduce_range = true : (tensor<5x1x3xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

qfxk.packed_weight @ih source = @w_ih type = tensor<8x3x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x3xi8>
qfxk.packed_weight @hh source = @w_hh type = tensor<8x2x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x2xi8>
func.func @layer1(%x: tensor<5x1x3xf32>) {
  // expected-error@+1 {{weight #2 is 8x3, expected 8x2}}
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [@ih, @hh, @ih, @hh] hidden_size = 2 num_layers = 2 reduce_range = true : (tensor<5x1x3xf32>) -> (tensor<5x1x2xf32>, tensor<2x1x2xf32>, tensor<2x1x2xf32>)
  return
}

// -----

qfxk.packed_weight @ih source = @w_ih type = tensor<8x3x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x3xi8> bias = dense<1> : tensor<8xi32>
qfxk.packed_weight @hh source = @w_hh type = tensor<8x2x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x2xi8>
func.func @int_bias(%x: tensor<5x1x3xf32>) {
  // expected-error@+1 {{'float' requantization takes an f32 bias}}
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [@ih, @hh] hidden_size = 2 num_layers = 1 reduce_range = true : (tensor<5x1x3xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}

// -----

func.func @missing(%x: tensor<5x1x3xf32>) {
  // expected-error@+1 {{'nope' is not a qfxk.packed_weight}}
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [@nope, @nope] hidden_size = 2 num_layers = 1 reduce_range = true : (tensor<5x1x3xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return
}
