//===- QFXSequenceOps.td - embeddings and recurrent ops ----*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXSEQUENCEOPS_TD
#define QFX_DIALECT_QFX_QFXSEQUENCEOPS_TD

include "qfx/Dialect/QFX/QFXComputeOps.td"

def QFX_EmbeddingOp : QFX_Op<"embedding", [Pure]> {
  let summary = "nn.Embedding lookup";
  let description = [{
    ```mlir
    %y = qfx.embedding %w, %idx : (tensor<100x16xf32>, tensor<2x5xi64>) -> tensor<2x5x16xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$weight, QFX_IndexTensor:$indices,
                       OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $weight `,` $indices (`padding_idx` `=` $padding_idx^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def QFX_EmbeddingBagOp : QFX_Op<"embedding_bag", [
    Pure, AttrSizedOperandSegments]> {
  let summary = "nn.EmbeddingBag reduction";
  let description = [{
    ```mlir
    %y = qfx.embedding_bag %w, %idx offsets %off mode = sum
        : (tensor<100x16xf32>, tensor<10xi64>, tensor<3xi64>) -> tensor<3x16xf32>
    ```
  }];
  let arguments = (ins QFX_FloatTensor:$weight, QFX_IndexTensor:$indices,
    Optional<QFX_IndexTensor>:$offsets,
    Optional<QFX_FloatTensor>:$per_sample_weights,
    QFX_EmbeddingBagModeAttr:$mode, UnitAttr:$include_last_offset,
    OptionalAttr<I64Attr>:$padding_idx);
  let results = (outs QFX_FloatTensor:$result);
  let assemblyFormat = [{
    $weight `,` $indices (`offsets` $offsets^)?
    (`per_sample_weights` $per_sample_weights^)? `mode` `=` $mode
    (`include_last_offset` $include_last_offset^)?
    (`padding_idx` `=` $padding_idx^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class QFX_RecurrentOp<string mnemonic, string opSummary, int numStates>
    : QFX_Op<mnemonic, [Pure, AttrSizedOperandSegments]> {
  let summary = opSummary;
  let arguments = (ins QFX_FloatTensor:$input,
    Variadic<QFX_FloatTensor>:$initial_states,
    Variadic<QFX_FloatTensor>:$weights,
    I64Attr:$hidden_size, I64Attr:$num_layers, UnitAttr:$has_biases,
    UnitAttr:$batch_first, UnitAttr:$bidirectional, F64Attr:$dropout);
  let assemblyFormat = [{
    $input (`initial` `(` $initial_states^ `)`)? `weights` `(` $weights `)`
    `hidden_size` `=` $hidden_size `num_layers` `=` $num_layers
    (`has_biases` $has_biases^)? (`batch_first` $batch_first^)?
    (`bidirectional` $bidirectional^)? `dropout` `=` $dropout attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  code extraNumStates = "static constexpr unsigned kNumStates = " # numStates # ";";
  let extraClassDeclaration = extraNumStates;
}

def QFX_LSTMOp : QFX_RecurrentOp<"lstm", "nn.LSTM", 2> {
  let description = [{
    `weights` are PyTorch's flat weights in order (w_ih, w_hh, b_ih, b_hh per
    layer and direction); `initial` is (h0, c0) or absent.

    ```mlir
    %out, %h, %c = qfx.lstm %x weights(%wih, %whh, %bih, %bhh) hidden_size = 8 num_layers = 1
        has_biases dropout = 0.0
        : (tensor<5x1x4xf32>, tensor<32x4xf32>, tensor<32x8xf32>, tensor<32xf32>, tensor<32xf32>)
        -> (tensor<5x1x8xf32>, tensor<1x1x8xf32>, tensor<1x1x8xf32>)
    ```
  }];
  let results = (outs QFX_FloatTensor:$output, QFX_FloatTensor:$h_n,
                      QFX_FloatTensor:$c_n);
}

def QFX_GRUOp : QFX_RecurrentOp<"gru", "nn.GRU", 1> {
  let description = [{
    As `qfx.lstm` with gate count 3 and one state (h0).

    ```mlir
    %out, %h = qfx.gru %x weights(%wih, %whh) hidden_size = 8 num_layers = 1 dropout = 0.0
        : (tensor<5x1x4xf32>, tensor<24x4xf32>, tensor<24x8xf32>)
        -> (tensor<5x1x8xf32>, tensor<1x1x8xf32>)
    ```
  }];
  let results = (outs QFX_FloatTensor:$output, QFX_FloatTensor:$h_n);
}

#endif // QFX_DIALECT_QFX_QFXSEQUENCEOPS_TD
