//===- DataKernels.cpp - Copies, cat, size and embeddings -----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace qfx;
using namespace qfx::exec;

namespace {

/// Copies a strided view into a contiguous buffer, element size agnostic.
class StridedCopyKernel : public Kernel {
public:
  StridedCopyKernel(int input, int output, std::vector<int64_t> strides,
                    int64_t offset)
      : input_(input), output_(output), strides_(std::move(strides)),
        offset_(offset) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != out.type)
      return Status::error("copy between different element types");
    shape_ = out.shape;
    if (strides_.size() != shape_.size() || shape_.size() > 8)
      return Status::error("strided copy: stride/shape rank mismatch");
    esize_ = elemSize(in.type);
    src_ = static_cast<const char *>(in.data);
    dst_ = static_cast<char *>(out.data);
    n_ = out.numel();
    // Bounds check of the view.
    int64_t lo = offset_, hi = offset_;
    for (size_t i = 0; i < shape_.size(); ++i) {
      if (shape_[i] == 0)
        return Status::success();
      int64_t span = (shape_[i] - 1) * strides_[i];
      (span < 0 ? lo : hi) += span;
    }
    if (lo < 0 || hi >= in.numel())
      return Status::error("strided view out of bounds");
    return Status::success();
  }

  Status run() override {
    const int64_t rank = static_cast<int64_t>(shape_.size());
    if (n_ == 0)
      return Status::success();
    const int64_t inner = rank ? shape_[rank - 1] : 1;
    const int64_t is = rank ? strides_[rank - 1] : 1;
    int64_t idx[8] = {0};
    int64_t off = offset_;
    char *dst = dst_;
    for (int64_t row = 0; row * inner < n_; ++row) {
      if (is == 1) {
        std::memcpy(dst, src_ + off * esize_, inner * esize_);
        dst += inner * esize_;
      } else if (esize_ == 4) {
        const float *s = reinterpret_cast<const float *>(src_) + off;
        float *d = reinterpret_cast<float *>(dst);
        for (int64_t i = 0; i < inner; ++i)
          d[i] = s[i * is];
        dst += inner * 4;
      } else {
        for (int64_t i = 0; i < inner; ++i, dst += esize_)
          std::memcpy(dst, src_ + (off + i * is) * esize_, esize_);
      }
      for (int64_t d = rank - 2; d >= 0; --d) {
        off += strides_[d];
        if (++idx[d] < shape_[d])
          break;
        off -= strides_[d] * shape_[d];
        idx[d] = 0;
      }
    }
    return Status::success();
  }

private:
  int input_, output_;
  std::vector<int64_t> strides_;
  int64_t offset_;
  Shape shape_;
  size_t esize_ = 4;
  const char *src_ = nullptr;
  char *dst_ = nullptr;
  int64_t n_ = 0;
};

/// Permute = strided copy with permuted input strides (resolved at prepare).
class PermuteKernel : public Kernel {
public:
  PermuteKernel(int input, int output, std::vector<int64_t> dims)
      : input_(input), output_(output), dims_(std::move(dims)) {}
  Status prepare(Plan &plan) override {
    const Shape &in = plan.slot(input_).shape;
    int64_t rank = static_cast<int64_t>(in.size());
    if (static_cast<int64_t>(dims_.size()) != rank)
      return Status::error("permute: dims do not match the rank");
    Shape st = rt::contiguousStrides(in), strides, shape;
    std::vector<bool> seen(rank, false);
    for (int64_t d : dims_) {
      int64_t dd = d < 0 ? d + rank : d;
      if (dd < 0 || dd >= rank || seen[dd])
        return Status::error("permute: invalid dims");
      seen[dd] = true;
      strides.push_back(st[dd]);
      shape.push_back(in[dd]);
    }
    if (shape != plan.slot(output_).shape)
      return Status::error("permute: result shape mismatch");
    copy_ = std::make_unique<StridedCopyKernel>(input_, output_, strides, 0);
    return copy_->prepare(plan);
  }
  Status run() override { return copy_->run(); }

private:
  int input_, output_;
  std::vector<int64_t> dims_;
  std::unique_ptr<StridedCopyKernel> copy_;
};

/// Constant padding: each output row (all dims but the last) reads one
/// input row, or is all `value` when it lies in the padding.
class PadKernel : public Kernel {
public:
  PadKernel(int input, int output, std::vector<int64_t> begin, float value)
      : input_(input), output_(output), begin_(std::move(begin)),
        value_(value) {}

