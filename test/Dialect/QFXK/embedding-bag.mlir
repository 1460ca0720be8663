// RUN: qfx-opt %s | qfx-opt | FileCheck %s

// CHECK: qfxk.packed_embedding @t source = @bag.weight bits = 4 dim = 3 data = dense<1> : tensor<5x2xi8> scales = dense<5.000000e-01> : tensor<5xf32> zero_points = dense<2.500000e+00> : tensor<5xf32>
qfxk.packed_embedding @t source = @bag.weight bits = 4 dim = 3 data = dense<1> : tensor<5x2xi8> scales = dense<0.5> : tensor<5xf32> zero_points = dense<2.5> : tensor<5xf32>

// CHECK-LABEL: func.func @bags
func.func @bags(%i: tensor<6xi64>, %o: tensor<3xi64>, %w: tensor<6xf32>, %i2: tensor<2x3xi32>) -> (tensor<3x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  // CHECK: qfxk.embedding_bag %{{.*}} offsets %{{.*}} per_sample_weights %{{.*}} table = @t mode = {{ *}}sum :
  %a = qfxk.embedding_bag %i offsets %o per_sample_weights %w table = @t mode = sum : (tensor<6xi64>, tensor<3xi64>, tensor<6xf32>) -> tensor<3x3xf32>
  // CHECK: qfxk.embedding_bag %{{.*}} offsets %{{.*}} table = @t mode = {{ *}}mean include_last_offset padding_idx = 2 :
  %b = qfxk.embedding_bag %i offsets %o table = @t mode = mean include_last_offset padding_idx = 2 : (tensor<6xi64>, tensor<3xi64>) -> tensor<2x3xf32>
  // CHECK: qfxk.embedding_bag %{{.*}} table = @t mode = {{ *}}max : (tensor<2x3xi32>) -> tensor<2x3xf32>
  %c = qfxk.embedding_bag %i2 table = @t mode = max : (tensor<2x3xi32>) -> tensor<2x3xf32>
  return %a, %b, %c : tensor<3x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
