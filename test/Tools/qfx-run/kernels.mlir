// Lowered kernel ops run in qfx-run and match PyTorch's reference model
// (dq -> conv -> relu -> q -> max_pool) exactly on this input.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/kernels_ref.py %t
// RUN: qfx-run %s --input %t/x.npy -o %t/y.npy --threads 1 --profile 2>&1 | FileCheck %s
// RUN: %python -c "import numpy as np; a = np.load('%t/y.npy'); b = np.load('%t/ref.npy'); print('max-lsb', int(np.rint(np.abs(a - b).max() / 0.02)))" | FileCheck %s --check-prefix=EXACT
// CHECK: qfx-run: profile (mean over 1 run(s))
// CHECK: 'qfxk.to_nhwc'
// CHECK: 'qfxk.conv2d'  [onednn:u8s8s32-checked: {{.*}}]
// CHECK: 'qfxk.max_pool2d'  [{{qfx:maxpool-avx2|reference:pool}}]
// CHECK: ms  total
// EXACT: max-lsb 0

!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!act = !quant.uniform<u8:f32, 2.000000e-02>
module {
  qfxk.packed_weight @w source = @conv.weight type = tensor<4x3x3x3x!quant.uniform<i8:f32:0, {1.0e-2, 2.0e-2, 3.0e-2, 4.0e-2}>> weight = dense<[[[[1, -2, 3], [4, 5, -6], [7, 8, 9]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]], [[-1, -1, -1], [2, 2, 2], [0, 0, 0]]], [[[127, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, -128, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 5]]], [[[3, 3, 3], [3, 3, 3], [3, 3, 3]], [[3, 3, 3], [3, 3, 3], [3, 3, 3]], [[3, 3, 3], [3, 3, 3], [3, 3, 3]]], [[[0, 0, 0], [0, 9, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]]]> : tensor<4x3x3x3xi8> bias = dense<[0.5, -0.25, 0.0, 1.0]> : tensor<4xf32>
  func.func @forward(%x: tensor<1x3x6x6xf32> {qfx.name = "x"}) -> tensor<1x4x3x3xf32> {
    %q = qfx.quantize %x : tensor<1x3x6x6xf32> -> tensor<1x3x6x6x!in>
    %n = qfxk.to_nhwc %q : tensor<1x3x6x6x!in> -> tensor<1x6x6x3x!in>
    %c = qfxk.conv2d %n weight = @w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = true : tensor<1x6x6x3x!in> -> tensor<1x6x6x4x!act>
    %p = qfxk.max_pool2d %c kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] : tensor<1x6x6x4x!act> -> tensor<1x3x3x4x!act>
    %o = qfxk.to_nchw %p : tensor<1x3x3x4x!act> -> tensor<1x4x3x3x!act>
    %d = qfx.dequantize %o : tensor<1x4x3x3x!act> -> tensor<1x4x3x3xf32>
    return %d : tensor<1x4x3x3xf32>
  }
}
