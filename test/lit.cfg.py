# -*- Python -*-
# lit configuration for the qfx test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QFX"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qfx_obj_root, "test")
# Unit tests, conformance scripts and the external consumer are run by ctest,
# not by lit.
config.excludes = ["Unit", "conformance", "external-consumer", "lit.cfg.py",
                   "CMakeLists.txt"]

# An AddressSanitizer build (scripts/test --asan): its allocator ignores
# glibc's malloc tunables.
if "-fsanitize=address" in getattr(config, "qfx_cxx_flags", ""):
    config.available_features.add("asan")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", config.python_executable))

llvm_config.use_default_substitutions()
llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])

# FileCheck, not and count come from Debian's LLVM prefix; qfx tools from the
# build tree.
tool_dirs = [config.qfx_tools_dir, config.llvm_tools_dir]
tools = ["qfx-opt", "qfx-translate", "qfx-run"]
llvm_config.add_tool_substitutions(
    [ToolSubst(t, unresolved="ignore") for t in tools], tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.qfx_tools_dir, append_path=True)
