//===- GoldenData.h - Golden observer data for the runtime tests -*- C++
//-*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reader for the golden file written by gen_observer_golden.py, and the
// deterministic input generator it shares with that script.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_TEST_UNIT_RUNTIME_GOLDENDATA_H
#define QFX_TEST_UNIT_RUNTIME_GOLDENDATA_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qfx::test {

/// One generated input batch ("batch" line).
struct GoldenBatch {
  std::string gen;
  uint32_t seed = 0;
  std::vector<int64_t> shape;
  float params[3] = {0, 0, 0};
  std::string hash;
};

/// One "case" (observer) or "qcase" (quantize kernels) block: its batches and
/// every other line as key -> remaining words.
struct GoldenCase {
  bool isQuantize = false;
  std::string name;
  std::vector<GoldenBatch> batches;
  std::map<std::string, std::vector<std::string>> fields;
};

/// Parses a golden file; returns false and sets \p error on failure.
bool readGoldenFile(const std::string &path, std::vector<GoldenCase> &cases,
                    std::string &error);

/// Regenerates the values of \p batch (same float32 operations as Python).
std::vector<float> generateBatch(const GoldenBatch &batch);

/// FNV-1a over 32-bit words, as hex (the script's fnv64).
std::string fnv64(const void *words, size_t count);

/// Parses an 8-digit hex float32 bit pattern.
float hexToFloat(const std::string &hex);

/// Distance in units in the last place between two finite floats.
int64_t ulpDistance(float a, float b);

} // namespace qfx::test

#endif // QFX_TEST_UNIT_RUNTIME_GOLDENDATA_H
