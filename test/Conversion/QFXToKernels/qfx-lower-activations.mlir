// RUN: qfx-opt %s --qfx-lower="backend=x86" -split-input-file -verify-diagnostics | FileCheck %s
// RUN: qfx-opt %s --qfx-lower="backend=qnnpack" -split-input-file | FileCheck %s --check-prefix=QNNPACK

// ReLU6 shares the convolution's qparams: q(6) = 62 + 6 / 0.05 = 182, and
// the integer clamp folds into the convolution's output clamp.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!w = !quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3}>
qfx.parameter @conv.weight parameter = dense<0.1> : tensor<2x3x3x3xf32>

// CHECK-LABEL: func.func @conv_relu6
// CHECK: %[[X:.*]] = qfxk.to_nhwc
// CHECK: %[[C:.*]] = qfxk.conv2d %[[X]] weight = @conv.weight.packed {{.*}} groups = 1 requant = float relu = false clamp = [62, 182]
// CHECK: %[[B:.*]] = qfxk.to_nchw %[[C]]
// CHECK: qfx.dequantize %[[B]]
// CHECK-NOT: qfxk.clamp
// CHECK-NOT: qfx.hardtanh
// QNNPACK: qfxk.conv2d {{.*}} requant = fp32 relu = false clamp = [62, 182]
func.func @conv_relu6(%x: tensor<1x3x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %xq = qfx.quantize %x : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x8x8x!in> -> tensor<1x3x8x8xf32>
  %w = qfx.get_attr @conv.weight : tensor<2x3x3x3xf32>
  %wq = qfx.quantize %w : tensor<2x3x3x3xf32> -> tensor<2x3x3x3x!w>
  %wd = qfx.dequantize %wq : tensor<2x3x3x3x!w> -> tensor<2x3x3x3xf32>
  %c = qfx.conv %xd, %wd stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x3x8x8xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x8x8xf32>
  %cq = qfx.quantize %c : tensor<1x2x8x8xf32> -> tensor<1x2x8x8x!in>
  %cd = qfx.dequantize %cq : tensor<1x2x8x8x!in> -> tensor<1x2x8x8xf32>
  %r = qfx.hardtanh %cd min_val = 0.0 max_val = 6.0 : tensor<1x2x8x8xf32>
  %rq = qfx.quantize %r : tensor<1x2x8x8xf32> -> tensor<1x2x8x8x!in>
  %rd = qfx.dequantize %rq : tensor<1x2x8x8x!in> -> tensor<1x2x8x8xf32>
  return %rd : tensor<1x2x8x8xf32>
}

// -----

// The convolution's own output is used too: the clamp stays, channels-last.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!w = !quant.uniform<i8:f32:0, {1.0e-3, 2.0e-3}>
qfx.parameter @conv.weight parameter = dense<0.1> : tensor<2x3x1x1xf32>

