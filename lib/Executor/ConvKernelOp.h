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
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_EXECUTOR_CONVKERNELOP_H
#define QFX_LIB_EXECUTOR_CONVKERNELOP_H

#include "qfx/Executor/Plan.h"
#include "qfx/Kernels/QuantizedKernels.h"

#include <memory>
#include <string>

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
    return Status::success();
  }
  Status run() final {
    kernel_->run(x_, y_);
    return Status::success();
  }
  std::string implName() const final {
    return kernel_ ? kernel_->libraryInfo() : std::string();
  }

protected:
  ConvKernelOp(int in, int out) : in_(in), out_(out) {}
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
};

} // namespace qfx::exec

#endif // QFX_LIB_EXECUTOR_CONVKERNELOP_H
