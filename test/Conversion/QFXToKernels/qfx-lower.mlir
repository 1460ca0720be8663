// RUN: qfx-opt %s --qfx-lower="backend=x86" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qfx-opt %s --qfx-lower="backend=qnnpack" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=QNNPACK

!in = !quant.uniform<u8<0:127>:f32, 5.000000e-02:62>
!act = !quant.uniform<u8<0:127>:f32, 2.000000e-02>
!sum = !quant.uniform<u8<0:127>:f32, 4.000000e-02>
!out = !quant.uniform<u8<0:127>:f32, 1.000000e-01:64>
!w = !quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3, 3.0e-3, 4.0e-3}>
!fw = !quant.uniform<i8:f32, 2.0e-3>

// CHECK-DAG: qfxk.packed_weight @fc.weight.packed source = @fc.weight type = tensor<10x4x!quant.uniform<i8:f32, 2.000000e-03>> weight = dense<100> : tensor<10x4xi8> bias = dense<1.000000e-01> : tensor<10xf32>
// CHECK-DAG: qfxk.packed_weight @conv.weight.packed source = @conv.weight type = tensor<4x3x3x3x!quant.uniform<i8:f32:0, {{.*}}>> weight = dense<{{.*}}> : tensor<4x3x3x3xi8> bias = dense<5.000000e-01> : tensor<4xf32>
// qnnpack rounds the bias to int32 at s_in * s_w where XNNPACK runs: the
// stem (3 input channels: im2col + GEMM) and the linear layer
// (0.1 / (0.04 * 2e-3) = 1250).
// QNNPACK-DAG: qfxk.packed_weight @conv.weight.packed {{.*}} bias = dense<[10000, 5000, 3333, 2500]> : tensor<4xi32>
// QNNPACK-DAG: qfxk.packed_weight @fc.weight.packed {{.*}} bias = dense<1250> : tensor<10xi32>
qfx.parameter @conv.weight parameter = dense<0.1> : tensor<4x3x3x3xf32>
qfx.parameter @conv.bias parameter = dense<0.5> : tensor<4xf32>
qfx.parameter @fc.weight parameter = dense<0.2> : tensor<10x4xf32>
qfx.parameter @fc.bias parameter = dense<0.1> : tensor<10xf32>

