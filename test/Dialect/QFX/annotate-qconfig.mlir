// RUN: qfx-opt %s --qfx-annotate-qconfig="qconfig-mapping=qnnpack" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s
// RUN: qfx-opt %s --qfx-annotate-qconfig="qconfig-mapping=%S/Inputs/qconfig-custom.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s --check-prefix=CUSTOM
// RUN: qfx-opt %s --qfx-annotate-qconfig="qconfig-mapping=qnnpack backend=%S/Inputs/backend-strict.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s --check-prefix=STRICT

// Default: Conv+ReLU fuse (ConvReLU2d); everything is quantized by the native
// backend, the sigmoid with its fixed-qparams qconfig.
// Custom mapping: object_type torch.sigmoid None and module_name fc None keep them
// float. Strict backend: a backend with only Linear (input scale >= 2^-12, which the
// HistogramObserver's eps violates) and ReLU patterns.

module attributes {qfx.module_types = {conv1 = "torch.nn.modules.conv.Conv2d", relu1 = "torch.nn.modules.activation.ReLU", fc = "torch.nn.modules.linear.Linear"}} {
  qfx.parameter @"conv1.weight" parameter = dense<0.125> : tensor<4x3x3x3xf32>
  qfx.parameter @"fc.weight" parameter = dense<0.5> : tensor<10x64xf32>
  // CHECK-LABEL: func.func @forward
  // CUSTOM-LABEL: func.func @forward
  // STRICT-LABEL: func.func @forward
  func.func @forward(%x: tensor<1x3x4x4xf32> {qfx.name = "x"}) -> tensor<1x10xf32> {
    %w = qfx.get_attr @"conv1.weight" : tensor<4x3x3x3xf32> loc("conv1")
    // CHECK: qfx.conv {{.*}}qfx.qconfig = #qfx.qconfig<activation = <kind = histogram, dtype = quint8
    // CUSTOM: qfx.conv {{.*}}qfx.qconfig = #qfx.qconfig
    // STRICT: qfx.conv
    // STRICT-NOT: qfx.qconfig
    // STRICT-SAME: loc("conv1")
    %c = qfx.conv %x, %w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1
        {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1">}
        : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32> loc("conv1")
    // CHECK: qfx.relu {{.*}}qfx.qconfig = #qfx.qconfig
    // STRICT: qfx.relu {{.*}}qfx.qconfig = #qfx.qconfig
    %r = qfx.relu %c {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu1">} : tensor<1x4x4x4xf32> loc("relu1")
    // CHECK: qfx.add {{.*}}qfx.qconfig = #qfx.qconfig
    // CUSTOM: qfx.add {{.*}}qfx.qconfig = #qfx.qconfig
    %a = qfx.add %r, %r {qfx.node = #qfx.node<call_function, "operator.add">}
        : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> loc("add")
    // CHECK: qfx.sigmoid {{.*}}qfx.qconfig = #qfx.qconfig<activation = <kind = fixed_qparams
    // CUSTOM: qfx.sigmoid
    // CUSTOM-NOT: qfx.qconfig
    // CUSTOM-SAME: loc("sigmoid")
    %s = qfx.sigmoid %a {qfx.node = #qfx.node<call_function, "torch.sigmoid">} : tensor<1x4x4x4xf32> loc("sigmoid")
    // CHECK: qfx.flatten {{.*}}qfx.qconfig = #qfx.qconfig
    %f = qfx.flatten %s start_dim = 1 end_dim = -1 {qfx.node = #qfx.node<call_function, "torch.flatten">}
        : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32> loc("flatten")
    %fw = qfx.get_attr @"fc.weight" : tensor<10x64xf32> loc("fc")
    // CHECK: qfx.linear {{.*}}qfx.qconfig = #qfx.qconfig
    // CUSTOM: qfx.linear
    // CUSTOM-NOT: qfx.qconfig
    // CUSTOM-SAME: loc("fc")
    // STRICT: qfx.linear
    // STRICT-NOT: qfx.qconfig
    // STRICT-SAME: loc("fc")
    %l = qfx.linear %f, %fw {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">}
        : (tensor<1x64xf32>, tensor<10x64xf32>) -> tensor<1x10xf32> loc("fc")
    return %l : tensor<1x10xf32>
  }
}
