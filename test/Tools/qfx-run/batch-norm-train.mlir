// A training-mode batch norm normalises with the batch statistics and
// updates its module's buffers; --calibrate writes them back as fresh
// dense_resource blobs (hex: a 4-byte alignment header, then little-endian
// data).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[[0., 2.], [3., 5.]]], np.float32))"
// RUN: qfx-run %s --input %t/x.npy -o %t/y.npy
// RUN: %python -c "import numpy as np; print(np.load('%t/y.npy').tolist())" | FileCheck %s --check-prefix=OUT
// Channel 0 sees 0, 3 (mean 1.5), channel 1 sees 2, 5 (mean 3.5); both have
// biased variance 2.25, so with eps 1.75 invstd is 0.5 and they normalise to
// -0.75, 0.75.
// OUT: {{\[\[\[}}-0.75, -0.75], [0.75, 0.75]]]

// RUN: qfx-run %s --calibrate %t/x.npy -o %t/cal.mlir
// RUN: FileCheck %s --check-prefix=STATE < %t/cal.mlir
// momentum 0.5: running_mean = 0.5 * [1.5, 3.5] + 0.5 * [0, 0] =
// [0.75, 1.75]; running_var uses the unbiased variance 4.5:
// 0.5 * 4.5 + 0.5 * 1 = 2.75; num_batches_tracked 0 -> 1. The weight is
// untouched.
// STATE-DAG: qfx.parameter @bn.num_batches_tracked buffer = dense_resource<[[NBT:.*]]> : tensor<i64>
// STATE-DAG: qfx.parameter @bn.running_mean buffer = dense_resource<[[MEAN:.*]]> : tensor<2xf32>
// STATE-DAG: qfx.parameter @bn.running_var buffer = dense_resource<[[VAR:.*]]> : tensor<2xf32>
// STATE-DAG: qfx.parameter @bn.weight parameter = dense<1.000000e+00> : tensor<2xf32>
// STATE-DAG: [[MEAN]]: "0x400000000000403F0000E03F"
// STATE-DAG: [[VAR]]: "0x400000000000304000003040"
// STATE-DAG: [[NBT]]: "0x400000000100000000000000"

// Calibrating again continues from the written-back state (cumulative
// statistics as PyTorch would accumulate over more batches).
// RUN: qfx-run %t/cal.mlir --calibrate %t/x.npy -o %t/cal2.mlir
// RUN: FileCheck %s --check-prefix=AGAIN < %t/cal2.mlir
// 0.5 * [1.5, 3.5] + 0.5 * [0.75, 1.75] = [1.125, 2.625]; counter 2.
// AGAIN-DAG: qfx.parameter @bn.running_mean buffer = dense_resource<[[MEAN2:.*]]> : tensor<2xf32>
// AGAIN-DAG: [[MEAN2]]: "0x400000000000903F00002840"
// AGAIN-DAG: "0x400000000200000000000000"

module attributes {qfx.training = true} {
  qfx.parameter @"bn.weight" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn.num_batches_tracked" buffer = dense<0> : tensor<i64>
  func.func @forward(%x: tensor<2x2xf32> {qfx.name = "x"}) -> tensor<2x2xf32> {
    %w = qfx.get_attr @"bn.weight" : tensor<2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %y = qfx.batch_norm %x weight %w mean %m var %v eps = 1.75 momentum = 0.5 training : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
    return %y : tensor<2x2xf32>
  }
}