// CHECK-LABEL: func.func @resnet_like
// CHECK: %[[XQ:.*]] = qfx.quantize %{{.*}}
// CHECK: %[[XN:.*]] = qfxk.to_nhwc %[[XQ]]
// CHECK: %[[C:.*]] = qfxk.conv2d %[[XN]] weight = @conv.weight.packed stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 requant = float relu = true
// CHECK: %[[P:.*]] = qfxk.max_pool2d %[[C]] kernel_size = [2, 2]
// CHECK: %[[S:.*]] = qfxk.add %[[P]], %[[P]] relu = true : tensor<1x4x4x4x
// CHECK: %[[G:.*]] = qfxk.adaptive_avg_pool2d %[[S]]
// CHECK: %[[F:.*]] = qfxk.reshape %[[G]] : tensor<1x1x1x4x{{.*}}> -> tensor<1x4x
// CHECK: %[[L:.*]] = qfxk.linear %[[F]] weight = @fc.weight.packed requant = float relu = false
// CHECK: qfx.dequantize %[[L]]
// CHECK-NOT: qfxk.to_nchw
// CHECK-NOT: qfx.conv
// CHECK-NOT: qfx.max_pool
// CHECK-NOT: qfx.add
// CHECK-NOT: qfx.linear
// QNNPACK: qfxk.conv2d {{.*}} requant = fp32 relu = true
// QNNPACK: qfxk.linear {{.*}} requant = fp32
func.func @resnet_like(%x: tensor<1x3x8x8xf32>) -> tensor<1x10xf32> {
  %xq = qfx.quantize %x : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x8x8x!in> -> tensor<1x3x8x8xf32>
  %y = qfx.fused %xd : (tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  ^bb0(%in: tensor<1x3x8x8xf32>):
    %w = qfx.get_attr @conv.weight : tensor<4x3x3x3xf32>
    %wq = qfx.quantize %w : tensor<4x3x3x3xf32> -> tensor<4x3x3x3x!w>
    %wd = qfx.dequantize %wq : tensor<4x3x3x3x!w> -> tensor<4x3x3x3xf32>
    %b = qfx.get_attr @conv.bias : tensor<4xf32>
    %c = qfx.conv %in, %wd, %b stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    %r = qfx.relu %c : tensor<1x4x8x8xf32>
    qfx.yield %r : tensor<1x4x8x8xf32>
  }
  %yq = qfx.quantize %y : tensor<1x4x8x8xf32> -> tensor<1x4x8x8x!act>
  %yd = qfx.dequantize %yq : tensor<1x4x8x8x!act> -> tensor<1x4x8x8xf32>
  %p = qfx.max_pool %yd kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %pq = qfx.quantize %p : tensor<1x4x4x4xf32> -> tensor<1x4x4x4x!act>
  %pd = qfx.dequantize %pq : tensor<1x4x4x4x!act> -> tensor<1x4x4x4xf32>
  %s = qfx.add %pd, %pd : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %sr = qfx.relu %s : tensor<1x4x4x4xf32>
  %sq = qfx.quantize %sr : tensor<1x4x4x4xf32> -> tensor<1x4x4x4x!sum>
  %sd = qfx.dequantize %sq : tensor<1x4x4x4x!sum> -> tensor<1x4x4x4xf32>
  %g = qfx.adaptive_avg_pool %sd output_size = [1, 1] : (tensor<1x4x4x4xf32>) -> tensor<1x4x1x1xf32>
  %gq = qfx.quantize %g : tensor<1x4x1x1xf32> -> tensor<1x4x1x1x!sum>
  %gd = qfx.dequantize %gq : tensor<1x4x1x1x!sum> -> tensor<1x4x1x1xf32>
  %f = qfx.flatten %gd start_dim = 1 end_dim = -1 : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
  %fq = qfx.quantize %f : tensor<1x4xf32> -> tensor<1x4x!sum>
  %fd = qfx.dequantize %fq : tensor<1x4x!sum> -> tensor<1x4xf32>
  %lw = qfx.get_attr @fc.weight : tensor<10x4xf32>
  %lwq = qfx.quantize %lw : tensor<10x4xf32> -> tensor<10x4x!fw>
  %lwd = qfx.dequantize %lwq : tensor<10x4x!fw> -> tensor<10x4xf32>
  %lb = qfx.get_attr @fc.bias : tensor<10xf32>
  %l = qfx.linear %fd, %lwd, %lb : (tensor<1x4xf32>, tensor<10x4xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  %lq = qfx.quantize %l : tensor<1x10xf32> -> tensor<1x10x!out>
  %ld = qfx.dequantize %lq : tensor<1x10x!out> -> tensor<1x10xf32>
  return %ld : tensor<1x10xf32>
}

// -----

!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!w = !quant.uniform<i8:f32, 1.0e-3:5>
qfx.parameter @conv.weight parameter = dense<0.1> : tensor<4x3x1x1xf32>

// CHECK-LABEL: func.func @affine_weight
// CHECK: qfx.conv
// CHECK-NOT: qfxk.conv2d
func.func @affine_weight(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %xq = qfx.quantize %x : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x8x8x!in> -> tensor<1x3x8x8xf32>
  %w = qfx.get_attr @conv.weight : tensor<4x3x1x1xf32>
  %wq = qfx.quantize %w : tensor<4x3x1x1xf32> -> tensor<4x3x1x1x!w>
  %wd = qfx.dequantize %wq : tensor<4x3x1x1x!w> -> tensor<4x3x1x1xf32>
  // expected-remark@+1 {{left in reference form: the weight zero point is not 0 (affine weights have no kernel)}}
  %c = qfx.conv %xd, %wd stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x8x8xf32>
  %cq = qfx.quantize %c : tensor<1x4x8x8xf32> -> tensor<1x4x8x8x!in>
  %cd = qfx.dequantize %cq : tensor<1x4x8x8x!in> -> tensor<1x4x8x8xf32>
  return %cd : tensor<1x4x8x8xf32>
}

// -----

!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!o = !quant.uniform<u8:f32, 1.000000e-01:62>

// CHECK-LABEL: func.func @maxpool_requant
// CHECK: qfx.max_pool
func.func @maxpool_requant(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  %xq = qfx.quantize %x : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x8x8x!in> -> tensor<1x3x8x8xf32>
  // expected-remark@+1 {{left in reference form: max pooling must keep its input's qparams}}
  %p = qfx.max_pool %xd kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  %pq = qfx.quantize %p : tensor<1x3x4x4xf32> -> tensor<1x3x4x4x!o>
  %pd = qfx.dequantize %pq : tensor<1x3x4x4x!o> -> tensor<1x3x4x4xf32>
  return %pd : tensor<1x3x4x4xf32>
}

// -----

// A 1-d convolution runs as a 2-d one over 1 x L images; consecutive ones
// stay channels-last (the reshapes around them fold away).
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!w = !quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3}>
qfx.parameter @c1.weight parameter = dense<0.1> : tensor<2x3x3xf32>
qfx.parameter @c2.weight parameter = dense<0.1> : tensor<2x2x3xf32>

