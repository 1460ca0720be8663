//===- HugePages.h - malloc on huge pages for big inputs -------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A large module (hundreds of thousands of ops) spends much of a pass's time
// on TLB and cache misses: MLIR's attribute uniquer and the op lists are
// random accesses over hundreds of megabytes, and under virtualization every
// TLB miss is a two-level page walk. glibc can back malloc with transparent
// huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1), but reads the setting
// only when a process starts, so a tool that wants it re-executes itself
// once with the tunable set. See docs/passes.md (Scaling).
//
// qfx-opt and qfx-run do this for big inputs. QFX_HUGE_PAGES=0 disables
// it, QFX_HUGE_PAGES=1 forces it whatever the input's size; a GLIBC_TUNABLES
// that already names glibc.malloc.hugetlb is the user's choice and is kept.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_SUPPORT_HUGEPAGES_H
#define QFX_SUPPORT_HUGEPAGES_H

#include <cstdint>
#include <optional>
#include <string>

namespace qfx {

/// qfx-opt: a module from a text or bytecode file this big has outgrown
/// the caches (30,000 conv-bn-relu blocks are 200 MB of text).
constexpr uint64_t kHugePagesMinInputBytes = 32ull << 20;
/// qfx-run: a model this big has weights and activations beyond what the
/// TLB covers with 4 KiB pages (1,536 entries = 6 MiB on this machine
/// kind); mobilenet_v2 lowered is 35 MB, resnet50 255 MB.
constexpr uint64_t kHugePagesMinModelBytes = 8ull << 20;

/// What decides whether to re-execute, gathered by reexecWithHugePages.
struct HugePagesContext {
  /// QFX_HUGE_PAGES, or null when unset.
  const char *qfxHugePages = nullptr;
  /// GLIBC_TUNABLES, or null when unset.
  const char *glibcTunables = nullptr;
  /// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never").
  std::string thpEnabled;
  /// The input file's size, when the input is a regular file.
  std::optional<uint64_t> inputBytes;
  /// Inputs at least this big re-execute (unless QFX_HUGE_PAGES says).
  uint64_t minInputBytes = kHugePagesMinInputBytes;
};

/// The GLIBC_TUNABLES value to re-execute with, or nullopt to run as is.
/// Huge pages are worth an exec only when the kernel gives them to
/// madvise'd memory alone (with `always` malloc's memory already gets them,
/// with `never` it cannot) and the input is big.
std::optional<std::string> hugePagesTunables(const HugePagesContext &context);

/// Re-executes the running program (/proc/self/exe, same argv) with malloc
/// on transparent huge pages when hugePagesTunables says so; returns when it
/// does not or when the exec fails. Call it before reading the input. A
/// no-op outside Linux / glibc and under AddressSanitizer (whose allocator
/// ignores glibc's tunables).
void reexecWithHugePages(const std::string &inputPath, char **argv,
                         uint64_t minInputBytes = kHugePagesMinInputBytes);

/// Which malloc this process runs, as the tools print it (the measurements'
/// context): "transparent-huge-pages" when it was started with
/// glibc.malloc.hugetlb set to 1 or 2 (and is not under AddressSanitizer),
/// else "default".
const char *mallocName();

} // namespace qfx

#endif // QFX_SUPPORT_HUGEPAGES_H
