//===- Plan.h - Executable plans of qfx graphs ------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// An executable plan: numbered tensor slots with shapes fixed at build time
// and a flat list of kernels reading and writing them. finalize() allocates
// every buffer and lets each kernel resolve its pointers and create its
// primitives once; run() then only calls the kernels in order.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_EXECUTOR_PLAN_H
#define QFX_EXECUTOR_PLAN_H

#include "qfx/Runtime/Status.h"
#include "qfx/Runtime/TensorView.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qfx::exec {

using rt::Expected;
using rt::Shape;
using rt::Status;

/// Element types of plan slots (and of .npy arrays).
enum class ElemType : uint8_t { F32, F64, I64, I32, I8, U8, Bool };

/// Size in bytes of one element of \p type.
size_t elemSize(ElemType type);
/// numpy-style name ("float32", "int64", "bool", ...).
const char *elemTypeName(ElemType type);
/// "[1, 3, 224, 224]".
std::string shapeToString(const Shape &shape);

class Plan;

/// One step of a plan.
class Kernel {
public:
  virtual ~Kernel();
  /// Called once by Plan::finalize() after all buffers exist: validates
  /// shapes, resolves slot pointers, creates primitives.
  virtual Status prepare(Plan &plan) = 0;
  /// Executes the step. Only data-dependent failures (an out-of-range
  /// embedding index, a non-finite value seen by an observer) are reported
  /// here.
  virtual Status run() = 0;

  /// The implementation that runs (e.g. "onednn:u8s8s32 (jit_uni_int8:avx2)"
  /// for a quantized convolution); empty when there is only one.
  virtual std::string implName() const { return {}; }

  /// A label for messages (the FX node name when known).
  const std::string &label() const { return label_; }
  void setLabel(std::string label) { label_ = std::move(label); }

private:
  std::string label_;
};

/// How a slot gets its storage.
enum class SlotKind : uint8_t {
  /// Allocated by finalize().
  Buffer,
  /// Points at memory owned by someone else (a parameter blob), or by the
  /// plan (an owned constant).
  Constant,
  /// Shares the bytes of another slot under another shape.
  Alias,
};

/// A numbered tensor of the plan.
struct Slot {
  ElemType type = ElemType::F32;
  Shape shape;
  SlotKind kind = SlotKind::Buffer;
  /// For aliases: the slot whose bytes are shared.
  int aliasOf = -1;
  /// For constants: the plan owns (a copy of) the bytes, so kernels may
  /// update them in place.
  bool owned = false;
  void *data = nullptr;

  int64_t numel() const { return rt::numElements(shape); }
  size_t sizeInBytes() const { return numel() * elemSize(type); }
};

/// A flat list of kernels over numbered tensor slots.
class Plan {
public:
  Plan();
  ~Plan();
  Plan(const Plan &) = delete;
  Plan &operator=(const Plan &) = delete;

  /// A tensor allocated (zeroed) by finalize().
  int addBuffer(ElemType type, Shape shape);
  /// A constant whose bytes live elsewhere and outlive the plan.
  int addExternalConstant(ElemType type, Shape shape, const void *data);
  /// A constant whose bytes are copied into the plan.
  int addOwnedConstant(ElemType type, Shape shape, const void *data);
  /// A slot sharing the bytes of \p source (same element count).
  int addAlias(int source, Shape shape);
  /// Gives constant slot \p id (or the slot it aliases) plan-owned storage
  /// holding a copy of its bytes, so that a kernel may update it in place
  /// (training-mode batch norm statistics). Returns the storage slot.
  int makeConstantMutable(int id);
  /// Appends a kernel; kernels run in insertion order.
  Kernel *addKernel(std::unique_ptr<Kernel> kernel);

  /// Declares the graph inputs (each must be a Buffer) and outputs.
  void setInputs(std::vector<int> slots, std::vector<std::string> names);
  void setOutputs(std::vector<int> slots);

  /// Allocates buffers and prepares every kernel. Fails with the first
  /// kernel's error, prefixed by its label.
  Status finalize();
  /// Runs all kernels once on the current input buffers.
  Status run();

  int numSlots() const { return static_cast<int>(slots_.size()); }
  const Slot &slot(int id) const { return slots_[id]; }
  void *data(int id) { return slots_[id].data; }
  template <typename T> T *data(int id) { return static_cast<T *>(data(id)); }
  /// A float32 view of slot \p id.
  rt::TensorView view(int id) const {
    return rt::TensorView(static_cast<const float *>(slots_[id].data),
                          slots_[id].shape);
  }

  const std::vector<int> &inputs() const { return inputs_; }
  const std::vector<std::string> &inputNames() const { return inputNames_; }
  const std::vector<int> &outputs() const { return outputs_; }
  size_t numKernels() const { return kernels_.size(); }
  /// The \p i-th kernel (for profiling).
  Kernel &kernel(size_t i) { return *kernels_[i]; }
  bool isFinalized() const { return finalized_; }

private:
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<Kernel>> kernels_;
  std::vector<int> inputs_;
  std::vector<std::string> inputNames_;
  std::vector<int> outputs_;
  /// Aligned storage of buffers and owned constants.
  std::vector<std::unique_ptr<void, void (*)(void *)>> storage_;
  bool finalized_ = false;
};

/// Fails, naming \p what, unless slot \p id is float32 (a negative id,
/// an absent optional operand, passes).
Status checkSlotF32(const Plan &plan, int id, const char *what);

/// Limits the threads used by oneDNN and the executor's own loops (0 keeps
/// the default: all cores).
void setNumThreads(int threads);

} // namespace qfx::exec

#endif // QFX_EXECUTOR_PLAN_H
