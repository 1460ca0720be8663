// RUN: qfx-opt %s -split-input-file --qfx-prepare="fuse=false" --mlir-print-debuginfo | FileCheck %s

// Observer placement of prepare_fx on graphs whose ops already carry their
// resolved qconfig (qconfig-mapping empty), native BackendConfig.

#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric>>
// A (ReLU, Conv2d) pattern on an unfused graph: input and weight observers
// at the conv (the root), one output observer after the relu (the last
// op); flatten shares its input's observer; the bias is not observed.
// CHECK-LABEL: func.func @conv_relu
// CHECK: %[[X:.*]] = qfx.observer %arg0 config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x3x8x8xf32> loc(#[[APP0:.*]])
// CHECK: %[[W:.*]] = qfx.get_attr @conv.weight
// CHECK: %[[WO:.*]] = qfx.observer %[[W]] config = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric>
// CHECK: %[[B:.*]] = qfx.get_attr @conv.bias
// CHECK: %[[C:.*]] = qfx.conv %[[X]], %[[WO]], %[[B]]
// CHECK-NEXT: %[[R:.*]] = qfx.relu %[[C]]
// CHECK-NEXT: %[[RO:.*]] = qfx.observer %[[R]] config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>
// CHECK-NEXT: qfx.flatten %[[RO]]
// CHECK: #[[APP0]] = loc("activation_post_process_0")
module {
  qfx.parameter @"conv.weight" parameter = dense<0.1> : tensor<4x3x3x3xf32>
  qfx.parameter @"conv.bias" parameter = dense<0.0> : tensor<4xf32>
  func.func @conv_relu(%x: tensor<1x3x8x8xf32> {qfx.name = "x"}) -> tensor<1x256xf32> {
    %w = qfx.get_attr @"conv.weight" : tensor<4x3x3x3xf32> loc("conv")
    %b = qfx.get_attr @"conv.bias" : tensor<4xf32> loc("conv")
    %c = qfx.conv %x, %w, %b stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">, qfx.qconfig = #q} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32> loc("conv")
    %r = qfx.relu %c {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">, qfx.qconfig = #q} : tensor<1x4x8x8xf32> loc("relu")
    %f = qfx.flatten %r start_dim = 1 end_dim = -1 {qfx.node = #qfx.node<call_function, "torch.flatten">, qfx.qconfig = #q} : (tensor<1x4x8x8xf32>) -> tensor<1x256xf32> loc("flatten")
    return %f : tensor<1x256xf32>
  }
}

// -----

#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// A value used by two quantized ops is observed once; an op without qconfig
// gets no observers, and its quantized consumer observes its output.
// CHECK-LABEL: func.func @dedupe
// CHECK: %[[X:.*]] = qfx.observer %arg0
// CHECK-NOT: qfx.observer %arg0
// CHECK: %[[A:.*]] = qfx.add %[[X]], %[[X]]
// CHECK-NEXT: %[[AO:.*]] = qfx.observer %[[A]]
// CHECK-NEXT: %[[M:.*]] = qfx.mul %[[X]], %[[AO]]
// CHECK-NEXT: %[[MO:.*]] = qfx.observer %[[M]]
// CHECK-NEXT: %[[G:.*]] = qfx.gelu %[[MO]]
// CHECK-NEXT: %[[GO:.*]] = qfx.observer %[[G]]
// CHECK-NEXT: %[[S:.*]] = qfx.sub %[[G]], %[[MO]]
// CHECK-NEXT: %[[A2:.*]] = qfx.add %[[GO]], %[[MO]]
// CHECK-NEXT: %[[A2O:.*]] = qfx.observer %[[A2]]
// CHECK-NEXT: return %[[S]], %[[A2O]]
func.func @dedupe(%x: tensor<1x8xf32> {qfx.name = "x"}) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  %a = qfx.add %x, %x {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #q} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("add")
  %m = qfx.mul %x, %a {qfx.node = #qfx.node<call_function, "operator.mul">, qfx.qconfig = #q} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("mul")
  %g = qfx.gelu %m {qfx.node = #qfx.node<call_function, "torch.nn.functional.gelu">} : tensor<1x8xf32> loc("gelu")
  %s = qfx.sub %g, %m {qfx.node = #qfx.node<call_function, "operator.sub">} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("sub")
  %a2 = qfx.add %g, %m {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #q} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("add_1")
  return %s, %a2 : tensor<1x8xf32>, tensor<1x8xf32>
}

// -----

#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
#fixed = #qfx.qconfig<activation = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 0.00390625, zero_point = 0>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// Fixed-qparams ops get the backend's FixedQParamsObserver on their output.
// CHECK-LABEL: func.func @fixed
// CHECK: %[[X:.*]] = qfx.observer %arg0 config = <kind = fixed_qparams
// CHECK: %[[S:.*]] = qfx.sigmoid %[[X]]
// CHECK-NEXT: %[[SO:.*]] = qfx.observer %[[S]] config = <kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 3.906250e-03>
// CHECK-NEXT: return %[[SO]]
func.func @fixed(%x: tensor<2x5xf32> {qfx.name = "x"}) -> tensor<2x5xf32> {
  %s = qfx.sigmoid %x {qfx.node = #qfx.node<call_function, "torch.sigmoid">, qfx.qconfig = #fixed} : tensor<2x5xf32> loc("sigmoid")
  return %s : tensor<2x5xf32>
}

// -----

#dyn = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// Dynamic quantization: a dynamic placeholder on the first input, a weight
// observer, nothing on the (float) output.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[X:.*]] = qfx.observer %arg0 config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>
// CHECK: %[[W:.*]] = qfx.get_attr @fc.weight
// CHECK: %[[WO:.*]] = qfx.observer %[[W]] config = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>
// CHECK: %[[Y:.*]] = qfx.linear %[[X]], %[[WO]]
// CHECK-NEXT: return %[[Y]]
module {
  qfx.parameter @"fc.weight" parameter = dense<0.1> : tensor<4x8xf32>
  func.func @dynamic(%x: tensor<2x8xf32> {qfx.name = "x"}) -> tensor<2x4xf32> {
    %w = qfx.get_attr @"fc.weight" : tensor<4x8xf32> loc("fc")
    %y = qfx.linear %x, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #dyn} : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32> loc("fc")
    return %y : tensor<2x4xf32>
  }
}


// -----

#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// max_pool and add-with-a-scalar share their input's observer: their output
// observers join its group (PyTorch's shared module instance).
// CHECK-LABEL: func.func @share
// CHECK: %[[X:.*]] = qfx.observer %arg0 config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> {qfx.observer_group = "activation_post_process_0"}
// CHECK-NEXT: %[[P:.*]] = qfx.max_pool %[[X]]
// CHECK-NEXT: %[[PO:.*]] = qfx.observer %[[P]] {{.*}}{qfx.observer_group = "activation_post_process_0"}
// CHECK: %[[A:.*]] = qfx.add %[[PO]]
// CHECK-NEXT: qfx.observer %[[A]] {{.*}}{qfx.observer_group = "activation_post_process_0"}
func.func @share(%x: tensor<1x2x4x4xf32> {qfx.name = "x"}) -> tensor<1x2x2x2xf32> {
  %p = qfx.max_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] {qfx.node = #qfx.node<call_function, "torch.nn.functional.max_pool2d">, qfx.qconfig = #q} : (tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> loc("max_pool2d")
  %one = qfx.constant scalar dense<1.0> : tensor<f32> loc("add")
  %a = qfx.add %p, %one {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #q} : (tensor<1x2x2x2xf32>, tensor<f32>) -> tensor<1x2x2x2xf32> loc("add")
  return %a : tensor<1x2x2x2xf32>
}

// -----

#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// cat: one observer for all inputs and the output.
// CHECK-LABEL: func.func @cat
// CHECK-DAG: %[[Y:.*]] = qfx.observer %arg1 {{.*}}{qfx.observer_group = "[[G:activation_post_process_[0-9]]]"}
// CHECK-DAG: %[[X:.*]] = qfx.observer %arg0 {{.*}}{qfx.observer_group = "[[G]]"}
// CHECK: %[[C:.*]] = qfx.cat %[[X]], %[[Y]]
// CHECK-NEXT: qfx.observer %[[C]] {{.*}}{qfx.observer_group = "[[G]]"}
func.func @cat(%x: tensor<1x2xf32> {qfx.name = "x"}, %y: tensor<1x2xf32> {qfx.name = "y"}) -> tensor<1x4xf32> {
  %c = qfx.cat %x, %y dim = 1 {qfx.node = #qfx.node<call_function, "torch.cat">, qfx.qconfig = #q} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32> loc("cat")
  return %c : tensor<1x4xf32>
}

// -----

#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
#reuse = #qfx.qconfig<activation = <kind = reuse_input, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = noop, dtype = float16, qscheme = per_tensor_affine>>
// A ReuseInputObserver qconfig (the default mapping's `reshape`) adds no
// input observer; its output observer becomes the input's.
// CHECK-LABEL: func.func @reuse_input
// CHECK: %[[A:.*]] = qfx.add
// CHECK-NEXT: %[[AO:.*]] = qfx.observer %[[A]] config = <kind = min_max{{.*}}{qfx.observer_group = "[[G:.*]]"}
// CHECK-NEXT: %[[R:.*]] = qfx.reshape %[[AO]]
// CHECK-NEXT: qfx.observer %[[R]] config = <kind = min_max{{.*}}{qfx.observer_group = "[[G]]"}
func.func @reuse_input(%x: tensor<2x4xf32> {qfx.name = "x"}) -> tensor<8xf32> {
  %a = qfx.add %x, %x {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #q} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32> loc("add")
  %r = qfx.reshape %a shape = [8] {qfx.node = #qfx.node<call_method, "reshape">, qfx.qconfig = #reuse} : (tensor<2x4xf32>) -> tensor<8xf32> loc("reshape")
  return %r : tensor<8xf32>
}
