//===- Loader.cpp - Build executable plans from qfx modules ---------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Loader/Loader.h"
#include "LoaderImpl.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::exec;

std::string qfx::describeOp(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "'" << op->getName() << "'";
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    os << " (node '" << loc.getName().getValue() << "')";
  else if (auto fused = dyn_cast<FusedLoc>(op->getLoc())) {
    for (Location l : fused.getLocations())
      if (auto nl = dyn_cast<NameLoc>(l)) {
        os << " (node '" << nl.getName().getValue() << "')";
        break;
      }
  }
  if (auto node = op->getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName()))
    os << " [" << node.getTarget().getValue() << "]";
  return s;
}

std::optional<ElemType> qfx::elemTypeOf(Type t) {
  if (auto q = dyn_cast<quant::QuantizedType>(t)) {
    unsigned w = q.getStorageTypeIntegralWidth();
    if (w == 8)
      return q.isSigned() ? ElemType::I8 : ElemType::U8;
    if (w == 32 && q.isSigned())
      return ElemType::I32;
    return std::nullopt;
  }
  if (t.isF32())
    return ElemType::F32;
  if (t.isF64())
    return ElemType::F64;
  if (auto i = dyn_cast<IntegerType>(t)) {
    switch (i.getWidth()) {
    case 1:
      return ElemType::Bool;
    case 8:
      return i.isUnsigned() ? ElemType::U8 : ElemType::I8;
    case 32:
      return ElemType::I32;
    case 64:
      return ElemType::I64;
    default:
      return std::nullopt;
    }
  }
  return std::nullopt;
}

Status qfx::tensorInfoOf(Type t, ElemType &elem, Shape &shape) {
  Type et = t;
  shape.clear();
  if (auto rt = dyn_cast<RankedTensorType>(t)) {
    if (!rt.hasStaticShape())
      return Status::error("dynamic shapes are not supported");
    shape.assign(rt.getShape().begin(), rt.getShape().end());
    et = rt.getElementType();
  } else if (isa<ShapedType>(t)) {
    return Status::error("only ranked tensors are supported");
  }
  auto e = elemTypeOf(et);
  if (!e) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "unsupported element type " << et;
    return Status::error(s);
  }
  elem = *e;
  return Status::success();
}

//===----------------------------------------------------------------------===//
// ModelBuilder
//===----------------------------------------------------------------------===//

Status ModelBuilder::error(Operation *op, const std::string &msg) {
  return Status::error(describeOp(op) + ": " + msg);
}

Expected<int> ModelBuilder::slotOf(Operation *user, Value v) {
  auto it = slots_.find(v);
  if (it == slots_.end())
    return error(user, "operand has no value (unsupported producer)");
  return it->second;
}

Expected<int> ModelBuilder::newBuffer(Operation *op, Value v) {
  ElemType e;
  Shape s;
  if (Status st = tensorInfoOf(v.getType(), e, s); st.failed())
    return error(op, st.message());
  int id = model_->plan_.addBuffer(e, s);
  slots_[v] = id;
  return id;
}

Expected<int> ModelBuilder::alias(Operation *op, Value from, Value to) {
  auto src = slotOf(op, from);
  if (src.failed())
    return src;
  ElemType e;
  Shape s;
  if (Status st = tensorInfoOf(to.getType(), e, s); st.failed())
    return error(op, st.message());
  const Slot &srcSlot = model_->plan_.slot(*src);
  if (srcSlot.type != e || srcSlot.numel() != rt::numElements(s))
    return error(op, "result " + shapeToString(s) +
                         " cannot share the input's storage " +
                         shapeToString(srcSlot.shape));
  int id = model_->plan_.addAlias(*src, s);
  slots_[to] = id;
  return id;
}

