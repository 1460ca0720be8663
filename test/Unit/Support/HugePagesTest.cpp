//===- HugePagesTest.cpp - When tools re-execute on huge pages ------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Support/HugePages.h"

#include <catch2/catch.hpp>

using qfx::HugePagesContext;
using qfx::hugePagesTunables;

namespace {
HugePagesContext bigInputOnMadvise() {
  HugePagesContext context;
  context.thpEnabled = "always [madvise] never\n";
  context.inputBytes = qfx::kHugePagesMinInputBytes;
  return context;
}
} // namespace

TEST_CASE("a big input on a madvise kernel re-executes with the tunable",
          "[huge-pages]") {
  HugePagesContext context = bigInputOnMadvise();
  CHECK(hugePagesTunables(context) == std::string("glibc.malloc.hugetlb=1"));
  // Other tunables the user set are kept, in front.
  context.glibcTunables = "glibc.malloc.arena_max=2";
  CHECK(hugePagesTunables(context) ==
        std::string("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"));
}

TEST_CASE("small or unknown inputs run as they are", "[huge-pages]") {
  HugePagesContext context = bigInputOnMadvise();
  context.inputBytes = qfx::kHugePagesMinInputBytes - 1;
  CHECK_FALSE(hugePagesTunables(context));
  // Each tool has its own threshold (qfx-run's is lower).
  context.minInputBytes = qfx::kHugePagesMinModelBytes;
  CHECK(hugePagesTunables(context) == std::string("glibc.malloc.hugetlb=1"));
  context.inputBytes = qfx::kHugePagesMinModelBytes - 1;
  CHECK_FALSE(hugePagesTunables(context));
  // Standard input: the size is not known before reading it.
  context.inputBytes.reset();
  CHECK_FALSE(hugePagesTunables(context));
}

TEST_CASE("only a madvise kernel gains from the tunable", "[huge-pages]") {
  HugePagesContext context = bigInputOnMadvise();
  context.thpEnabled = "[always] madvise never\n";
  CHECK_FALSE(hugePagesTunables(context));
  context.thpEnabled = "always madvise [never]\n";
  CHECK_FALSE(hugePagesTunables(context));
  // No transparent huge pages at all (no sysfs file).
  context.thpEnabled.clear();
  CHECK_FALSE(hugePagesTunables(context));
}

TEST_CASE("QFX_HUGE_PAGES and an explicit tunable override the size rule",
          "[huge-pages]") {
  HugePagesContext context = bigInputOnMadvise();
  context.qfxHugePages = "0";
  CHECK_FALSE(hugePagesTunables(context));

  HugePagesContext forced;
  forced.qfxHugePages = "1";
  CHECK(hugePagesTunables(forced) == std::string("glibc.malloc.hugetlb=1"));

  // The user's own hugetlb setting (0 included) is never overridden, and a
  // process started by the re-exec does not exec again.
  context = bigInputOnMadvise();
  context.glibcTunables = "glibc.malloc.hugetlb=0";
  CHECK_FALSE(hugePagesTunables(context));
  forced.glibcTunables = "glibc.malloc.hugetlb=1";
  CHECK_FALSE(hugePagesTunables(forced));
}
