//===- QFXToKernels.cpp - Reference patterns to qfxk kernel ops -----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every pattern is rooted at the `qfx.quantize` that ends a reference
// pattern `q(op(dq(x)...))` and checks the op between. A precondition that
// fails is recorded (and becomes a remark) only when the op is of the
// pattern's family.
//
//===----------------------------------------------------------------------===//

#include "qfx/Conversion/QFXToKernels/QFXToKernels.h"
#include "PatternUtils.h"

#include "qfx/Dialect/QFX/QFXOps.h"
#include "qfx/Runtime/Quantize.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace qfx;
namespace qk = qfx::kernels;
using namespace qfx::lowering;

FailureOr<std::vector<float>> qfx::lowering::readFloats(Operation *from,
                                                        FlatSymbolRefAttr sym) {
  auto p = SymbolTable::lookupNearestSymbolFrom<ParameterOp>(from, sym);
  if (!p)
    return failure();
  auto typed = dyn_cast<TypedAttr>(p.getValue());
  auto st = typed ? dyn_cast<ShapedType>(typed.getType()) : ShapedType();
  if (!st || !st.getElementType().isF32() || !st.hasStaticShape())
    return failure();
  std::vector<float> out(st.getNumElements());
  if (auto res = dyn_cast<DenseResourceElementsAttr>(p.getValue())) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != out.size() * sizeof(float))
      return failure();
    std::memcpy(out.data(), blob->getData().data(), out.size() * sizeof(float));
    return out;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(p.getValue())) {
    size_t i = 0;
    for (float f : dense.getValues<float>())
      out[i++] = f;
    if (dense.isSplat())
      std::fill(out.begin(), out.end(), out[0]);
    return out;
  }
  return failure();
}

