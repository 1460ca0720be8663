// RUN: qfx-opt %s -split-input-file -verify-diagnostics

func.func @conv_spatial_dims(%x: tensor<1x1x1x1x1x1xf32>, %w: tensor<1x1x1x1x1x1xf32>) {
  // expected-error@+1 {{supports 1, 2 or 3 spatial dims, got 4}}
  %y = qfx.conv %x, %w stride = [1, 1, 1, 1] padding = [0, 0, 0, 0] dilation = [1, 1, 1, 1] groups = 1 : (tensor<1x1x1x1x1x1xf32>, tensor<1x1x1x1x1x1xf32>) -> tensor<1x1x1x1x1x1xf32>
  return
}

// -----

func.func @conv_padding_count(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{expects 2 padding values, got 1}}
  %y = qfx.conv %x, %w stride = [1, 1] padding = [1] dilation = [1, 1] groups = 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_stride_zero(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{stride values must be > 0, got 0}}
  %y = qfx.conv %x, %w stride = [0, 1] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{groups must be >= 1, got 0}}
  %y = qfx.conv %x, %w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 0 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_rank(%x: tensor<1x3x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{expects rank 4 input, weight and result for 2 spatial dims, got 'tensor<1x3x8xf32>'}}
  %y = qfx.conv %x, %w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x3x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_groups_divide(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error@+1 {{out channels 3 not divisible by groups 2}}
  %y = qfx.conv %x, %w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 2 : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x8x8xf32>
  return
}

// -----

