// The fake-quantizes of one qfx.observer_group are PyTorch's one shared
// FakeQuantize instance, called twice per forward (before and after the
// relu): the second call updates the moving average the first one left.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/c.npy', np.array([[[-1., 2.]]], np.float32))"
// RUN: qfx-run %s --calibrate %t/c.npy -o %t/cal.mlir
// RUN: FileCheck %s < %t/cal.mlir

// First call on [-1, 2]: min -1, max 2 (the first batch sets them), scale
// 3/255, zero point 85, so 2 fake-quantizes to itself; the relu gives
// [0, 2]; the second call averages with 0.01: min = -1 + 0.01 * (0 - -1)
// = -0.99, max 2. Both ops show the one state. The second call
// fake-quantizes with the updated qparams (2 becomes 2.00505877, as
// PyTorch 1.13's FusedMovingAvgObsFakeQuantize gives), which the
// fake-quantize outside the group, a state of its own, records.
// CHECK: qfx.fake_quantize %arg0 {{.*}} state = <min = [-9.900000e-01], max = [2.000000e+00]>
// CHECK: qfx.fake_quantize %{{.*}} state = <min = [-9.900000e-01], max = [2.000000e+00]>
// CHECK: qfx.fake_quantize %{{.*}} state = <min = [0.000000e+00], max = [2.00505877]>

module attributes {qfx.training = true} {
  func.func @forward(%x: tensor<1x2xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %0 = qfx.fake_quantize %x config = <kind = fused_moving_avg_obs_fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255> {qfx.observer_group = "g"} : tensor<1x2xf32>
    %1 = qfx.relu %0 : tensor<1x2xf32>
    %2 = qfx.fake_quantize %1 config = <kind = fused_moving_avg_obs_fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255> {qfx.observer_group = "g"} : tensor<1x2xf32>
    %3 = qfx.fake_quantize %2 config = <kind = fused_moving_avg_obs_fake_quantize> observer = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255> : tensor<1x2xf32>
    return %3 : tensor<1x2xf32>
  }
}
