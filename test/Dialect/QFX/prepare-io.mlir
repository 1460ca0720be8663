// RUN: qfx-opt %s --qfx-prepare="fuse=false input-quantized-idxs=0 output-quantized-idxs=0" | FileCheck %s
// RUN: qfx-opt %s --qfx-prepare="fuse=false" | FileCheck %s --check-prefix=FLOAT

// input_quantized_idxs / output_quantized_idxs: a quantized graph input is
// not observed again; a quantized graph output is observed (here: gelu, a
// quantized op with no pattern in the native config, so its output is float).

#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// CHECK-LABEL: func.func @io
// CHECK-NOT: qfx.observer %arg0
// CHECK: %[[A:.*]] = qfx.add %arg0, %arg0
// CHECK-NEXT: %[[AO:.*]] = qfx.observer %[[A]]
// CHECK-NEXT: %[[G:.*]] = qfx.gelu %[[AO]]
// CHECK-NEXT: %[[GO:.*]] = qfx.observer %[[G]] config = <kind = min_max
// CHECK-NEXT: return %[[GO]]
// FLOAT-LABEL: func.func @io
// FLOAT: qfx.observer %arg0
// FLOAT: %[[G:.*]] = qfx.gelu
// FLOAT-NEXT: return %[[G]]
func.func @io(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
  %a = qfx.add %x, %x {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #q} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32> loc("add")
  %g = qfx.gelu %a {qfx.node = #qfx.node<call_function, "torch.nn.functional.gelu">, qfx.qconfig = #q} : tensor<1x8xf32> loc("gelu")
  return %g : tensor<1x8xf32>
}
