// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.zeros((1, 2, 2), np.float32)); np.save('%t/one.npy', np.zeros((1, 1, 2), np.float32))"

// momentum=None averages over the module's num_batches_tracked buffer,
// which this model lacks.
// RUN: not qfx-run %s --entry cumulative --calibrate %t/x.npy -o %t/cal.mlir 2>&1 | FileCheck %s --check-prefix=NOCOUNT
// NOCOUNT: qfx-run: error: {{.*}}batch_norm with momentum=None in training mode needs its module's num_batches_tracked buffer

// Batch statistics of one value per channel are undefined (PyTorch:
// "Expected more than 1 value per channel when training").
// RUN: not qfx-run %s --entry single --input %t/one.npy -o %t/y.npy 2>&1 | FileCheck %s --check-prefix=SINGLE
// SINGLE: qfx-run: error: {{.*}}batch_norm in training mode needs more than one value per channel
// RUN: not ls %t/y.npy %t/cal.mlir

module attributes {qfx.training = true} {
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  func.func @cumulative(%x: tensor<2x2xf32> {qfx.name = "x"}) -> tensor<2x2xf32> {
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %y = qfx.batch_norm %x mean %m var %v eps = 1.0e-05 training : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
    return %y : tensor<2x2xf32>
  }
  func.func @single(%x: tensor<1x2xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %y = qfx.batch_norm %x mean %m var %v eps = 1.0e-05 momentum = 0.1 training : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    return %y : tensor<1x2xf32>
  }
}
