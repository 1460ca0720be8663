// RUN: qfx-opt %s -split-input-file --qfx-prepare="fuse=false" | FileCheck %s
// RUN: qfx-opt %s -split-input-file --qfx-prepare="fuse=false qat=true" | FileCheck %s --check-prefix=QAT

// Weight-only quantization of embeddings (prepare_fx with
// float_qparams_weight_only_qconfig, native BackendConfig): the embedding
// patterns do not observe inputs or outputs, so the module's weight gets
// its qconfig's weight observer and nothing else; a quantized consumer of
// the float output observes it as its own input.

#fq = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams>>
#fq4 = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint4x2, qscheme = per_channel_affine_float_qparams>>
#q = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>
// CHECK-LABEL: func.func @bags
// CHECK: %[[W:.*]] = qfx.get_attr @bag.weight
// CHECK-NEXT: %[[WO:.*]] = qfx.observer %[[W]] config = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams> : tensor<30x8xf32>
// CHECK-NEXT: %[[B:.*]] = qfx.embedding_bag %[[WO]], %arg0 offsets %arg1 per_sample_weights %arg2 mode =  sum
// CHECK-NEXT: %[[BO:.*]] = qfx.observer %[[B]] config = <kind = min_max
// CHECK-NEXT: %[[W4:.*]] = qfx.get_attr @bag4.weight
// CHECK-NEXT: %[[W4O:.*]] = qfx.observer %[[W4]] config = <kind = per_channel_min_max, dtype = quint4x2, qscheme = per_channel_affine_float_qparams>
// CHECK-NEXT: %[[B4:.*]] = qfx.embedding_bag %[[W4O]], %arg0 offsets %arg1 mode =  max
// CHECK-NEXT: %[[B4O:.*]] = qfx.observer %[[B4]] config = <kind = min_max
// CHECK-NEXT: %[[E:.*]] = qfx.get_attr @emb.weight
// CHECK-NEXT: %[[EO:.*]] = qfx.observer %[[E]] config = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams>
// CHECK-NEXT: %[[EMB:.*]] = qfx.embedding %[[EO]], %arg0 {
// CHECK-NEXT: %[[A:.*]] = qfx.add %[[BO]], %[[B4O]]
// CHECK-NEXT: %[[AO:.*]] = qfx.observer %[[A]]
// CHECK-NEXT: return %[[AO]], %[[EMB]]
// QAT-LABEL: func.func @bags
// QAT: qfx.observer %{{.*}} config = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams> : tensor<30x8xf32>
module {
  qfx.parameter @"bag.weight" parameter = dense<0.1> : tensor<30x8xf32>
  qfx.parameter @"bag4.weight" parameter = dense<0.1> : tensor<30x8xf32>
  qfx.parameter @"emb.weight" parameter = dense<0.1> : tensor<30x8xf32>
  func.func @bags(%idx: tensor<10xi64> {qfx.name = "idx"}, %off: tensor<3xi64> {qfx.name = "offsets"}, %psw: tensor<10xf32> {qfx.name = "psw"}) -> (tensor<3x8xf32>, tensor<10x8xf32>) {
    %w = qfx.get_attr @"bag.weight" : tensor<30x8xf32> loc("bag")
    %b = qfx.embedding_bag %w, %idx offsets %off per_sample_weights %psw mode = sum {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.EmbeddingBag", module = "bag">, qfx.qconfig = #fq} : (tensor<30x8xf32>, tensor<10xi64>, tensor<3xi64>, tensor<10xf32>) -> tensor<3x8xf32> loc("bag")
    %w4 = qfx.get_attr @"bag4.weight" : tensor<30x8xf32> loc("bag4")
    %b4 = qfx.embedding_bag %w4, %idx offsets %off mode = max {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.EmbeddingBag", module = "bag4">, qfx.qconfig = #fq4} : (tensor<30x8xf32>, tensor<10xi64>, tensor<3xi64>) -> tensor<3x8xf32> loc("bag4")
    %we = qfx.get_attr @"emb.weight" : tensor<30x8xf32> loc("emb")
    %e = qfx.embedding %we, %idx {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "emb">, qfx.qconfig = #fq} : (tensor<30x8xf32>, tensor<10xi64>) -> tensor<10x8xf32> loc("emb")
    %a = qfx.add %b, %b4 {qfx.node = #qfx.node<call_function, "operator.add">, qfx.qconfig = #q} : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32> loc("add")
    return %a, %e : tensor<3x8xf32>, tensor<10x8xf32>
  }
}

// -----

// Negative cases: a qconfig whose weight dtype the embedding patterns do not
// take (qint8: convert keeps the float module), a float weight
// (default_placeholder), and F.embedding (call_function: the BackendConfig
// has module patterns only) get no observer at all.
#q8 = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric>>
#pf = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>>
#fq = #qfx.qconfig<activation = <kind = placeholder, dtype = float32, qscheme = per_tensor_affine>, weight = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams>>
// CHECK-LABEL: func.func @not_observed
// CHECK-NOT: qfx.observer
// CHECK: return
// QAT-LABEL: func.func @not_observed
// QAT-NOT: qfx.observer
// QAT: return
module {
  qfx.parameter @"a.weight" parameter = dense<0.1> : tensor<30x8xf32>
  qfx.parameter @"b.weight" parameter = dense<0.1> : tensor<30x8xf32>
  qfx.parameter @"w" parameter = dense<0.1> : tensor<30x8xf32>
  func.func @not_observed(%idx: tensor<10xi64> {qfx.name = "idx"}) -> (tensor<10x8xf32>, tensor<10x8xf32>, tensor<10x8xf32>) {
    %wa = qfx.get_attr @"a.weight" : tensor<30x8xf32> loc("a")
    %a = qfx.embedding %wa, %idx {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "a">, qfx.qconfig = #q8} : (tensor<30x8xf32>, tensor<10xi64>) -> tensor<10x8xf32> loc("a")
    %wb = qfx.get_attr @"b.weight" : tensor<30x8xf32> loc("b")
    %b = qfx.embedding %wb, %idx {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "b">, qfx.qconfig = #pf} : (tensor<30x8xf32>, tensor<10xi64>) -> tensor<10x8xf32> loc("b")
    %w = qfx.get_attr @"w" {qfx.node = #qfx.node<get_attr, "w">} : tensor<30x8xf32> loc("w")
    %c = qfx.embedding %w, %idx {qfx.node = #qfx.node<call_function, "torch.nn.functional.embedding">, qfx.qconfig = #fq} : (tensor<30x8xf32>, tensor<10xi64>) -> tensor<10x8xf32> loc("embedding")
    return %a, %b, %c : tensor<10x8xf32>, tensor<10x8xf32>, tensor<10x8xf32>
  }
}
