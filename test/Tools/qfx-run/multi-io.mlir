// Several inputs come from an .npz keyed by placeholder name; several
// outputs go to an .npz keyed by output index.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.savez('%t/in.npz', b=np.full((2, 2), 3, np.float32), a=np.eye(2, dtype=np.float32))"
// RUN: qfx-run %s --input %t/in.npz -o %t/out.npz
// RUN: %python -c "import numpy as np; o = np.load('%t/out.npz'); print(sorted(o.keys()), o['0'].tolist(), o['1'].tolist())" | FileCheck %s
// CHECK: ['0', '1'] {{\[\[}}3.0, 3.0], [3.0, 3.0]] {{\[\[}}4.0, 3.0], [3.0, 4.0]]

// Compressed archives (np.savez_compressed) are read too.
// RUN: %python -c "import numpy as np; np.savez_compressed('%t/inz.npz', a=np.eye(2, dtype=np.float32), b=np.ones((2, 2), np.float32))"
// RUN: qfx-run %s --input %t/inz.npz -o %t/outz.npz

module {
  func.func @forward(%a: tensor<2x2xf32> {qfx.name = "a"}, %b: tensor<2x2xf32> {qfx.name = "b"}) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
    %m = qfx.matmul %a, %b : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
    %s = qfx.add %a, %b : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
    return %m, %s : tensor<2x2xf32>, tensor<2x2xf32>
  }
}
