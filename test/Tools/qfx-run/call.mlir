// func.call of a function of the module (a standalone module traced as a
// nested function) runs the callee inline. Its observers keep one state
// across calls, as the standalone GraphModule's observers do in PyTorch:
// @sub.forward is called twice per batch.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/c.npy', np.array([[[-1., 2.]], [[0.5, 3.]]], np.float32)); np.save('%t/x.npy', np.array([[-1., 2.]], np.float32))"
// RUN: qfx-run %s --input %t/x.npy -o %t/y.npy
// RUN: %python -c "import numpy as np; print(np.load('%t/y.npy').tolist())" | FileCheck %s --check-prefix=OUT
// relu(x) doubled, twice: [-1, 2] -> [0, 4] -> [0, 8].
// OUT: {{\[\[}}0.0, 8.0]]

// Batch [-1, 2]: @sub sees [-1, 2] then [0, 4], its add gives [0, 4] and
// [0, 8]; batch [0.5, 3]: [0.5, 3] and [1, 6], add [1, 6] and [2, 12].
// RUN: qfx-run %s --calibrate %t/c.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=LOG
// LOG: calibrated 2 batches through 3 observers
// RUN: FileCheck %s --check-prefix=CAL < %t/cal.mlir
// CAL-LABEL: func.func @forward
// CAL: qfx.observer %{{.*}} state = <min = [-1.000000e+00], max = [3.000000e+00]>
// CAL-LABEL: func.func private @sub.forward
// CAL: qfx.observer %{{.*}} state = <min = [-1.000000e+00], max = [6.000000e+00]>
// CAL: qfx.observer %{{.*}} state = <min = [0.000000e+00], max = [1.200000e+01]>

module {
  func.func @forward(%x: tensor<1x2xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %0 = qfx.observer %x config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x2xf32>
    %1 = func.call @"sub.forward"(%0) : (tensor<1x2xf32>) -> tensor<1x2xf32>
    %2 = func.call @"sub.forward"(%1) : (tensor<1x2xf32>) -> tensor<1x2xf32>
    return %2 : tensor<1x2xf32>
  }
  func.func private @"sub.forward"(%a: tensor<1x2xf32> {qfx.name = "a"}) -> tensor<1x2xf32> {
    %0 = qfx.observer %a config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x2xf32>
    %1 = qfx.relu %0 : tensor<1x2xf32>
    %2 = qfx.add %1, %1 : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
    %3 = qfx.observer %2 config = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine> : tensor<1x2xf32>
    return %3 : tensor<1x2xf32>
  }
}
