//===- EmbeddingBagKernelTest.cpp - packed-row embedding bags -------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Kernels/EmbeddingBagKernel.h"
#include "qfx/Kernels/QuantizedKernels.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace qfx::kern;

namespace {

/// Dequantize the whole table first, then bag in float: the reference
/// model's order of operations, written independently of the kernel.
std::vector<float> floatBag(const std::vector<float> &table, int64_t dim,
                            const EmbeddingBagArgs &a) {
  std::vector<float> out(a.bags() * dim, 0.0f);
  for (int64_t b = 0; b < a.bags(); ++b) {
    int64_t begin = a.bagSize ? b * a.bagSize : a.offsets[b];
    int64_t end =
        a.bagSize ? begin + a.bagSize
                  : (b + 1 < a.numOffsets ? a.offsets[b + 1] : a.numIndices);
    float *y = &out[b * dim];
    if (a.mode == EmbeddingBagMode::Max)
      std::fill(y, y + dim, -std::numeric_limits<float>::infinity());
    int64_t n = 0;
    for (int64_t i = begin; i < end; ++i) {
      if (a.paddingIdx && a.indices[i] == *a.paddingIdx)
        continue;
      ++n;
      for (int64_t j = 0; j < dim; ++j) {
        float v = table[a.indices[i] * dim + j];
        if (a.mode == EmbeddingBagMode::Max)
          y[j] = std::max(y[j], v);
        else if (a.perSampleWeights) // ATen: BLAS axpy, fused
          y[j] = std::fma(a.perSampleWeights[i], v, y[j]);
        else
          y[j] += v;
      }
    }
    if (a.mode == EmbeddingBagMode::Mean && a.includeLastOffset && a.offsets &&
        b == a.bags() - 1 && n > 0)
      n += a.numIndices - end;
    for (int64_t j = 0; j < dim; ++j)
      y[j] = n == 0
                 ? 0.0f
                 : (a.mode == EmbeddingBagMode::Mean ? y[j] / float(n) : y[j]);
  }
  return out;
}

bool sameBits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

} // namespace

TEST_CASE("packed embedding bags: AVX2, scalar and dequantize-first agree",
          "[embedding-bag]") {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> sd(0.001f, 0.1f), zd(0.0f, 200.0f),
      pw(-1.0f, 2.0f);
  for (int bits : {8, 4})
    for (int64_t dim : {1, 7, 8, 13, 16, 33})
      for (EmbeddingBagMode mode :
           {EmbeddingBagMode::Sum, EmbeddingBagMode::Mean,
            EmbeddingBagMode::Max})
        for (bool last : {false, true})
          for (bool psw : {false, true}) {
            if (psw && mode != EmbeddingBagMode::Sum)
              continue;
            CAPTURE(bits, dim, int(mode), last, psw);
            const int64_t rows = 20, qmax = bits == 8 ? 255 : 15;
            std::uniform_int_distribution<int> cd(0, int(qmax)),
                id(0, int(rows - 1));
            std::vector<uint8_t> codes(rows * dim);
            for (auto &c : codes)
              c = uint8_t(cd(rng));
            std::vector<float> scales(rows), zps(rows);
            for (int64_t r = 0; r < rows; ++r)
              scales[r] = sd(rng), zps[r] = zd(rng) * float(qmax) / 255.0f;
            PackedEmbedding t =
                PackedEmbedding::pack(rows, dim, bits, codes, scales, zps);
            REQUIRE(t.validate().empty());
            std::vector<float> table(rows * dim);
            for (int64_t r = 0; r < rows; ++r)
              for (int64_t j = 0; j < dim; ++j) {
                REQUIRE(t.at(r, j) == codes[r * dim + j]);
                table[r * dim + j] =
                    (float(codes[r * dim + j]) - zps[r]) * scales[r];
              }
            std::vector<int64_t> idx(23), off = {0, 5, 5, 12, 19};
            for (auto &i : idx)
              i = id(rng);
            std::vector<float> w(idx.size());
            for (auto &v : w)
              v = pw(rng);
            EmbeddingBagArgs a;
            a.indices = idx.data(), a.numIndices = int64_t(idx.size());
            a.offsets = off.data(), a.numOffsets = int64_t(off.size());
            a.mode = mode, a.includeLastOffset = last;
            a.perSampleWeights = psw ? w.data() : nullptr;
            a.paddingIdx = idx[2];
            std::vector<float> expected = floatBag(table, dim, a);
            std::vector<float> scalar(a.bags() * dim), vec(a.bags() * dim);
            REQUIRE(embeddingBag(t, a, scalar.data(), false).empty());
            REQUIRE(embeddingBag(t, a, vec.data(), true).empty());
            CHECK(sameBits(scalar, expected));
            CHECK(sameBits(vec, expected));
            // 2-d indices without offsets: bags of 4.
            a.offsets = nullptr, a.bagSize = 4, a.includeLastOffset = false;
            a.numIndices = 20;
            expected = floatBag(table, dim, a);
            std::vector<float> fixed(a.bags() * dim);
            REQUIRE(embeddingBag(t, a, fixed.data(), true).empty());
            CHECK(sameBits(fixed, expected));
          }
  INFO("AVX2 available: " << embeddingBagHasAvx2());
  CHECK(embeddingBagHasAvx2() == cpuHasAvx2());
}

TEST_CASE("packed embedding bags report bad indices and offsets",
          "[embedding-bag]") {
  PackedEmbedding t =
      PackedEmbedding::pack(3, 2, 8, {1, 2, 3, 4, 5, 6}, {1, 1, 1}, {0, 0, 0});
  std::vector<int64_t> idx = {0, 3}, off = {0, 1};
  EmbeddingBagArgs a;
  a.indices = idx.data(), a.numIndices = 2, a.offsets = off.data(),
  a.numOffsets = 2;
  std::vector<float> y(4);
  CHECK(embeddingBag(t, a, y.data(), true).find("out of range") !=
        std::string::npos);
  idx[1] = 2, off[1] = 3;
  CHECK(embeddingBag(t, a, y.data(), true).find("not increasing") !=
        std::string::npos);
  t.scales.pop_back();
  CHECK(t.validate().find("scale") != std::string::npos);
}