namespace {

/// [A, B, L] as [A, B, 1, L]: a 1-d convolution's tensors as 2-d ones.
RankedTensorType as2d(Type t) {
  auto r = cast<RankedTensorType>(t);
  return RankedTensorType::get(
      {r.getDimSize(0), r.getDimSize(1), 1, r.getDimSize(2)},
      r.getElementType());
}

/// What a weighted reference pattern consists of.
struct Weighted {
  Operation *compute = nullptr; // qfx.conv or qfx.linear
  bool relu = false;
  Value input;                  // the float (dequantized) activation outside
  Operation *anchor = nullptr;  // the op whose result is quantized
};

/// Matches conv/linear (+relu), bare or as the body of a qfx.fused.
std::optional<Weighted> matchWeighted(Operation *producer) {
  Weighted w;
  w.anchor = producer;
  Value v = producer->getNumResults() == 1 ? producer->getResult(0) : Value();
  Block *body = nullptr;
  if (auto fused = dyn_cast<FusedOp>(producer)) {
    if (fused.getNumResults() != 1)
      return std::nullopt;
    body = &fused.getBody().front();
    v = cast<YieldOp>(body->getTerminator()).getValues()[0];
  }
  if (!v)
    return std::nullopt;
  if (auto r = v.getDefiningOp<ReluOp>()) {
    w.relu = true;
    v = r.getInput();
  }
  w.compute = v.getDefiningOp();
  if (!w.compute || !isa<ConvOp, ConvTransposeOp, LinearOp>(w.compute))
    return std::nullopt;
  Value in = w.compute->getOperand(0);
  if (body) {
    auto arg = dyn_cast<BlockArgument>(in);
    if (!arg || arg.getOwner() != body)
      return std::nullopt;
    in = producer->getOperand(arg.getArgNumber());
  }
  w.input = in;
  return w;
}

struct LowerWeighted : OpRewritePattern<QuantizeOp>, Recorder {
  LowerWeighted(MLIRContext *ctx, qk::Requant requant, LowerFailures *f)
      : OpRewritePattern(ctx), Recorder{f}, requant(requant) {}

  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rw) const override {
    Operation *producer = q.getInput().getDefiningOp();
    if (!producer)
      return failure();
    auto m = matchWeighted(producer);
    if (!m)
      return failure();
    Operation *op = m->anchor;
    if (!producer->getResult(0).hasOneUse())
      return fail(rw, op, "the float result has other users than its quantize");
    Value xq = dequantized(m->input);
    if (!xq || !u8Activation(xq.getType()))
      return fail(rw, op, "the input is not a dequantized per-tensor quint8 tensor");
    UQ inT = u8Activation(xq.getType()), outT = u8Activation(q.getType());
    if (!outT)
      return fail(rw, op, "the output is not quantized per tensor to quint8");
    // Weight: dq(q(get_attr)), bias: get_attr or none.
    Value wv = m->compute->getOperand(1);
    auto wdq = wv.getDefiningOp<DequantizeOp>();
    auto wq = wdq ? wdq.getInput().getDefiningOp<QuantizeOp>() : QuantizeOp();
    auto wget = wq ? wq.getInput().getDefiningOp<GetAttrOp>() : GetAttrOp();
    if (!wget)
      return fail(rw, op, "the weight is not a quantize -> dequantize of a parameter");
    GetAttrOp bget;
    if (m->compute->getNumOperands() > 2) {
      bget = m->compute->getOperand(2).getDefiningOp<GetAttrOp>();
      if (!bget)
        return fail(rw, op, "the bias is not a parameter");
    }
    auto wType = cast<RankedTensorType>(wq.getType());
    auto qet = cast<quant::QuantizedType>(wType.getElementType());
    if (!qet.isSigned() || qet.getStorageTypeIntegralWidth() != 8)
      return fail(rw, op, "the weight is not qint8");
    int64_t oc = wType.getDimSize(0);
    // PyTorch's transposed-convolution weight is I x O/groups x K...: its
    // output channels are dim 1, per group.
    auto convT = dyn_cast<ConvTransposeOp>(m->compute);
    if (convT)
      oc = wType.getDimSize(1) * static_cast<int64_t>(convT.getGroups());
    std::vector<float> scales(oc);
    if (auto pa = dyn_cast<quant::UniformQuantizedPerAxisType>(qet)) {
      if (convT &&
          (pa.getQuantizedDimension() != 1 || convT.getGroups() != 1 ||
           llvm::any_of(pa.getZeroPoints(), [](int64_t z) { return z != 0; })))
        return fail(rw, op,
                    "per-channel transposed-convolution weights must be "
                    "symmetric along axis 1 (output channels), groups = 1");
      if (!convT &&
          (pa.getQuantizedDimension() != 0 ||
           llvm::any_of(pa.getZeroPoints(), [](int64_t z) { return z != 0; })))
        return fail(rw, op, "per-channel weights must be symmetric along axis 0");
      for (int64_t c = 0; c < oc; ++c)
        scales[c] = static_cast<float>(pa.getScales()[c]);
    } else if (auto u = dyn_cast<UQ>(qet)) {
      if (u.getZeroPoint() != 0)
        return fail(rw, op, "the weight zero point is not 0 (affine weights have no kernel)");
      std::fill(scales.begin(), scales.end(), static_cast<float>(u.getScale()));
    }
    auto conv = dyn_cast<ConvOp>(m->compute);
    // A 1-d convolution runs as a 2-d one over 1 x L images.
    bool is1d = conv && conv.getStride().size() == 1;
    // A 3-d convolution keeps NCDHW (qfxk.conv3d converts internally).
    bool is3d = conv && conv.getStride().size() == 3;
    if (conv) {
      if (conv.getStride().size() < 1 || conv.getStride().size() > 3)
        return fail(rw, op, "only 1-d, 2-d and 3-d convolutions have a kernel");
      if (conv.getPaddingMode() != PaddingMode::zeros)
        return fail(rw, op, "padding_mode is not zeros");
      if (llvm::any_of(conv.getPadding(), [](int64_t p) { return p < 0; }))
        return fail(rw, op, "'same'/'valid' padding strings are not resolved");
    } else if (convT) {
      if (convT.getStride().size() != 2)
        return fail(rw, op, "only 2-d transposed convolutions have a kernel");
      if (llvm::any_of(convT.getPadding(), [](int64_t p) { return p < 0; }))
        return fail(rw, op, "negative padding");
    } else if (cast<RankedTensorType>(xq.getType()).getRank() != 2) {
      return fail(rw, op, "linear kernels take 2-d inputs");
    }
    auto wData = readFloats(wget, wget.getNameAttr());
    if (failed(wData))
      return fail(rw, op, "the weight parameter has no float32 data");
    std::vector<float> bias;
    if (bget) {
      auto b = readFloats(bget, bget.getNameAttr());
      if (failed(b) || static_cast<int64_t>(b->size()) != oc)
        return fail(rw, op, "the bias parameter has no float32 data");
      bias = *b;
    }

    // Quantize the weight (ATen's quantize_val) and the bias.
    std::vector<int8_t> wInt(wData->size());
    int64_t per = wData->size() / oc;
    for (int64_t c = 0; c < (convT ? 0 : oc); ++c)
      for (int64_t i = 0; i < per; ++i)
        wInt[c * per + i] = static_cast<int8_t>(rt::quantizeValue(
            (*wData)[c * per + i], scales[c], 0, qet.getStorageTypeMin(),
            qet.getStorageTypeMax()));
    RankedTensorType packedType = wType;
    if (convT) {
      // Quantized in PyTorch's layout, packed as O x I/groups x KH x KW.
      int64_t g = convT.getGroups(), icg = wType.getDimSize(0) / g,
              ocg = wType.getDimSize(1),
              k = wType.getDimSize(2) * wType.getDimSize(3);
      for (int64_t ic = 0; ic < wType.getDimSize(0); ++ic)
        for (int64_t j = 0; j < ocg; ++j) {
          int64_t o = (ic / icg) * ocg + j, i = ic % icg;
          for (int64_t t = 0; t < k; ++t)
            wInt[(o * icg + i) * k + t] = static_cast<int8_t>(rt::quantizeValue(
                (*wData)[(ic * ocg + j) * k + t], scales[o], 0,
                qet.getStorageTypeMin(), qet.getStorageTypeMax()));
        }
      Type et = qet;
      if (auto pa = dyn_cast<quant::UniformQuantizedPerAxisType>(qet))
        et = quant::UniformQuantizedPerAxisType::get(
            pa.getFlags(), pa.getStorageType(), pa.getExpressedType(),
            pa.getScales(), pa.getZeroPoints(), 0, pa.getStorageTypeMin(),
            pa.getStorageTypeMax());
      packedType = RankedTensorType::get(
          {oc, icg, wType.getDimSize(2), wType.getDimSize(3)}, et);
    }
    MLIRContext *ctx = rw.getContext();
    qk::Requant convention = opRequant(conv, wType);
    ElementsAttr biasAttr;
    if (bget) {
      if (convention == qk::Requant::float_) {
        biasAttr = DenseElementsAttr::get(
            RankedTensorType::get({oc}, Float32Type::get(ctx)),
            ArrayRef<float>(bias));
      } else {
        // PyTorch's qnnpack: quantize_per_channel(bias, s_in * s_w, 0, qint32).
        std::vector<int32_t> bi(oc);
        float sIn = static_cast<float>(inT.getScale());
        for (int64_t c = 0; c < oc; ++c)
          bi[c] = static_cast<int32_t>(rt::quantizeValue(
              bias[c], sIn * scales[c], 0, std::numeric_limits<int32_t>::min(),
              std::numeric_limits<int32_t>::max()));
        biasAttr = DenseElementsAttr::get(
            RankedTensorType::get({oc}, IntegerType::get(ctx, 32)),
            ArrayRef<int32_t>(bi));
      }
    }
    auto module = q->getParentOfType<ModuleOp>();
    std::string name = wget.getName().str() + ".packed";
    for (int i = 1; SymbolTable::lookupSymbolIn(module, name); ++i)
      name = wget.getName().str() + ".packed" + std::to_string(i);
    if (is1d)
      packedType = as2d(wType);
    {
      OpBuilder::InsertionGuard guard(rw);
      rw.setInsertionPointToStart(module.getBody());
      qk::PackedWeightOp::create(
          rw, wget.getLoc(), rw.getStringAttr(name), wget.getNameAttr(),
          TypeAttr::get(packedType),
          DenseElementsAttr::get(
              RankedTensorType::get(packedType.getShape(),
                                    IntegerType::get(ctx, 8)),
              ArrayRef<int8_t>(wInt)),
          biasAttr);
    }
    auto sym = FlatSymbolRefAttr::get(ctx, name);
    auto rq = qk::RequantAttr::get(ctx, convention);
    Location loc = op->getLoc();
    Value result;
    if (convT) {
      Type outT = q.getType();
      auto y = qk::ConvTranspose2dOp::create(
          rw, loc, nhwcType(outT), toNhwc(rw, loc, xq), sym,
          rw.getDenseI64ArrayAttr(convT.getStride()),
          rw.getDenseI64ArrayAttr(convT.getPadding()),
          rw.getDenseI64ArrayAttr(convT.getOutputPadding()),
          rw.getDenseI64ArrayAttr(convT.getDilation()),
          rw.getI64IntegerAttr(convT.getGroups()), rq, rw.getBoolAttr(m->relu));
      result = qk::ToNchwOp::create(rw, loc, outT, y);
    } else if (is3d) {
      result =
          qk::Conv3dOp::create(rw, loc, q.getType(), xq, sym,
                               rw.getDenseI64ArrayAttr(conv.getStride()),
                               rw.getDenseI64ArrayAttr(conv.getPadding()),
                               rw.getDenseI64ArrayAttr(conv.getDilation()),
                               rw.getI64IntegerAttr(conv.getGroups()), rq,
                               rw.getBoolAttr(m->relu), DenseI64ArrayAttr());
    } else if (conv) {
      Value xin = xq;
      Type outT = q.getType();
      SmallVector<int64_t> stride(conv.getStride()), pad(conv.getPadding()),
          dil(conv.getDilation());
      if (is1d) {
        xin = qk::ReshapeOp::create(rw, loc, as2d(xq.getType()), xq);
        outT = as2d(outT);
        stride.insert(stride.begin(), 1);
        pad.insert(pad.begin(), 0);
        dil.insert(dil.begin(), 1);
      }
      auto y = qk::Conv2dOp::create(
          rw, loc, nhwcType(outT), toNhwc(rw, loc, xin), sym,
          rw.getDenseI64ArrayAttr(stride), rw.getDenseI64ArrayAttr(pad),
          rw.getDenseI64ArrayAttr(dil), rw.getI64IntegerAttr(conv.getGroups()),
          rq, rw.getBoolAttr(m->relu), DenseI64ArrayAttr());
      result = qk::ToNchwOp::create(rw, loc, outT, y);
      if (is1d)
        result = qk::ReshapeOp::create(rw, loc, q.getType(), result);
    } else {
      result =
          qk::LinearOp::create(rw, loc, q.getType(), xq, sym, rq,
                               rw.getBoolAttr(m->relu), DenseI64ArrayAttr());
    }
    rw.replaceOp(q, result);
    if (failures)
      failures->erase(op);
    return success();
  }
  /// The backend family's convention, except that the `fp32` (qnnpack)
  /// family keeps the float bias (the `float` formula) wherever XNNPACK does
  /// not run: XNNPACK takes only an int32 bias, whose rounding flips about
  /// 0.05 % of an op's outputs by 1 LSB, against about 0.002 % for the
  /// `float` formula, and the flips add up through the layers. XNNPACK runs
  /// the linear layers, the ungrouped unstrided 1x1 2-d / 1-d convolutions
  /// and the stems (ungrouped, fewer than 8 input channels, a kernel larger
  /// than 1x1: im2col + XNNPACK's GEMM, 2-4x faster than oneDNN's split
  /// kernel on full-range images), where it is faster; the others (KxK,
  /// strided 1x1, grouped, 3-d and transposed convolutions) run on oneDNN's
  /// or qfx's own exact int32 sums with qfx's epilogue, where the float bias
  /// costs nothing (docs/kernels.md, "Numerics").
  qk::Requant opRequant(ConvOp conv, RankedTensorType wType) const {
    if (requant != qk::Requant::fp32 || (!conv && wType.getRank() == 2))
      return requant;
    if (!conv || conv.getStride().size() > 2 || conv.getGroups() != 1)
      return qk::Requant::float_;
    auto one = [](int64_t v) { return v == 1; };
    bool oneByOne = llvm::all_of(wType.getShape().drop_front(2), one);
    bool pointwise = oneByOne && llvm::all_of(conv.getStride(), one);
    bool stem = !oneByOne && wType.getDimSize(1) < 8;
    return pointwise || stem ? requant : qk::Requant::float_;
  }

