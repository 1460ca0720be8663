// RUN: echo '{"global": {"activation": {"class": "torch.ao.quantization.observer.MinMaxObserver"}, "weight": {"class": "torch.ao.quantization.observer.MinMaxObserver", "kwargs": {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}}}, "module_name": [{"module_name": "fc", "qconfig": null}]}' > %t.none.json
// RUN: qfx-opt %s --qfx-convert="qconfig-mapping=%t.none.json" | FileCheck %s
// RUN: echo '{"global": {"activation": {"class": "torch.ao.quantization.observer.MinMaxObserver"}, "weight": {"class": "torch.ao.quantization.observer.MinMaxObserver", "kwargs": {"dtype": "qint8", "qscheme": "per_tensor_symmetric"}}}, "module_name": [{"module_name": "fc", "qconfig": {"activation": {"class": "torch.ao.quantization.observer.HistogramObserver"}, "weight": null}}]}' > %t.changed.json
// RUN: not qfx-opt %s --qfx-convert="qconfig-mapping=%t.changed.json" 2>&1 | FileCheck %s --check-prefix=CHANGED

// Convert-time QConfigMapping: `fc` set to None keeps its float weight;
// changing its qconfig is an error naming the node.

// CHANGED: --qfx-convert: the convert-time QConfigMapping changes the qconfig of 'fc'

module {
  qfx.parameter @"fc.weight" parameter = dense<[[0.5, -0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  // CHECK-LABEL: func.func @forward
  func.func @forward(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
    // CHECK: %[[D:.*]] = qfx.dequantize
    // CHECK: %[[W:.*]] = qfx.get_attr @fc.weight
    // CHECK-NEXT: qfx.linear %[[D]], %[[W]]
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.0], max = [3.0]> {qfx.node = #qfx.node<call_module, "torch.ao.quantization.observer.MinMaxObserver", module = "activation_post_process_0">} : tensor<3x2xf32> loc("activation_post_process_0")
    %w = qfx.get_attr @"fc.weight" : tensor<2x2xf32> loc("fc")
    %1 = qfx.linear %0, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("fc")
    return %1 : tensor<3x2xf32>
  }
}
