// embedding_bag with per_sample_weights accumulates each scaled row with a
// fused multiply-add, as ATen's BLAS axpy does (one rounding, not two).
// Bag = -1 * 1 + (1 + 2^-12) * (1 + 2^-12): the exact product
// 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 on its own, so an unfused sum
// gives 2^-11 = 0.00048828125; the fused one keeps 2^-11 + 2^-24.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/w.npy', np.array([[1.0, 1.0 + 2.0**-12]], np.float32))"
// RUN: qfx-run %s --input %t/w.npy -o %t/y.npy
// RUN: %python -c "import numpy as np; y = np.load('%t/y.npy'); print(y.shape, repr(float(y.reshape(-1)[0])), float(y.reshape(-1)[0]) == 2.0**-11 + 2.0**-24)" | FileCheck %s
// CHECK: (1, 1, 1) 0.0004883408546447754 True

module {
  qfx.parameter @"bag.weight" parameter = dense<[[-1.0], [1.000244140625]]> : tensor<2x1xf32>
  qfx.parameter @"idx" buffer = dense<[0, 1]> : tensor<2xi64>
  qfx.parameter @"off" buffer = dense<[0]> : tensor<1xi64>
  func.func @forward(%psw: tensor<2xf32> {qfx.name = "psw"}) -> tensor<1x1xf32> {
    %w = qfx.get_attr @"bag.weight" : tensor<2x1xf32>
    %i = qfx.get_attr @"idx" : tensor<2xi64>
    %o = qfx.get_attr @"off" : tensor<1xi64>
    %y = qfx.embedding_bag %w, %i offsets %o per_sample_weights %psw mode = sum
        : (tensor<2x1xf32>, tensor<2xi64>, tensor<1xi64>, tensor<2xf32>) -> tensor<1x1xf32>
    return %y : tensor<1x1xf32>
  }
}
