//===- ConvertStandalone.cpp - Quantized standalone module boundaries -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13's convert_standalone_module (fx/convert.py) for a standalone
// module's nested function whose own config has input / output quantized
// idxs, once its observers are quantize -> dequantize pairs:
//
// * input i: the parent passes the quantized value (the `dequantize` its
//   observer became is bypassed, and erased when unused); the function
//   takes the quantized type and dequantizes it first (the placeholder's
//   inserted `dequantize`). When the parent passes a float (no observer
//   before the call, e.g. the call's qconfig is None), PyTorch's
//   `dequantize()` of a float tensor is the identity: the argument stays
//   float.
// * output 0: the function returns what its output observer's `quantize`
//   gave (maybe_recursive_remove_dequantize) and every call is followed by
//   a `dequantize` (insert_dequantize_node); a float return stays float.
//
// Static types carry the qparams, so every call of one function must pass
// the same quantized type at a quantized input.
//
//===----------------------------------------------------------------------===//

#include "ConvertQParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "qfx/Dialect/QFX/ObserverInsertion.h"

using namespace mlir;
using namespace qfx;

static constexpr llvm::StringLiteral kNode = "qfx.node";

/// The quantized type a `dequantize` producing `v` reads, when it is a
/// static per-tensor or per-channel one.
static Type quantizedSourceType(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  if (!dq)
    return {};
  Type t = dq.getInput().getType();
  Type et = cast<ShapedType>(t).getElementType();
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType>(et))
    return {};
  return t;
}

/// `dequantize` of `value` right after its producer (at the start of the
/// block for an argument), replacing every other use of `value`.
static void dequantizeUses(RewriterBase &rewriter, Value value, Type floatType,
                           Location loc, StringAttr module) {
  if (auto arg = dyn_cast<BlockArgument>(value))
    rewriter.setInsertionPointToStart(arg.getOwner());
  else
    rewriter.setInsertionPointAfter(value.getDefiningOp());
  auto dq = DequantizeOp::create(rewriter, loc, floatType, value);
  MLIRContext *ctx = rewriter.getContext();
  dq->setAttr(kNode, NodeAttr::get(ctx, NodeKind::call_method,
                                   StringAttr::get(ctx, "dequantize"), module));
  rewriter.replaceAllUsesExcept(value, dq.getResult(), dq);
}

static void updateFunctionType(func::FuncOp func) {
  Block &entry = func.getBody().front();
  func.setFunctionType(
      FunctionType::get(func.getContext(), entry.getArgumentTypes(),
                        entry.getTerminator()->getOperandTypes()));
}

static LogicalResult convertInputs(RewriterBase &rewriter, func::FuncOp func,
                                   ArrayRef<int64_t> idxs,
                                   MutableArrayRef<func::CallOp> calls) {
  for (int64_t idx : idxs) {
    if (idx < 0 || idx >= func.getNumArguments())
      return func.emitError()
             << "input_quantized_idxs entry " << idx << " of standalone module "
             << "function @" << func.getSymName() << " is out of range";
    Type qtype;
    for (auto [i, call] : llvm::enumerate(calls)) {
      Type t = quantizedSourceType(call.getOperand(idx));
      if (i != 0 && t != qtype)
        return call.emitError()
               << "standalone module function @" << func.getSymName()
               << " takes input " << idx << " quantized as "
               << (qtype ? qtype : calls.front().getOperand(idx).getType())
               << " at its first call and as "
               << (t ? t : call.getOperand(idx).getType())
               << " here; one function has one type";
      qtype = t;
    }
    if (!qtype)
      continue;
    for (func::CallOp call : calls) {
      auto dq = call.getOperand(idx).getDefiningOp<DequantizeOp>();
      rewriter.modifyOpInPlace(call,
                               [&] { call->setOperand(idx, dq.getInput()); });
      if (dq->use_empty())
        rewriter.eraseOp(dq);
    }
    BlockArgument arg = func.getArgument(idx);
    Type floatType = arg.getType();
    arg.setType(qtype);
    dequantizeUses(rewriter, arg, floatType, arg.getLoc(),
                   StringAttr::get(func.getContext(), ""));
  }
  return success();
}

static LogicalResult convertOutputs(RewriterBase &rewriter, func::FuncOp func,
                                    ArrayRef<int64_t> idxs,
                                    MutableArrayRef<func::CallOp> calls) {
  Operation *ret = func.getBody().front().getTerminator();
  for (int64_t idx : idxs) {
    if (idx < 0 || idx >= ret->getNumOperands())
      return func.emitError()
             << "output_quantized_idxs entry " << idx << " of standalone "
             << "module function @" << func.getSymName() << " is out of range";
    Value result = ret->getOperand(idx);
    Type qtype = quantizedSourceType(result);
    if (!qtype)
      continue;
    auto dq = result.getDefiningOp<DequantizeOp>();
    rewriter.modifyOpInPlace(ret, [&] { ret->setOperand(idx, dq.getInput()); });
    if (dq->use_empty())
      rewriter.eraseOp(dq);
    for (func::CallOp call : calls) {
      Value res = call.getResult(idx);
      Type floatType = res.getType();
      res.setType(qtype);
      StringAttr module = StringAttr::get(call.getContext(), "");
      if (auto node = call->getAttrOfType<NodeAttr>(kNode))
        module = node.getModule();
      dequantizeUses(rewriter, res, floatType, call.getLoc(), module);
    }
  }
  return success();
}

LogicalResult convert::convertStandaloneBoundaries(ModuleOp module,
                                                   RewriterBase &rewriter) {
  SymbolTable symbols(module);
  llvm::DenseMap<Operation *, SmallVector<func::CallOp>> calls;
  module.walk([&](func::CallOp call) {
    if (auto callee = symbols.lookup<func::FuncOp>(call.getCallee()))
      calls[callee].push_back(call);
  });
  for (auto func : module.getOps<func::FuncOp>()) {
    auto in = func->getAttrOfType<DenseI64ArrayAttr>(
        kStandaloneInputQuantizedIdxsAttrName);
    auto out = func->getAttrOfType<DenseI64ArrayAttr>(
        kStandaloneOutputQuantizedIdxsAttrName);
    if ((!in && !out) || func.isExternal())
      continue;
    MutableArrayRef<func::CallOp> sites = calls[func.getOperation()];
    if (in && failed(convertInputs(rewriter, func, in.asArrayRef(), sites)))
      return failure();
    if (out && failed(convertOutputs(rewriter, func, out.asArrayRef(), sites)))
      return failure();
    updateFunctionType(func);
  }
  return success();
}

bool convert::isQuantizedStandaloneInput(Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg)
    return false;
  auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!func)
    return false;
  auto in = func->getAttrOfType<DenseI64ArrayAttr>(
      kStandaloneInputQuantizedIdxsAttrName);
  return in && llvm::is_contained(in.asArrayRef(), arg.getArgNumber());
}
