// RUN: qfx-opt %s -split-input-file --qfx-convert-fx | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-convert-fx="backend=qnnpack" | FileCheck %s --check-prefix=QNNPACK
// RUN: qfx-opt %s -split-input-file --qfx-convert-fx="backend=x86 remove-qconfig=false" | FileCheck %s --check-prefix=KEEP

// convert_fx = convert_to_reference_fx + lowering: a calibrated linear
// becomes one int8 kernel with a packed weight; the backend picks the
// requantization convention of the lowering.
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  qfx.parameter @"fc.bias" parameter = dense<[0.1, -0.2]> : tensor<2xf32>
  // CHECK: qfxk.packed_weight @fc.weight.packed source = @fc.weight
  // CHECK-LABEL: func.func @static_linear
  // QNNPACK-LABEL: func.func @static_linear
  func.func @static_linear(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[Q:.*]] = qfx.quantize %{{.*}} : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32, 0.015686275437474251:64>>
    // CHECK: %[[L:.*]] = qfxk.linear %[[Q]] weight = @fc.weight.packed requant = float relu = false
    // CHECK: qfx.dequantize %[[L]]
    // CHECK-NOT: qfx.observer
    // CHECK-NOT: qfx.linear
    // QNNPACK: qfxk.linear {{.*}} requant = fp32
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %b = qfx.get_attr @"fc.bias" : tensor<2xf32>
    %1 = qfx.linear %0, %w, %b {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
    %2 = qfx.observer %1 config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-2.0], max = [6.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_1">} : tensor<3x2xf32>
    return %2 : tensor<3x2xf32>
  }
}

// -----

// The backend is also the engine convert assumes: dynamic quantization
// gets reduce_range under x86 / fbgemm only, and the lowered dynamic linear
// keeps it.
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @dynamic_linear
  // QNNPACK-LABEL: func.func @dynamic_linear
  // KEEP-LABEL: func.func @dynamic_linear
  func.func @dynamic_linear(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[Y:.*]] = qfxk.dynamic_linear %{{.*}} weight = @fc.weight.packed reduce_range = true relu = false
    // CHECK-NEXT: return %[[Y]]
    // QNNPACK: qfxk.dynamic_linear %{{.*}} reduce_range = false
    // KEEP: qfxk.dynamic_linear
    %0 = qfx.observer %x config = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = quint8, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// float16 dynamic quantization has no kernel: the linear stays in reference
// form (with its qconfig under remove-qconfig=false).
module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // KEEP-LABEL: func.func @float16_dynamic
  func.func @float16_dynamic(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // KEEP: qfx.quantize_dynamic %{{.*}} -> tensor<3x2xf16>
    // KEEP: qfx.linear {{.*}}qfx.qconfig
    %0 = qfx.observer %x config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.PlaceholderObserver", module = "activation_post_process_0">} : tensor<3x2xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32>
    %wo = qfx.observer %w config = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine> : tensor<2x2xf32>
    %1 = qfx.linear %0, %wo {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine, is_dynamic = true>, weight = <kind = placeholder, dtype = float16, qscheme = per_tensor_affine>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}
