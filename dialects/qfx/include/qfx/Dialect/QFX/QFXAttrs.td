//===- QFXAttrs.td - qfx attributes ------------------------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXATTRS_TD
#define QFX_DIALECT_QFX_QFXATTRS_TD

include "qfx/Dialect/QFX/QFXEnums.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

// Scalars spelled as in Python configs: `true`/`false`, decimal floats that
// round-trip exactly, and integers that may be absent (PyTorch's None).
class QFX_BoolParameter<string default> : AttrOrTypeParameter<"bool", ""> {
  let parser = [{ ::qfx::detail::parseBoolParameter($_parser) }];
  let printer = [{ $_printer << ($_self ? "true" : "false") }];
  let defaultValue = default;
}
// Doubles are held as APFloat: attribute storage must be hashable.
class QFX_DoubleParameter<string default>
    : AttrOrTypeParameter<"::llvm::APFloat", ""> {
  let parser = [{ ::qfx::detail::parseDoubleParameter($_parser) }];
  let printer = [{ $_printer << $_self }];
  let comparator = [{ $_lhs.bitwiseIsEqual($_rhs) }];
  let defaultValue = "::llvm::APFloat(" # default # ")";
}
class QFX_IntParameter<string default> : AttrOrTypeParameter<"int64_t", ""> {
  let defaultValue = default;
}
// float32 lists, `[1.5, -2.0]`, parsed straight to float so that printing
// and re-parsing is bit-exact.
def QFX_F32ArrayParameter : AttrOrTypeParameter<"::mlir::DenseF32ArrayAttr", ""> {
  let parser = [{ ::qfx::detail::parseF32ArrayParameter($_parser) }];
  let printer = [{ ::qfx::detail::printF32ArrayParameter($_printer, $_self) }];
}
def QFX_OptionalF32ArrayParameter
    : AttrOrTypeParameter<"::mlir::DenseF32ArrayAttr", ""> {
  let parser = [{ ::qfx::detail::parseF32ArrayParameter($_parser) }];
  let printer = [{ ::qfx::detail::printF32ArrayParameter($_printer, $_self) }];
  let defaultValue = "::mlir::DenseF32ArrayAttr()";
}
def QFX_OptionalIntParameter
    : AttrOrTypeParameter<"::std::optional<int64_t>", ""> {
  let printer = [{ $_printer << *$_self }];
  let defaultValue = "::std::nullopt";
}

//===----------------------------------------------------------------------===//
// FX provenance
//===----------------------------------------------------------------------===//

def QFX_NodeAttr : QFX_Attr<"Node", "node"> {
  let summary = "torch.fx node provenance";
  let description = [{
    Records where an op came from in the torch.fx graph: the node kind, its
    target in qfx's canonical spelling (module classes as
    `__module__.__qualname__`, e.g. `torch.nn.modules.conv.Conv2d`;
    functions as QConfigMapping matches them, e.g. `torch.add`,
    `operator.add`, `torch.nn.functional.relu`; methods by name, e.g.
    `view`), and the module path: for `call_module` the called submodule's
    qualified name, otherwise the qualified name of the module whose
    `forward` created the node (empty at the top level).

    ```mlir
    #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "layer1.0.conv1">
    #qfx.node<call_function, "operator.add", module = "layer1.0">
    #qfx.node<call_method, "flatten">
    ```
  }];
  let parameters = (ins
    EnumParameter<QFX_NodeKind>:$kind,
    "::mlir::StringAttr":$target,
    DefaultValuedParameter<"::mlir::StringAttr",
        "::mlir::StringAttr::get($_ctxt, \"\")">:$module
  );
  let assemblyFormat = [{
    `<` $kind `,` $target (`,` `module` `=` $module^)? `>`
  }];
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Observers and fake-quantize
//===----------------------------------------------------------------------===//

def QFX_ObserverConfigAttr : QFX_Attr<"ObserverConfig", "observer"> {
  let summary = "an observer class with its constructor arguments";
  let description = [{
    One `torch.ao.quantization.observer` class and the keyword arguments it
    was constructed with. Arguments at PyTorch's default are not printed.
    `quant_min`/`quant_max` absent means PyTorch derives them from `dtype`
    and `reduce_range`.

    ```mlir
    #qfx.observer<kind = histogram, dtype = quint8, qscheme = per_tensor_affine, reduce_range = true>
    #qfx.observer<kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric, quant_min = -128, quant_max = 127>
    #qfx.observer<kind = fixed_qparams, dtype = quint8, qscheme = per_tensor_affine, quant_min = 0, quant_max = 255, scale = 0.00390625, zero_point = 0>
    ```
  }];
  let parameters = (ins
    EnumParameter<QFX_ObserverKind>:$kind,
    EnumParameter<QFX_QuantDType>:$dtype,
    EnumParameter<QFX_QScheme>:$qscheme,
    QFX_OptionalIntParameter:$quant_min,
    QFX_OptionalIntParameter:$quant_max,
    QFX_BoolParameter<"false">:$reduce_range,
    QFX_IntParameter<"0">:$ch_axis,
    QFX_DoubleParameter<"0.01">:$averaging_constant,
    QFX_DoubleParameter<"1.1920928955078125e-07">:$eps,
    QFX_IntParameter<"2048">:$bins,
    QFX_IntParameter<"128">:$upsample_rate,
    QFX_BoolParameter<"false">:$is_dynamic,
    QFX_DoubleParameter<"0.0">:$scale,
    QFX_IntParameter<"0">:$zero_point
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True for the per-channel qschemes.
    bool isPerChannel() const;
    /// The effective [quant_min, quant_max], derived from dtype and
    /// reduce_range when not given explicitly (PyTorch's
    /// `_calculate_qmin_qmax`).
    std::pair<int64_t, int64_t> getEffectiveQuantRange() const;
  }];
}

