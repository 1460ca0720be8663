// RUN: qfx-opt %s -split-input-file -verify-diagnostics

func.func @cat_empty() {
  // expected-error@+1 {{needs at least one input}}
  %y = qfx.cat dim = 0 : () -> tensor<1xf32>
  return
}

// -----

func.func @cat_dim(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{dim 2 is out of range for rank 2}}
  %y = qfx.cat %a, %a dim = 2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @cat_element_type(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  // expected-error@+1 {{inputs must share rank and element type}}
  %y = qfx.cat %a, %b dim = 1 : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<2x6xf32>
  return
}

// -----

func.func @cat_other_dims(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  // expected-error@+1 {{inputs differ in dim 0 outside the concatenation dim}}
  %y = qfx.cat %a, %b dim = 1 : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @cat_result_rank(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{result rank must equal input rank}}
  %y = qfx.cat %a, %a dim = 1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<12xf32>
  return
}

// -----

func.func @cat_result(%a: tensor<2x3xf32>) {
  // expected-error@+1 {{result dim 1 is 5 but the op computes 6}}
  %y = qfx.cat %a, %a dim = -1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @flatten_dim(%x: tensor<2x3x4xf32>) {
  // expected-error@+1 {{start_dim 3 is out of range for rank 3}}
  %y = qfx.flatten %x start_dim = 3 end_dim = -1 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  return
}

// -----

func.func @flatten_order(%x: tensor<2x3x4xf32>) {
  // expected-error@+1 {{start_dim must not come after end_dim}}
  %y = qfx.flatten %x start_dim = 2 end_dim = 1 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  return
}

// -----

func.func @flatten_rank(%x: tensor<2x3x4xf32>) {
  // expected-error@+1 {{result rank must be 2}}
  %y = qfx.flatten %x start_dim = 1 end_dim = -1 : (tensor<2x3x4xf32>) -> tensor<24xf32>
  return
}

// -----

func.func @flatten_count(%x: tensor<2x3x4xf32>) {
  // expected-error@+1 {{flatten must preserve the element count}}
  %y = qfx.flatten %x start_dim = 1 end_dim = -1 : (tensor<2x3x4xf32>) -> tensor<2x13xf32>
  return
}

// -----

func.func @flatten_element_type(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result element type 'f16' differs from input element type 'f32'}}
  %y = qfx.flatten %x start_dim = 0 end_dim = -1 : (tensor<2x3xf32>) -> tensor<6xf16>
  return
}

// -----

func.func @reshape_rank(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{shape has 1 dims but the result has rank 2}}
  %y = qfx.reshape %x shape = [6] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @reshape_two_wildcards(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{shape may contain at most one -1}}
  %y = qfx.reshape %x shape = [-1, -1] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @reshape_negative(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{invalid size -2 in shape}}
  %y = qfx.reshape %x shape = [-2, 3] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reshape_result(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result dim 0 is 2 but the op computes 3}}
  %y = qfx.reshape %x shape = [3, -1] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{reshape must preserve the element count (6 vs 8)}}
  %y = qfx.reshape %x shape = [2, 4] : (tensor<2x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @permute_count(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{dims must list every input dim once}}
  %y = qfx.permute %x dims = [1] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @permute_range(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{dim 2 is out of range for rank 2}}
  %y = qfx.permute %x dims = [2, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @permute_dup(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{dim -2 appears twice}}
  %y = qfx.permute %x dims = [0, -2] : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @permute_result(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result dim 0 is 2 but the op computes 3}}
  %y = qfx.permute %x dims = [1, 0] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_dim(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{dim1 5 is out of range for rank 2}}
  %y = qfx.transpose %x dim0 = 0 dim1 = 5 : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @transpose_rank(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result rank must equal input rank}}
  %y = qfx.transpose %x dim0 = 0 dim1 = 1 : (tensor<2x3xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @transpose_result(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result dim 0 is 2 but the op computes 3}}
  %y = qfx.transpose %x dim0 = 0 dim1 = 1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @squeeze_dim(%x: tensor<2x1xf32>) {
  // expected-error@+1 {{dim 2 is out of range for rank 2}}
  %y = qfx.squeeze %x dims = [2] : (tensor<2x1xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @squeeze_grow(%x: tensor<2x1xf32>) {
  // expected-error@+1 {{squeeze cannot add dims}}
  %y = qfx.squeeze %x : (tensor<2x1xf32>) -> tensor<2x1x1xf32>
  return
}

// -----

func.func @squeeze_count(%x: tensor<2x1xf32>) {
  // expected-error@+1 {{squeeze must preserve the element count}}
  %y = qfx.squeeze %x : (tensor<2x1xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @unsqueeze_dim(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{dim 3 is out of range for rank 3}}
  %y = qfx.unsqueeze %x dim = 3 : (tensor<2x3xf32>) -> tensor<2x3x1xf32>
  return
}

// -----

func.func @unsqueeze_rank(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result rank must be input rank + 1}}
  %y = qfx.unsqueeze %x dim = 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @unsqueeze_result(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result dim 0 is 2 but the op computes 1}}
  %y = qfx.unsqueeze %x dim = 0 : (tensor<2x3xf32>) -> tensor<2x2x3xf32>
  return
}

