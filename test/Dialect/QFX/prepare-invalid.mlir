// RUN: qfx-opt %s -split-input-file -verify-diagnostics --qfx-prepare="fuse=false output-quantized-idxs=0"
// RUN: not qfx-opt %s --qfx-prepare="backend=no_such_backend" 2>&1 | FileCheck %s --check-prefix=BACKEND
// RUN: not qfx-opt %s --qfx-prepare="prepare-custom-config=%S/no-such-file.json" 2>&1 | FileCheck %s --check-prefix=CUSTOM
// RUN: not qfx-opt %s --qfx-prepare="fuse=false output-quantized-idxs=1" 2>&1 | FileCheck %s --check-prefix=OUTIDX

// BACKEND: error: backend 'no_such_backend':
// CUSTOM: error: prepare-custom-config '{{.*}}no-such-file.json': cannot read
// OUTIDX: error: output_quantized_idxs must be [] or [0]

// A quantized graph output needs a qconfig on its producer.
func.func @output_without_qconfig(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
  %r = qfx.relu %x {qfx.node = #qfx.node<call_function, "torch.relu">} : tensor<1x8xf32> loc("relu")
  // expected-error@+1 {{output 0 is quantized (output_quantized_idxs) but its producer has no qconfig}}
  return %r : tensor<1x8xf32>
}

// -----

#q8 = #qfx.qconfig<activation = <kind = min_max, dtype = qint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// A qconfig the backend has no dtype config for is a remark; the op stays
// float (its output is then observed only because it is a graph output).
func.func @unsupported(%x: tensor<1x8xf32> {qfx.name = "x"}) -> tensor<1x8xf32> {
  // expected-remark@+1 {{not observed: backend 'native' has no dtype config of pattern operator.add for this qconfig}}
  %a = qfx.add %x, %x {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #q8} : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  return %a : tensor<1x8xf32>
}