// CHECK-LABEL: func.func @shared_conv_output
// CHECK: %[[C:.*]] = qfxk.conv2d {{.*}} relu = false :
// CHECK: %[[R:.*]] = qfxk.clamp %[[C]] lo = 62 hi = 182 : tensor<1x8x8x2x
// CHECK: qfxk.to_nchw %[[R]]
func.func @shared_conv_output(%x: tensor<1x3x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %xq = qfx.quantize %x : tensor<1x3x8x8xf32> -> tensor<1x3x8x8x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x8x8x!in> -> tensor<1x3x8x8xf32>
  %w = qfx.get_attr @conv.weight : tensor<2x3x1x1xf32>
  %wq = qfx.quantize %w : tensor<2x3x1x1xf32> -> tensor<2x3x1x1x!w>
  %wd = qfx.dequantize %wq : tensor<2x3x1x1x!w> -> tensor<2x3x1x1xf32>
  %c = qfx.conv %xd, %wd stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x3x8x8xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x8x8xf32>
  %cq = qfx.quantize %c : tensor<1x2x8x8xf32> -> tensor<1x2x8x8x!in>
  %cd = qfx.dequantize %cq : tensor<1x2x8x8x!in> -> tensor<1x2x8x8xf32>
  %r = qfx.hardtanh %cd min_val = 0.0 max_val = 6.0 : tensor<1x2x8x8xf32>
  %rq = qfx.quantize %r : tensor<1x2x8x8xf32> -> tensor<1x2x8x8x!in>
  %rd = qfx.dequantize %rq : tensor<1x2x8x8x!in> -> tensor<1x2x8x8xf32>
  return %cd, %rd : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
!b = !quant.uniform<u8:f32, 1.000000e-01:10>
!s = !quant.uniform<u8:f32, 3.906250e-03>
!t = !quant.uniform<u8:f32, 7.812500e-03:128>

// CHECK-LABEL: func.func @elementwise
// CHECK: %[[M:.*]] = qfxk.mul %{{.*}}, %{{.*}} relu = true
// CHECK: %[[S:.*]] = qfxk.unary %[[M]] fn = sigmoid
// CHECK: %[[T:.*]] = qfxk.unary %[[M]] fn = tanh
// CHECK: %[[H:.*]] = qfxk.unary %[[M]] fn = hardsigmoid
// CHECK: %[[R:.*]] = qfxk.clamp %[[M]] lo = 10 hi = 255
// CHECK: %[[P:.*]] = qfxk.softmax %[[M]] dim = 1
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK-NOT: qfx.mul
func.func @elementwise(%x: tensor<2x8xf32>, %y: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %xq = qfx.quantize %x : tensor<2x8xf32> -> tensor<2x8x!a>
  %xd = qfx.dequantize %xq : tensor<2x8x!a> -> tensor<2x8xf32>
  %yq = qfx.quantize %y : tensor<2x8xf32> -> tensor<2x8x!a>
  %yd = qfx.dequantize %yq : tensor<2x8x!a> -> tensor<2x8xf32>
  %m = qfx.mul %xd, %yd : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %mr = qfx.relu %m : tensor<2x8xf32>
  %mq = qfx.quantize %mr : tensor<2x8xf32> -> tensor<2x8x!b>
  %md = qfx.dequantize %mq : tensor<2x8x!b> -> tensor<2x8xf32>
  %s = qfx.sigmoid %md : tensor<2x8xf32>
  %sq = qfx.quantize %s : tensor<2x8xf32> -> tensor<2x8x!s>
  %sd = qfx.dequantize %sq : tensor<2x8x!s> -> tensor<2x8xf32>
  %t = qfx.tanh %md : tensor<2x8xf32>
  %tq = qfx.quantize %t : tensor<2x8xf32> -> tensor<2x8x!t>
  %td = qfx.dequantize %tq : tensor<2x8x!t> -> tensor<2x8xf32>
  %h = qfx.hardsigmoid %md : tensor<2x8xf32>
  %hq = qfx.quantize %h : tensor<2x8xf32> -> tensor<2x8x!s>
  %hd = qfx.dequantize %hq : tensor<2x8x!s> -> tensor<2x8xf32>
  %r = qfx.relu %md : tensor<2x8xf32>
  %rq = qfx.quantize %r : tensor<2x8xf32> -> tensor<2x8x!b>
  %rd = qfx.dequantize %rq : tensor<2x8x!b> -> tensor<2x8xf32>
  %p = qfx.softmax %md dim = -1 : tensor<2x8xf32>
  %pq = qfx.quantize %p : tensor<2x8xf32> -> tensor<2x8x!s>
  %pd = qfx.dequantize %pq : tensor<2x8x!s> -> tensor<2x8xf32>
  return %md, %sd, %td, %hd, %rd, %pd : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
!b = !quant.uniform<u8:f32, 1.000000e-01:10>

// Dropout in eval is the quantized input itself, or a requantization table
// when it was observed with its own qparams.
// CHECK-LABEL: func.func @identities
// CHECK: %[[XQ:.*]] = qfx.quantize
// CHECK-DAG: %[[U:.*]] = qfxk.unary %[[XQ]] fn = identity
// CHECK-DAG: %[[D1:.*]] = qfx.dequantize %[[XQ]]
// CHECK: %[[D2:.*]] = qfx.dequantize %[[U]]
// CHECK-NEXT: return %[[D1]], %[[D2]]
func.func @identities(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %xq = qfx.quantize %x : tensor<2x8xf32> -> tensor<2x8x!a>
  %xd = qfx.dequantize %xq : tensor<2x8x!a> -> tensor<2x8xf32>
  %d = qfx.dropout %xd p = 0.2 : tensor<2x8xf32>
  %dq = qfx.quantize %d : tensor<2x8xf32> -> tensor<2x8x!a>
  %dd = qfx.dequantize %dq : tensor<2x8x!a> -> tensor<2x8xf32>
  %e = qfx.identity %dd : tensor<2x8xf32>
  %eq = qfx.quantize %e : tensor<2x8xf32> -> tensor<2x8x!b>
  %ed = qfx.dequantize %eq : tensor<2x8x!b> -> tensor<2x8xf32>
  return %dd, %ed : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

!a = !quant.uniform<u8:f32, 5.000000e-02:62>
!b = !quant.uniform<u8:f32, 1.000000e-01:10>

// CHECK-LABEL: func.func @left_alone
// CHECK: qfx.hardtanh
// CHECK: qfx.dropout
func.func @left_alone(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %xq = qfx.quantize %x : tensor<2x8xf32> -> tensor<2x8x!a>
  %xd = qfx.dequantize %xq : tensor<2x8x!a> -> tensor<2x8xf32>
  // expected-remark@+1 {{left in reference form: a clamp must keep its input's qparams (PyTorch shares them)}}
  %h = qfx.hardtanh %xd min_val = -1.0 max_val = 1.0 : tensor<2x8xf32>
  %hq = qfx.quantize %h : tensor<2x8xf32> -> tensor<2x8x!b>
  %hd = qfx.dequantize %hq : tensor<2x8x!b> -> tensor<2x8xf32>
  // expected-remark@+1 {{left in reference form: dropout in training mode has no kernel}}
  %d = qfx.dropout %xd p = 0.2 training : tensor<2x8xf32>
  %dq = qfx.quantize %d : tensor<2x8xf32> -> tensor<2x8x!a>
  %dd = qfx.dequantize %dq : tensor<2x8x!a> -> tensor<2x8xf32>
  return %hd, %dd : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// cat of two channels-last convolutions concatenates NHWC along dim 3;
// reshape keeps the qparams; both convolutions read one layout change.
!in = !quant.uniform<u8:f32, 5.000000e-02:62>
!o = !quant.uniform<u8:f32, 1.000000e-01:62>
!w = !quant.uniform<i8:f32, 1.0e-3>
qfx.parameter @a.weight parameter = dense<0.1> : tensor<2x3x1x1xf32>

// CHECK-LABEL: func.func @cat_reshape
// CHECK: %[[X:.*]] = qfxk.to_nhwc
// CHECK-NOT: qfxk.to_nhwc
// CHECK: %[[A:.*]] = qfxk.conv2d %[[X]]
// CHECK-NOT: qfxk.to_nhwc
// CHECK: %[[B:.*]] = qfxk.conv2d %[[X]]
// CHECK: %[[C:.*]] = qfxk.cat %[[A]], %[[B]] dim = 3 : (tensor<1x4x4x2x{{.*}}>, tensor<1x4x4x2x{{.*}}>) -> tensor<1x4x4x4x
// CHECK: %[[N:.*]] = qfxk.to_nchw %[[C]]
// CHECK: qfxk.reshape %[[N]] : tensor<1x4x4x4x{{.*}}> -> tensor<1x64x
func.func @cat_reshape(%x: tensor<1x3x4x4xf32>) -> tensor<1x64xf32> {
  %xq = qfx.quantize %x : tensor<1x3x4x4xf32> -> tensor<1x3x4x4x!in>
  %xd = qfx.dequantize %xq : tensor<1x3x4x4x!in> -> tensor<1x3x4x4xf32>
  %w = qfx.get_attr @a.weight : tensor<2x3x1x1xf32>
  %wq = qfx.quantize %w : tensor<2x3x1x1xf32> -> tensor<2x3x1x1x!w>
  %wd = qfx.dequantize %wq : tensor<2x3x1x1x!w> -> tensor<2x3x1x1xf32>
  %a = qfx.conv %xd, %wd stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %aq = qfx.quantize %a : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!in>
  %ad = qfx.dequantize %aq : tensor<1x2x4x4x!in> -> tensor<1x2x4x4xf32>
  %b = qfx.conv %xd, %wd stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x2x4x4xf32>
  %bq = qfx.quantize %b : tensor<1x2x4x4xf32> -> tensor<1x2x4x4x!o>
  %bd = qfx.dequantize %bq : tensor<1x2x4x4x!o> -> tensor<1x2x4x4xf32>
  %c = qfx.cat %ad, %bd dim = 1 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  %cq = qfx.quantize %c : tensor<1x4x4x4xf32> -> tensor<1x4x4x4x!o>
  %cd = qfx.dequantize %cq : tensor<1x4x4x4x!o> -> tensor<1x4x4x4xf32>
  %r = qfx.reshape %cd shape = [1, -1] : (tensor<1x4x4x4xf32>) -> tensor<1x64xf32>
  %rq = qfx.quantize %r : tensor<1x64xf32> -> tensor<1x64x!o>
  %rd = qfx.dequantize %rq : tensor<1x64x!o> -> tensor<1x64xf32>
  return %rd : tensor<1x64xf32>
}
