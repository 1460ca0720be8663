//===- TensorView.h - Minimal tensors for the qfx runtime -------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A non-owning view of a contiguous row-major float32 tensor (what observers
// consume) and an owning, 64-byte aligned tensor of a few element types (what
// the quantization kernels and the future executor produce).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_TENSORVIEW_H
#define QFX_RUNTIME_TENSORVIEW_H

#include "qfx/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace qfx::rt {

/// Shape of a tensor, outermost dimension first.
using Shape = std::vector<int64_t>;

/// Number of elements of \p shape (1 for a scalar shape).
int64_t numElements(const Shape &shape);
/// Element strides of a contiguous row-major tensor of \p shape.
Shape contiguousStrides(const Shape &shape);

/// Non-owning view of a contiguous row-major float32 tensor.
struct TensorView {
  TensorView() = default;
  TensorView(const float *data, Shape shape)
      : data(data), shape(std::move(shape)) {}

  /// Number of elements.
  int64_t numel() const { return numElements(shape); }
  /// Number of dimensions.
  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  /// Element strides (row-major, contiguous).
  Shape strides() const { return contiguousStrides(shape); }

  const float *data = nullptr;
  Shape shape;
};

/// Element type of an owning Tensor.
enum class DType : uint8_t { Float32, Int8, UInt8, Int32, Int64 };

/// Size in bytes of one element of \p dtype.
size_t elementSize(DType dtype);
/// Lower-case name of \p dtype ("float32", "int8", ...).
const char *dtypeName(DType dtype);

/// An owning contiguous row-major tensor with 64-byte aligned storage.
class Tensor {
public:
  /// Storage alignment in bytes.
  static constexpr size_t kAlignment = 64;

  Tensor() = default;
  /// Allocates a zero-initialised tensor.
  static Expected<Tensor> zeros(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  int64_t numel() const { return numElements(shape_); }
  size_t sizeInBytes() const { return numel() * elementSize(dtype_); }

  void *rawData() { return storage_.get(); }
  const void *rawData() const { return storage_.get(); }
  /// Typed access; the caller must match T to dtype().
  template <typename T> T *data() { return static_cast<T *>(rawData()); }
  template <typename T> const T *data() const {
    return static_cast<const T *>(rawData());
  }
  /// A float view; only valid for Float32 tensors.
  TensorView view() const { return TensorView(data<float>(), shape_); }

private:
  struct FreeDeleter {
    void operator()(void *p) const;
  };
  DType dtype_ = DType::Float32;
  Shape shape_;
  std::unique_ptr<void, FreeDeleter> storage_;
};

} // namespace qfx::rt

#endif // QFX_RUNTIME_TENSORVIEW_H
