// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/c1.npy', np.array([[[-1., 2.]], [[0.5, 3.]]], np.float32)); np.save('%t/c2.npy', np.array([[[-4., 1.]]], np.float32))"
// RUN: qfx-run %s --calibrate %t/c1.npy -o %t/cal1.mlir 2>&1 | FileCheck %s --check-prefix=LOG
// LOG: calibrated 2 batches through 2 observers
// RUN: FileCheck %s --check-prefix=FIRST < %t/cal1.mlir
// FIRST: qfx.observer %{{.*}} config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> state = <min = [-1.000000e+00], max = [3.000000e+00]>
// FIRST: qfx.observer %{{.*}} config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, bins = 4> state = <min = [0.000000e+00], max = [3.000000e+00], histogram = [

// Calibrating a calibrated model accumulates...
// RUN: qfx-run %t/cal1.mlir --calibrate %t/c2.npy -o %t/cal2.mlir
// RUN: FileCheck %s --check-prefix=ACC < %t/cal2.mlir
// ACC: state = <min = [-4.000000e+00], max = [3.000000e+00]>

// ...unless --reset; --batches limits the runs; .mlirbc writes bytecode.
// RUN: qfx-run %t/cal1.mlir --calibrate %t/c1.npy --reset --batches 1 -o %t/cal3.mlirbc
// RUN: qfx-opt %t/cal3.mlirbc | FileCheck %s --check-prefix=RESET
// RESET: state = <min = [-1.000000e+00], max = [2.000000e+00]>

module {
  func.func @forward(%x: tensor<1x2xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x2xf32>
    %1 = qfx.relu %0 : tensor<1x2xf32>
    %2 = qfx.observer %1 config = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, bins = 4> : tensor<1x2xf32>
    return %2 : tensor<1x2xf32>
  }
}
