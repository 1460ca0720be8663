// RUN: qfx-opt %s | qfx-opt | FileCheck %s
// RUN: qfx-opt %s --mlir-print-op-generic | qfx-opt | FileCheck %s
// RUN: qfx-opt %s --emit-bytecode | qfx-opt | FileCheck %s
// RUN: qfx-opt %s | FileCheck %s --strict-whitespace --check-prefix=SPACE

// One space between the symbol and the kind (the enum prints its own).
// SPACE: {{^}}  qfx.parameter @conv1.weight parameter = dense
// SPACE: {{^}}  qfx.parameter @bn.running_mean buffer = dense

// CHECK-LABEL: module attributes {qfx.training = false}
module attributes {qfx.training = false} {
  // CHECK: qfx.parameter @conv1.weight parameter = dense<1.250000e-01> : tensor<4x3x3x3xf32>
  qfx.parameter @"conv1.weight" parameter = dense<0.125> : tensor<4x3x3x3xf32>
  // CHECK: qfx.parameter @conv1.bias parameter = dense_resource<conv1_bias> : tensor<4xf32>
  qfx.parameter @"conv1.bias" parameter = dense_resource<conv1_bias> : tensor<4xf32>
  // CHECK: qfx.parameter @bn.running_mean buffer = dense<0.000000e+00> : tensor<4xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<4xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<4xf32>
  qfx.parameter @"fc.weight" parameter = dense<0.5> : tensor<10x64xf32>

  // CHECK-LABEL: func.func @graph
  // CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32> {qfx.name = "x"})
  func.func @graph(%x: tensor<1x3x8x8xf32> {qfx.name = "x"}) -> tensor<1x10xf32> {
    // CHECK: %[[W:.*]] = qfx.get_attr @conv1.weight : tensor<4x3x3x3xf32>
    %w = qfx.get_attr @"conv1.weight" : tensor<4x3x3x3xf32>
    %b = qfx.get_attr @"conv1.bias" : tensor<4xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<4xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<4xf32>
    // CHECK: %[[C:.*]] = qfx.conv %[[X]], %[[W]], %{{.*}} stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1">}
    %c = qfx.conv %x, %w, %b stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1
        {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1">}
        : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    // CHECK: qfx.batch_norm %[[C]] mean %{{.*}} var %{{.*}} eps = 1.000000e-05 momentum = 1.000000e-01
    %bn = qfx.batch_norm %c mean %m var %v eps = 1.0e-5 momentum = 0.1
        : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    // CHECK: qfx.relu %{{.*}} {qfx.node = #qfx.node<call_function, "torch.nn.functional.relu">} : tensor<1x4x8x8xf32>
    %r = qfx.relu %bn {qfx.node = #qfx.node<call_function, "torch.nn.functional.relu">} : tensor<1x4x8x8xf32>
    // CHECK: qfx.hardtanh %{{.*}} min_val = 0.000000e+00 max_val = 6.000000e+00
    %r6 = qfx.hardtanh %r min_val = 0.0 max_val = 6.0 : tensor<1x4x8x8xf32>
    // CHECK: qfx.max_pool %{{.*}} kernel_size = [3, 3] stride = [2, 2] padding = [1, 1] dilation = [1, 1] :
    %p = qfx.max_pool %r6 kernel_size = [3, 3] stride = [2, 2] padding = [1, 1] dilation = [1, 1]
        : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
    // CHECK: qfx.avg_pool %{{.*}} kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] count_include_pad
    %ap = qfx.avg_pool %p kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] count_include_pad
        : (tensor<1x4x4x4xf32>) -> tensor<1x4x2x2xf32>
    // CHECK: qfx.constant scalar dense<1.000000e+00> : tensor<f32>
    %one = qfx.constant scalar dense<1.0> : tensor<f32>
    // CHECK: qfx.add %{{.*}}, %{{.*}} {qfx.node = #qfx.node<call_function, "operator.add", module = "layer1">} : (tensor<1x4x2x2xf32>, tensor<f32>) -> tensor<1x4x2x2xf32>
    %add = qfx.add %ap, %one {qfx.node = #qfx.node<call_function, "operator.add", module = "layer1">}
        : (tensor<1x4x2x2xf32>, tensor<f32>) -> tensor<1x4x2x2xf32>
    %mul = qfx.mul %add, %add : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
    // CHECK: qfx.cat %{{.*}}, %{{.*}} dim = 1 : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x8x2x2xf32>
    %cat = qfx.cat %add, %mul dim = 1 : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x8x2x2xf32>
    // CHECK: qfx.adaptive_avg_pool %{{.*}} output_size = [2, 2]
    %aap = qfx.adaptive_avg_pool %cat output_size = [2, 2] : (tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32>
    // CHECK: qfx.flatten %{{.*}} start_dim = 1 end_dim = -1 : (tensor<1x8x2x2xf32>) -> tensor<1x32xf32>
    %flat = qfx.flatten %aap start_dim = 1 end_dim = -1 : (tensor<1x8x2x2xf32>) -> tensor<1x32xf32>
    // CHECK: qfx.reshape %{{.*}} shape = [1, -1] {qfx.node = #qfx.node<call_method, "view">} : (tensor<1x32xf32>) -> tensor<1x32xf32>
    %view = qfx.reshape %flat shape = [1, -1] {qfx.node = #qfx.node<call_method, "view">}
        : (tensor<1x32xf32>) -> tensor<1x32xf32>
    %cat2 = qfx.cat %view, %view dim = -1 : (tensor<1x32xf32>, tensor<1x32xf32>) -> tensor<1x64xf32>
    %fw = qfx.get_attr @"fc.weight" : tensor<10x64xf32>
    // CHECK: qfx.linear %{{.*}}, %{{.*}} : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32>
    %fc = qfx.linear %cat2, %fw : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32>
    // CHECK: qfx.observer %{{.*}} config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, reduce_range = true, bins = 4> state = <min = [-1.500000e+00], max = [2.250000e+00], histogram = [1.000000e+00, 0.000000e+00, 2.000000e+00, 5.000000e+00]> : tensor<1x10xf32>
    %obs = qfx.observer %fc config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, reduce_range = true, bins = 4>
        state = <min = [-1.5], max = [2.25], histogram = [1.0, 0.0, 2.0, 5.0]> : tensor<1x10xf32>
    return %obs : tensor<1x10xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      conv1_bias: "0x040000000000803F0000004000004040000080C0"
    }
  }
#-}