  qk::Requant requant;
};

struct LowerElementwise : OpRewritePattern<QuantizeOp>, Recorder {
  LowerElementwise(MLIRContext *ctx, LowerFailures *f)
      : OpRewritePattern(ctx), Recorder{f} {}

  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rw) const override {
    Operation *op = q.getInput().getDefiningOp();
    if (!op)
      return failure();
    bool relu = false;
    Operation *anchor = op;
    if (auto r = dyn_cast<ReluOp>(op))
      if (Operation *a = r.getInput().getDefiningOp();
          a && isa<AddOp, MulOp>(a)) {
        relu = true;
        op = a;
      }
    if (!isa<AddOp, MulOp, HardswishOp, MaxPoolOp, AdaptiveAvgPoolOp, AvgPoolOp,
             FlattenOp, qfx::ReshapeOp, CatOp>(op))
      return failure();
    for (Operation *o : {anchor, op})
      if (!o->getResult(0).hasOneUse())
        return fail(rw, anchor, "the float result has other users");
    SmallVector<Value> ins;
    for (Value v : op->getOperands()) {
      Value d = dequantized(v);
      if (!d || !u8Activation(d.getType()))
        return fail(rw, anchor, "an operand is not a dequantized per-tensor quint8 tensor");
      ins.push_back(d);
    }
    if (!u8Activation(q.getType()))
      return fail(rw, anchor, "the output is not quantized per tensor to quint8");
    Location loc = anchor->getLoc();
    Type outT = q.getType();
    Value result;
    if (isa<AddOp, MulOp, HardswishOp>(op)) {
      if (cast<ShapedType>(ins[0].getType()).getShape() !=
              cast<ShapedType>(outT).getShape() ||
          (ins.size() == 2 && cast<ShapedType>(ins[0].getType()).getShape() !=
                                  cast<ShapedType>(ins[1].getType()).getShape()))
        return fail(rw, anchor, "broadcasting operands have no kernel");
      bool nhwc = cast<ShapedType>(outT).getRank() == 4 && allNhwc(ins);
      SmallVector<Value> xs;
      for (Value v : ins)
        xs.push_back(nhwc ? toNhwc(rw, loc, v) : v);
      Type t = nhwc ? Type(nhwcType(outT)) : outT;
      Value y;
      if (isa<AddOp>(op))
        y = qk::AddOp::create(rw, loc, t, xs[0], xs[1], rw.getBoolAttr(relu));
      else if (isa<MulOp>(op))
        y = qk::MulOp::create(rw, loc, t, xs[0], xs[1], rw.getBoolAttr(relu));
      else
        y = qk::UnaryOp::create(rw, loc, t, xs[0],
                            qk::UnaryFnAttr::get(rw.getContext(), qk::UnaryFn::hardswish));
      result = nhwc ? Value(qk::ToNchwOp::create(rw, loc, outT, y)) : y;
    } else if (auto mp = dyn_cast<MaxPoolOp>(op)) {
      if (mp.getKernelSize().size() != 2 || mp.getCeilMode())
        return fail(rw, anchor, "only 2-d floor-mode max pooling has a kernel");
      if (u8Activation(ins[0].getType()) != u8Activation(outT))
        return fail(rw, anchor, "max pooling must keep its input's qparams");
      auto y = qk::MaxPool2dOp::create(
          rw, loc, nhwcType(outT), toNhwc(rw, loc, ins[0]),
          rw.getDenseI64ArrayAttr(mp.getKernelSize()),
          rw.getDenseI64ArrayAttr(mp.getStride()),
          rw.getDenseI64ArrayAttr(mp.getPadding()),
          rw.getDenseI64ArrayAttr(mp.getDilation()));
      result = qk::ToNchwOp::create(rw, loc, outT, y);
    } else if (auto ap = dyn_cast<AvgPoolOp>(op)) {
      if (ap.getKernelSize().size() != 2 || ap.getCeilMode())
        return fail(rw, anchor, "only 2-d floor-mode average pooling has a kernel");
      auto y = qk::AvgPool2dOp::create(
          rw, loc, nhwcType(outT), toNhwc(rw, loc, ins[0]),
          rw.getDenseI64ArrayAttr(ap.getKernelSize()),
          rw.getDenseI64ArrayAttr(ap.getStride()),
          rw.getDenseI64ArrayAttr(ap.getPadding()),
          rw.getBoolAttr(ap.getCountIncludePad()),
          rw.getI64IntegerAttr(ap.getDivisorOverride().value_or(0)));
      result = qk::ToNchwOp::create(rw, loc, outT, y);
    } else if (isa<AdaptiveAvgPoolOp>(op)) {
      if (cast<ShapedType>(outT).getRank() != 4)
        return fail(rw, anchor, "only 2-d adaptive average pooling has a kernel");
      auto y = qk::AdaptiveAvgPool2dOp::create(rw, loc, nhwcType(outT),
                                           toNhwc(rw, loc, ins[0]));
      result = qk::ToNchwOp::create(rw, loc, outT, y);
    } else if (auto cat = dyn_cast<CatOp>(op)) {
      int64_t rank = cast<ShapedType>(outT).getRank();
      int64_t dim = static_cast<int64_t>(cat.getDim());
      if (dim < 0)
        dim += rank;
      // Concatenate channels-last when every input is NHWC: NCHW dim d is
      // physical dim {0, 3, 1, 2}[d].
      bool nhwc = rank == 4 && allNhwc(ins);
      static const int64_t physical[4] = {0, 3, 1, 2};
      SmallVector<Value> xs;
      for (Value v : ins)
        xs.push_back(nhwc ? toNhwc(rw, loc, v) : v);
      Value y =
          qk::CatOp::create(rw, loc, nhwc ? Type(nhwcType(outT)) : outT, xs,
                            rw.getI64IntegerAttr(nhwc ? physical[dim] : dim));
      result = nhwc ? Value(qk::ToNchwOp::create(rw, loc, outT, y)) : y;
    } else {
      if (u8Activation(ins[0].getType()) != u8Activation(outT))
        return fail(rw, anchor,
                    "a flatten / reshape must keep its input's qparams");
      Value x = ins[0];
      // NHWC with 1x1 spatial dims has the NCHW byte order.
      if (auto back = x.getDefiningOp<qk::ToNchwOp>()) {
        auto s = cast<ShapedType>(x.getType()).getShape();
        if (s[2] == 1 && s[3] == 1)
          x = back.getInput();
      }
      result = qk::ReshapeOp::create(rw, loc, outT, x);
    }
    rw.replaceOp(q, result);
    if (failures)
      failures->erase(anchor);
    return success();
  }
};

