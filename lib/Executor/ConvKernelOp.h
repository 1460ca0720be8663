//===- ConvKernelOp.h - plan kernel around a kern::ConvKernel ---*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The 2-d and transposed convolutions run a kern::ConvKernel between two
// NHWC uint8 slots. What differs is only how the slots are checked and how
// the kernel is built; the binding, the run and the profile name are here.
// Slots may hold int8 instead (uint8 xor 0x80, between kernels that take it:
// XNNPACK's); a kernel that does not gets them shifted here.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_EXECUTOR_CONVKERNELOP_H
#define QFX_LIB_EXECUTOR_CONVKERNELOP_H

#include "qfx/Executor/Plan.h"
#include "qfx/Kernels/QuantizedKernels.h"

#include <memory>
#include <string>
#include <vector>

namespace qfx::exec {

class ConvKernelOp : public Kernel {
public:
  Status prepare(Plan &plan) final {
    if (Status s = checkSlots(plan); s.failed())
      return s;
    std::string err;
    kernel_ = createKernel(err);
    if (!kernel_)
      return Status::error("cannot create the " + std::string(what()) + ": " +
                           err);
    x_ = plan.data<uint8_t>(in_);
    y_ = plan.data<uint8_t>(out_);
    if (!kernel_->setInt8Io(int8In_, int8Out_)) {
      if (int8In_)
        inU8_.resize(plan.slot(in_).numel());
      if (int8Out_)
        outU8_.resize(plan.slot(out_).numel());
    }
    return Status::success();
  }
  Status run() final {
    const uint8_t *x = x_;
    if (!inU8_.empty()) {
      kern::flipSign(x_, inU8_.data(), inU8_.size());
      x = inU8_.data();
    }
    kernel_->run(x, outU8_.empty() ? y_ : outU8_.data());
    if (!outU8_.empty())
      kern::flipSign(outU8_.data(), y_, outU8_.size());
    return Status::success();
  }
  std::string implName() const final {
    if (!kernel_)
      return std::string();
    const char *int8 = int8In_ && int8Out_ ? " (int8 in, out)"
                       : int8In_           ? " (int8 in)"
                       : int8Out_          ? " (int8 out)"
                                           : "";
    return kernel_->libraryInfo() + int8;
  }

protected:
  ConvKernelOp(int in, int out, bool int8In = false, bool int8Out = false)
      : in_(in), out_(out), int8In_(int8In), int8Out_(int8Out) {}
  /// The slots' element types and sizes against the kernel's description.
  virtual Status checkSlots(const Plan &plan) const = 0;
  /// Builds the kernel (called once, after checkSlots); null with `err` set
  /// on failure.
  virtual std::unique_ptr<kern::ConvKernel> createKernel(std::string &err) = 0;
  /// "convolution", "transposed convolution": for error messages.
  virtual const char *what() const = 0;

  int in_, out_;

private:
  std::unique_ptr<kern::ConvKernel> kernel_;
  const uint8_t *x_ = nullptr;
  uint8_t *y_ = nullptr;
  bool int8In_, int8Out_;
  /// uint8 copies of int8 slots for a kernel that takes uint8 only.
  std::vector<uint8_t> inU8_, outU8_;
};

} // namespace qfx::exec

#endif // QFX_LIB_EXECUTOR_CONVKERNELOP_H
