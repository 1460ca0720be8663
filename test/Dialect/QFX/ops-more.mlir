// RUN: qfx-opt %s -split-input-file | qfx-opt -split-input-file | FileCheck %s
// RUN: qfx-opt %s -split-input-file --mlir-print-op-generic | qfx-opt -split-input-file | FileCheck %s
// RUN: qfx-opt %s -split-input-file | FileCheck %s --strict-whitespace --check-prefix=SPACE

// Every remaining op family round-trips through the custom and generic forms.

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<2x8xf32>, %y: tensor<8xf32>) -> tensor<2x8xf32> {
  // CHECK: qfx.sigmoid %{{.*}} : tensor<2x8xf32>
  %0 = qfx.sigmoid %x : tensor<2x8xf32>
  // CHECK: qfx.tanh
  %1 = qfx.tanh %0 : tensor<2x8xf32>
  // CHECK: qfx.hardsigmoid
  %2 = qfx.hardsigmoid %1 : tensor<2x8xf32>
  // CHECK: qfx.hardswish
  %3 = qfx.hardswish %2 : tensor<2x8xf32>
  // CHECK: qfx.gelu %{{.*}} approximate = tanh : tensor<2x8xf32>
  %4 = qfx.gelu %3 approximate = tanh : tensor<2x8xf32>
  // CHECK: qfx.gelu %{{.*}} : tensor<2x8xf32>
  %5 = qfx.gelu %4 : tensor<2x8xf32>
  // CHECK: qfx.elu %{{.*}} alpha = 1.000000e+00
  %6 = qfx.elu %5 alpha = 1.0 : tensor<2x8xf32>
  // CHECK: qfx.leaky_relu %{{.*}} negative_slope = 0.00999999977
  %7 = qfx.leaky_relu %6 negative_slope = 0.00999999977 : tensor<2x8xf32>
  // CHECK: qfx.softmax %{{.*}} dim = -1
  %8 = qfx.softmax %7 dim = -1 : tensor<2x8xf32>
  // CHECK: qfx.dropout %{{.*}} p = 5.000000e-01 training
  %9 = qfx.dropout %8 p = 0.5 training : tensor<2x8xf32>
  // CHECK: qfx.clamp %{{.*}} max = 6.000000e+00
  %10 = qfx.clamp %9 max = 6.0 : tensor<2x8xf32>
  // CHECK: qfx.identity
  %11 = qfx.identity %10 : tensor<2x8xf32>
  // CHECK: qfx.contiguous
  %12 = qfx.contiguous %11 : tensor<2x8xf32>
  // CHECK: qfx.sub %{{.*}}, %{{.*}} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %13 = qfx.sub %12, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  // CHECK: qfx.div
  %14 = qfx.div %13, %y : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %14 : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @convs
func.func @convs(%x1: tensor<1x2x10xf32>, %w1: tensor<4x1x3xf32>, %x3: tensor<1x2x4x4x4xf32>,
                 %w3: tensor<2x2x1x1x1xf32>, %xt: tensor<1x8x4x4xf32>, %wt: tensor<8x4x3x3xf32>,
                 %bt: tensor<8xf32>) {
  // CHECK: qfx.conv %{{.*}}, %{{.*}} stride = [2] padding = [1] dilation = [2] groups = 2 padding_mode = reflect : (tensor<1x2x10xf32>, tensor<4x1x3xf32>) -> tensor<1x4x4xf32>
  %0 = qfx.conv %x1, %w1 stride = [2] padding = [1] dilation = [2] groups = 2 padding_mode = reflect
      : (tensor<1x2x10xf32>, tensor<4x1x3xf32>) -> tensor<1x4x4xf32>
  // CHECK: qfx.conv %{{.*}}, %{{.*}} stride = [1, 1, 1] padding = [0, 0, 0] dilation = [1, 1, 1] groups = 1 :
  %1 = qfx.conv %x3, %w3 stride = [1, 1, 1] padding = [0, 0, 0] dilation = [1, 1, 1] groups = 1
      : (tensor<1x2x4x4x4xf32>, tensor<2x2x1x1x1xf32>) -> tensor<1x2x4x4x4xf32>
  // CHECK: qfx.conv_transpose %{{.*}}, %{{.*}}, %{{.*}} stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 2
  %2 = qfx.conv_transpose %xt, %wt, %bt stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 2
      : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<2x4x6xf32>, %g: tensor<6xf32>, %c: tensor<4xf32>) {
  // CHECK: qfx.layer_norm %{{.*}} weight %{{.*}} bias %{{.*}} normalized_shape = [6] eps = 1.000000e-05
  %0 = qfx.layer_norm %x weight %g bias %g normalized_shape = [6] eps = 1.0e-5
      : (tensor<2x4x6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<2x4x6xf32>
  // CHECK: qfx.group_norm %{{.*}} weight %{{.*}} num_groups = 2 eps = 1.000000e-05
  %1 = qfx.group_norm %x weight %c num_groups = 2 eps = 1.0e-5
      : (tensor<2x4x6xf32>, tensor<4xf32>) -> tensor<2x4x6xf32>
  // CHECK: qfx.instance_norm %{{.*}} eps = 1.000000e-05 momentum = 1.000000e-01 use_input_stats
  %2 = qfx.instance_norm %x eps = 1.0e-5 momentum = 0.1 use_input_stats
      : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  // CHECK: qfx.batch_norm %{{.*}} weight %{{.*}} bias %{{.*}} eps = 1.000000e-05 momentum = 1.000000e-01 training
  %3 = qfx.batch_norm %x weight %c bias %c eps = 1.0e-5 momentum = 0.1 training
      : (tensor<2x4x6xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x6xf32>
  // CHECK: qfx.mean %{{.*}} dims = [1, 2] : (tensor<2x4x6xf32>) -> tensor<2xf32>
  %4 = qfx.mean %x dims = [1, 2] : (tensor<2x4x6xf32>) -> tensor<2xf32>
  // momentum=None (cumulative moving average): no momentum attribute.
  // CHECK: qfx.batch_norm %{{.*}} weight %{{.*}} bias %{{.*}} eps = 1.000000e-05 training :
  %5 = qfx.batch_norm %x weight %c bias %c eps = 1.0e-5 training
      : (tensor<2x4x6xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4x6xf32>
  // CHECK: qfx.instance_norm %{{.*}} eps = 1.000000e-05 use_input_stats :
  %6 = qfx.instance_norm %x eps = 1.0e-5 use_input_stats
      : (tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  return
}

// -----

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x1xf32>, %img: tensor<1x2x4x4xf32>, %a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) {
  // CHECK: qfx.permute %{{.*}} dims = [2, 0, 1] : (tensor<2x3x1xf32>) -> tensor<1x2x3xf32>
  %0 = qfx.permute %x dims = [2, 0, 1] : (tensor<2x3x1xf32>) -> tensor<1x2x3xf32>
  // CHECK: qfx.transpose %{{.*}} dim0 = 0 dim1 = -1 : (tensor<2x3x1xf32>) -> tensor<1x3x2xf32>
  %1 = qfx.transpose %x dim0 = 0 dim1 = -1 : (tensor<2x3x1xf32>) -> tensor<1x3x2xf32>
  // CHECK: qfx.squeeze %{{.*}} dims = [2] : (tensor<2x3x1xf32>) -> tensor<2x3xf32>
  %2 = qfx.squeeze %x dims = [2] : (tensor<2x3x1xf32>) -> tensor<2x3xf32>
  // CHECK: qfx.squeeze %{{.*}} : (tensor<2x3x1xf32>) -> tensor<2x3xf32>
  %3 = qfx.squeeze %x : (tensor<2x3x1xf32>) -> tensor<2x3xf32>
  // CHECK: qfx.unsqueeze %{{.*}} dim = 0 : (tensor<2x3xf32>) -> tensor<1x2x3xf32>
  %4 = qfx.unsqueeze %3 dim = 0 : (tensor<2x3xf32>) -> tensor<1x2x3xf32>
  // CHECK: qfx.getitem %{{.*}} index = {{\[}}[unit, unit, unit], 0] : (tensor<2x3xf32>) -> tensor<2xf32>
  %5 = qfx.getitem %3 index = [[unit, unit, unit], 0] : (tensor<2x3xf32>) -> tensor<2xf32>
  // CHECK: qfx.size %{{.*}} dim = 0 : (tensor<2x3x1xf32>) -> i64
  %6 = qfx.size %x dim = 0 : (tensor<2x3x1xf32>) -> i64
  // CHECK: qfx.size %{{.*}} : (tensor<2x3x1xf32>) -> tensor<3xi64>
  %7 = qfx.size %x : (tensor<2x3x1xf32>) -> tensor<3xi64>
  // CHECK: qfx.interpolate %{{.*}} mode = bilinear size = [8, 8] align_corners = false
  %8 = qfx.interpolate %img mode = bilinear size = [8, 8] align_corners = false
      : (tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32>
  // CHECK: qfx.interpolate %{{.*}} mode = nearest scale_factor = [2.000000e+00, 2.000000e+00]
  %9 = qfx.interpolate %img mode = nearest scale_factor = [2.0, 2.0]
      : (tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32>
  // CHECK: qfx.matmul %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  %10 = qfx.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  // CHECK: qfx.pad %{{.*}} pad = [0, 1, 2, -1] : (tensor<1x2x4x4xf32>) -> tensor<1x2x5x5xf32>
  %11 = qfx.pad %img pad = [0, 1, 2, -1] : (tensor<1x2x4x4xf32>) -> tensor<1x2x5x5xf32>
  // CHECK: qfx.pad %{{.*}} pad = [1, 1] value = 0xFFF0000000000000 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x6xf32>
  %12 = qfx.pad %img pad = [1, 1] value = 0xFFF0000000000000 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x6xf32>
  return
}

// -----

// CHECK-LABEL: func.func @sequences
func.func @sequences(%w: tensor<100x16xf32>, %idx: tensor<2x5xi64>, %flat: tensor<10xi64>,
                     %off: tensor<3xi64>, %x: tensor<5x1x4xf32>, %wih: tensor<32x4xf32>,
                     %whh: tensor<32x8xf32>, %b: tensor<32xf32>, %h0: tensor<1x1x8xf32>,
                     %gih: tensor<24x4xf32>, %ghh: tensor<24x8xf32>) {
  // CHECK: qfx.embedding %{{.*}}, %{{.*}} padding_idx = 0 : (tensor<100x16xf32>, tensor<2x5xi64>) -> tensor<2x5x16xf32>
  %0 = qfx.embedding %w, %idx padding_idx = 0 : (tensor<100x16xf32>, tensor<2x5xi64>) -> tensor<2x5x16xf32>
  // CHECK: qfx.embedding_bag %{{.*}}, %{{.*}} offsets %{{.*}} mode = mean include_last_offset :
  %1 = qfx.embedding_bag %w, %flat offsets %off mode = mean include_last_offset
      : (tensor<100x16xf32>, tensor<10xi64>, tensor<3xi64>) -> tensor<2x16xf32>
  // CHECK: qfx.lstm %{{.*}} initial(%{{.*}}, %{{.*}}) weights(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) hidden_size = 8 num_layers = 1 has_biases dropout = 0.000000e+00
  %o, %h, %c = qfx.lstm %x initial(%h0, %h0) weights(%wih, %whh, %b, %b) hidden_size = 8 num_layers = 1
      has_biases dropout = 0.0
      : (tensor<5x1x4xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>, tensor<32x4xf32>, tensor<32x8xf32>, tensor<32xf32>, tensor<32xf32>)
      -> (tensor<5x1x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>)
  // CHECK: qfx.gru %{{.*}} weights(%{{.*}}, %{{.*}}) hidden_size = 8 num_layers = 1 batch_first dropout = 0.000000e+00
  %go, %gh = qfx.gru %x weights(%gih, %ghh) hidden_size = 8 num_layers = 1 batch_first dropout = 0.0
      : (tensor<5x1x4xf32>, tensor<24x4xf32>, tensor<24x8xf32>) -> (tensor<5x1x8xf32>, tensor<1x1x8xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @generic_and_fused
func.func @generic_and_fused(%x: tensor<1x10xf32>) -> (tensor<1x5xf32>, tensor<1x10xf32>) {
  // SPACE: {{^}}    %{{.*}}:2 = qfx.call call_function "torch.topk"
  // CHECK: %{{.*}}:2 = qfx.call call_function "torch.topk"(%{{.*}}) params {"1" = 5 : i64, dim = 1 : i64} {qfx.node = #qfx.node<call_function, "torch.topk">} : (tensor<1x10xf32>) -> (tensor<1x5xf32>, tensor<1x5xi64>)
  %v:2 = qfx.call call_function "torch.topk"(%x) params {"1" = 5 : i64, dim = 1 : i64}
      {qfx.node = #qfx.node<call_function, "torch.topk">}
      : (tensor<1x10xf32>) -> (tensor<1x5xf32>, tensor<1x5xi64>)
  // CHECK: qfx.fused %{{.*}} : (tensor<1x10xf32>) -> tensor<1x10xf32> {
  // CHECK-NEXT: ^bb0(%[[IN:.*]]: tensor<1x10xf32>):
  // CHECK-NEXT: %[[R:.*]] = qfx.relu %[[IN]]
  // CHECK-NEXT: qfx.yield %[[R]] : tensor<1x10xf32>
  // CHECK-NEXT: } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.LinearReLU", module = "fc">}
  %f = qfx.fused %x : (tensor<1x10xf32>) -> tensor<1x10xf32> {
  ^bb0(%in: tensor<1x10xf32>):
    %r = qfx.relu %in : tensor<1x10xf32>
    qfx.yield %r : tensor<1x10xf32>
  } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.LinearReLU", module = "fc">}
  return %v#0, %f : tensor<1x5xf32>, tensor<1x10xf32>
}
