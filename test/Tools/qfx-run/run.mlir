// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[-2., -0.5, 1., 3.]], np.float32)); np.save('%t/xs.npy', np.arange(12, dtype=np.float32).reshape(3, 1, 4) - 6)"
// RUN: qfx-run %s --input %t/x.npy -o %t/y.npy --threads 1
// RUN: %python -c "import numpy as np; y = np.load('%t/y.npy'); print(y.dtype, y.shape, y.tolist())" | FileCheck %s --check-prefix=ONE
// ONE: float32 (1, 2) {{\[\[}}1.5, 7.5]]

// Batches: [B, *example_shape] runs B times and stacks the outputs.
// RUN: qfx-run %s --input %t/xs.npy -o %t/ys.npy
// RUN: %python -c "import numpy as np; y = np.load('%t/ys.npy'); print(y.shape, y[2].tolist())" | FileCheck %s --check-prefix=STACK
// STACK: (3, 1, 2) {{\[\[}}3.5, 17.5]]

// Without -o the output shapes are printed.
// RUN: qfx-run %s --input %t/x.npy | FileCheck %s --check-prefix=PRINT
// PRINT: output 0: float32 [1, 2]

module {
  qfx.parameter @"fc.weight" parameter = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 2.0]]> : tensor<2x4xf32>
  qfx.parameter @"fc.bias" parameter = dense_resource<fc_bias> : tensor<2xf32>
  func.func @forward(%x: tensor<1x4xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %r = qfx.relu %x : tensor<1x4xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x4xf32>
    %b = qfx.get_attr @"fc.bias" : tensor<2xf32>
    %y = qfx.linear %r, %w, %b : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    %one = qfx.constant scalar dense<0.5> : tensor<f32>
    %z = qfx.add %y, %one : (tensor<1x2xf32>, tensor<f32>) -> tensor<1x2xf32>
    return %z : tensor<1x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      fc_bias: "0x040000000000803F00000000"
    }
  }
#-}
