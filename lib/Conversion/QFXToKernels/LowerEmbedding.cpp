//===- LowerEmbedding.cpp - Weight-only embedding bags to qfxk ------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The weight-only reference pattern (docs/convert.md, "Weight-only
// embeddings"):
//
//   %q = qfx.quantize_float_qparams @weight dtype = quint8|quint4x2 axis = 0
//   %d = qfx.dequantize_float_qparams %q ...
//   %y = qfx.embedding_bag %d, %indices ...
//
// becomes `qfxk.embedding_bag` over a `qfxk.packed_embedding` holding the
// codes (quantized at compile time with the runtime's quantize_val for float
// qparams, the reference model's rounding) packed per row, and the float
// scales and zero points.
//
//===----------------------------------------------------------------------===//

#include "PatternUtils.h"

#include "qfx/Runtime/FloatQParams.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace qfx;
namespace qk = qfx::kernels;
using namespace qfx::lowering;

namespace {

std::vector<float> floats(Attribute a) {
  std::vector<float> out;
  if (auto d = dyn_cast<DenseElementsAttr>(a)) {
    for (float f : d.getValues<float>())
      out.push_back(f);
    if (d.isSplat())
      out.assign(d.getNumElements(), out.front());
  }
  return out;
}

struct LowerEmbeddingBag : OpRewritePattern<EmbeddingBagOp>, Recorder {
  LowerEmbeddingBag(MLIRContext *ctx, LowerFailures *f)
      : OpRewritePattern(ctx), Recorder{f} {}

  LogicalResult matchAndRewrite(EmbeddingBagOp op,
                                PatternRewriter &rw) const override {
    auto dq = op.getWeight().getDefiningOp<DequantizeFloatQParamsOp>();
    if (!dq)
      return failure(); // a float embedding bag: not this family
    auto q = dq.getInput().getDefiningOp<QuantizeFloatQParamsOp>();
    auto get = q ? q.getInput().getDefiningOp<GetAttrOp>() : GetAttrOp();
    if (!get)
      return fail(rw, op,
                  "the weight is not a quantize_float_qparams of a parameter");
    if (q.getDtype() != dq.getDtype() || q.getAxis() != dq.getAxis() ||
        q.getScale() != dq.getScale() || q.getZeroPoint() != dq.getZeroPoint())
      return fail(rw, op,
                  "the weight's quantize and dequantize disagree on qparams");
    if (q.getDtype() != QuantDType::quint8 &&
        q.getDtype() != QuantDType::quint4x2)
      return fail(rw, op, "only quint8 and quint4x2 tables have a kernel");
    auto wt = cast<RankedTensorType>(q.getInput().getType());
    if (wt.getRank() != 2 || q.getAxis() != 0 || !wt.hasStaticShape())
      return fail(rw, op,
                  "the table is not a 2-d tensor quantized per row (axis 0)");
    int64_t rows = wt.getDimSize(0), dim = wt.getDimSize(1);
    std::vector<float> scales = floats(q.getScale()),
                       zps = floats(q.getZeroPoint());
    if (static_cast<int64_t>(scales.size()) != rows ||
        static_cast<int64_t>(zps.size()) != rows)
      return fail(rw, op, "the qparams are not one per row");
    auto data = readFloats(get, get.getNameAttr());
    if (failed(data))
      return fail(rw, op, "the weight parameter has no float32 data");

    const bool four = q.getDtype() == QuantDType::quint4x2;
    const int64_t qmax = four ? 15 : 255, rowBytes = four ? (dim + 1) / 2 : dim;
    std::vector<uint8_t> packed(rows * rowBytes, 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < dim; ++j) {
        auto c = static_cast<uint8_t>(rt::quantizeValueFloatQParams(
            (*data)[r * dim + j], scales[r], zps[r], 0, qmax));
        if (four)
          packed[r * rowBytes + j / 2] |= uint8_t(c << (4 * (j % 2)));
        else
          packed[r * rowBytes + j] = c;
      }

    MLIRContext *ctx = rw.getContext();
    auto module = op->getParentOfType<ModuleOp>();
    // One packed table per quantized parameter, however many bags read it.
    auto dataAttr = DenseElementsAttr::get(
        RankedTensorType::get({rows, rowBytes}, IntegerType::get(ctx, 8)),
        ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(packed.data()),
                         packed.size()));
    for (auto t : module.getOps<qk::PackedEmbeddingOp>())
      if (t.getSourceAttr() == get.getNameAttr() && t.getData() == dataAttr &&
          t.getScales() == q.getScale() &&
          t.getZeroPoints() == q.getZeroPoint())
        return replaceWithBag(op, rw, t.getSymNameAttr().getValue());
    std::string name = get.getName().str() + ".packed";
    for (int i = 1; SymbolTable::lookupSymbolIn(module, name); ++i)
      name = get.getName().str() + ".packed" + std::to_string(i);
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPointToStart(module.getBody());
      auto f32 = [&](ArrayRef<float> v) {
        return DenseElementsAttr::get(
            RankedTensorType::get({rows}, Float32Type::get(ctx)), v);
      };
      qk::PackedEmbeddingOp::create(
          rw, get.getLoc(), rw.getStringAttr(name), get.getNameAttr(),
          rw.getI64IntegerAttr(four ? 4 : 8), rw.getI64IntegerAttr(dim),
          dataAttr, f32(scales), f32(zps));
    }
    return replaceWithBag(op, rw, name);
  }

  LogicalResult replaceWithBag(EmbeddingBagOp op, PatternRewriter &rw,
                               StringRef table) const {
    MLIRContext *ctx = rw.getContext();
    auto y = qk::EmbeddingBagOp::create(
        rw, op.getLoc(), op.getType(), op.getIndices(), op.getOffsets(),
        op.getPerSampleWeights(), FlatSymbolRefAttr::get(ctx, table),
        qk::BagModeAttr::get(ctx, static_cast<qk::BagMode>(op.getMode())),
        op.getIncludeLastOffsetAttr(), op.getPaddingIdxAttr());
    rw.replaceOp(op, y.getResult());
    succeeded(op);
    return success();
  }
};

} // namespace

void qfx::lowering::populateEmbeddingPatterns(RewritePatternSet &patterns,
                                              LowerFailures *failures) {
  patterns.add<LowerEmbeddingBag>(patterns.getContext(), failures);
}
