//===- qfx-config-dump.cpp - Print a config preset as qfx JSON ------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Test-only tool:
//   qfx-config-dump --backend-config NAME
//   qfx-config-dump --qconfig-mapping BACKEND [--qat] [--version N]
//   qfx-config-dump --named-qconfig NAME
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/ConfigJson.h"

#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <string>

using namespace qfx::config;

static int fail(llvm::Error err) {
  llvm::errs() << "qfx-config-dump: " << llvm::toString(std::move(err)) << "\n";
  return 1;
}

int main(int argc, char **argv) {
  std::string backendConfig, mapping, named;
  bool qat = false, haveVersion = false;
  int version = 0;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--backend-config")
      backendConfig = next();
    else if (arg == "--qconfig-mapping")
      mapping = next();
    else if (arg == "--named-qconfig")
      named = next();
    else if (arg == "--qat")
      qat = true;
    else if (arg == "--version") {
      haveVersion = true;
      version = std::atoi(next().c_str());
    } else {
      llvm::errs() << "usage: qfx-config-dump --backend-config NAME | "
                      "--qconfig-mapping BACKEND [--qat] [--version N] | "
                      "--named-qconfig NAME\n";
      return 2;
    }
  }
  if (!backendConfig.empty()) {
    auto config = getBackendConfig(backendConfig);
    if (!config)
      return fail(config.takeError());
    llvm::outs() << printJson(backendConfigToJson(*config));
    return 0;
  }
  if (!mapping.empty()) {
    if (!qat) {
      llvm::outs() << printJson(
          qconfigMappingToJson(getDefaultQConfigMapping(mapping)));
      return 0;
    }
    auto m = getDefaultQATQConfigMapping(mapping, haveVersion ? version : 1);
    if (!m)
      return fail(m.takeError());
    llvm::outs() << printJson(qconfigMappingToJson(*m));
    return 0;
  }
  if (!named.empty()) {
    auto q = getNamedQConfig(named);
    if (!q)
      return fail(q.takeError());
    llvm::outs() << printJson(qconfigToJson(*q));
    return 0;
  }
  llvm::errs() << "qfx-config-dump: nothing to dump\n";
  return 2;
}
