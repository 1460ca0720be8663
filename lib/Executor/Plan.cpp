//===- Plan.cpp - Executable plans of qfx graphs --------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Plan.h"

#include <cstdlib>
#include <cstring>

#include <dnnl.hpp>
#include <omp.h>

using namespace qfx;
using namespace qfx::exec;

size_t qfx::exec::elemSize(ElemType type) {
  switch (type) {
  case ElemType::F32:
  case ElemType::I32:
    return 4;
  case ElemType::F64:
  case ElemType::I64:
    return 8;
  case ElemType::I8:
  case ElemType::U8:
  case ElemType::Bool:
    return 1;
  }
  return 1;
}

const char *qfx::exec::elemTypeName(ElemType type) {
  switch (type) {
  case ElemType::F32:
    return "float32";
  case ElemType::F64:
    return "float64";
  case ElemType::I64:
    return "int64";
  case ElemType::I32:
    return "int32";
  case ElemType::I8:
    return "int8";
  case ElemType::U8:
    return "uint8";
  case ElemType::Bool:
    return "bool";
  }
  return "?";
}

Status qfx::exec::checkSlotF32(const Plan &plan, int id, const char *what) {
  if (id >= 0 && plan.slot(id).type != ElemType::F32)
    return Status::error(std::string(what) + " must be float32, got " +
                         elemTypeName(plan.slot(id).type));
  return Status::success();
}

std::string qfx::exec::shapeToString(const Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Kernel::~Kernel() = default;

Plan::Plan() = default;
Plan::~Plan() = default;

int Plan::addBuffer(ElemType type, Shape shape) {
  Slot s;
  s.type = type;
  s.shape = std::move(shape);
  slots_.push_back(std::move(s));
  return numSlots() - 1;
}

int Plan::addExternalConstant(ElemType type, Shape shape, const void *data) {
  Slot s;
  s.type = type;
  s.shape = std::move(shape);
  s.kind = SlotKind::Constant;
  s.data = const_cast<void *>(data);
  slots_.push_back(std::move(s));
  return numSlots() - 1;
}

/// 64-byte aligned, zeroed, with at least 16 bytes of slack past the end:
/// XNNPACK's microkernels read up to XNN_EXTRA_BYTES (16) past an input they
/// read in place (int8 slots, see ConvKernel::setInt8Io).
static std::unique_ptr<void, void (*)(void *)> allocateAligned(size_t bytes) {
  size_t rounded = (bytes + 16 + 63) / 64 * 64;
  void *p = std::aligned_alloc(64, rounded ? rounded : 64);
  if (p)
    std::memset(p, 0, rounded ? rounded : 64);
  return {p, std::free};
}

int Plan::addOwnedConstant(ElemType type, Shape shape, const void *data) {
  int id = addExternalConstant(type, std::move(shape), nullptr);
  auto storage = allocateAligned(slots_[id].sizeInBytes());
  std::memcpy(storage.get(), data, slots_[id].sizeInBytes());
  slots_[id].data = storage.get();
  slots_[id].owned = true;
  storage_.push_back(std::move(storage));
  return id;
}

int Plan::makeConstantMutable(int id) {
  while (slots_[id].kind == SlotKind::Alias)
    id = slots_[id].aliasOf;
  Slot &s = slots_[id];
  if (s.kind != SlotKind::Constant || s.owned)
    return id;
  auto storage = allocateAligned(s.sizeInBytes());
  if (s.data)
    std::memcpy(storage.get(), s.data, s.sizeInBytes());
  s.data = storage.get();
  s.owned = true;
  storage_.push_back(std::move(storage));
  return id;
}

int Plan::addAlias(int source, Shape shape) {
  while (slots_[source].kind == SlotKind::Alias)
    source = slots_[source].aliasOf;
  Slot s;
  s.type = slots_[source].type;
  s.shape = std::move(shape);
  s.kind = SlotKind::Alias;
  s.aliasOf = source;
  s.data = slots_[source].data;
  slots_.push_back(std::move(s));
  return numSlots() - 1;
}

Kernel *Plan::addKernel(std::unique_ptr<Kernel> kernel) {
  kernels_.push_back(std::move(kernel));
  return kernels_.back().get();
}

void Plan::setInputs(std::vector<int> slots, std::vector<std::string> names) {
  inputs_ = std::move(slots);
  inputNames_ = std::move(names);
}

void Plan::setOutputs(std::vector<int> slots) { outputs_ = std::move(slots); }

Status Plan::finalize() {
  if (finalized_)
    return Status::error("plan is already finalized");
  for (Slot &s : slots_) {
    if (s.kind != SlotKind::Buffer)
      continue;
    auto storage = allocateAligned(s.sizeInBytes());
    if (!storage)
      return Status::error("out of memory allocating a tensor of shape " +
                           shapeToString(s.shape));
    s.data = storage.get();
    storage_.push_back(std::move(storage));
  }
  for (Slot &s : slots_) {
    if (s.kind != SlotKind::Alias)
      continue;
    const Slot &root = slots_[s.aliasOf];
    if (root.numel() != s.numel())
      return Status::error("alias of shape " + shapeToString(s.shape) +
                           " does not match its source " +
                           shapeToString(root.shape));
    s.data = root.data;
  }
  for (auto &k : kernels_) {
    Status st = k->prepare(*this);
    if (st.failed())
      return Status::error(
          k->label().empty() ? st.message() : k->label() + ": " + st.message());
  }
  finalized_ = true;
  return Status::success();
}

Status Plan::run() {
  if (!finalized_)
    return Status::error("plan is not finalized");
  for (auto &k : kernels_) {
    Status st = k->run();
    if (st.failed())
      return Status::error(
          k->label().empty() ? st.message() : k->label() + ": " + st.message());
  }
  return Status::success();
}

void qfx::exec::setNumThreads(int threads) {
  if (threads > 0)
    omp_set_num_threads(threads);
}