  Status prepare(Plan &plan) override {
    const Slot &in = plan.slot(input_), &out = plan.slot(output_);
    if (in.type != ElemType::F32 || out.type != ElemType::F32)
      return Status::error("pad: f32 tensors expected");
    inShape_ = in.shape;
    outShape_ = out.shape;
    if (inShape_.size() != outShape_.size() ||
        begin_.size() != inShape_.size() || inShape_.empty())
      return Status::error("pad: rank mismatch");
    x_ = static_cast<const float *>(in.data);
    y_ = static_cast<float *>(out.data);
    return Status::success();
  }

  Status run() override {
    const size_t rank = outShape_.size();
    const int64_t outInner = outShape_[rank - 1], inInner = inShape_[rank - 1];
    const int64_t rows = outInner ? rt::numElements(outShape_) / outInner : 0;
    // The output columns [lo, hi) that read input columns [lo - b, hi - b).
    const int64_t b = begin_[rank - 1];
    const int64_t lo = std::clamp<int64_t>(b, 0, outInner);
    const int64_t hi = std::clamp<int64_t>(b + inInner, lo, outInner);
    std::vector<int64_t> idx(rank, 0);
    float *y = y_;
    for (int64_t row = 0; row < rows; ++row, y += outInner) {
      int64_t inRow = 0;
      bool inside = true;
      for (size_t d = 0; d + 1 < rank; ++d) {
        int64_t i = idx[d] - begin_[d];
        inside &= i >= 0 && i < inShape_[d];
        inRow = inRow * inShape_[d] + i;
      }
      if (!inside || hi <= lo) {
        std::fill(y, y + outInner, value_);
      } else {
        const float *x = x_ + inRow * inInner + (lo - b);
        std::fill(y, y + lo, value_);
        std::copy(x, x + (hi - lo), y + lo);
        std::fill(y + hi, y + outInner, value_);
      }
      for (int64_t d = static_cast<int64_t>(rank) - 2; d >= 0; --d) {
        if (++idx[d] < outShape_[d])
          break;
        idx[d] = 0;
      }
    }
    return Status::success();
  }

private:
  int input_, output_;
  std::vector<int64_t> begin_;
  float value_;
  Shape inShape_, outShape_;
  const float *x_ = nullptr;
  float *y_ = nullptr;
};

class CatKernel : public Kernel {
public:
  CatKernel(std::vector<int> inputs, int output, int64_t dim)
      : inputs_(std::move(inputs)), output_(output), dim_(dim) {}
  Status prepare(Plan &plan) override {
    const Slot &out = plan.slot(output_);
    int64_t rank = static_cast<int64_t>(out.shape.size());
    int64_t d = dim_ < 0 ? dim_ + rank : dim_;
    if (d < 0 || d >= rank)
      return Status::error("cat: dim out of range");
    size_t es = elemSize(out.type);
    outer_ = 1;
    for (int64_t i = 0; i < d; ++i)
      outer_ *= out.shape[i];
    int64_t total = 0;
    for (int id : inputs_) {
      const Slot &in = plan.slot(id);
      if (in.type != out.type)
        return Status::error("cat: element types differ");
      // torch.cat skips legacy empty 1-d tensors.
      if (in.shape.size() == 1 && in.shape[0] == 0 && rank != 1)
        continue;
      if (static_cast<int64_t>(in.shape.size()) != rank)
        return Status::error("cat: ranks differ");
      int64_t chunk = es;
      for (int64_t i = d; i < rank; ++i)
        chunk *= in.shape[i];
      parts_.push_back({static_cast<const char *>(in.data), chunk});
      total += chunk;
    }
    rowBytes_ = total;
    dst_ = static_cast<char *>(out.data);
    if (static_cast<size_t>(outer_ * rowBytes_) != out.sizeInBytes())
      return Status::error("cat: input shapes do not add up to " +
                           shapeToString(out.shape));
    return Status::success();
  }
  Status run() override {
    for (int64_t o = 0; o < outer_; ++o) {
      char *dst = dst_ + o * rowBytes_;
      for (const Part &p : parts_) {
        std::memcpy(dst, p.src + o * p.bytes, p.bytes);
        dst += p.bytes;
      }
    }
    return Status::success();
  }

private:
  struct Part {
    const char *src;
    int64_t bytes;
  };
  std::vector<int> inputs_;
  int output_;
  int64_t dim_;
  std::vector<Part> parts_;
  int64_t outer_ = 1, rowBytes_ = 0;
  char *dst_ = nullptr;
};

