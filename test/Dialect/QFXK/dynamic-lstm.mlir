// RUN: qfx-opt %s | qfx-opt | FileCheck %s

// w_ih (4H x I, layer 0), w_hh (4H x H), w_ih of layer 1 of a bidirectional
// LSTM (4H x 2H); H = 2, I = 3.
qfxk.packed_weight @ih source = @w_ih type = tensor<8x3x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<3> : tensor<8x3xi8> bias = dense<0.5> : tensor<8xf32>
qfxk.packed_weight @hh source = @w_hh type = tensor<8x2x!quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3, 3.0e-3, 4.0e-3, 5.0e-3, 6.0e-3, 7.0e-3, 8.0e-3}>> weight = dense<-2> : tensor<8x2xi8>
qfxk.packed_weight @ih1 source = @w_ih1 type = tensor<8x4x!quant.uniform<i8:f32, 1.0e-2>> weight = dense<1> : tensor<8x4xi8>

// CHECK-LABEL: func.func @one_layer
func.func @one_layer(%x: tensor<5x1x3xf32>) -> tensor<5x1x2xf32> {
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = qfxk.dynamic_lstm %{{.*}} weights = [@ih, @hh] hidden_size = 2 num_layers = 1 reduce_range = true : (tensor<5x1x3xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  %y, %h, %c = qfxk.dynamic_lstm %x weights = [@ih, @hh] hidden_size = 2 num_layers = 1 reduce_range = true : (tensor<5x1x3xf32>) -> (tensor<5x1x2xf32>, tensor<1x1x2xf32>, tensor<1x1x2xf32>)
  return %y : tensor<5x1x2xf32>
}

// CHECK-LABEL: func.func @bidirectional
func.func @bidirectional(%x: tensor<4x5x3xf32>, %h0: tensor<4x4x2xf32>, %c0: tensor<4x4x2xf32>) -> tensor<4x5x4xf32> {
  // CHECK: qfxk.dynamic_lstm %{{.*}} initial(%{{.*}}, %{{.*}}) weights = [@ih, @hh, @ih, @hh, @ih1, @hh, @ih1, @hh] hidden_size = 2 num_layers = 2 batch_first bidirectional reduce_range = false : (tensor<4x5x3xf32>, tensor<4x4x2xf32>, tensor<4x4x2xf32>) -> (tensor<4x5x4xf32>, tensor<4x4x2xf32>, tensor<4x4x2xf32>)
  %y, %h, %c = qfxk.dynamic_lstm %x initial(%h0, %c0) weights = [@ih, @hh, @ih, @hh, @ih1, @hh, @ih1, @hh] hidden_size = 2 num_layers = 2 batch_first bidirectional reduce_range = false : (tensor<4x5x3xf32>, tensor<4x4x2xf32>, tensor<4x4x2xf32>) -> (tensor<4x5x4xf32>, tensor<4x4x2xf32>, tensor<4x4x2xf32>)
  return %y : tensor<4x5x4xf32>
}
