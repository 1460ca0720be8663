//===- QuantizedEmbeddingBag.cpp - Plan kernel of qfxk.embedding_bag ------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reads the index and offset slots (int64 or int32) and runs the packed-row
// embedding bag of QFXKernels.
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/QuantizedOps.h"

using namespace qfx;
using namespace qfx::exec;
using namespace qfx::kern;

namespace {

Status readIndices(const Slot &s, std::vector<int64_t> &out, const char *what) {
  out.resize(s.numel());
  if (s.type == ElemType::I64) {
    const auto *p = static_cast<const int64_t *>(s.data);
    std::copy(p, p + out.size(), out.begin());
  } else if (s.type == ElemType::I32) {
    const auto *p = static_cast<const int32_t *>(s.data);
    std::copy(p, p + out.size(), out.begin());
  } else {
    return Status::error(std::string(what) + " must be int64 or int32, got " +
                         elemTypeName(s.type));
  }
  return Status::success();
}

class QEmbeddingBagOp : public Kernel {
public:
  QEmbeddingBagOp(QEmbeddingBagParams p, PackedEmbedding table)
      : p_(std::move(p)), table_(std::move(table)) {}
  Status prepare(Plan &plan) override {
    if (std::string e = table_.validate(); !e.empty())
      return Status::error(e);
    plan_ = &plan;
    const Slot &ind = plan.slot(p_.indices), &out = plan.slot(p_.output);
    if (p_.offsets >= 0 ? ind.shape.size() != 1 : ind.shape.size() != 2)
      return Status::error("embedding_bag: indices must be 1-d with offsets, "
                           "2-d without");
    args_.mode = p_.mode;
    args_.includeLastOffset = p_.includeLastOffset;
    args_.paddingIdx = p_.paddingIdx;
    args_.numIndices = ind.numel();
    if (p_.offsets >= 0)
      args_.numOffsets = plan.slot(p_.offsets).numel();
    else
      args_.bagSize = ind.shape[1];
    if (p_.perSampleWeights >= 0) {
      const Slot &w = plan.slot(p_.perSampleWeights);
      if (p_.mode != EmbeddingBagMode::Sum || w.type != ElemType::F32 ||
          w.numel() != args_.numIndices)
        return Status::error("embedding_bag: per_sample_weights must be "
                             "float32, one per index, with mode 'sum'");
      args_.perSampleWeights = plan.data<float>(p_.perSampleWeights);
    }
    if (out.type != ElemType::F32 || out.numel() != args_.bags() * table_.dim)
      return Status::error("embedding_bag: output has the wrong size");
    y_ = plan.data<float>(p_.output);
    return Status::success();
  }
  Status run() override {
    if (Status s =
            readIndices(plan_->slot(p_.indices), idx_, "embedding_bag indices");
        s.failed())
      return s;
    args_.indices = idx_.data();
    if (p_.offsets >= 0) {
      if (Status s = readIndices(plan_->slot(p_.offsets), off_,
                                 "embedding_bag offsets");
          s.failed())
        return s;
      args_.offsets = off_.data();
    }
    if (std::string e = embeddingBag(table_, args_, y_, /*avx2=*/true);
        !e.empty())
      return Status::error(e);
    return Status::success();
  }
  std::string implName() const override {
    std::string b = table_.bits == 8 ? "u8" : "u4";
    return embeddingBagHasAvx2() ? "qfx:embedding-bag-" + b + "-avx2"
                                 : "qfx:embedding-bag-" + b + "-scalar";
  }

private:
  QEmbeddingBagParams p_;
  PackedEmbedding table_;
  EmbeddingBagArgs args_;
  const Plan *plan_ = nullptr;
  std::vector<int64_t> idx_, off_;
  float *y_ = nullptr;
};

} // namespace

std::unique_ptr<Kernel>
exec::createQEmbeddingBagKernel(QEmbeddingBagParams params,
                                kern::PackedEmbedding table) {
  return std::make_unique<QEmbeddingBagOp>(std::move(params), std::move(table));
}