class SizeKernel : public Kernel {
public:
  SizeKernel(int input, int output, std::optional<int64_t> dim)
      : input_(input), output_(output), dim_(dim) {}
  Status prepare(Plan &plan) override {
    const Shape &in = plan.slot(input_).shape;
    const Slot &out = plan.slot(output_);
    if (out.type != ElemType::I64)
      return Status::error("size: result must be int64");
    int64_t *y = static_cast<int64_t *>(out.data);
    if (dim_) {
      int64_t rank = static_cast<int64_t>(in.size());
      int64_t d = *dim_ < 0 ? *dim_ + rank : *dim_;
      if (d < 0 || d >= rank || out.numel() != 1)
        return Status::error("size: dim out of range");
      values_ = {in[d]};
    } else {
      if (out.numel() != static_cast<int64_t>(in.size()))
        return Status::error("size: result has the wrong length");
      values_ = in;
    }
    y_ = y;
    return run();
  }
  Status run() override {
    std::copy(values_.begin(), values_.end(), y_);
    return Status::success();
  }

private:
  int input_, output_;
  std::optional<int64_t> dim_;
  std::vector<int64_t> values_;
  int64_t *y_ = nullptr;
};

/// Reads index \p i of an int32 or int64 slot.
struct IndexReader {
  const void *data = nullptr;
  bool is64 = true;
  int64_t operator[](int64_t i) const {
    return is64 ? static_cast<const int64_t *>(data)[i]
                : static_cast<const int32_t *>(data)[i];
  }
};

Status makeIndexReader(const Slot &s, IndexReader &r, const char *what) {
  if (s.type != ElemType::I64 && s.type != ElemType::I32)
    return Status::error(std::string(what) + " must be int64 or int32, got " +
                         elemTypeName(s.type));
  r.data = s.data;
  r.is64 = s.type == ElemType::I64;
  return Status::success();
}

Status badIndex(int64_t idx, int64_t rows) {
  return Status::error("index " + std::to_string(idx) +
                       " is out of range for an embedding of " +
                       std::to_string(rows) + " rows");
}

class EmbeddingKernel : public Kernel {
public:
  EmbeddingKernel(int weight, int indices, int output)
      : weight_(weight), indices_(indices), output_(output) {}
  Status prepare(Plan &plan) override {
    const Slot &w = plan.slot(weight_), &out = plan.slot(output_);
    if (Status s =
            makeIndexReader(plan.slot(indices_), idx_, "embedding indices");
        s.failed())
      return s;
    if (w.shape.size() != 2 || w.type != ElemType::F32)
      return Status::error("embedding weight must be a 2-d float32 tensor");
    rows_ = w.shape[0];
    dim_ = w.shape[1];
    n_ = plan.slot(indices_).numel();
    if (out.numel() != n_ * dim_)
      return Status::error("embedding: output has the wrong size");
    w_ = static_cast<const float *>(w.data);
    y_ = static_cast<float *>(out.data);
    return Status::success();
  }
  Status run() override {
    for (int64_t i = 0; i < n_; ++i) {
      int64_t r = idx_[i];
      if (r < 0 || r >= rows_)
        return badIndex(r, rows_);
      std::memcpy(y_ + i * dim_, w_ + r * dim_, dim_ * sizeof(float));
    }
    return Status::success();
  }

private:
  int weight_, indices_, output_;
  IndexReader idx_;
  int64_t rows_ = 0, dim_ = 0, n_ = 0;
  const float *w_ = nullptr;
  float *y_ = nullptr;
};

