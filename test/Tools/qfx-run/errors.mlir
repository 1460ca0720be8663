// Every user error: a message naming the culprit, a non-zero exit, and no
// output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/ok.npy', np.zeros((1, 4), np.float32)); np.save('%t/shape.npy', np.zeros((1, 5), np.float32)); np.save('%t/f64.npy', np.zeros((1, 4))); np.save('%t/nan.npy', np.array([[[0., 1., float('nan'), 2.]]], np.float32)); np.save('%t/inf.npy', np.array([[[0., 1., float('inf'), 2.]]], np.float32))"
// RUN: head -c 140 %t/ok.npy > %t/trunc.npy

// RUN: not qfx-run %s --input %t/shape.npy -o %t/out.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: qfx-run: error: input 'x' has shape [1, 5] but the graph expects [1, 4] or [B, 1, 4]
// RUN: not qfx-run %s --input %t/f64.npy -o %t/out.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: qfx-run: error: input 'x' has dtype float64 but the graph expects float32 (qfx never casts)
// RUN: not qfx-run %s --input %t/trunc.npy -o %t/out.npy 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: qfx-run: error: {{.*}}trunc.npy: truncated: shape [1, 4] needs 16 bytes of data, found 12
// RUN: not qfx-run %s --input %t/missing.npy -o %t/out.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: qfx-run: error: {{.*}}missing.npy: cannot open
// RUN: not qfx-run %s --calibrate %t/nan.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: qfx-run: error: calibration batch 0: 'qfx.observer' (node 'activation_post_process_0'): MinMaxObserver: input contains NaN at flat index 2
// RUN: not qfx-run %s --calibrate %t/inf.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=INF
// INF: qfx-run: error: calibration batch 0: 'qfx.observer' (node 'activation_post_process_0'): MinMaxObserver: input contains +Inf at flat index 2
// RUN: not qfx-run %s --calibrate %t/ok.npy 2>&1 | FileCheck %s --check-prefix=NOOUT
// NOOUT: qfx-run: error: --calibrate needs -o <calibrated.mlir>
// RUN: not qfx-run %s -o %t/out.npy 2>&1 | FileCheck %s --check-prefix=NOIN
// NOIN: qfx-run: error: --input is required (the graph has inputs)
// RUN: not ls %t/out.npy %t/cal.mlir

module {
  func.func @forward(%x: tensor<1x4xf32> {qfx.name = "x"}) -> tensor<1x4xf32> {
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x4xf32> loc("activation_post_process_0")
    return %0 : tensor<1x4xf32>
  }
}
