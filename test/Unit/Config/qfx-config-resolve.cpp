//===- qfx-config-resolve.cpp - Resolve QConfigs for a node list ----------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Test-only tool: `qfx-config-resolve MAPPING.json NODES.json` reads a qfx
// QConfigMapping and a JSON list of FX nodes in graph order
//   [{"name": "conv", "op": "call_module", "target": "sub.conv",
//     "module_path": "sub.conv", "module_type": "...Conv2d",
//     "target_module_type": "...Conv2d"}, ...]
// and prints {"<node name>": {"qconfig": ..., "rule": ..., "key": ...}}.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/ConfigJson.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace qfx::config;

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "qfx-config-resolve: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3)
    return fail("usage: qfx-config-resolve MAPPING.json NODES.json");
  auto mappingBuf = llvm::MemoryBuffer::getFile(argv[1]);
  auto nodesBuf = llvm::MemoryBuffer::getFile(argv[2]);
  if (!mappingBuf || !nodesBuf)
    return fail("cannot read input files");
  auto mapping = parseQConfigMapping((*mappingBuf)->getBuffer());
  if (!mapping)
    return fail(llvm::toString(mapping.takeError()));
  auto nodes = llvm::json::parse((*nodesBuf)->getBuffer());
  if (!nodes)
    return fail(llvm::toString(nodes.takeError()));
  const llvm::json::Array *list = nodes->getAsArray();
  if (!list)
    return fail("nodes: expected an array");

  QConfigResolver resolver(*mapping);
  llvm::json::Object out;
  for (const llvm::json::Value &v : *list) {
    const llvm::json::Object *o = v.getAsObject();
    if (!o)
      return fail("nodes: expected objects");
    auto str = [&](llvm::StringRef key) {
      return o->getString(key).value_or("").str();
    };
    NodeQuery q;
    q.kind = llvm::StringSwitch<NodeKind>(str("op"))
                 .Case("call_module", NodeKind::CallModule)
                 .Case("call_function", NodeKind::CallFunction)
                 .Case("call_method", NodeKind::CallMethod)
                 .Case("get_attr", NodeKind::GetAttr)
                 .Default(NodeKind::Other);
    q.target = str("target");
    q.modulePath = str("module_path");
    q.moduleType = str("module_type");
    q.targetModuleType = str("target_module_type");
    QConfigResolution r = resolver.resolve(q);
    out[str("name")] =
        llvm::json::Object{{"qconfig", qconfigToJson(r.qconfig)},
                           {"rule", stringifyQConfigRule(r.rule)},
                           {"key", r.ruleKey}};
  }
  llvm::outs() << printJson(std::move(out));
  return 0;
}
