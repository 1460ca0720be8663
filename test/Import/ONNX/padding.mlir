// Padding that no torch module attribute holds (pads with begin != end,
// auto_pad SAME_UPPER/SAME_LOWER) is split: the symmetric part stays on the
// conv/pool, the rest becomes a qfx.pad (F.pad) in front of it, -inf for
// max pooling. A constant Pad node is a qfx.pad of its own.
// RUN: rm -rf %t && %python %S/make_models.py %t padding
// RUN: qfx-translate --import-onnx %t/padding.onnx | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x5x5xf32> {qfx.name = "x"})
// pads [0, 0, 1, 1]: one more row and column at the end.
// CHECK: %[[P0:.*]] = qfx.pad %[[X]] pad = [0, 1, 0, 1] {qfx.node = #qfx.node<call_function, "torch.nn.functional.pad", module = "conv">} : (tensor<1x2x5x5xf32>) -> tensor<1x2x6x6xf32>
// CHECK: qfx.conv %[[P0]], %{{.*}} stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x2x6x6xf32>, tensor<2x2x3x3xf32>) -> tensor<1x2x4x4xf32>
// SAME_UPPER, 5 -> 3 with stride 2: total padding 2 per dim, symmetric.
// CHECK-NOT: qfx.pad
// CHECK: qfx.conv %[[X]], %{{.*}} stride = [2, 2] padding = [1, 1] {{.*}} -> tensor<1x2x3x3xf32>
// CHECK-NOT: qfx.pad
// CHECK: qfx.conv %[[X]], %{{.*}} stride = [2, 2] padding = [1, 1] {{.*}} -> tensor<1x2x3x3xf32>
// pads [2, 1, 1, 2]: rows 2 before, 1 after; columns 1 before, 2 after.
// CHECK: %[[P1:.*]] = qfx.pad %[[X]] pad = [0, 1, 1, 0] {{.*}} -> tensor<1x2x6x6xf32>
// CHECK: qfx.conv %[[P1]], %{{.*}} padding = [1, 1] {{.*}} -> tensor<1x2x6x6xf32>
// SAME_UPPER max pool 5 -> 3 (kernel 2, stride 2): one more at the end.
// CHECK: %[[P2:.*]] = qfx.pad %[[X]] pad = [0, 1, 0, 1] value = 0xFFF0000000000000 {qfx.node = #qfx.node<call_function, "torch.nn.functional.pad", module = "pool">}
// CHECK: qfx.max_pool %[[P2]] kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] {{.*}} -> tensor<1x2x3x3xf32>
// Average pooling counting the padding: the same split.
// CHECK: %[[P3:.*]] = qfx.pad %[[X]] pad = [0, 1, 0, 1] {{.*}} -> tensor<1x2x6x6xf32>
// CHECK: qfx.avg_pool %[[P3]] kernel_size = [2, 2] stride = [1, 1] padding = [0, 0] count_include_pad
// Not counting it: no torch equivalent.
// CHECK: qfx.call call_function "onnx.AveragePool"
// Pad node: ONNX's [begin..., end...] becomes F.pad's pairs from the last dim.
// CHECK: qfx.pad %[[X]] pad = [0, 2, 1, 0] value = 5.000000e-01 {qfx.node = #qfx.node<call_function, "torch.nn.functional.pad">} : (tensor<1x2x5x5xf32>) -> tensor<1x2x6x7xf32>
