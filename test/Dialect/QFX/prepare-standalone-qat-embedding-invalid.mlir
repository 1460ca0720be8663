// RUN: qfx-opt %s -verify-diagnostics --qfx-prepare="qconfig-mapping=%S/Inputs/prepare-standalone-qat-embedding.json qat=true prepare-custom-config=%S/Inputs/prepare-standalone.json"

// prepare_qat_fx swaps the standalone module's nn.EmbeddingBag to
// nnqat.EmbeddingBag with the parent's qconfig for `sub.other`, here the
// global default QAT qconfig (a per-tensor symmetric qint8 weight):
// nnqat.EmbeddingBag.from_float asserts a per_channel_affine_float_qparams
// weight, so prepare_qat_fx fails, and so does qfx (an error, not a float
// module left alone).
module attributes {qfx.training = true} {
  qfx.parameter @"sub.other.weight" parameter = dense<0.2> : tensor<10x8xf32>
  func.func @forward(%bidx: tensor<2x3xi64>) -> tensor<2x8xf32> {
    %b = func.call @"sub.forward"(%bidx) {qfx.node = #qfx.node<call_module, "m.EmbBlock", module = "sub">} : (tensor<2x3xi64>) -> tensor<2x8xf32>
    return %b : tensor<2x8xf32>
  }
  func.func private @"sub.forward"(%bidx: tensor<2x3xi64>) -> tensor<2x8xf32> {
    %bw = qfx.get_attr @"sub.other.weight" : tensor<10x8xf32>
    // expected-error@+1 {{module 'sub.other' of standalone module 'sub': prepare_qat_fx swaps it to its QAT class with the parent's qconfig, whose weight must have the per_channel_affine_float_qparams qscheme (got per_tensor_symmetric)}}
    %b = qfx.embedding_bag %bw, %bidx mode = sum {qfx.node = #qfx.node<call_module, "torch.nn.modules.sparse.EmbeddingBag", module = "sub.other">} : (tensor<10x8xf32>, tensor<2x3xi64>) -> tensor<2x8xf32>
    return %b : tensor<2x8xf32>
  }
}