/// reshape(to_nchw(v)) reads v directly when v's spatial dims are 1x1 (the
/// NHWC and NCHW byte orders agree), whichever pattern ran first.
struct ReshapeOfOneByOne : OpRewritePattern<qk::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(qk::ReshapeOp r,
                                PatternRewriter &rw) const override {
    auto back = r.getInput().getDefiningOp<qk::ToNchwOp>();
    if (!back)
      return rw.notifyMatchFailure(r, "input is not a layout change");
    auto s = cast<ShapedType>(r.getInput().getType()).getShape();
    if (s[2] != 1 || s[3] != 1)
      return rw.notifyMatchFailure(r, "spatial dims are not 1x1");
    rw.modifyOpInPlace(r, [&] { r.getInputMutable().assign(back.getInput()); });
    return success();
  }
};

/// Elementwise kernels follow their inputs' layout:
/// op(to_nchw(a), to_nchw(b)) = to_nchw(op(a, b)), whichever pattern ran
/// first, so that chains stay channels-last.
template <typename OpT>
struct ElementwiseInNhwc : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rw) const override {
    SmallVector<Value> srcs;
    for (Value v : op->getOperands()) {
      auto back = v.template getDefiningOp<qk::ToNchwOp>();
      if (!back)
        return rw.notifyMatchFailure(op, "an operand is not NHWC");
      srcs.push_back(back.getInput());
    }
    Type nhwc = nhwcType(op.getType());
    Operation *clone = rw.clone(*op);
    rw.modifyOpInPlace(clone, [&] {
      clone->setOperands(srcs);
      clone->getResult(0).setType(nhwc);
    });
    rw.replaceOpWithNewOp<qk::ToNchwOp>(op, op.getType(), clone->getResult(0));
    return success();
  }
};

