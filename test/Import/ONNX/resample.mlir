// ReduceMean becomes qfx.mean; Resize becomes qfx.interpolate when its
// coordinate mapping is one of F.interpolate's (torch.onnx's nearest:
// asymmetric + floor; linear: half_pixel/pytorch_half_pixel or
// align_corners). Cubic and other mappings stay generic calls.
// RUN: rm -rf %t && %python %S/make_models.py %t resample
// RUN: qfx-translate --import-onnx %t/resample.onnx | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x4x4xf32> {qfx.name = "x"})
// CHECK: qfx.mean %[[X]] dims = [2, 3] {qfx.node = #qfx.node<call_method, "mean">} : (tensor<1x2x4x4xf32>) -> tensor<1x2xf32>
// keepdims defaults to 1
// CHECK: qfx.mean %[[X]] dims = [1] keepdim {{.*}} -> tensor<1x1x4x4xf32>
// No axes: everything (x.mean())
// CHECK: qfx.mean %[[X]] dims = [] {{.*}} -> tensor<f32>
// The module scope /up/ owns its Resize: nn.Upsample.
// CHECK: qfx.interpolate %[[X]] mode = nearest scale_factor = [2.000000e+00, 1.500000e+00] {qfx.node = #qfx.node<call_module, "torch.nn.modules.upsampling.Upsample", module = "up">} : (tensor<1x2x4x4xf32>) -> tensor<1x2x8x6xf32>
// sizes keep batch and channels; the rest is the size.
// CHECK: qfx.interpolate %[[X]] mode = bilinear size = [5, 7] align_corners = true {qfx.node = #qfx.node<call_function, "torch.nn.functional.interpolate">} : (tensor<1x2x4x4xf32>) -> tensor<1x2x5x7xf32>
// CHECK: qfx.interpolate %[[X]] mode = bilinear scale_factor = [2.000000e+00, 1.500000e+00] align_corners = false
// CHECK: qfx.call call_function "onnx.Resize"({{.*}}) params {mode = "cubic"
// CHECK: qfx.call call_function "onnx.Resize"({{.*}}) params {coordinate_transformation_mode = "tf_half_pixel_for_nn"
