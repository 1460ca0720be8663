// Bad calibration data: a message naming the input or the observer, a
// non-zero exit, and no calibrated model written.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/ok.npy', np.ones((2, 1, 2), np.float32)); np.save('%t/shape.npy', np.ones((2, 1, 3), np.float32)); np.save('%t/i64.npy', np.ones((2, 1, 2), np.int64)); np.save('%t/big.npy', np.array([[[1e30, 2e30]]], np.float32)); np.save('%t/const.npy', np.full((1, 1, 2), 1e18, np.float32)); np.save('%t/hnan.npy', np.array([[[1., 2.]], [[float('nan'), 2.]]], np.float32)); np.savez('%t/wrong.npz', y=np.ones((2, 1, 2), np.float32))"
// RUN: head -c 140 %t/ok.npy > %t/trunc.npy

// RUN: not qfx-run %s --calibrate %t/shape.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: qfx-run: error: input 'x' has shape [2, 1, 3] but the graph expects [1, 2] or [B, 1, 2]
// RUN: not qfx-run %s --calibrate %t/i64.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: qfx-run: error: input 'x' has dtype int64 but the graph expects float32 (qfx never casts)
// RUN: not qfx-run %s --calibrate %t/trunc.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: qfx-run: error: {{.*}}trunc.npy: truncated: shape [2, 1, 2] needs 16 bytes of data, found 12
// RUN: not qfx-run %s --calibrate %t/wrong.npz -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=NPZ
// NPZ: qfx-run: error: {{.*}}wrong.npz: no array for placeholder 'x' (arrays: y)

// Activations that explode inside the graph: the HistogramObserver that
// first sees +Inf is named (PyTorch dies with "Overflow when unpacking long").
// RUN: not qfx-run %s --calibrate %t/big.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=EXPLODE
// EXPLODE: qfx-run: error: calibration batch 0: 'qfx.observer' (node 'squared_obs'): HistogramObserver: input contains +Inf at flat index 0
// A NaN in the second batch: the first observer reports it, by batch.
// RUN: not qfx-run %s --calibrate %t/hnan.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=HNAN
// HNAN: qfx-run: error: calibration batch 1: 'qfx.observer' (node 'input_obs'): HistogramObserver: input contains NaN at flat index 0
// A constant huge activation: histc cannot widen a one-value range by +-1
// at this magnitude (PyTorch: "max must be larger than min"); the message
// says why.
// RUN: not qfx-run %s --calibrate %t/const.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=CONST
// CONST: qfx-run: error: calibration batch 0: 'qfx.observer' (node 'input_obs'): histc: all observed values equal 1e+18, too large to widen to a histogram range by +-1
// RUN: not ls %t/cal.mlir

module {
  func.func @forward(%x: tensor<1x2xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %0 = qfx.observer %x config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x2xf32> loc("input_obs")
    %1 = qfx.mul %0, %0 : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
    %2 = qfx.observer %1 config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x2xf32> loc("squared_obs")
    return %2 : tensor<1x2xf32>
  }
}
