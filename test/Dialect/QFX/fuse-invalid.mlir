// RUN: qfx-opt %s -split-input-file -verify-diagnostics --qfx-fuse

// PyTorch's fuse_convtranspose_bn refuses QAT fusion.
module attributes {qfx.training = true} {
  qfx.parameter @"up.weight" parameter = dense<1.0> : tensor<1x2x1x1xf32>
  qfx.parameter @"bn.weight" parameter = dense<1.0> : tensor<2xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  func.func @deconv_qat(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
    %w = qfx.get_attr @"up.weight" : tensor<1x2x1x1xf32>
    // expected-error@+1 {{--qfx-fuse: Fusing ConvTranspose+BatchNorm not yet supported in QAT.}}
    %c = qfx.conv_transpose %x, %w stride = [1, 1] padding = [0, 0] output_padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.ConvTranspose2d", module = "up">} : (tensor<1x1x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x2x2xf32>
    %g = qfx.get_attr @"bn.weight" : tensor<2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    %n = qfx.batch_norm %c weight %g mean %m var %v eps = 1.0e-05 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    return %n : tensor<1x2x2x2xf32>
  }
}

// -----

// QAT ConvBn needs an affine batch norm.
module attributes {qfx.training = true} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  func.func @not_affine(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    // expected-error@+1 {{--qfx-fuse: Only support fusing BatchNorm with affine set to True}}
    %n = qfx.batch_norm %c mean %m var %v eps = 1.0e-05 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    return %n : tensor<1x2x2x2xf32>
  }
}

// -----

// Eval fusion folds, which fuse_conv_bn_eval refuses for a training BN.
module attributes {qfx.training = false} {
  qfx.parameter @"conv.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<2xf32>
  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<2xf32>
  func.func @train_bn_in_eval(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
    %w = qfx.get_attr @"conv.weight" : tensor<2x1x1x1xf32>
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv">} : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
    %m = qfx.get_attr @"bn.running_mean" : tensor<2xf32>
    %v = qfx.get_attr @"bn.running_var" : tensor<2xf32>
    // expected-error@+1 {{--qfx-fuse: Fusion only for eval!}}
    %n = qfx.batch_norm %c mean %m var %v eps = 1.0e-05 momentum = 0.1 training {qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", module = "bn">} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
    return %n : tensor<1x2x2x2xf32>
  }
}
