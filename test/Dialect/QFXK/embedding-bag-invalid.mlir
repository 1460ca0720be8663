// RUN: qfx-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{expects bits = 8 (quint8) or 4 (quint4x2)}}
qfxk.packed_embedding @t source = @w bits = 2 dim = 3 data = dense<1> : tensor<5x1xi8> scales = dense<0.5> : tensor<5xf32> zero_points = dense<0.0> : tensor<5xf32>

// -----

// expected-error@+1 {{data must be rows x 2 8-bit integers}}
qfxk.packed_embedding @t source = @w bits = 4 dim = 3 data = dense<1> : tensor<5x3xi8> scales = dense<0.5> : tensor<5xf32> zero_points = dense<0.0> : tensor<5xf32>

// -----

// expected-error@+1 {{'zero_points' must be one f32 per row}}
qfxk.packed_embedding @t source = @w bits = 8 dim = 3 data = dense<1> : tensor<5x3xi8> scales = dense<0.5> : tensor<5xf32> zero_points = dense<0.0> : tensor<4xf32>

// -----

qfxk.packed_embedding @t source = @w bits = 8 dim = 3 data = dense<1> : tensor<5x3xi8> scales = dense<0.5> : tensor<5xf32> zero_points = dense<0.0> : tensor<5xf32>
func.func @dim(%i: tensor<6xi64>, %o: tensor<3xi64>) {
  // expected-error@+1 {{result rows have 4 values, the table 3}}
  %a = qfxk.embedding_bag %i offsets %o table = @t mode = sum : (tensor<6xi64>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @psw(%i: tensor<6xi64>, %o: tensor<3xi64>, %w: tensor<6xf32>) {
  // expected-error@+1 {{per_sample_weights needs mode 'sum'}}
  %a = qfxk.embedding_bag %i offsets %o per_sample_weights %w table = @t mode = max : (tensor<6xi64>, tensor<3xi64>, tensor<6xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @rank(%i: tensor<2x3xi64>, %o: tensor<3xi64>) {
  // expected-error@+1 {{expects 1-d indices with offsets, 2-d indices without}}
  %a = qfxk.embedding_bag %i offsets %o table = @t mode = sum : (tensor<2x3xi64>, tensor<3xi64>) -> tensor<3x3xf32>
  return
}

// -----

func.func @missing(%i: tensor<6xi64>, %o: tensor<3xi64>) {
  // expected-error@+1 {{'nope' is not a qfxk.packed_embedding}}
  %a = qfxk.embedding_bag %i offsets %o table = @nope mode = sum : (tensor<6xi64>, tensor<3xi64>) -> tensor<3x3xf32>
  return
}