def QFX_ObserverStateAttr : QFX_Attr<"ObserverState", "observer_state"> {
  let summary = "calibrated state of an observer";
  let description = [{
    What an observer has seen: running min/max (one value per tensor, or
    one per channel), and for HistogramObserver its histogram over
    [min, max]. Values are float32, printed so they re-parse bit for bit.

    ```mlir
    #qfx.observer_state<min = [-1.5], max = [2.25]>
    #qfx.observer_state<min = [0.0], max = [6.0], histogram = [3.0, 0.0, 1.0]>
    ```
  }];
  let parameters = (ins
    QFX_F32ArrayParameter:$min,
    QFX_F32ArrayParameter:$max,
    QFX_OptionalF32ArrayParameter:$histogram
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def QFX_QParamsAttr : QFX_Attr<"QParams", "qparams"> {
  let summary = "scales and zero points of a quantized tensor";
  let description = [{
    One scale and zero point per tensor, or one per channel. Scales are
    float32 and print so that they re-parse bit for bit (a fake-quantize's
    `scale` buffer must survive export and import exactly).

    ```mlir
    #qfx.qparams<scale = [0.0235294122], zero_point = [0]>
    ```
  }];
  let parameters = (ins
    QFX_F32ArrayParameter:$scale,
    "::mlir::DenseI64ArrayAttr":$zero_point
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def QFX_FakeQuantizeConfigAttr
    : QFX_Attr<"FakeQuantizeConfig", "fake_quantize"> {
  let summary = "a fake-quantize class with its flags";
  let description = [{
    One `torch.ao.quantization.fake_quantize` class. Its observer is a
    separate `#qfx.observer` on the op; the flags mirror the module's
    `observer_enabled` / `fake_quant_enabled` buffers.

    ```mlir
    #qfx.fake_quantize<kind = fused_moving_avg_obs_fake_quantize>
    #qfx.fake_quantize<kind = fake_quantize, observer_enabled = false>
    ```
  }];
  let parameters = (ins
    EnumParameter<QFX_FakeQuantizeKind>:$kind,
    QFX_BoolParameter<"true">:$observer_enabled,
    QFX_BoolParameter<"true">:$fake_quant_enabled
  );
  let assemblyFormat = "`<` struct(params) `>`";
}

def QFX_QConfigAttr : QFX_Attr<"QConfig", "qconfig"> {
  let summary = "a resolved QConfig: how an op's activation and weight are observed";
  let description = [{
    PyTorch's `QConfig(activation=..., weight=...)` after QConfigMapping
    resolution, attached to an op as the discardable `qfx.qconfig`
    attribute by `--qfx-annotate-qconfig`. Each side is an observer class
    with its arguments; for QAT qconfigs the side is a fake-quantize class
    (`*_fake_quantize`) wrapping that observer. A side is absent when the
    QConfig leaves it None. An op whose resolved QConfig is None carries no
    `qfx.qconfig` at all.

    ```mlir
    #qfx.qconfig<activation = <kind = histogram, dtype = quint8, qscheme = per_tensor_affine, reduce_range = true>,
                 weight = <kind = per_channel_min_max, dtype = qint8, qscheme = per_channel_symmetric>>
    #qfx.qconfig<activation = <kind = moving_average_min_max, dtype = quint8, qscheme = per_tensor_affine>,
                 activation_fake_quantize = <kind = fused_moving_avg_obs_fake_quantize>>
    ```
  }];
  let parameters = (ins
    OptionalParameter<"::qfx::ObserverConfigAttr">:$activation,
    OptionalParameter<"::qfx::ObserverConfigAttr">:$weight,
    OptionalParameter<"::qfx::FakeQuantizeConfigAttr">:$activation_fake_quantize,
    OptionalParameter<"::qfx::FakeQuantizeConfigAttr">:$weight_fake_quantize
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // QFX_DIALECT_QFX_QFXATTRS_TD