// CHECK-DAG: qfxk.packed_weight @c1.weight.packed source = @c1.weight type = tensor<2x3x1x3x!quant.uniform<i8:f32:0, {{.*}}>> weight = dense<{{.*}}> : tensor<2x3x1x3xi8>
// CHECK-LABEL: func.func @conv1d
// CHECK: %[[R:.*]] = qfxk.reshape %{{.*}} : tensor<1x3x16x{{.*}}> -> tensor<1x3x1x16x
// CHECK: %[[X:.*]] = qfxk.to_nhwc %[[R]] : {{.*}} -> tensor<1x1x16x3x
// CHECK: %[[C1:.*]] = qfxk.conv2d %[[X]] weight = @c1.weight.packed stride = [1, 1] padding = [0, 1] dilation = [1, 1] groups = 1 requant = float relu = true
// CHECK: %[[C2:.*]] = qfxk.conv2d %[[C1]] weight = @c2.weight.packed stride = [1, 2] padding = [0, 1] dilation = [1, 1]
// CHECK-SAME: -> tensor<1x1x8x2x
// CHECK: %[[B:.*]] = qfxk.to_nchw %[[C2]]
// CHECK: qfxk.reshape %[[B]] : tensor<1x2x1x8x{{.*}}> -> tensor<1x2x8x
// QNNPACK-LABEL: func.func @conv1d
// QNNPACK: qfxk.conv2d {{.*}} requant = fp32 relu = true
func.func @conv1d(%x: tensor<1x3x16xf32>) -> tensor<1x2x8xf32> {
  %xq = qfx.quantize %x : tensor<1x3x16xf32> -> tensor<1x3x16x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x16x!in> -> tensor<1x3x16xf32>
  %w1 = qfx.get_attr @c1.weight : tensor<2x3x3xf32>
  %w1q = qfx.quantize %w1 : tensor<2x3x3xf32> -> tensor<2x3x3x!w>
  %w1d = qfx.dequantize %w1q : tensor<2x3x3x!w> -> tensor<2x3x3xf32>
  %c1 = qfx.conv %xd, %w1d stride = [1] padding = [1] dilation = [1] groups = 1 : (tensor<1x3x16xf32>, tensor<2x3x3xf32>) -> tensor<1x2x16xf32>
  %r1 = qfx.relu %c1 : tensor<1x2x16xf32>
  %c1q = qfx.quantize %r1 : tensor<1x2x16xf32> -> tensor<1x2x16x!in>
  %c1d = qfx.dequantize %c1q : tensor<1x2x16x!in> -> tensor<1x2x16xf32>
  %w2 = qfx.get_attr @c2.weight : tensor<2x2x3xf32>
  %w2q = qfx.quantize %w2 : tensor<2x2x3xf32> -> tensor<2x2x3x!w>
  %w2d = qfx.dequantize %w2q : tensor<2x2x3x!w> -> tensor<2x2x3xf32>
  %c2 = qfx.conv %c1d, %w2d stride = [2] padding = [1] dilation = [1] groups = 1 : (tensor<1x2x16xf32>, tensor<2x2x3xf32>) -> tensor<1x2x8xf32>
  %c2q = qfx.quantize %c2 : tensor<1x2x8xf32> -> tensor<1x2x8x!in>
  %c2d = qfx.dequantize %c2q : tensor<1x2x8x!in> -> tensor<1x2x8xf32>
  return %c2d : tensor<1x2x8xf32>
}

// -----

// qnnpack: an ungrouped, unstrided 1x1 convolution runs on XNNPACK (int32
// bias, `fp32`); grouped or strided 1x1 ones and a 3x3 one over 8 input
// channels (not a stem) run on oneDNN and keep the float bias.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!w = !quant.uniform<i8:f32, 1.0e-3>
qfx.parameter @p.weight parameter = dense<0.1> : tensor<4x4x1x1xf32>
qfx.parameter @p.bias parameter = dense<0.5> : tensor<4xf32>
qfx.parameter @g.weight parameter = dense<0.1> : tensor<4x2x1x1xf32>
qfx.parameter @g.bias parameter = dense<0.5> : tensor<4xf32>
qfx.parameter @s.weight parameter = dense<0.1> : tensor<8x4x1x1xf32>
qfx.parameter @k.weight parameter = dense<0.1> : tensor<2x8x3x3xf32>
qfx.parameter @k.bias parameter = dense<0.5> : tensor<2xf32>