class EmbeddingBagKernel : public Kernel {
public:
  explicit EmbeddingBagKernel(EmbeddingBagParams p) : p_(p) {}
  Status prepare(Plan &plan) override {
    const Slot &w = plan.slot(p_.weight), &ind = plan.slot(p_.indices),
               &out = plan.slot(p_.output);
    if (Status s = makeIndexReader(ind, idx_, "embedding_bag indices");
        s.failed())
      return s;
    if (w.shape.size() != 2 || w.type != ElemType::F32)
      return Status::error("embedding_bag weight must be a 2-d float32 tensor");
    rows_ = w.shape[0];
    dim_ = w.shape[1];
    numIdx_ = ind.numel();
    if (p_.offsets >= 0) {
      if (ind.shape.size() != 1)
        return Status::error("embedding_bag: indices with offsets must be 1-d");
      if (Status s = makeIndexReader(plan.slot(p_.offsets), off_,
                                     "embedding_bag offsets");
          s.failed())
        return s;
      numOffsets_ = plan.slot(p_.offsets).numel();
      bags_ = p_.includeLastOffset ? numOffsets_ - 1 : numOffsets_;
      fixedLen_ = 0;
    } else {
      if (ind.shape.size() != 2)
        return Status::error(
            "embedding_bag: indices without offsets must be 2-d");
      bags_ = ind.shape[0];
      fixedLen_ = ind.shape[1];
    }
    if (p_.perSampleWeights >= 0) {
      if (p_.mode != BagMode::Sum)
        return Status::error(
            "embedding_bag: per_sample_weights needs mode 'sum'");
      psw_ = plan.data<float>(p_.perSampleWeights);
    }
    if (out.numel() != bags_ * dim_)
      return Status::error("embedding_bag: output has the wrong size");
    w_ = static_cast<const float *>(w.data);
    y_ = static_cast<float *>(out.data);
    return Status::success();
  }
  Status run() override {
    for (int64_t b = 0; b < bags_; ++b) {
      int64_t begin, end;
      if (fixedLen_ || p_.offsets < 0) {
        begin = b * fixedLen_;
        end = begin + fixedLen_;
      } else {
        begin = off_[b];
        end = b + 1 < numOffsets_ ? off_[b + 1] : numIdx_;
        if (begin < 0 || end > numIdx_ || begin > end)
          return Status::error("embedding_bag: offsets are not increasing "
                               "within [0, " +
                               std::to_string(numIdx_) + "]");
      }
      float *y = y_ + b * dim_;
      std::fill(y, y + dim_,
                p_.mode == BagMode::Max
                    ? -std::numeric_limits<float>::infinity()
                    : 0.0f);
      int64_t count = 0;
      for (int64_t i = begin; i < end; ++i) {
        int64_t r = idx_[i];
        if (r < 0 || r >= rows_)
          return badIndex(r, rows_);
        if (p_.paddingIdx && r == *p_.paddingIdx)
          continue;
        ++count;
        const float *row = w_ + r * dim_;
        const float s = psw_ ? psw_[i] : 1.0f;
        if (p_.mode == BagMode::Max)
          for (int64_t j = 0; j < dim_; ++j)
            y[j] = std::max(y[j], row[j]);
        else if (psw_)
          // ATen scales each row with BLAS axpy, whose AVX2 kernels fuse the
          // multiply-add: one rounding per element, not two.
          for (int64_t j = 0; j < dim_; ++j)
            y[j] = std::fma(row[j], s, y[j]);
        else
          for (int64_t j = 0; j < dim_; ++j)
            y[j] += row[j];
      }
      // ATen quirk: with include_last_offset, the mean of the last bag
      // divides by the number of indices from its offset to the end of
      // `indices`, although only [offset, last offset) is summed.
      if (p_.mode == BagMode::Mean && p_.includeLastOffset && p_.offsets >= 0 &&
          b == bags_ - 1 && count > 0)
        count += numIdx_ - end;
      if (count == 0)
        std::fill(y, y + dim_, 0.0f);
      else if (p_.mode == BagMode::Mean)
        for (int64_t j = 0; j < dim_; ++j)
          y[j] /= static_cast<float>(count);
    }
    return Status::success();
  }

private:
  EmbeddingBagParams p_;
  IndexReader idx_, off_;
  int64_t rows_ = 0, dim_ = 0, numIdx_ = 0, numOffsets_ = 0, bags_ = 0,
          fixedLen_ = 0;
  const float *w_ = nullptr, *psw_ = nullptr;
  float *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel> qfx::exec::createStridedCopyKernel(
    int input, int output, std::vector<int64_t> strides, int64_t offset) {
  return std::make_unique<StridedCopyKernel>(input, output, std::move(strides),
                                             offset);
}
std::unique_ptr<Kernel>
qfx::exec::createPermuteKernel(int input, int output,
                               std::vector<int64_t> dims) {
  return std::make_unique<PermuteKernel>(input, output, std::move(dims));
}
std::unique_ptr<Kernel> qfx::exec::createCatKernel(std::vector<int> inputs,
                                                   int output, int64_t dim) {
  return std::make_unique<CatKernel>(std::move(inputs), output, dim);
}
std::unique_ptr<Kernel> qfx::exec::createPadKernel(int input, int output,
                                                   std::vector<int64_t> begin,
                                                   float value) {
  return std::make_unique<PadKernel>(input, output, std::move(begin), value);
}
std::unique_ptr<Kernel>
qfx::exec::createSizeKernel(int input, int output, std::optional<int64_t> dim) {
  return std::make_unique<SizeKernel>(input, output, dim);
}
std::unique_ptr<Kernel>
qfx::exec::createEmbeddingKernel(int weight, int indices, int output) {
  return std::make_unique<EmbeddingKernel>(weight, indices, output);
}
std::unique_ptr<Kernel>
qfx::exec::createEmbeddingBagKernel(const EmbeddingBagParams &p) {
  return std::make_unique<EmbeddingBagKernel>(p);
}
