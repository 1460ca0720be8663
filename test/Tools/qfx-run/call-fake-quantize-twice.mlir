// A fake_quantize in a function called twice would need one fake-quantize
// state for both calls, which the runtime does not model: an error.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.zeros((1, 2), np.float32))"
// RUN: not qfx-run %s --input %t/x.npy -o %t/y.npy 2>&1 | FileCheck %s
// CHECK: qfx-run: error: 'qfx.fake_quantize' (node 'fq'): a fake_quantize in a function called more than once is not supported
// RUN: not ls %t/y.npy

module {
  func.func @forward(%x: tensor<1x2xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %0 = func.call @f(%x) : (tensor<1x2xf32>) -> tensor<1x2xf32>
    %1 = func.call @f(%0) : (tensor<1x2xf32>) -> tensor<1x2xf32>
    return %1 : tensor<1x2xf32>
  }
  func.func private @f(%a: tensor<1x2xf32>) -> tensor<1x2xf32> {
    %0 = qfx.fake_quantize %a config = <kind = fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x2xf32> loc("fq")
    return %0 : tensor<1x2xf32>
  }
}