// CHECK-LABEL: func.func @pointwise
// CHECK: qfxk.conv2d {{.*}} weight = @p.weight.packed {{.*}} groups = 1 requant = float
// CHECK: qfxk.conv2d {{.*}} weight = @g.weight.packed {{.*}} groups = 2 requant = float
// CHECK: qfxk.conv2d {{.*}} weight = @k.weight.packed {{.*}} groups = 1 requant = float
// QNNPACK-DAG: qfxk.packed_weight @p.weight.packed {{.*}} bias = dense<10000> : tensor<4xi32>
// QNNPACK-DAG: qfxk.packed_weight @g.weight.packed {{.*}} bias = dense<5.000000e-01> : tensor<4xf32>
// QNNPACK-DAG: qfxk.packed_weight @k.weight.packed {{.*}} bias = dense<5.000000e-01> : tensor<2xf32>
// QNNPACK-LABEL: func.func @pointwise
// QNNPACK: qfxk.conv2d {{.*}} weight = @p.weight.packed {{.*}} groups = 1 requant = fp32
// QNNPACK: qfxk.conv2d {{.*}} weight = @g.weight.packed {{.*}} groups = 2 requant = float
// QNNPACK: qfxk.conv2d {{.*}} weight = @s.weight.packed stride = [2, 2] {{.*}} groups = 1 requant = float
// QNNPACK: qfxk.conv2d {{.*}} weight = @k.weight.packed {{.*}} groups = 1 requant = float
func.func @pointwise(%x: tensor<1x4x4x4xf32>) -> tensor<1x2x2x2xf32> {
  %xq = qfx.quantize %x : tensor<1x4x4x4xf32> -> tensor<1x4x4x4x!in>
  %xd = qfx.dequantize %xq : tensor<1x4x4x4x!in> -> tensor<1x4x4x4xf32>
  %w = qfx.get_attr @p.weight : tensor<4x4x1x1xf32>
  %wq = qfx.quantize %w : tensor<4x4x1x1xf32> -> tensor<4x4x1x1x!w>
  %wd = qfx.dequantize %wq : tensor<4x4x1x1x!w> -> tensor<4x4x1x1xf32>
  %b = qfx.get_attr @p.bias : tensor<4xf32>
  %c = qfx.conv %xd, %wd, %b stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x4x4x4xf32>, tensor<4x4x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %cq = qfx.quantize %c : tensor<1x4x4x4xf32> -> tensor<1x4x4x4x!in>
  %cd = qfx.dequantize %cq : tensor<1x4x4x4x!in> -> tensor<1x4x4x4xf32>
  %gw = qfx.get_attr @g.weight : tensor<4x2x1x1xf32>
  %gwq = qfx.quantize %gw : tensor<4x2x1x1xf32> -> tensor<4x2x1x1x!w>
  %gwd = qfx.dequantize %gwq : tensor<4x2x1x1x!w> -> tensor<4x2x1x1xf32>
  %gb = qfx.get_attr @g.bias : tensor<4xf32>
  %g = qfx.conv %cd, %gwd, %gb stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 2 : (tensor<1x4x4x4xf32>, tensor<4x2x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %gq = qfx.quantize %g : tensor<1x4x4x4xf32> -> tensor<1x4x4x4x!in>
  %gd = qfx.dequantize %gq : tensor<1x4x4x4x!in> -> tensor<1x4x4x4xf32>
  %sw = qfx.get_attr @s.weight : tensor<8x4x1x1xf32>
  %swq = qfx.quantize %sw : tensor<8x4x1x1xf32> -> tensor<8x4x1x1x!w>
  %swd = qfx.dequantize %swq : tensor<8x4x1x1x!w> -> tensor<8x4x1x1xf32>
  %sc = qfx.conv %gd, %swd stride = [2, 2] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x4x4x4xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x2x2xf32>
  %sq = qfx.quantize %sc : tensor<1x8x2x2xf32> -> tensor<1x8x2x2x!in>
  %sd = qfx.dequantize %sq : tensor<1x8x2x2x!in> -> tensor<1x8x2x2xf32>
  %kw = qfx.get_attr @k.weight : tensor<2x8x3x3xf32>
  %kwq = qfx.quantize %kw : tensor<2x8x3x3xf32> -> tensor<2x8x3x3x!w>
  %kwd = qfx.dequantize %kwq : tensor<2x8x3x3x!w> -> tensor<2x8x3x3xf32>
  %kb = qfx.get_attr @k.bias : tensor<2xf32>
  %kc = qfx.conv %sd, %kwd, %kb stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x8x2x2xf32>, tensor<2x8x3x3xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %kq = qfx.quantize %kc : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x!in>
  %kd = qfx.dequantize %kq : tensor<1x2x2x2x!in> -> tensor<1x2x2x2xf32>
  return %kd : tensor<1x2x2x2xf32>
}
