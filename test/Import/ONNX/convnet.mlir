// A torch.onnx-style CNN: scopes become module paths, initializers
// parameters, the Shape->Gather->Unsqueeze->Concat->Reshape subgraph folds.
// RUN: rm -rf %t && %python %S/make_models.py %t convnet
// RUN: qfx-translate --import-onnx %t/convnet.onnx | FileCheck %s
// RUN: qfx-translate --import-onnx %t/convnet.onnx | qfx-opt | FileCheck %s
// RUN: qfx-translate --import-onnx %t/convnet.onnx --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC
// RUN: qfx-translate --import-onnx %t/convnet.onnx -o %t/convnet.mlirbc
// RUN: qfx-opt %t/convnet.mlirbc | FileCheck %s
// RUN: qfx-translate --import-onnx %t/convnet.onnx --emit-bytecode | qfx-opt | FileCheck %s

// CHECK-LABEL: module attributes {qfx.training = false}
// CHECK-DAG: qfx.parameter @conv1.weight parameter = dense_resource<{{.*}}> : tensor<4x3x3x3xf32>
// Generated initializer names are replaced by the consumer's module path.
// CHECK-DAG: qfx.parameter @layer1.0.conv1.weight parameter = dense_resource<{{.*}}> : tensor<4x4x3x3xf32>
// CHECK-DAG: qfx.parameter @layer1.0.conv1.bias parameter
// CHECK-DAG: qfx.parameter @fc.weight parameter = dense_resource<{{.*}}> : tensor<10x64xf32>
// The int64 axes initializer only feeds the folded shape computation.
// CHECK-NOT: qfx.parameter @axes0
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32> {qfx.name = "x"}) -> tensor<1x10xf32>
// CHECK: %[[W:.*]] = qfx.get_attr @conv1.weight
// CHECK: %[[C1:.*]] = qfx.conv %[[X]], %[[W]], %{{.*}} stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1">}
// CHECK: %[[R1:.*]] = qfx.relu %[[C1]] {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">}
// CHECK: %[[C2:.*]] = qfx.conv %[[R1]], {{.*}}module = "layer1.0.conv1"
// CHECK: %[[A:.*]] = qfx.add %[[C2]], %[[R1]] {qfx.node = #qfx.node<call_function, "operator.add", module = "layer1.0">}
// A module called twice (`relu_1` in the scope) maps back to one module.
// CHECK: qfx.relu %[[A]] {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "layer1.0.relu">}
// CHECK: qfx.relu %{{.*}} {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "layer1.0.relu">}
// CHECK: qfx.max_pool %{{.*}} kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] {qfx.node = #qfx.node<call_module, "torch.nn.modules.pooling.MaxPool2d", module = "maxpool">}
// CHECK-NOT: qfx.call
// CHECK: %[[FLAT:.*]] = qfx.reshape %{{.*}} shape = [1, -1] {qfx.node = #qfx.node<call_method, "reshape">} : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32>
// CHECK: qfx.linear %[[FLAT]], %{{.*}}, %{{.*}} {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">} : (tensor<1x64xf32>, tensor<10x64xf32>, tensor<10xf32>) -> tensor<1x10xf32>
// CHECK: dialect_resources

// LOC-DAG: qfx.conv {{.*}}module = "layer1.0.conv1"{{.*}} loc(#[[CONV:loc[0-9]*]])
// LOC-DAG: #[[CONV]] = loc("/layer1/layer1.0/conv1/Conv")