func.func @conv_in_channels(%x: tensor<1x5x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{input has 5 channels but weight expects 3}}
  %y = qfx.conv %x, %w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x5x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<5xf32>) {
  // expected-error@+1 {{bias has 5 elements but there are 4 channels}}
  %y = qfx.conv %x, %w, %b stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<5xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_result_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error@+1 {{result dim 2 is 8 but the op computes 4}}
  %y = qfx.conv %x, %w stride = [2, 2] padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_kernel_too_large(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x5x5xf32>) {
  // expected-error@+1 {{kernel is larger than the padded input in spatial dim 0}}
  %y = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 : (tensor<1x3x2x2xf32>, tensor<4x3x5x5xf32>) -> tensor<1x4x1x1xf32>
  return
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x8x4x4xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error@+1 {{expects 2 output_padding values, got 1}}
  %y = qfx.conv_transpose %x, %w stride = [2, 2] padding = [1, 1] output_padding = [1] dilation = [1, 1] groups = 1 : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x6x4x4xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error@+1 {{input has 6 channels but weight expects 8}}
  %y = qfx.conv_transpose %x, %w stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x6x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x8x8xf32>
  return
}

// -----

func.func @conv_transpose_output_padding_large(%x: tensor<1x8x4x4xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error@+1 {{output_padding must be smaller than stride or dilation}}
  %y = qfx.conv_transpose %x, %w stride = [2, 2] padding = [1, 1] output_padding = [2, 2] dilation = [1, 1] groups = 1 : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x9x9xf32>
  return
}

// -----

func.func @conv_transpose_result(%x: tensor<1x8x4x4xf32>, %w: tensor<8x4x3x3xf32>) {
  // expected-error@+1 {{result dim 2 is 9 but the op computes 8}}
  %y = qfx.conv_transpose %x, %w stride = [2, 2] padding = [1, 1] output_padding = [1, 1] dilation = [1, 1] groups = 1 : (tensor<1x8x4x4xf32>, tensor<8x4x3x3xf32>) -> tensor<1x4x9x8xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<2x3xf32>, %w: tensor<3xf32>) {
  // expected-error@+1 {{weight must be 2-d, got 'tensor<3xf32>'}}
  %y = qfx.linear %x, %w : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @linear_rank(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) {
  // expected-error@+1 {{result rank must equal input rank}}
  %y = qfx.linear %x, %w : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @linear_features(%x: tensor<2x5xf32>, %w: tensor<4x3xf32>) {
  // expected-error@+1 {{input features 5 do not match weight in_features 3}}
  %y = qfx.linear %x, %w : (tensor<2x5xf32>, tensor<4x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_bias_rank(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>, %b: tensor<1x4xf32>) {
  // expected-error@+1 {{bias must be 1-d, got 'tensor<1x4xf32>'}}
  %y = qfx.linear %x, %w, %b : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @linear_out(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>) {
  // expected-error@+1 {{result dim 1 is 5 but the op computes 4}}
  %y = qfx.linear %x, %w : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<f32>, %b: tensor<3xf32>) {
  // expected-error@+1 {{operands must have rank >= 1}}
  %y = qfx.matmul %a, %b : (tensor<f32>, tensor<3xf32>) -> tensor<f32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error@+1 {{contraction sizes differ: 3 vs 4}}
  %y = qfx.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @batch_norm_rank(%x: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) {
  // expected-error@+1 {{expects a 2-d to 5-d input, got 'tensor<4xf32>'}}
  %y = qfx.batch_norm %x mean %m var %v eps = 1.0e-5 momentum = 0.1 : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @batch_norm_result(%x: tensor<1x4x2x2xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) {
  // expected-error@+1 {{result type must equal input type}}
  %y = qfx.batch_norm %x mean %m var %v eps = 1.0e-5 momentum = 0.1 : (tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x2x3xf32>
  return
}

// -----

func.func @batch_norm_stats(%x: tensor<1x4x2x2xf32>, %m: tensor<3xf32>, %v: tensor<4xf32>) {
  // expected-error@+1 {{running_mean has 3 elements but there are 4 channels}}
  %y = qfx.batch_norm %x mean %m var %v eps = 1.0e-5 momentum = 0.1 : (tensor<1x4x2x2xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

func.func @batch_norm_eval_needs_stats(%x: tensor<1x4x2x2xf32>) {
  // expected-error@+1 {{eval-mode batch_norm needs running mean and var}}
  %y = qfx.batch_norm %x eps = 1.0e-5 momentum = 0.1 : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

func.func @batch_norm_eps(%x: tensor<1x4x2x2xf32>) {
  // expected-error@+1 {{eps must be positive}}
  %y = qfx.batch_norm %x eps = 0.0 momentum = 0.1 training : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  return
}

// -----

func.func @layer_norm_result(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{result type must equal input type}}
  %y = qfx.layer_norm %x normalized_shape = [4] eps = 1.0e-5 : (tensor<2x4xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @layer_norm_shape_rank(%x: tensor<4xf32>) {
  // expected-error@+1 {{normalized_shape must have 1 to rank dims}}
  %y = qfx.layer_norm %x normalized_shape = [1, 4] eps = 1.0e-5 : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @layer_norm_shape(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{normalized_shape does not match the trailing input dims}}
  %y = qfx.layer_norm %x normalized_shape = [3] eps = 1.0e-5 : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layer_norm_weight(%x: tensor<2x4xf32>, %g: tensor<3xf32>) {
  // expected-error@+1 {{weight and bias must have normalized_shape}}
  %y = qfx.layer_norm %x weight %g normalized_shape = [4] eps = 1.0e-5 : (tensor<2x4xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @group_norm_rank(%x: tensor<4xf32>) {
  // expected-error@+1 {{expects rank >= 2 and result type = input type}}
  %y = qfx.group_norm %x num_groups = 2 eps = 1.0e-5 : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @group_norm_groups(%x: tensor<1x4xf32>) {
  // expected-error@+1 {{num_groups must be >= 1}}
  %y = qfx.group_norm %x num_groups = 0 eps = 1.0e-5 : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @group_norm_divides(%x: tensor<1x4xf32>) {
  // expected-error@+1 {{channels 4 not divisible by num_groups 3}}
  %y = qfx.group_norm %x num_groups = 3 eps = 1.0e-5 : (tensor<1x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @instance_norm_rank(%x: tensor<4xf32>) {
  // expected-error@+1 {{expects a 2-d to 5-d input and equal result type}}
  %y = qfx.instance_norm %x eps = 1.0e-5 momentum = 0.1 use_input_stats : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @instance_norm_stats(%x: tensor<1x4x2xf32>) {
  // expected-error@+1 {{without use_input_stats needs running mean and var}}
  %y = qfx.instance_norm %x eps = 1.0e-5 momentum = 0.1 : (tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  return
}

// -----

func.func @hardtanh_bounds(%x: tensor<4xf32>) {
  // expected-error@+1 {{min_val must not exceed max_val}}
  %y = qfx.hardtanh %x min_val = 6.0 max_val = 0.0 : tensor<4xf32>
  return
}

// -----

func.func @clamp_no_bounds(%x: tensor<4xf32>) {
  // expected-error@+1 {{needs at least one of min and max}}
  %y = qfx.clamp %x : tensor<4xf32>
  return
}

// -----

func.func @clamp_bounds(%x: tensor<4xf32>) {
  // expected-error@+1 {{min must not exceed max}}
  %y = qfx.clamp %x min = 2.0 max = 1.0 : tensor<4xf32>
  return
}

// -----

func.func @softmax_dim(%x: tensor<2x4xf32>) {
  // expected-error@+1 {{dim 2 is out of range for rank 2}}
  %y = qfx.softmax %x dim = 2 : tensor<2x4xf32>
  return
}

// -----

func.func @dropout_p(%x: tensor<4xf32>) {
  // expected-error@+1 {{dropout probability must be in [0, 1], got 1.5}}
  %y = qfx.dropout %x p = 1.5 : tensor<4xf32>
  return
}

// -----

func.func @binary_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error@+1 {{operands don't have broadcast-compatible shapes}}
  %y = qfx.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @unary_type(%x: tensor<4xf32>) {
  // expected-error@+1 {{requires the same type for all operands and results}}
  %y = "qfx.relu"(%x) : (tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @pool_dims(%x: tensor<1x2x3x4x5x6xf32>) {
  // expected-error@+1 {{supports 1, 2 or 3 spatial dims, got 4}}
  %y = qfx.max_pool %x kernel_size = [1, 1, 1, 1] stride = [1, 1, 1, 1] padding = [0, 0, 0, 0] dilation = [1, 1, 1, 1] : (tensor<1x2x3x4x5x6xf32>) -> tensor<1x2x3x4x5x6xf32>
  return
}

// -----

func.func @pool_rank(%x: tensor<8xf32>) {
  // expected-error@+1 {{expects rank 3 or 4 input for 2 spatial dims}}
  %y = qfx.max_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] : (tensor<8xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @pool_result_rank(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{result rank must equal input rank}}
  %y = qfx.max_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] : (tensor<1x2x8x8xf32>) -> tensor<2x4x4xf32>
  return
}

// -----

func.func @pool_padding(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{padding must be at most half the kernel}}
  %y = qfx.max_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [2, 2] dilation = [1, 1] : (tensor<1x2x8x8xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @pool_result(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{result dim 3 is 5 but the op computes 4}}
  %y = qfx.avg_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x5xf32>
  return
}

// -----

func.func @pool_ceil_mode(%x: tensor<1x2x7x7xf32>) {
  // expected-error@+1 {{result dim 2 is 3 but the op computes 4}}
  %y = qfx.max_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] dilation = [1, 1] ceil_mode : (tensor<1x2x7x7xf32>) -> tensor<1x2x3x3xf32>
  return
}

// -----

func.func @pool_batch(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{result dim 1 is 3 but the op computes 2}}
  %y = qfx.avg_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] : (tensor<1x2x8x8xf32>) -> tensor<1x3x4x4xf32>
  return
}

// -----

func.func @avg_pool_divisor(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{divisor_override must be non-zero}}
  %y = qfx.avg_pool %x kernel_size = [2, 2] stride = [2, 2] padding = [0, 0] divisor_override = 0 : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @adaptive_pool_entries(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{output_size must have 1 to 3 entries matching the input's spatial dims}}
  %y = qfx.adaptive_avg_pool %x output_size = [1, 1, 1, 1] : (tensor<1x2x8x8xf32>) -> tensor<1x2x1x1xf32>
  return
}

// -----

func.func @adaptive_pool_rank(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{result rank must equal input rank}}
  %y = qfx.adaptive_avg_pool %x output_size = [1, 1] : (tensor<1x2x8x8xf32>) -> tensor<1x2x1xf32>
  return
}

// -----

func.func @adaptive_pool_size(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{output_size entries must be >= 1}}
  %y = qfx.adaptive_avg_pool %x output_size = [0, 1] : (tensor<1x2x8x8xf32>) -> tensor<1x2x0x1xf32>
  return
}

// -----

func.func @adaptive_pool_result(%x: tensor<1x2x8x8xf32>) {
  // expected-error@+1 {{result dim 3 is 2 but the op computes 1}}
  %y = qfx.adaptive_avg_pool %x output_size = [1, 1] : (tensor<1x2x8x8xf32>) -> tensor<1x2x1x2xf32>
  return
}

// -----

func.func @mean_dim(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{dim -3 is out of range for rank 2}}
  %y = qfx.mean %x dims = [-3] : (tensor<2x3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @mean_dup(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{dim -1 appears twice}}
  %y = qfx.mean %x dims = [1, -1] : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @mean_rank(%x: tensor<2x3xf32>) {
  // expected-error@+1 {{result rank must be 2}}
  %y = qfx.mean %x dims = [1] keepdim : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}
