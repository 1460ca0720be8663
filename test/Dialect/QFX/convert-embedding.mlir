// RUN: qfx-opt %s -split-input-file --qfx-convert | FileCheck %s

// Weight-only embeddings (convert_to_reference_fx with
// float_qparams_weight_only_qconfig): the weight is quantized with float
// zero points and dequantized again; the embedding stays float. The
// weights are chosen so that the qparams are exact by hand:
// scale = (max - min) / (qmax - qmin), zero_point = -min / scale.

// The weight observer of qfx's prepare, uncalibrated: it observes the
// weight at convert. Row 0 spans [0, 255] (scale 1, zero point 0), row 1
// [-10, 245] (scale 1, zero point 10); -min / scale is -0.0 for row 0, as
// in PyTorch.
// CHECK-LABEL: func.func @observed
// CHECK: %[[W:.*]] = qfx.get_attr @emb.weight
// CHECK-NEXT: %[[Q:.*]] = qfx.quantize_float_qparams %[[W]] dtype =  quint8 axis = 0 scale = dense<1.000000e+00> : tensor<2xf32> zero_point = dense<[-0.000000e+00, 1.000000e+01]> : tensor<2xf32> : tensor<2x2xf32> -> tensor<2x2xui8>
// CHECK-NEXT: %[[D:.*]] = qfx.dequantize_float_qparams %[[Q]] dtype =  quint8 axis = 0 scale = dense<1.000000e+00> : tensor<2xf32> zero_point = dense<[-0.000000e+00, 1.000000e+01]> : tensor<2xf32> : tensor<2x2xui8> -> tensor<2x2xf32>
// CHECK-NEXT: qfx.embedding %[[D]], %arg0
// CHECK-NOT: qfx.observer
// CHECK-NOT: qfx.qconfig
module {
  qfx.parameter @"emb.weight" parameter = dense<[[0.0, 255.0], [-10.0, 245.0]]> : tensor<2x2xf32>
  func.func @observed(%i: tensor<3xi64>) -> tensor<3x2xf32> {
    %w = qfx.get_attr @"emb.weight" : tensor<2x2xf32>
    %0 = qfx.observer %w config = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams> : tensor<2x2xf32>
    %1 = qfx.embedding %0, %i {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "emb">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams>>} : (tensor<2x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
    return %1 : tensor<3x2xf32>
  }
}

// -----

// A calibrated observer uses its state (rows [-1, 14] and [0, 30]: 4-bit
// scales 1 and 2, zero points 1 and 0), not the parameter's values.
// CHECK-LABEL: func.func @calibrated_4bit
// CHECK: qfx.quantize_float_qparams %{{.*}} dtype =  quint4x2 axis = 0 scale = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32> zero_point = dense<[1.000000e+00, -0.000000e+00]> : tensor<2xf32> : tensor<2x3xf32> -> tensor<2x3xui8>
// CHECK: qfx.dequantize_float_qparams
// CHECK: qfx.embedding_bag
module {
  qfx.parameter @"bag.weight" parameter = dense<0.5> : tensor<2x3xf32>
  func.func @calibrated_4bit(%i: tensor<4xi64>, %o: tensor<2xi64>) -> tensor<2x3xf32> {
    %w = qfx.get_attr @"bag.weight" : tensor<2x3xf32>
    %0 = qfx.observer %w config = <kind = per_channel_min_max, dtype = quint4x2, qscheme = per_channel_affine_float_qparams> state = <min = [-1.0, 0.0], max = [14.0, 30.0]> : tensor<2x3xf32>
    %1 = qfx.embedding_bag %0, %i offsets %o mode = sum {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.EmbeddingBag", module = "bag">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint4x2, qscheme = per_channel_affine_float_qparams>>} : (tensor<2x3xf32>, tensor<4xi64>, tensor<2xi64>) -> tensor<2x3xf32>
    return %1 : tensor<2x3xf32>
  }
}

// -----

// A weight without observer (a model prepared by PyTorch, whose module
// observes its weight inside): a fresh weight observer of the qconfig, as
// convert_weighted_module. F.embedding (call_function: no BackendConfig
// pattern) keeps its float weight.
// CHECK-LABEL: func.func @fresh_observer
// CHECK: %[[W:.*]] = qfx.get_attr @emb.weight
// CHECK-NEXT: %[[Q:.*]] = qfx.quantize_float_qparams %[[W]] dtype =  quint8 axis = 0 scale = dense<1.000000e+00> : tensor<2xf32> zero_point = dense<[-0.000000e+00, 1.000000e+01]>
// CHECK-NEXT: %[[D:.*]] = qfx.dequantize_float_qparams %[[Q]]
// CHECK-NEXT: qfx.embedding %[[D]], %arg0
// CHECK-NEXT: %[[F:.*]] = qfx.get_attr @f
// CHECK-NEXT: qfx.embedding %[[F]], %arg0
module {
  qfx.parameter @"emb.weight" parameter = dense<[[0.0, 255.0], [-10.0, 245.0]]> : tensor<2x2xf32>
  qfx.parameter @"f" parameter = dense<[[0.0, 255.0], [-10.0, 245.0]]> : tensor<2x2xf32>
  func.func @fresh_observer(%i: tensor<3xi64>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
    %w = qfx.get_attr @"emb.weight" : tensor<2x2xf32>
    %1 = qfx.embedding %w, %i {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "emb">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams>>} : (tensor<2x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
    %f = qfx.get_attr @"f" {qfx.node = #qfx.node<get_attr, "f">} : tensor<2x2xf32>
    %2 = qfx.embedding %f, %i {qfx.node = #qfx.node<call_function, "torch.nn.functional.embedding">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams>>} : (tensor<2x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
    return %1, %2 : tensor<3x2xf32>, tensor<3x2xf32>
  }
}
