//===- ConvertQParams.h - qparams for --qfx-convert -------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The numerics of convert: an observer's (or fake-quantize's) qparams from
// its configuration and calibrated state, a weight's qparams from a fresh
// weight observer run on the weight values, and the `!quant.uniform` type
// that carries them. All qparams come from QFXRuntime, which matches
// PyTorch 1.13's calculate_qparams bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_TRANSFORMS_CONVERTQPARAMS_H
#define QFX_LIB_TRANSFORMS_CONVERTQPARAMS_H

#include "qfx/Dialect/QFX/QFXOps.h"
#include "qfx/Runtime/QParams.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include <string>
#include <vector>

namespace qfx::convert {

/// True when observers of `config` turn into quantize/dequantize (static
/// quint8 / qint8 / qint32 quantization).
bool isStaticIntQuant(ObserverConfigAttr config);

/// The qparams of an observer of `config` that has seen `state` and then
/// `extra` (a tensor of `extraShape`; empty for none). Fails with a
/// message when the runtime rejects the config or the state.
mlir::FailureOr<rt::QParams>
computeQParams(ObserverConfigAttr config, ObserverStateAttr state,
               llvm::ArrayRef<float> extra, llvm::ArrayRef<int64_t> extraShape,
               std::string &error);

/// The float32 values of a `qfx.parameter` value attribute (dense or
/// dense_resource); fails for other element types.
mlir::FailureOr<std::vector<float>> readF32Values(mlir::Attribute value);

/// `tensorType` with its element type replaced by the `!quant.uniform` type
/// for `qparams` under `config` (per-axis on the observer's ch_axis for
/// per-channel qschemes). Storage covers the whole dtype range, as
/// torch.quantize_per_tensor / _per_channel clamp to it.
mlir::FailureOr<mlir::RankedTensorType>
quantizedTensorType(mlir::RankedTensorType tensorType,
                    ObserverConfigAttr config, const rt::QParams &qparams,
                    std::string &error);

/// True when observers of `config` become float-qparams quantize /
/// dequantize (per_channel_affine_float_qparams, quint8 or quint4x2).
bool isFloatQParamsQuant(ObserverConfigAttr config);

/// qfx.quantize_float_qparams -> qfx.dequantize_float_qparams of `input`
/// before `anchor` with `qparams` (float zero points); returns the
/// dequantized value (ConvertFloatQParams.cpp).
mlir::FailureOr<mlir::Value>
insertFloatQParamsQDQ(mlir::RewriterBase &rewriter, mlir::Operation *anchor,
                      mlir::Value input, ObserverConfigAttr config,
                      const rt::QParams &qparams);

/// The weight of an embedding `op` read straight from a get_attr (no
/// observer: prepared elsewhere) with a float-qparams `qconfig`: quantized
/// and dequantized with a fresh weight observer run on its values, as
/// convert_weighted_module does. Other ops and weights are left alone.
mlir::LogicalResult convertEmbeddingWeight(mlir::RewriterBase &rewriter,
                                           mlir::Operation *op,
                                           QConfigAttr qconfig);

/// The flat weights of a dynamically quantized qfx.lstm (`qconfig` with
/// dynamic quint8 activations and qint8 weights, input observed) quantized
/// and dequantized, each with a fresh weight observer run on its values,
/// as the reference LSTM does (ConvertRecurrent.cpp). Other ops, float16
/// weights and qfx.gru (no reference module in 1.13) are left alone.
mlir::LogicalResult convertRecurrentWeights(mlir::RewriterBase &rewriter,
                                            mlir::Operation *op,
                                            QConfigAttr qconfig);

/// Applies a convert-time QConfigMapping (`spec`: preset, JSON text or
/// path) to `func`: ops whose qconfig resolves to None lose `qfx.qconfig`;
/// a different non-None qconfig is an error naming the op.
mlir::LogicalResult applyConvertQConfigMapping(mlir::func::FuncOp func,
                                               llvm::StringRef spec);

/// Rewrites quantize / dequantize / quantize_dynamic of `!quant` tensors
/// into quantize_affine / dequantize_affine / choose_qparams on integer
/// storage tensors (the decomposed representation).
void populateDecomposeQuantPatterns(mlir::TypeConverter &typeConverter,
                                    mlir::RewritePatternSet &patterns);

/// Applies those patterns to `func`; fails with a diagnostic on any other
/// op that holds a quantized tensor.
mlir::LogicalResult decomposeQuantizedTensors(mlir::func::FuncOp func);

/// decomposed=true for the quantized values that cross calls (standalone
/// modules' quantized idxs): arguments, call results and their quantize /
/// dequantize ops get the storage type first (ConvertDecomposed.cpp).
mlir::LogicalResult decomposeFunctionBoundaries(mlir::ModuleOp module);

/// convert_standalone_module's quantized boundaries: the nested functions
/// with `qfx.standalone_input/output_quantized_idxs` take and return the
/// quantized values their callers' quantize ops give and their own output
/// quantize gives (ConvertStandalone.cpp). Runs after the observers became
/// quantize -> dequantize.
mlir::LogicalResult convertStandaloneBoundaries(mlir::ModuleOp module,
                                                mlir::RewriterBase &rewriter);

/// An argument of a standalone module's function at one of its
/// input_quantized_idxs: a quantized input, hence an observed one.
bool isQuantizedStandaloneInput(mlir::Value v);

} // namespace qfx::convert

#endif // QFX_LIB_TRANSFORMS_CONVERTQPARAMS_H
