//===- PatternUtils.h - Helpers shared by the QFXToKernels patterns -*- C++
//-*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_CONVERSION_QFXTOKERNELS_PATTERNUTILS_H
#define QFX_LIB_CONVERSION_QFXTOKERNELS_PATTERNUTILS_H

#include "qfx/Conversion/QFXToKernels/QFXToKernels.h"
#include "qfx/Dialect/QFX/QFXOps.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include <optional>
#include <string>

namespace qfx::lowering {

using UQ = mlir::quant::UniformQuantizedType;

/// A per-tensor unsigned 8-bit activation type (what the runtime runs).
inline UQ u8Activation(mlir::Type t) {
  auto q = mlir::dyn_cast<UQ>(mlir::cast<mlir::ShapedType>(t).getElementType());
  if (!q || q.isSigned() || q.getStorageTypeIntegralWidth() != 8)
    return {};
  return q;
}

inline mlir::RankedTensorType nhwcType(mlir::Type t) {
  auto r = mlir::cast<mlir::RankedTensorType>(t);
  llvm::ArrayRef<int64_t> s = r.getShape();
  return mlir::RankedTensorType::get({s[0], s[2], s[3], s[1]},
                                     r.getElementType());
}

/// \p v (NCHW) as NHWC, reusing the NHWC value a qfxk.to_nchw came from.
inline mlir::Value toNhwc(mlir::PatternRewriter &rw, mlir::Location loc,
                          mlir::Value v) {
  if (auto back = v.getDefiningOp<kernels::ToNchwOp>())
    return back.getInput();
  // One layout change per value, right after its definition so that it
  // dominates every later user: reuse (and move there) an existing one.
  mlir::OpBuilder::InsertionGuard guard(rw);
  rw.setInsertionPointAfterValue(v);
  mlir::Block *block = rw.getInsertionBlock();
  for (mlir::Operation *user : v.getUsers())
    if (auto t = mlir::dyn_cast<kernels::ToNhwcOp>(user);
        t && t->getBlock() == block) {
      if (rw.getInsertionPoint() == block->end() ||
          &*rw.getInsertionPoint() != t.getOperation())
        rw.moveOpBefore(t, block, rw.getInsertionPoint());
      return t;
    }
  return kernels::ToNhwcOp::create(rw, loc, nhwcType(v.getType()), v);
}

/// The quantized value a float operand was dequantized from.
inline mlir::Value dequantized(mlir::Value v) {
  if (auto dq = v.getDefiningOp<DequantizeOp>())
    return dq.getInput();
  return {};
}

/// Layout-agnostic ops run NHWC when all their inputs come from NHWC ops.
inline bool allNhwc(mlir::ValueRange vs) {
  return llvm::all_of(
      vs, [](mlir::Value v) { return v.getDefiningOp<kernels::ToNchwOp>(); });
}

/// Common failure recording: the reason becomes a remark if the op stays.
struct Recorder {
  LowerFailures *failures;
  mlir::LogicalResult fail(mlir::PatternRewriter &rw, mlir::Operation *op,
                           const std::string &why) const {
    if (failures)
      (*failures)[op] = why;
    return rw.notifyMatchFailure(op, why);
  }
  void succeeded(mlir::Operation *op) const {
    if (failures)
      failures->erase(op);
  }
};

/// The values of the float32 parameter \p sym (dense or resource data).
mlir::FailureOr<std::vector<float>> readFloats(mlir::Operation *from,
                                               mlir::FlatSymbolRefAttr sym);

/// Eval batch norm (+relu, BNReLU2d/3d) and layer norm: qfxk.batch_norm
/// with ATen's per-channel constants folded, qfxk.layer_norm.
void populateNormPatterns(mlir::RewritePatternSet &patterns,
                          LowerFailures *failures);

/// Dynamic linear: linear (+relu) on dq(quantize_dynamic(x)) with a
/// q/dq'd int8 weight becomes qfxk.dynamic_linear on x.
void populateDynamicPatterns(mlir::RewritePatternSet &patterns,
                             LowerFailures *failures);

/// The float tensor a dynamically quantized operand was computed from:
/// dq(quantize_dynamic(x)), or its decomposed spelling
/// dequantize_affine(quantize_affine(x, qp), qp) with qp = choose_qparams(x).
struct DynamicInput {
  mlir::Value input;
  bool reduceRange = false;
  /// Why no kernel takes it ("take quint8 ..."), empty when one does.
  std::string unsupported;
};
std::optional<DynamicInput> matchDynamicInput(mlir::Value v);

/// Quantizes the symmetric int8 \p weight (dq(q(get_attr)) or the
/// decomposed quantize_affine -> dequantize_affine pair) at compile time and
/// packs it with the float32 parameter \p bias (a get_attr, or null) into a
/// qfxk.packed_weight at the top of the module, reusing an identical one.
/// On failure, \p why says what does not fit. With \p create false it only
/// checks (no IR change) and returns a null symbol on success.
mlir::FailureOr<mlir::FlatSymbolRefAttr>
packDynamicWeight(mlir::PatternRewriter &rw, mlir::Value weight,
                  mlir::Value bias, std::string &why, bool create = true);

/// Dynamic LSTM: qfx.lstm on dq(quantize_dynamic(x)) with q/dq'd int8
/// weights becomes qfxk.dynamic_lstm on x (\p reduceRange: the backend's).
void populateRecurrentPatterns(mlir::RewritePatternSet &patterns,
                               bool reduceRange, LowerFailures *failures);

/// Weight-only embedding bags (float qparams, quint8 / quint4x2) become
/// qfxk.embedding_bag over a qfxk.packed_embedding.
void populateEmbeddingPatterns(mlir::RewritePatternSet &patterns,
                               LowerFailures *failures);

/// Activation patterns (clamps, tables, softmax, identities) and the fold
/// of a clamp into the convolution / linear layer producing its input.
void populateActivationPatterns(mlir::RewritePatternSet &patterns,
                                LowerFailures *failures);

} // namespace qfx::lowering

#endif // QFX_LIB_CONVERSION_QFXTOKERNELS_PATTERNUTILS_H
