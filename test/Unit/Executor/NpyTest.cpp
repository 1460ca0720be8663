//===- NpyTest.cpp - .npy and .npz round trips and errors ------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Executor/Npy.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace qfx::exec;

static std::string tempPath(const char *name) {
  return "/tmp/qfx-npytest-" + std::to_string(::getpid()) + "-" + name;
}

TEST_CASE("npy round trips every dtype and rank", "[npy]") {
  for (ElemType t : {ElemType::F32, ElemType::F64, ElemType::I64, ElemType::I32,
                     ElemType::U8, ElemType::I8, ElemType::Bool}) {
    for (Shape s : {Shape{}, Shape{3}, Shape{2, 3, 4}, Shape{0, 2}}) {
      NpyArray a = NpyArray::zeros(t, s);
      for (size_t i = 0; i < a.bytes.size(); ++i)
        a.bytes[i] = static_cast<char>(t == ElemType::Bool ? (i & 1) : i * 7);
      std::string text = serializeNpy(a);
      CHECK(text.size() % 64 == a.bytes.size() % 64);
      auto b = parseNpy(text.data(), text.size(), "mem");
      INFO(b.message());
      REQUIRE(b.ok());
      CHECK(b->type == t);
      CHECK(b->shape == s);
      CHECK(b->bytes == a.bytes);
    }
  }
}

TEST_CASE("npz round trips named arrays", "[npy]") {
  NpzArrays arrays;
  NpyArray a = NpyArray::zeros(ElemType::F32, {2, 2});
  a.data<float>()[3] = 1.5f;
  arrays.emplace_back("x", a);
  arrays.emplace_back("idx", NpyArray::zeros(ElemType::I64, {5}));
  std::string path = tempPath("rt.npz");
  REQUIRE(writeNpz(path, arrays).ok());
  auto back = readNpz(path);
  INFO(back.message());
  REQUIRE(back.ok());
  REQUIRE(back->size() == 2);
  CHECK((*back)[0].first == "x");
  CHECK((*back)[0].second.data<float>()[3] == 1.5f);
  CHECK((*back)[1].first == "idx");
  CHECK((*back)[1].second.type == ElemType::I64);
  std::remove(path.c_str());
}

TEST_CASE("npy errors name the file", "[npy]") {
  NpyArray a = NpyArray::zeros(ElemType::F32, {4, 4});
  std::string text = serializeNpy(a);
  auto truncated = parseNpy(text.data(), text.size() - 5, "x.npy");
  REQUIRE(truncated.failed());
  CHECK(truncated.message().rfind("x.npy: truncated", 0) == 0);

  auto bad = parseNpy("hello world", 11, "y.npy");
  REQUIRE(bad.failed());
  CHECK(bad.message().find("y.npy: not a .npy file") == 0);

  std::string fortran = text;
  fortran.replace(fortran.find("False"), 5, "True ");
  auto f = parseNpy(fortran.data(), fortran.size(), "f.npy");
  REQUIRE(f.failed());
  CHECK(f.message().find("Fortran-order") != std::string::npos);

  std::string big = text;
  big.replace(big.find("<f4"), 3, ">f4");
  auto be = parseNpy(big.data(), big.size(), "b.npy");
  REQUIRE(be.failed());
  CHECK(be.message().find("unsupported dtype '>f4'") != std::string::npos);

  auto missing = readNpy("/nonexistent/dir/z.npy");
  REQUIRE(missing.failed());
  CHECK(missing.message().find("/nonexistent/dir/z.npy: cannot open") == 0);
}

TEST_CASE("npz detects corruption", "[npy]") {
  NpzArrays arrays;
  arrays.emplace_back("x", NpyArray::zeros(ElemType::F32, {8}));
  std::string path = tempPath("bad.npz");
  REQUIRE(writeNpz(path, arrays).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Flip one data byte: the CRC check fails.
  std::string flipped = bytes;
  flipped[100] ^= 0x55;
  std::ofstream(path, std::ios::binary).write(flipped.data(), flipped.size());
  auto r = readNpz(path);
  REQUIRE(r.failed());
  CHECK(r.message().find("CRC mismatch") != std::string::npos);
  // Cut the archive: no end of central directory.
  std::ofstream(path, std::ios::binary).write(bytes.data(), 40);
  auto t = readNpz(path);
  REQUIRE(t.failed());
  CHECK(t.message().find(path + ": truncated") == 0);
  std::remove(path.c_str());
}
