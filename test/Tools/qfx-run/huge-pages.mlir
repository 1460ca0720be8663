// UNSUPPORTED: asan
// qfx-run re-executes itself with malloc on transparent huge pages for
// models of 8 MiB and more; QFX_HUGE_PAGES=1 forces it for this small one.
// The outputs are the same, and --time says which malloc ran.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[-2., -0.5, 1., 3.]], np.float32))"
// RUN: env QFX_HUGE_PAGES=1 qfx-run %s --input %t/x.npy -o %t/huge.npy --time --threads 1 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: qfx-run %s --input %t/x.npy -o %t/default.npy --time --threads 1 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: %python -c "import numpy as np; a = np.load('%t/huge.npy'); b = np.load('%t/default.npy'); print(a.tolist(), (a == b).all())" | FileCheck %s --check-prefix=SAME
// HUGE: qfx-run: 1 run(s), {{.*}} ms CPU per run, malloc: transparent-huge-pages
// DEFAULT: qfx-run: 1 run(s), {{.*}} ms CPU per run, malloc: default
// SAME: {{\[\[}}0.5, 7.5]] True

module {
  qfx.parameter @"fc.weight" parameter = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 2.0]]> : tensor<2x4xf32>
  func.func @forward(%x: tensor<1x4xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %r = qfx.relu %x : tensor<1x4xf32>
    %w = qfx.get_attr @"fc.weight" : tensor<2x4xf32>
    %y = qfx.linear %r, %w : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
    %one = qfx.constant scalar dense<0.5> : tensor<f32>
    %z = qfx.add %y, %one : (tensor<1x2xf32>, tensor<f32>) -> tensor<1x2xf32>
    return %z : tensor<1x2xf32>
  }
}