Expected<int> ModelBuilder::constantSlot(Operation *op, Attribute value) {
  auto typed = dyn_cast<TypedAttr>(value);
  if (!typed)
    return error(op, "constant value has no type");
  ElemType e;
  Shape s;
  if (Status st = tensorInfoOf(typed.getType(), e, s); st.failed())
    return error(op, st.message());
  Plan &plan = model_->plan_;
  size_t bytes = rt::numElements(s) * elemSize(e);
  if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return error(op, "dense_resource blob '" +
                           res.getRawHandle().getKey().str() + "' has no data");
    ArrayRef<char> data = blob->getData();
    if (data.size() != bytes || e == ElemType::Bool)
      return error(op, "dense_resource blob has " +
                           std::to_string(data.size()) + " bytes, expected " +
                           std::to_string(bytes));
    return plan.addExternalConstant(e, s, data.data());
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return error(op, "unsupported constant attribute kind");
  if (e == ElemType::Bool) {
    std::vector<char> v;
    for (bool b : dense.getValues<bool>())
      v.push_back(b);
    if (dense.isSplat())
      v.assign(rt::numElements(s), v.empty() ? 0 : v[0]);
    return plan.addOwnedConstant(e, s, v.data());
  }
  ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat() && raw.size() == bytes)
    return plan.addExternalConstant(e, s, raw.data());
  size_t es = elemSize(e);
  if (raw.size() < es)
    return error(op, "malformed dense constant");
  std::vector<char> v(bytes);
  for (size_t i = 0; i < bytes; i += es)
    std::memcpy(v.data() + i, raw.data(), es);
  return plan.addOwnedConstant(e, s, v.data());
}

Expected<int> ModelBuilder::parameterSlot(Operation *op, StringRef name) {
  auto it = params_.find(name);
  if (it != params_.end())
    return it->second;
  auto param = symbols_->lookup<ParameterOp>(name);
  if (!param)
    return error(op, "no qfx.parameter named '" + name.str() + "'");
  auto slot = constantSlot(param, param.getValue());
  if (slot.ok())
    params_[name] = *slot;
  return slot;
}

Expected<int> ModelBuilder::mutableSlot(Operation *user, Value v) {
  auto slot = slotOf(user, v);
  if (slot.failed())
    return slot;
  int storage = model_->plan_.makeConstantMutable(*slot);
  if (auto get = v.getDefiningOp<GetAttrOp>())
    if (Operation *param = symbols_->lookup<ParameterOp>(get.getName()))
      model_->noteMutableParameter(param, storage);
  return *slot;
}

void LoadedModel::noteMutableParameter(Operation *param, int slot) {
  if (llvm::none_of(mutableParameters_,
                    [&](const auto &entry) { return entry.first == param; }))
    mutableParameters_.emplace_back(param, slot);
}

Status ModelBuilder::prepareRunningStatUpdate(BatchNormOp bn,
                                              BatchNormParams &params) {
  auto mean = mutableSlot(bn, bn.getRunningMean());
  if (mean.failed())
    return mean.status();
  auto var = mutableSlot(bn, bn.getRunningVar());
  if (var.failed())
    return var.status();
  params.mean = *mean;
  params.var = *var;
  params.updateRunningStats = true;
  // nn.BatchNorm counts its training batches in a sibling buffer (the
  // average factor with momentum=None); the op names only the statistics.
  auto get = bn.getRunningMean().getDefiningOp<GetAttrOp>();
  StringRef name = get ? get.getName() : StringRef();
  if (!name.consume_back("running_mean"))
    return Status::success();
  std::string tracked = (name + "num_batches_tracked").str();
  if (!symbols_->lookup<ParameterOp>(tracked))
    return Status::success();
  auto slot = parameterSlot(bn, tracked);
  if (slot.failed())
    return slot.status();
  int storage = model_->plan_.makeConstantMutable(*slot);
  model_->noteMutableParameter(symbols_->lookup<ParameterOp>(tracked), storage);
  params.numBatchesTracked = *slot;
  return Status::success();
}

Status ModelBuilder::lowerBlock(Block &block, int depth,
                                SmallVectorImpl<Value> *yielded) {
  if (depth > 4)
    return Status::error("qfx.fused nested too deeply");
  for (Operation &op : block) {
    if (auto yield = dyn_cast<YieldOp>(op)) {
      if (yielded)
        yielded->append(yield.getValues().begin(), yield.getValues().end());
      continue;
    }
    if (isa<func::ReturnOp>(op))
      continue;
    if (auto call = dyn_cast<func::CallOp>(op)) {
      if (Status st = lowerCall(call); st.failed())
        return st;
      continue;
    }
    if (auto fused = dyn_cast<FusedOp>(op)) {
      Block &body = fused.getBody().front();
      for (auto [arg, in] : llvm::zip(body.getArguments(), fused.getInputs())) {
        auto s = slotOf(&op, in);
        if (s.failed())
          return s.status();
        slots_[arg] = *s;
      }
      SmallVector<Value> results;
      if (Status st = lowerBlock(body, depth + 1, &results); st.failed())
        return st;
      for (auto [res, y] : llvm::zip(fused.getResults(), results)) {
        auto s = slotOf(&op, y);
        if (s.failed())
          return s.status();
        slots_[res] = *s;
      }
      continue;
    }
    if (Status st = lowerOp(&op); st.failed())
      return st;
  }
  return Status::success();
}

