// RUN: qfx-opt %s -split-input-file -verify-diagnostics --qfx-prepare="qconfig-mapping=qnnpack qat=true"

// prepare_qat_fx swaps every nn.Embedding / nn.EmbeddingBag that has a
// qconfig to its nnqat class, whose from_float asserts a
// per_channel_affine_float_qparams weight: with the default QAT mapping
// (global qconfig, per-tensor qint8 weight) 1.13 fails, and so does qfx.
module attributes {qfx.training = true} {
  qfx.parameter @"emb.weight" parameter = dense<0.1> : tensor<10x8xf32>
  func.func @forward(%idx: tensor<4xi64> {qfx.name = "idx"}) -> tensor<4x8xf32> {
    %w = qfx.get_attr @"emb.weight" : tensor<10x8xf32> loc("emb")
    // expected-error@+1 {{module 'emb': prepare_qat_fx swaps it to its QAT class with the qconfig, whose weight must have the per_channel_affine_float_qparams qscheme (got per_tensor_symmetric)}}
    %e = qfx.embedding %w, %idx {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.Embedding", module = "emb">} : (tensor<10x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>
    return %e : tensor<4x8xf32>
  }
}

// -----

// An embedding bag inside a module: the qconfig comes down the module tree.
module attributes {qfx.training = true, qfx.module_types = {block = "m.Block", "block.bag" = "torch.nn.modules.sparse.EmbeddingBag"}} {
  qfx.parameter @"block.bag.weight" parameter = dense<0.1> : tensor<10x8xf32>
  func.func @forward(%idx: tensor<2x3xi64> {qfx.name = "idx"}) -> tensor<2x8xf32> {
    %w = qfx.get_attr @"block.bag.weight" : tensor<10x8xf32> loc("block.bag")
    // expected-error@+1 {{module 'block.bag': prepare_qat_fx swaps it}}
    %b = qfx.embedding_bag %w, %idx mode = sum {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.EmbeddingBag", module = "block.bag">} : (tensor<10x8xf32>, tensor<2x3xi64>) -> tensor<2x8xf32>
    return %b : tensor<2x8xf32>
  }
}
