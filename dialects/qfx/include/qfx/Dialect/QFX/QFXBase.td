//===- QFXBase.td - qfx dialect definition -----------------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXBASE_TD
#define QFX_DIALECT_QFX_QFXBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def QFX_Dialect : Dialect {
  let name = "qfx";
  let cppNamespace = "::qfx";
  let summary = "torch.fx graphs and their quantization";
  let description = [{
    The qfx dialect models a torch.fx `GraphModule` faithfully enough that
    PyTorch's QConfigMapping and BackendConfig can be applied to it, plus the
    ops FX graph mode quantization inserts: observers, fake-quantize,
    quantize and dequantize. Quantized tensors use the upstream quant
    dialect's `!quant.uniform` types.

    A graph is a `func.func`: FX placeholders are its arguments (named by the
    `qfx.name` argument attribute), the FX `output` node is `func.return`.
    Parameters and buffers are module-level `qfx.parameter` symbols read by
    `qfx.get_attr`. Every op that stands for an FX node carries the
    discardable `qfx.node` attribute (`#qfx.node<...>`) with the node's kind,
    target and owning module; its location is the FX node name.
  }];
  let dependentDialects = [
    "::mlir::quant::QuantDialect",
    "::mlir::func::FuncDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();

    /// Discardable attribute holding an op's FX provenance (NodeAttr).
    static constexpr ::llvm::StringLiteral getNodeAttrName() {
      return ::llvm::StringLiteral("qfx.node");
    }
    /// Discardable attribute holding an op's resolved QConfig (QConfigAttr).
    static constexpr ::llvm::StringLiteral getQConfigAttrName() {
      return ::llvm::StringLiteral("qfx.qconfig");
    }
    /// Discardable attribute of observer / fake-quantize ops that share one
    /// set of statistics (PyTorch's shared observer instance): a StringAttr,
    /// the name of the group's first observer.
    static constexpr ::llvm::StringLiteral getObserverGroupAttrName() {
      return ::llvm::StringLiteral("qfx.observer_group");
    }
    /// Argument attribute holding the FX placeholder name.
    static constexpr ::llvm::StringLiteral getArgNameAttrName() {
      return ::llvm::StringLiteral("qfx.name");
    }
    /// Module attribute: the exported model was in training mode.
    static constexpr ::llvm::StringLiteral getTrainingAttrName() {
      return ::llvm::StringLiteral("qfx.training");
    }
  }];
}

class QFX_Op<string mnemonic, list<Trait> traits = []> :
    Op<QFX_Dialect, mnemonic, traits>;

class QFX_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<QFX_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // QFX_DIALECT_QFX_QFXBASE_TD
