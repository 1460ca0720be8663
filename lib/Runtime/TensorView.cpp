//===- TensorView.cpp - Minimal tensors for the qfx runtime ---------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Runtime/TensorView.h"

#include <cstdlib>
#include <cstring>

using namespace qfx::rt;

int64_t qfx::rt::numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Shape qfx::rt::contiguousStrides(const Shape &shape) {
  Shape strides(shape.size(), 1);
  for (size_t i = shape.size(); i > 1; --i)
    strides[i - 2] = strides[i - 1] * shape[i - 1];
  return strides;
}

size_t qfx::rt::elementSize(DType dtype) {
  switch (dtype) {
  case DType::Float32:
  case DType::Int32:
    return 4;
  case DType::Int8:
  case DType::UInt8:
    return 1;
  case DType::Int64:
    return 8;
  }
  return 0;
}

const char *qfx::rt::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::Float32:
    return "float32";
  case DType::Int8:
    return "int8";
  case DType::UInt8:
    return "uint8";
  case DType::Int32:
    return "int32";
  case DType::Int64:
    return "int64";
  }
  return "unknown";
}

void Tensor::FreeDeleter::operator()(void *p) const { std::free(p); }

Expected<Tensor> Tensor::zeros(DType dtype, Shape shape) {
  for (int64_t d : shape)
    if (d < 0)
      return Status::error("Tensor::zeros: negative dimension in shape");
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  size_t bytes = t.sizeInBytes();
  // aligned_alloc needs a non-zero multiple of the alignment.
  size_t padded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (padded == 0)
    padded = kAlignment;
  void *p = std::aligned_alloc(kAlignment, padded);
  if (!p)
    return Status::error("Tensor::zeros: out of memory");
  std::memset(p, 0, padded);
  t.storage_.reset(p);
  return t;
}