/// cat(to_nchw(a), to_nchw(b), dim = d) = to_nchw(cat(a, b, dim = d')), with
/// d' the physical NHWC dim of NCHW dim d, whichever pattern ran first.
struct CatInNhwc : OpRewritePattern<qk::CatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(qk::CatOp op,
                                PatternRewriter &rw) const override {
    if (op.getType().getRank() != 4 || !allNhwc(op.getInputs()))
      return rw.notifyMatchFailure(op, "not a cat of NHWC values");
    static const int64_t physical[4] = {0, 3, 1, 2};
    SmallVector<Value> srcs;
    for (Value v : op.getInputs())
      srcs.push_back(v.getDefiningOp<qk::ToNchwOp>().getInput());
    auto y = qk::CatOp::create(
        rw, op.getLoc(), nhwcType(op.getType()), srcs,
        rw.getI64IntegerAttr(physical[static_cast<int64_t>(op.getDim())]));
    rw.replaceOpWithNewOp<qk::ToNchwOp>(op, op.getType(), y);
    return success();
  }
};

} // namespace

void qfx::populateQFXToKernelsPatterns(RewritePatternSet &patterns,
                                       qk::Requant requant,
                                       LowerFailures *failures) {
  patterns.add<LowerWeighted>(patterns.getContext(), requant, failures);
  populateDynamicPatterns(patterns, failures);
  // PyTorch's dynamic LSTM asks for reduce_range; only qnnpack ignores it.
  populateRecurrentPatterns(patterns, requant == qk::Requant::float_, failures);
  populateEmbeddingPatterns(patterns, failures);
  patterns.add<LowerElementwise>(patterns.getContext(), failures);
  patterns.add<ReshapeOfOneByOne, ElementwiseInNhwc<qk::AddOp>,
               ElementwiseInNhwc<qk::MulOp>, ElementwiseInNhwc<qk::UnaryOp>,
               ElementwiseInNhwc<qk::ClampOp>, CatInNhwc>(
      patterns.getContext());
  populateActivationPatterns(patterns, failures);
  populateNormPatterns(patterns, failures);
}