// -----

func.func @size_dim_type(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{size with a dim returns i64}}
  %y = qfx.size %x dim = 0 : (tensor<2x3xf32>) -> tensor<2xi64>
  return
}

// -----

func.func @size_dim(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{dim 2 is out of range for rank 2}}
  %y = qfx.size %x dim = 2 : (tensor<2x3xf32>) -> i64
  return
}

// -----

func.func @size_all(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{size without a dim returns a tensor<2xi64>}}
  %y = qfx.size %x : (tensor<2x3xf32>) -> tensor<3xi64>
  return
}

// -----

func.func @interpolate_both(%x: tensor<1x2x4x4xf32>) {
  // expected-error@+1 {{expects exactly one of size and scale_factor}}
  %y = qfx.interpolate %x mode = nearest size = [8, 8] scale_factor = [2.0, 2.0] : (tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @interpolate_count(%x: tensor<1x2x4x4xf32>) {
  // expected-error@+1 {{needs one size or scale per spatial dim (2)}}
  %y = qfx.interpolate %x mode = nearest size = [8] : (tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @interpolate_align(%x: tensor<1x2x4x4xf32>) {
  // expected-error@+1 {{align_corners only applies to linear modes}}
  %y = qfx.interpolate %x mode = nearest size = [8, 8] align_corners = true : (tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @embedding_weight(%w: tensor<10xf32>, %i: tensor<3xi64>) {
  // expected-error@+1 {{weight must be 2-d}}
  %y = qfx.embedding %w, %i : (tensor<10xf32>, tensor<3xi64>) -> tensor<3x1xf32>
  return
}

// -----

func.func @embedding_rank(%w: tensor<10x4xf32>, %i: tensor<3xi64>) {
  // expected-error@+1 {{result rank must be indices rank + 1}}
  %y = qfx.embedding %w, %i : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<12xf32>
  return
}

// -----

func.func @embedding_dim(%w: tensor<10x4xf32>, %i: tensor<3xi64>) {
  // expected-error@+1 {{result dim 1 is 5 but the op computes 4}}
  %y = qfx.embedding %w, %i : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x5xf32>
  return
}

// -----

func.func @embedding_bag_weight(%w: tensor<10xf32>, %i: tensor<2x3xi64>) {
  // expected-error@+1 {{weight must be 2-d}}
  %y = qfx.embedding_bag %w, %i mode = sum : (tensor<10xf32>, tensor<2x3xi64>) -> tensor<2x1xf32>
  return
}

// -----

func.func @embedding_bag_offsets(%w: tensor<10x4xf32>, %i: tensor<6xi64>) {
  // expected-error@+1 {{1-d indices need offsets}}
  %y = qfx.embedding_bag %w, %i mode = sum : (tensor<10x4xf32>, tensor<6xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @embedding_bag_2d_offsets(%w: tensor<10x4xf32>, %i: tensor<2x3xi64>, %o: tensor<2xi64>) {
  // expected-error@+1 {{2-d indices must not have offsets}}
  %y = qfx.embedding_bag %w, %i offsets %o mode = sum : (tensor<10x4xf32>, tensor<2x3xi64>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @embedding_bag_indices_rank(%w: tensor<10x4xf32>, %i: tensor<1x2x3xi64>) {
  // expected-error@+1 {{indices must be 1-d or 2-d}}
  %y = qfx.embedding_bag %w, %i mode = sum : (tensor<10x4xf32>, tensor<1x2x3xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @embedding_bag_weights_mode(%w: tensor<10x4xf32>, %i: tensor<2x3xi64>, %p: tensor<2x3xf32>) {
  // expected-error@+1 {{per_sample_weights need mode sum}}
  %y = qfx.embedding_bag %w, %i per_sample_weights %p mode = mean : (tensor<10x4xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @embedding_bag_result(%w: tensor<10x4xf32>, %i: tensor<2x3xi64>) {
  // expected-error@+1 {{result must be 2-d}}
  %y = qfx.embedding_bag %w, %i mode = max : (tensor<10x4xf32>, tensor<2x3xi64>) -> tensor<8xf32>
  return
}

// -----

func.func @lstm_layers(%x: tensor<5x1x4xf32>, %a: tensor<32x4xf32>, %b: tensor<32x8xf32>) {
  // expected-error@+1 {{num_layers and hidden_size must be >= 1}}
  %o, %h, %c = qfx.lstm %x weights(%a, %b) hidden_size = 8 num_layers = 0 dropout = 0.0 : (tensor<5x1x4xf32>, tensor<32x4xf32>, tensor<32x8xf32>) -> (tensor<5x1x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>)
  return
}

// -----

func.func @lstm_weights(%x: tensor<5x1x4xf32>, %a: tensor<32x4xf32>, %b: tensor<32x8xf32>) {
  // expected-error@+1 {{expects 4 weights, got 2}}
  %o, %h, %c = qfx.lstm %x weights(%a, %b) hidden_size = 8 num_layers = 1 has_biases dropout = 0.0 : (tensor<5x1x4xf32>, tensor<32x4xf32>, tensor<32x8xf32>) -> (tensor<5x1x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>)
  return
}

// -----

func.func @gru_states(%x: tensor<5x1x4xf32>, %a: tensor<24x4xf32>, %b: tensor<24x8xf32>, %h0: tensor<1x1x8xf32>) {
  // expected-error@+1 {{expects 0 or 1 initial states, got 2}}
  %o, %h = qfx.gru %x initial(%h0, %h0) weights(%a, %b) hidden_size = 8 num_layers = 1 dropout = 0.0 : (tensor<5x1x4xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>, tensor<24x4xf32>, tensor<24x8xf32>) -> (tensor<5x1x8xf32>, tensor<1x1x8xf32>)
  return
}

// -----

func.func @pad_odd(%x: tensor<1x2x4x4xf32>) {
  // expected-error@+1 {{pad needs (begin, end) pairs for at most 4 dims, has 3 entries}}
  %y = qfx.pad %x pad = [1, 1, 1] : (tensor<1x2x4x4xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @pad_too_many(%x: tensor<4xf32>) {
  // expected-error@+1 {{pad needs (begin, end) pairs for at most 1 dims, has 4 entries}}
  %y = qfx.pad %x pad = [1, 1, 1, 1] : (tensor<4xf32>) -> tensor<6xf32>
  return
}

// -----

func.func @pad_result(%x: tensor<1x2x4x4xf32>) {
  // F.pad's first pair is the last dim.
  // expected-error@+1 {{result dim 3 is 4 but the op computes 7}}
  %y = qfx.pad %x pad = [1, 2] : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @pad_negative(%x: tensor<1x2x4x4xf32>) {
  // expected-error@+1 {{pad makes dim 3 negative}}
  %y = qfx.pad %x pad = [-3, -2] : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x0xf32>
  return
}
