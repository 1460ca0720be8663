//===- QFXGraphOps.td - FX graph structure ops -------------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Ops for the parts of a torch.fx graph that are not tensor math: module
// parameters and buffers, get_attr, Python scalars, generic calls and fused
// modules.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXGRAPHOPS_TD
#define QFX_DIALECT_QFX_QFXGRAPHOPS_TD

include "qfx/Dialect/QFX/QFXAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def QFX_ParameterOp : QFX_Op<"parameter", [
    Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "a parameter or buffer of the traced module";
  let description = [{
    Holds the value of one `nn.Parameter` or registered buffer under its
    qualified name. Exporters store large values as `dense_resource` blobs so
    that they load quickly and survive a print/parse round trip bit for bit.

    ```mlir
    qfx.parameter @"conv1.weight" parameter = dense_resource<conv1_weight> : tensor<64x3x7x7xf32>
    qfx.parameter @"bn1.running_mean" buffer = dense<0.0> : tensor<64xf32>
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    QFX_ParameterKindAttr:$kind,
    TypedAttrInterface:$value
  );
  // The enum attribute prints its own leading space (`` drops the op's).
  let assemblyFormat = "$sym_name `` $kind `=` $value attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The tensor type of the stored value.
    ::mlir::RankedTensorType getType();
  }];
}

def QFX_GetAttrOp : QFX_Op<"get_attr", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "FX get_attr: read a parameter or buffer";
  let description = [{
    Reads the module tensor `name` (a `qfx.parameter` in the enclosing
    module). The result type must equal the parameter's type.

    ```mlir
    %w = qfx.get_attr @"conv1.weight" : tensor<64x3x7x7xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def QFX_ConstantOp : QFX_Op<"constant", [
    ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "a Python number or a constant tensor in the graph";
  let description = [{
    A constant argument of an FX node. Python numbers (`x + 1.0`) become
    0-d tensors marked `scalar`, because PyTorch quantizes ops with scalar
    operands differently from tensor-tensor ops (e.g. `add` with a scalar
    shares its input's observer).

    ```mlir
    %one = qfx.constant scalar dense<1.0> : tensor<f32>
    ```
  }];
  let arguments = (ins UnitAttr:$scalar, ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "(`scalar` $scalar^)? $value attr-dict";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def QFX_CallOp : QFX_Op<"call"> {
  let summary = "a call to an FX target without a typed op";
  let description = [{
    Any call_module / call_function / call_method node whose target has no
    typed qfx op, so that every traced graph is representable and nothing
    is dropped. Tensor arguments are operands, in order; all other
    arguments (numbers, strings, lists, keyword arguments) are kept in
    `params`, keyed by position (`"1"`) or keyword. The runtime cannot run
    arbitrary Python and reports such a call by target.

    ```mlir
    %v, %i = qfx.call call_function "torch.topk"(%x) params {"1" = 5 : i64, dim = 1 : i64}
        : (tensor<1x10xf32>) -> (tensor<1x5xf32>, tensor<1x5xi64>)
    ```
  }];
  let arguments = (ins
    QFX_NodeKindAttr:$kind,
    StrAttr:$target,
    Variadic<AnyType>:$inputs,
    OptionalAttr<DictionaryAttr>:$params
  );
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    `` $kind $target `(` $inputs `)` (`params` $params^)? attr-dict
    `:` functional-type($inputs, $results)
  }];
  let hasVerifier = 1;
}

def QFX_FusedOp : QFX_Op<"fused", [
    SingleBlockImplicitTerminator<"::qfx::YieldOp">,
    RecursiveMemoryEffects]> {
  let summary = "a fused module (e.g. ConvReLU2d) grouping its ops";
  let description = [{
    The result of fusion: one FX call_module node of a fused module class
    (`torch.ao.nn.intrinsic.modules.fused.ConvReLU2d`), whose body holds the
    ops it computes. Operands are the fused module's inputs; the body's
    block arguments stand for them.

    ```mlir
    %y = qfx.fused %x : (tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
    ^bb0(%in: tensor<1x3x8x8xf32>):
      %w = qfx.get_attr @"conv.weight" : tensor<4x3x3x3xf32>
      %c = qfx.conv %in, %w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1
          : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
      %r = qfx.relu %c : tensor<1x4x8x8xf32>
      qfx.yield %r : tensor<1x4x8x8xf32>
    } {qfx.node = #qfx.node<call_module, "torch.ao.nn.intrinsic.modules.fused.ConvReLU2d", module = "conv">}
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$inputs);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $inputs `:` functional-type($inputs, $results) $body attr-dict
  }];
  let hasVerifier = 1;
}

def QFX_YieldOp : QFX_Op<"yield", [
    Pure, Terminator, ReturnLike, HasParent<"::qfx::FusedOp">]> {
  let summary = "terminates a qfx.fused body";
  let description = [{
    Returns the fused module's results.

    ```mlir
    qfx.yield %r : tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ /* nothing to yield */ }]>];
}

#endif // QFX_DIALECT_QFX_QFXGRAPHOPS_TD
