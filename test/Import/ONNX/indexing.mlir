// Slice and Split become qfx.getitem slices, as the FX exporter writes
// tensor indexing and torch.split: one [start, stop, step] entry per dim up
// to the last sliced one; an open end (INT64_MAX) is `unit`.
// RUN: rm -rf %t && %python %S/make_models.py %t slicing split11
// RUN: qfx-translate --import-onnx %t/slicing.onnx | FileCheck %s
// RUN: qfx-translate --import-onnx %t/split11.onnx | FileCheck %s --check-prefix=OPSET11

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x3x6xf32> {qfx.name = "x"})
// x[:, 1:, :, ::2]
// CHECK: qfx.getitem %[[X]] index = {{\[}}[unit, unit, unit], [1, unit, unit], [unit, unit, unit], [unit, unit, 2]] {qfx.node = #qfx.node<call_function, "operator.getitem">} : (tensor<2x4x3x6xf32>) -> tensor<2x3x3x3xf32>
// x[-2:-1] (axes and steps omitted)
// CHECK: qfx.getitem %[[X]] index = {{\[}}[-2, -1, unit]] {{.*}} -> tensor<1x4x3x6xf32>
// Split with sizes [1, 3] on axis 1
// CHECK: qfx.getitem %[[X]] index = {{\[}}[unit, unit, unit], [0, 1, unit]] {qfx.node = #qfx.node<call_function, "torch.split">} : (tensor<2x4x3x6xf32>) -> tensor<2x1x3x6xf32>
// CHECK: qfx.getitem %[[X]] index = {{\[}}[unit, unit, unit], [1, 4, unit]] {{.*}} -> tensor<2x3x3x6xf32>
// Split into equal parts on axis -1
// CHECK: qfx.getitem %[[X]] index = {{\[}}[unit, unit, unit], [unit, unit, unit], [unit, unit, unit], [0, 3, unit]] {{.*}} -> tensor<2x4x3x3xf32>
// CHECK: qfx.getitem %[[X]] index = {{\[}}[unit, unit, unit], [unit, unit, unit], [unit, unit, unit], [3, 6, unit]] {{.*}} -> tensor<2x4x3x3xf32>
// CHECK-NOT: qfx.call

// Opset 11 gives the sizes as the `split` attribute.
// OPSET11: qfx.getitem %{{.*}} index = {{\[}}[0, 1, unit]] {{.*}} -> tensor<1x2xf32>
// OPSET11: qfx.getitem %{{.*}} index = {{\[}}[1, 2, unit]] {{.*}} -> tensor<1x2xf32>
// OPSET11: qfx.getitem %{{.*}} index = {{\[}}[2, 4, unit]] {{.*}} -> tensor<2x2xf32>