// A call runs its callee's body inline, on the caller's slots. The
// callee's ops get kernels at every call site, but its observers keep one
// state (sharedObservers_ is keyed by op): PyTorch's standalone module is
// one GraphModule, so a module called twice observes both calls.
Status ModelBuilder::lowerCall(func::CallOp call) {
  auto callee = symbols_->lookup<func::FuncOp>(call.getCallee());
  if (!callee)
    return error(call, "no function named '" + call.getCallee().str() + "'");
  if (callee.isExternal())
    return error(call, "function '" + call.getCallee().str() + "' has no body");
  if (llvm::is_contained(callStack_, callee.getOperation()))
    return error(call, "recursive call of '" + call.getCallee().str() + "'");
  Block &body = callee.getBody().front();
  if (body.getNumArguments() != call.getNumOperands())
    return error(call, "operand count differs from the callee's arguments");
  for (auto [arg, in] : llvm::zip(body.getArguments(), call.getOperands())) {
    auto s = slotOf(call, in);
    if (s.failed())
      return s.status();
    slots_[arg] = *s;
  }
  callStack_.push_back(callee);
  Status st = lowerBlock(body, 0, nullptr);
  callStack_.pop_back();
  if (st.failed())
    return st;
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (auto [res, v] : llvm::zip(call.getResults(), ret.getOperands())) {
    auto s = slotOf(ret, v);
    if (s.failed())
      return s.status();
    slots_[res] = *s;
  }
  return Status::success();
}

Kernel *ModelBuilder::add(Operation *op, std::unique_ptr<Kernel> k) {
  k->setLabel(describeOp(op));
  return model_->plan_.addKernel(std::move(k));
}

Expected<std::unique_ptr<LoadedModel>>
qfx::loadModel(ModuleOp module, const LoadOptions &options) {
  func::FuncOp entry = module.lookupSymbol<func::FuncOp>(options.entry);
  if (!entry) {
    auto funcs = llvm::to_vector(module.getOps<func::FuncOp>());
    if (funcs.size() != 1)
      return Status::error("module has no function '" + options.entry +
                           "' (and not exactly one function)");
    entry = funcs.front();
  }
  if (entry.isExternal())
    return Status::error("function '" + entry.getSymName().str() +
                         "' has no body");
  auto model = std::make_unique<LoadedModel>();
  SymbolTable symbols(module);
  ModelBuilder builder(model.get(), &symbols);
  Plan &plan = model->plan_;
  std::vector<int> inputSlots;
  std::vector<std::string> names;
  for (BlockArgument arg : entry.getArguments()) {
    std::string name = "arg" + std::to_string(arg.getArgNumber());
    if (auto n = entry.getArgAttrOfType<StringAttr>(
            arg.getArgNumber(), QFXDialect::getArgNameAttrName()))
      name = n.str();
    auto slot = builder.newBuffer(entry, arg);
    if (slot.failed())
      return Status::error("input '" + name + "': " + slot.message());
    inputSlots.push_back(*slot);
    names.push_back(name);
    model->inputs_.push_back(
        {name, plan.slot(*slot).type, plan.slot(*slot).shape});
  }
  plan.setInputs(inputSlots, names);
  if (Status st = builder.lowerBlock(entry.getBody().front(), 0, nullptr);
      st.failed())
    return st;
  auto ret = cast<func::ReturnOp>(entry.getBody().front().getTerminator());
  std::vector<int> outs;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto s = builder.slotOf(ret, v);
    if (s.failed())
      return s.status();
    outs.push_back(*s);
    model->outputs_.push_back(
        {std::to_string(i), plan.slot(*s).type, plan.slot(*s).shape});
  }
  plan.setOutputs(outs);
  if (Status st = plan.finalize(); st.failed())
    return st;
  return model;
}
