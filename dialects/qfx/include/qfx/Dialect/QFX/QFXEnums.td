//===- QFXEnums.td - qfx enumerations ----------------------*- tablegen -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_DIALECT_QFX_QFXENUMS_TD
#define QFX_DIALECT_QFX_QFXENUMS_TD

include "qfx/Dialect/QFX/QFXBase.td"
include "mlir/IR/EnumAttr.td"

/// The `op` field of a torch.fx Node.
def QFX_NodeKind : I32EnumAttr<"NodeKind", "torch.fx node kind", [
    I32EnumAttrCase<"placeholder", 0>,
    I32EnumAttrCase<"get_attr", 1>,
    I32EnumAttrCase<"call_module", 2>,
    I32EnumAttrCase<"call_function", 3>,
    I32EnumAttrCase<"call_method", 4>,
    I32EnumAttrCase<"output", 5>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_NodeKindAttr : EnumAttr<QFX_Dialect, QFX_NodeKind, "node_kind">;

/// Whether a module-level tensor is an nn.Parameter or a registered buffer.
def QFX_ParameterKind : I32EnumAttr<"ParameterKind", "module tensor kind", [
    I32EnumAttrCase<"parameter", 0>,
    I32EnumAttrCase<"buffer", 1>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_ParameterKindAttr
    : EnumAttr<QFX_Dialect, QFX_ParameterKind, "parameter_kind">;

/// torch dtypes that appear in quantization configurations.
def QFX_QuantDType : I32EnumAttr<"QuantDType", "torch quantization dtype", [
    I32EnumAttrCase<"quint8", 0>,
    I32EnumAttrCase<"qint8", 1>,
    I32EnumAttrCase<"qint32", 2>,
    I32EnumAttrCase<"quint4x2", 3>,
    I32EnumAttrCase<"float16", 4>,
    I32EnumAttrCase<"float32", 5>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_QuantDTypeAttr : EnumAttr<QFX_Dialect, QFX_QuantDType, "dtype">;

/// torch.qscheme values.
def QFX_QScheme : I32EnumAttr<"QScheme", "torch quantization scheme", [
    I32EnumAttrCase<"per_tensor_affine", 0>,
    I32EnumAttrCase<"per_tensor_symmetric", 1>,
    I32EnumAttrCase<"per_channel_affine", 2>,
    I32EnumAttrCase<"per_channel_symmetric", 3>,
    I32EnumAttrCase<"per_channel_affine_float_qparams", 4>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_QSchemeAttr : EnumAttr<QFX_Dialect, QFX_QScheme, "qscheme">;

/// torch.ao.quantization.observer classes.
def QFX_ObserverKind : I32EnumAttr<"ObserverKind", "observer class", [
    I32EnumAttrCase<"min_max", 0>,
    I32EnumAttrCase<"moving_average_min_max", 1>,
    I32EnumAttrCase<"per_channel_min_max", 2>,
    I32EnumAttrCase<"moving_average_per_channel_min_max", 3>,
    I32EnumAttrCase<"histogram", 4>,
    I32EnumAttrCase<"fixed_qparams", 5>,
    I32EnumAttrCase<"placeholder", 6>,
    I32EnumAttrCase<"reuse_input", 7>,
    I32EnumAttrCase<"noop", 8>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_ObserverKindAttr
    : EnumAttr<QFX_Dialect, QFX_ObserverKind, "observer_kind">;

/// torch.ao.quantization.fake_quantize classes.
def QFX_FakeQuantizeKind : I32EnumAttr<"FakeQuantizeKind",
    "fake-quantize class", [
    I32EnumAttrCase<"fake_quantize", 0>,
    I32EnumAttrCase<"fused_moving_avg_obs_fake_quantize", 1>,
    I32EnumAttrCase<"fixed_qparams_fake_quantize", 2>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_FakeQuantizeKindAttr
    : EnumAttr<QFX_Dialect, QFX_FakeQuantizeKind, "fake_quantize_kind">;

/// Padding modes of torch.nn.ConvNd.
def QFX_PaddingMode : I32EnumAttr<"PaddingMode", "convolution padding mode", [
    I32EnumAttrCase<"zeros", 0>,
    I32EnumAttrCase<"reflect", 1>,
    I32EnumAttrCase<"replicate", 2>,
    I32EnumAttrCase<"circular", 3>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_PaddingModeAttr
    : EnumAttr<QFX_Dialect, QFX_PaddingMode, "padding_mode">;

/// Reduction of torch.nn.EmbeddingBag.
def QFX_EmbeddingBagMode : I32EnumAttr<"EmbeddingBagMode",
    "embedding bag reduction", [
    I32EnumAttrCase<"sum", 0>,
    I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_EmbeddingBagModeAttr
    : EnumAttr<QFX_Dialect, QFX_EmbeddingBagMode, "embedding_bag_mode">;

/// Modes of torch.nn.functional.interpolate.
def QFX_InterpolateMode : I32EnumAttr<"InterpolateMode",
    "interpolation mode", [
    I32EnumAttrCase<"nearest", 0>,
    I32EnumAttrCase<"linear", 1>,
    I32EnumAttrCase<"bilinear", 2>,
    I32EnumAttrCase<"bicubic", 3>,
    I32EnumAttrCase<"trilinear", 4>,
    I32EnumAttrCase<"area", 5>,
    I32EnumAttrCase<"nearest_exact", 6>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_InterpolateModeAttr
    : EnumAttr<QFX_Dialect, QFX_InterpolateMode, "interpolate_mode">;

/// The `approximate` argument of torch.nn.functional.gelu.
def QFX_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "gelu approximation", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"tanh", 1>
  ]> {
  let cppNamespace = "::qfx";
  let genSpecializedAttr = 0;
}
def QFX_GeluApproximationAttr
    : EnumAttr<QFX_Dialect, QFX_GeluApproximation, "gelu_approximation">;

#endif // QFX_DIALECT_QFX_QFXENUMS_TD
