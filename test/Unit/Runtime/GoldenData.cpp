//===- GoldenData.cpp - Golden observer data for the runtime tests --------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "GoldenData.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace qfx::test;

static uint32_t hashU32(uint32_t seed, uint32_t i) {
  uint32_t x = seed * 0x9E3779B9u + i;
  x ^= x >> 16;
  x *= 0x7FEB352Du;
  x ^= x >> 15;
  x *= 0x846CA68Bu;
  x ^= x >> 16;
  return x;
}

/// Uniform j of k per element i, in [0, 1).
static float uniform(uint32_t seed, int64_t i, int k, int j) {
  uint32_t h = hashU32(seed, static_cast<uint32_t>(i * k + j));
  return static_cast<float>(h >> 8) * (1.0f / 16777216.0f);
}

std::vector<float> qfx::test::generateBatch(const GoldenBatch &b) {
  int64_t n = 1;
  for (int64_t d : b.shape)
    n *= d;
  std::vector<float> x(n);
  const float *p = b.params;
  for (int64_t i = 0; i < n; ++i) {
    float v = 0.0f;
    if (b.gen == "uniform") {
      float range = p[1] - p[0];
      v = p[0] + range * uniform(b.seed, i, 1, 0);
    } else if (b.gen == "normal" || b.gen == "relu" || b.gen == "outlier") {
      float s = uniform(b.seed, i, 4, 0) + uniform(b.seed, i, 4, 1);
      s = s + uniform(b.seed, i, 4, 2);
      s = s + uniform(b.seed, i, 4, 3);
      s = s - 2.0f;
      float t = s * p[1];
      v = t + p[0];
      if (b.gen == "relu")
        v = std::max(v, 0.0f);
    } else if (b.gen == "heavy") {
      float num = uniform(b.seed, i, 2, 0) - 0.5f;
      float den = uniform(b.seed, i, 2, 1) + (1.0f / 1024.0f);
      float t = num / den;
      v = std::min(std::max(t * p[0], -p[1]), p[1]);
    } else if (b.gen == "const") {
      v = p[0];
    } else if (b.gen == "grid") {
      float t = static_cast<float>(i) * p[1];
      v = p[0] + t;
    }
    x[i] = v;
  }
  if (b.gen == "outlier" && n > 0)
    x[n / 2] = p[2];
  return x;
}

std::string qfx::test::fnv64(const void *words, size_t count) {
  uint64_t h = 0xCBF29CE484222325ull;
  const auto *w = static_cast<const uint32_t *>(words);
  for (size_t i = 0; i < count; ++i) {
    h ^= w[i];
    h *= 0x100000001B3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(h));
  return buf;
}

float qfx::test::hexToFloat(const std::string &hex) {
  uint32_t bits = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

int64_t qfx::test::ulpDistance(float a, float b) {
  auto ordered = [](float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof(i));
    return i < 0 ? int64_t(INT32_MIN) - i : int64_t(i);
  };
  int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

bool qfx::test::readGoldenFile(const std::string &path,
                               std::vector<GoldenCase> &cases,
                               std::string &error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open golden file " + path;
    return false;
  }
  std::string line;
  GoldenCase current;
  bool open = false;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream words(line);
    std::string key;
    words >> key;
    std::vector<std::string> rest;
    for (std::string w; words >> w;)
      rest.push_back(w);
    if (key == "case" || key == "qcase") {
      current = GoldenCase();
      current.isQuantize = key == "qcase";
      current.name = rest.empty() ? "" : rest[0];
      open = true;
    } else if (!open) {
      error = "line " + std::to_string(lineNo) + ": data outside a case";
      return false;
    } else if (key == "end") {
      cases.push_back(std::move(current));
      open = false;
    } else if (key == "batch") {
      if (rest.size() != 7) {
        error = "line " + std::to_string(lineNo) + ": malformed batch";
        return false;
      }
      GoldenBatch b;
      b.gen = rest[0];
      b.seed = static_cast<uint32_t>(std::stoul(rest[1]));
      if (rest[2] != "-") {
        std::istringstream dims(rest[2]);
        for (std::string d; std::getline(dims, d, ',');)
          b.shape.push_back(std::stoll(d));
      }
      for (int i = 0; i < 3; ++i)
        b.params[i] = hexToFloat(rest[3 + i]);
      b.hash = rest[6];
      current.batches.push_back(b);
    } else {
      current.fields[key] = rest;
    }
  }
  if (open) {
    error = "unterminated case " + current.name;
    return false;
  }
  return true;
}
