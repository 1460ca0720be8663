// RUN: qfx-opt %s --qfx-prepare="qconfig-mapping=%S/Inputs/prepare-standalone-qat-embedding.json qat=true prepare-custom-config=%S/Inputs/prepare-standalone.json" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s
// RUN: qfx-opt %s --qfx-prepare="qconfig-mapping=%S/Inputs/prepare-standalone-qat-embedding.json qat=true prepare-custom-config=%S/Inputs/prepare-standalone-qat-embedding-own.json" | FileCheck %s --check-prefix=OWN

// prepare_qat_fx swaps a traced standalone module's nn.Embedding and
// nn.EmbeddingBag to nnqat modules with the parent's qconfigs (eager
// propagation: `sub.emb` by its class's object_type entry, `sub.bag` by its
// module_name entry, both default_embedding_qat_qconfig) before the module
// is prepared with its own qconfig (here the call's, the default QAT
// qconfig, under which a float embedding would get no weight observer: no
// DTypeConfig takes a per-tensor qint8 weight). Their weights get the
// parent's float-qparams weight fake-quantize. `sub.frozen` gets None from
// the parent: it stays an nn.Embedding and nothing observes its weight.

// With a mapping of its own (global MinMaxObserver, object_type
// nn.Embedding float_qparams_weight_only_qconfig) the swapped `sub.emb` is
// an nnqat.Embedding to it, which that object_type entry does not name
// (1.13's update_qconfig_for_qat carries only the default QAT module
// mappings' entries, not the embeddings'): it gets the global qconfig, so
// convert keeps it float (to_float()). The float `sub.frozen` gets the
// entry; its weight is observed by convert, not in the graph.

// OWN-LABEL: func.func private @sub.forward
// OWN: qfx.fake_quantize %{{.*}} config = <kind = fake_quantize> observer = <kind = moving_average_per_channel_min_max
// OWN-NEXT: qfx.embedding %{{.*}} {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "sub.emb">, qfx.qconfig = #qfx.qconfig<activation = <kind = min_max, dtype = quint8, qscheme = per_tensor_affine>, weight = <kind = min_max, dtype = qint8, qscheme = per_tensor_symmetric>>}
// OWN: %[[FW:.*]] = qfx.get_attr @sub.frozen.weight
// OWN-NEXT: qfx.embedding %[[FW]], %arg0 {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "sub.frozen">, qfx.qconfig = #qfx.qconfig<activation = <kind = placeholder, dtype = float32{{.*}}>, weight = <kind = per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams>>}

// CHECK-LABEL: func.func private @sub.forward
// CHECK: %[[EW:.*]] = qfx.get_attr @sub.emb.weight
// CHECK-NEXT: %[[EF:.*]] = qfx.fake_quantize %[[EW]] config = <kind = fake_quantize> observer = <kind = moving_average_per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams, quant_min = 0, quant_max = 255, averaging_constant = 1.000000e+00> : tensor<10x8xf32> loc("sub.activation_post_process_0")
// CHECK-NEXT: %[[E:.*]] = qfx.embedding %[[EF]], %arg0
// CHECK-NOT: qfx.fake_quantize %[[E]]
// CHECK: %[[BW:.*]] = qfx.get_attr @sub.bag.weight
// CHECK-NEXT: %[[BF:.*]] = qfx.fake_quantize %[[BW]] config = <kind = fake_quantize> observer = <kind = moving_average_per_channel_min_max, dtype = quint8, qscheme = per_channel_affine_float_qparams, quant_min = 0, quant_max = 255, averaging_constant = 1.000000e+00> : tensor<10x8xf32> loc("sub.activation_post_process_1")
// CHECK-NEXT: qfx.embedding_bag %[[BF]], %arg1
// CHECK: %[[FW:.*]] = qfx.get_attr @sub.frozen.weight
// CHECK-NEXT: qfx.embedding %[[FW]], %arg0
// CHECK-NOT: qfx.fake_quantize
// CHECK: return
module attributes {qfx.training = true} {
  qfx.parameter @"sub.emb.weight" parameter = dense<0.1> : tensor<10x8xf32>
  qfx.parameter @"sub.bag.weight" parameter = dense<0.2> : tensor<10x8xf32>
  qfx.parameter @"sub.frozen.weight" parameter = dense<0.3> : tensor<10x8xf32>
  func.func @forward(%idx: tensor<4xi64> {qfx.name = "idx"} loc("idx"), %bidx: tensor<2x3xi64> {qfx.name = "bidx"} loc("bidx")) -> (tensor<4x8xf32>, tensor<2x8xf32>, tensor<4x8xf32>) {
    %e, %b, %f = func.call @"sub.forward"(%idx, %bidx) {qfx.node = #qfx.node<call_module, "m.EmbBlock", module = "sub">} : (tensor<4xi64>, tensor<2x3xi64>) -> (tensor<4x8xf32>, tensor<2x8xf32>, tensor<4x8xf32>) loc("sub")
    return %e, %b, %f : tensor<4x8xf32>, tensor<2x8xf32>, tensor<4x8xf32> loc("output")
  } loc("forward")
  func.func private @"sub.forward"(%idx: tensor<4xi64> {qfx.name = "idx"} loc("idx"), %bidx: tensor<2x3xi64> {qfx.name = "bidx"} loc("bidx")) -> (tensor<4x8xf32>, tensor<2x8xf32>, tensor<4x8xf32>) {
    %ew = qfx.get_attr @"sub.emb.weight" : tensor<10x8xf32> loc("emb")
    %e = qfx.embedding %ew, %idx {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "sub.emb">} : (tensor<10x8xf32>, tensor<4xi64>) -> tensor<4x8xf32> loc("emb")
    %bw = qfx.get_attr @"sub.bag.weight" : tensor<10x8xf32> loc("bag")
    %b = qfx.embedding_bag %bw, %bidx mode = sum {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.EmbeddingBag", module = "sub.bag">} : (tensor<10x8xf32>, tensor<2x3xi64>) -> tensor<2x8xf32> loc("bag")
    %fw = qfx.get_attr @"sub.frozen.weight" : tensor<10x8xf32> loc("frozen")
    %f = qfx.embedding %fw, %idx {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "sub.frozen">} : (tensor<10x8xf32>, tensor<4xi64>) -> tensor<4x8xf32> loc("frozen")
    return %e, %b, %f : tensor<4x8xf32>, tensor<2x8xf32>, tensor<4x8xf32> loc("output")
  } loc("sub.forward")
}
