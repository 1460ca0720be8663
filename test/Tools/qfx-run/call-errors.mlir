// Calls the runtime cannot run: an error naming the call, a non-zero exit
// and no output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.zeros((1, 2), np.float32))"
// RUN: not qfx-run %s --input %t/x.npy -o %t/y.npy 2>&1 | FileCheck %s --check-prefix=REC
// REC: qfx-run: error: 'func.call' (node 'again'): recursive call of 'f'
// RUN: not ls %t/y.npy

module {
  func.func @forward(%x: tensor<1x2xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %0 = func.call @f(%x) : (tensor<1x2xf32>) -> tensor<1x2xf32> loc("first")
    return %0 : tensor<1x2xf32>
  }
  func.func private @f(%a: tensor<1x2xf32>) -> tensor<1x2xf32> {
    %0 = func.call @f(%a) : (tensor<1x2xf32>) -> tensor<1x2xf32> loc("again")
    return %0 : tensor<1x2xf32>
  }
}
