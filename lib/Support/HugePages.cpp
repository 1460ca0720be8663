//===- HugePages.cpp - malloc on transparent huge pages for big inputs ----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Support/HugePages.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#if defined(__linux__)
#include <sys/stat.h>
#include <unistd.h>
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QFX_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define QFX_UNDER_ASAN 1
#endif

static constexpr const char *kTunable = "glibc.malloc.hugetlb";
// Set for the re-executed process: one exec at most, even if a C library
// dropped the tunable from the environment.
static constexpr const char *kReexecuted = "QFX_HUGE_PAGES_REEXECUTED";

std::optional<std::string>
qfx::hugePagesTunables(const HugePagesContext &context) {
  std::string mode = context.qfxHugePages ? context.qfxHugePages : "";
  if (mode == "0")
    return std::nullopt;
  std::string tunables = context.glibcTunables ? context.glibcTunables : "";
  // Set by the user, or by the exec that started this process.
  if (tunables.find(kTunable) != std::string::npos)
    return std::nullopt;
  if (mode != "1") {
    if (context.thpEnabled.find("[madvise]") == std::string::npos)
      return std::nullopt;
    if (!context.inputBytes || *context.inputBytes < context.minInputBytes)
      return std::nullopt;
  }
  std::string setting = std::string(kTunable) + "=1";
  return tunables.empty() ? setting : tunables + ":" + setting;
}

void qfx::reexecWithHugePages(const std::string &inputPath, char **argv,
                              uint64_t minInputBytes) {
#if defined(__linux__) && defined(__GLIBC__) && !defined(QFX_UNDER_ASAN)
  if (std::getenv(kReexecuted))
    return;
  HugePagesContext context;
  context.minInputBytes = minInputBytes;
  context.qfxHugePages = std::getenv("QFX_HUGE_PAGES");
  context.glibcTunables = std::getenv("GLIBC_TUNABLES");
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  context.thpEnabled.assign(std::istreambuf_iterator<char>(thp), {});
  struct stat info;
  if (inputPath != "-" && ::stat(inputPath.c_str(), &info) == 0 &&
      S_ISREG(info.st_mode))
    context.inputBytes = static_cast<uint64_t>(info.st_size);
  std::optional<std::string> tunables = hugePagesTunables(context);
  if (!tunables)
    return;
  std::optional<std::string> previous;
  if (context.glibcTunables)
    previous = context.glibcTunables;
  if (::setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0 ||
      ::setenv(kReexecuted, "1", 1) != 0)
    return;
  ::execv("/proc/self/exe", argv);
  // The exec failed (no /proc, say): run on as if nothing had happened.
  ::unsetenv(kReexecuted);
  if (previous)
    ::setenv("GLIBC_TUNABLES", previous->c_str(), 1);
  else
    ::unsetenv("GLIBC_TUNABLES");
#else
  (void)inputPath;
  (void)argv;
  (void)minInputBytes;
#endif
}

static bool mallocOnHugePages() {
#if defined(__linux__) && defined(__GLIBC__) && !defined(QFX_UNDER_ASAN)
  const char *tunables = std::getenv("GLIBC_TUNABLES");
  if (!tunables)
    return false;
  const char *value = std::strstr(tunables, kTunable);
  if (!value)
    return false;
  value += std::strlen(kTunable);
  return value[0] == '=' && (value[1] == '1' || value[1] == '2');
#else
  return false;
#endif
}

const char *qfx::mallocName() {
  return mallocOnHugePages() ? "transparent-huge-pages" : "default";
}
