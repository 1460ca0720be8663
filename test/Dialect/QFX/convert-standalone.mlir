// RUN: qfx-opt %s -split-input-file --qfx-convert | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-convert="decomposed=true" | FileCheck %s --check-prefix=DEC

// A standalone module with input_quantized_idxs [0] and
// output_quantized_idxs [0] (convert_standalone_module): the parent hands
// the quantized value its observer's quantize gives to the call and
// dequantizes the call's quantized result; the nested function dequantizes
// its quantized input first and returns its output quantize's value. The
// linear reading the quantized input counts as observed: its weight is
// quantized.

// CHECK-LABEL: func.func @forward
// CHECK: %[[Q:.*]] = qfx.quantize %arg0 {{.*}} -> tensor<1x8x!quant.uniform<u8:f32, [[IN:.*]]>>
// CHECK-NOT: qfx.dequantize %[[Q]]
// CHECK: %[[S:.*]] = call @sub.forward(%[[Q]]) {{.*}} : (tensor<1x8x!quant.uniform<u8:f32, [[IN]]>>) -> tensor<1x8x!quant.uniform<u8:f32, [[OUT:.*]]>>
// CHECK-NEXT: %[[D:.*]] = qfx.dequantize %[[S]] {qfx.node = #qfx.node<call_method, "dequantize", module = "sub">}
// CHECK-NEXT: qfx.relu %[[D]]
// CHECK-LABEL: func.func private @sub.forward
// CHECK-SAME: (%arg0: tensor<1x8x!quant.uniform<u8:f32, [[IN]]>> {qfx.name = "a"}) -> tensor<1x8x!quant.uniform<u8:f32, [[OUT]]>>
// CHECK-NEXT: %[[A:.*]] = qfx.dequantize %arg0 {qfx.node = #qfx.node<call_method, "dequantize">}
// CHECK: %[[W:.*]] = qfx.dequantize {{.*}}!quant.uniform<i8:f32
// CHECK: qfx.linear %[[A]], %[[W]]
// CHECK: %[[OQ:.*]] = qfx.quantize
// CHECK-NOT: qfx.dequantize
// CHECK: return %[[OQ]]

// The decomposed form: storage tensors across the call.
// DEC-LABEL: func.func @forward
// DEC: %[[Q:.*]] = qfx.quantize_affine %arg0 scales = array<f32: [[IN:.*]]> zero_points = array<i64: [[INZ:.*]]> quant_min = 0 quant_max = 255 {{.*}} -> tensor<1x8xui8>
// DEC: %[[S:.*]] = call @sub.forward(%[[Q]]) {{.*}} : (tensor<1x8xui8>) -> tensor<1x8xui8>
// DEC-NEXT: qfx.dequantize_affine %[[S]] scales = array<f32: [[OUT:.*]]> zero_points
// DEC-LABEL: func.func private @sub.forward
// DEC-SAME: (%arg0: tensor<1x8xui8> {qfx.name = "a"}) -> tensor<1x8xui8>
// DEC-NEXT: qfx.dequantize_affine %arg0 scales = array<f32: [[IN]]> zero_points = array<i64: [[INZ]]>
// DEC: %[[OQ:.*]] = qfx.quantize_affine {{.*}} scales = array<f32: [[OUT]]>
// DEC-NEXT: return %[[OQ]] : tensor<1x8xui8>
module {
  qfx.parameter @"sub.fc.weight" parameter = dense<0.5> : tensor<8x8xf32>
  func.func @forward(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
    %o = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [1.0]> : tensor<1x8xf32> loc("activation_post_process_0")
    %s = func.call @"sub.forward"(%o) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>>} : (tensor<1x8xf32>) -> tensor<1x8xf32> loc("sub")
    %r = qfx.relu %s {qfx.node = #qfx.node<call_function, "torch.relu">} : tensor<1x8xf32>
    return %r : tensor<1x8xf32>
  }
  func.func private @"sub.forward"(%a: tensor<1x8xf32> {qfx.name = "a"}) -> tensor<1x8xf32> attributes {qfx.standalone_input_quantized_idxs = array<i64: 0>, qfx.standalone_output_quantized_idxs = array<i64: 0>} {
    %w = qfx.get_attr @"sub.fc.weight" : tensor<8x8xf32> loc("fc")
    %f = qfx.linear %a, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "sub.fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<1x8xf32>, tensor<8x8xf32>) -> tensor<1x8xf32>
    %fo = qfx.observer %f config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [0.0], max = [4.0]> : tensor<1x8xf32> loc("sub.activation_post_process_0")
    return %fo : tensor<1x8xf32>
  }
}

// -----

// The parent passes a float (the call's qconfig is None: no observer before
// it); PyTorch's dequantize() of a float tensor is the identity, so the
// argument stays float. A float return stays float too.
// CHECK-LABEL: func.func @float_boundary
// CHECK: call @sub.forward(%arg0) {{.*}} : (tensor<1x8xf32>) -> tensor<1x8xf32>
// CHECK-NOT: qfx.dequantize
// CHECK-LABEL: func.func private @sub.forward
// CHECK-SAME: (%arg0: tensor<1x8xf32> {qfx.name = "a"}) -> tensor<1x8xf32>
// CHECK-NEXT: qfx.relu %arg0
module {
  func.func @float_boundary(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
    %s = func.call @"sub.forward"(%x) {qfx.node = #qfx.node<call_module, "m.Block", module = "sub">} : (tensor<1x8xf32>) -> tensor<1x8xf32> loc("sub")
    return %s : tensor<1x8xf32>
  }
  func.func private @"sub.forward"(%a: tensor<1x8xf32> {qfx.name = "a"}) -> tensor<1x8xf32> attributes {qfx.standalone_input_quantized_idxs = array<i64: 0>, qfx.standalone_output_quantized_idxs = array<i64: 0>} {
    %r = qfx.relu %a {qfx.node = #qfx.node<call_function, "torch.relu", module = "sub">} : tensor<1x8xf32>
    return %r : tensor<1x8xf32>
  }
}
