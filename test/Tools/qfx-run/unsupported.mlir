// Generic calls are reported by target when the plan is built.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.zeros((1, 10), np.float32))"
// RUN: not qfx-run %s --input %t/x.npy -o %t/y.npy 2>&1 | FileCheck %s
// CHECK: qfx-run: error: 'qfx.call' (node 'topk'): the qfx runtime cannot run generic call of 'torch.topk' (call_function)
// RUN: not ls %t/y.npy

// Several inputs need an .npz.
// RUN: not qfx-run %S/multi-io.mlir --input %t/x.npy -o %t/y.npy 2>&1 | FileCheck %s --check-prefix=MULTI
// MULTI: qfx-run: error: the graph has 2 inputs (a, b); pass an .npz keyed by placeholder name
// RUN: %python -c "import numpy as np; np.savez('%t/a.npz', a=np.zeros((2, 2), np.float32))"
// RUN: not qfx-run %S/multi-io.mlir --input %t/a.npz -o %t/y.npz 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: qfx-run: error: {{.*}}a.npz: no array for placeholder 'b' (arrays: a)

module {
  func.func @forward(%x: tensor<1x10xf32> {qfx.name = "x"}) -> tensor<1x5xf32> {
    %v, %i = qfx.call call_function "torch.topk"(%x) params {"1" = 5 : i64} : (tensor<1x10xf32>) -> (tensor<1x5xf32>, tensor<1x5xi64>) loc("topk")
    return %v : tensor<1x5xf32>
  }
}
