//===- QConfigMappingTest.cpp - QConfig resolution precedence -------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/QConfigMapping.h"

#include <catch2/catch.hpp>

using namespace qfx::config;

static const char *kConv = "torch.nn.modules.conv.Conv2d";
static const char *kLinear = "torch.nn.modules.linear.Linear";
static const char *kSub = "test.Sub";

static QConfig named(llvm::StringRef n) { return *getNamedQConfig(n); }

static bool reMatch(llvm::StringRef regex, llvm::StringRef text) {
  auto result = pythonReMatch(regex, text);
  REQUIRE(static_cast<bool>(result));
  return *result;
}

static NodeQuery callModule(llvm::StringRef target, llvm::StringRef type) {
  NodeQuery q;
  q.kind = NodeKind::CallModule;
  q.target = target.str();
  q.modulePath = target.str();
  q.moduleType = type.str();
  q.targetModuleType = type.str();
  return q;
}

static NodeQuery callFunction(llvm::StringRef fn, llvm::StringRef scope,
                              llvm::StringRef scopeType) {
  NodeQuery q;
  q.kind = NodeKind::CallFunction;
  q.target = fn.str();
  q.modulePath = scope.str();
  q.moduleType = scopeType.str();
  return q;
}

static NodeQuery callMethod(llvm::StringRef m, llvm::StringRef scope,
                            llvm::StringRef scopeType) {
  NodeQuery q = callFunction(m, scope, scopeType);
  q.kind = NodeKind::CallMethod;
  return q;
}

TEST_CASE("global applies when nothing else matches", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig"));
  QConfigResolution r = resolveQConfig(m, callModule("conv", kConv));
  CHECK(r.rule == QConfigRule::Global);
  CHECK(r.qconfig == named("default_qconfig"));
}

TEST_CASE("no global means None", "[config][mapping]") {
  QConfigMapping m;
  QConfigResolution r = resolveQConfig(m, callModule("conv", kConv));
  CHECK(!r.qconfig);
  CHECK(r.rule == QConfigRule::Global);
}

TEST_CASE("object_type beats global", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig"))
      .setObjectType(kConv, named("default_per_channel_qconfig"));
  QConfigResolution r = resolveQConfig(m, callModule("conv", kConv));
  CHECK(r.rule == QConfigRule::ObjectType);
  CHECK(r.ruleKey == kConv);
  CHECK(r.qconfig == named("default_per_channel_qconfig"));
}

TEST_CASE("object_type None disables quantization", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig")).setObjectType(kConv, std::nullopt);
  QConfigResolution r = resolveQConfig(m, callModule("conv", kConv));
  CHECK(!r.qconfig);
  CHECK(r.rule == QConfigRule::ObjectType);
}

TEST_CASE("regex beats object_type, module_name beats regex",
          "[config][mapping]") {
  QConfigMapping m;
  m.setObjectType(kConv, named("default_qconfig"))
      .setModuleNameRegex("sub\\..*", named("default_per_channel_qconfig"));
  QConfigResolution r = resolveQConfig(m, callModule("sub.conv", kConv));
  CHECK(r.rule == QConfigRule::ModuleNameRegex);
  m.setModuleName("sub.conv", named("default_dynamic_qconfig"));
  r = resolveQConfig(m, callModule("sub.conv", kConv));
  CHECK(r.rule == QConfigRule::ModuleName);
  CHECK(r.qconfig == named("default_dynamic_qconfig"));
}

TEST_CASE("first registered matching regex wins", "[config][mapping]") {
  QConfigMapping m;
  m.setModuleNameRegex("foo.*", named("default_qconfig"))
      .setModuleNameRegex("foo.*bar.*conv[0-9]+",
                          named("default_per_channel_qconfig"));
  QConfigResolution r = resolveQConfig(m, callModule("foo.bar.conv0", kConv));
  CHECK(r.ruleKey == "foo.*");
  // Re-setting keeps the original position.
  m.setModuleNameRegex("foo.*", named("default_dynamic_qconfig"));
  r = resolveQConfig(m, callModule("foo.bar.conv0", kConv));
  CHECK(r.ruleKey == "foo.*");
  CHECK(r.qconfig == named("default_dynamic_qconfig"));
}

TEST_CASE("regex uses re.match (anchored at start only)", "[config][mapping]") {
  CHECK(reMatch("conv", "conv1"));
  CHECK(!reMatch("conv", "sub.conv"));
  CHECK(reMatch(".*conv", "sub.conv"));
  CHECK(reMatch("a|b", "b.x"));
  CHECK(reMatch("layer\\d+", "layer12.conv"));
  auto bad = pythonReMatch("(", "x");
  REQUIRE(!bad);
  CHECK_THAT(llvm::toString(bad.takeError()), Catch::Contains("invalid regex"));
}

TEST_CASE("module_name is inherited from ancestors", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig")).setModuleName("a", std::nullopt);
  QConfigResolution r = resolveQConfig(m, callModule("a.b.conv", kConv));
  CHECK(r.rule == QConfigRule::ParentModuleName);
  CHECK(r.ruleKey == "a");
  CHECK(!r.qconfig);
  // The nearest ancestor wins.
  m.setModuleName("a.b", named("default_per_channel_qconfig"));
  r = resolveQConfig(m, callModule("a.b.conv", kConv));
  CHECK(r.ruleKey == "a.b");
}

TEST_CASE("module_name '' never matches", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig")).setModuleName("", std::nullopt);
  CHECK(resolveQConfig(m, callModule("conv", kConv)).rule ==
        QConfigRule::Global);
}

TEST_CASE("call_function: scope module type beats function type",
          "[config][mapping]") {
  QConfigMapping m;
  m.setObjectType("torch.add", named("default_qconfig"))
      .setObjectType(kSub, named("default_per_channel_qconfig"));
  QConfigResolution r = resolveQConfig(m, callFunction("torch.add", "", ""));
  CHECK(r.rule == QConfigRule::ObjectType);
  r = resolveQConfig(m, callFunction("torch.add", "sub", kSub));
  CHECK(r.rule == QConfigRule::ParentModuleType);
  CHECK(r.qconfig == named("default_per_channel_qconfig"));
}

TEST_CASE("call_function: module_name of scope applies", "[config][mapping]") {
  QConfigMapping m;
  m.setObjectType("torch.add", named("default_qconfig"))
      .setModuleName("sub", std::nullopt);
  QConfigResolution r =
      resolveQConfig(m, callFunction("torch.add", "sub", kSub));
  CHECK(r.rule == QConfigRule::ModuleName);
  CHECK(!r.qconfig);
}

TEST_CASE("call_method resolves method name and scope", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig"))
      .setObjectType("reshape", named("default_reuse_input_qconfig"));
  QConfigResolution r = resolveQConfig(m, callMethod("reshape", "", ""));
  CHECK(r.rule == QConfigRule::ObjectType);
  CHECK(r.qconfig == named("default_reuse_input_qconfig"));
  m.setModuleNameRegex("s.*", std::nullopt);
  r = resolveQConfig(m, callMethod("reshape", "sub", kSub));
  CHECK(r.rule == QConfigRule::ModuleNameRegex);
}

TEST_CASE("module_name_object_type_order for functions", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig"))
      .setModuleNameObjectTypeOrder("sub", "torch.add", 1, std::nullopt);
  QConfigResolver resolver(m);
  NodeQuery add = callFunction("torch.add", "sub", kSub);
  CHECK(resolver.resolve(add).qconfig); // index 0
  QConfigResolution second = resolver.resolve(add);
  CHECK(!second.qconfig); // index 1
  CHECK(second.rule == QConfigRule::ModuleNameObjectTypeOrder);
  CHECK(second.ruleKey == "sub/torch.add/1");
  CHECK(resolver.resolve(add).qconfig); // index 2
  // Other scopes count separately.
  CHECK(resolver.resolve(callFunction("torch.add", "", "")).qconfig);
}

TEST_CASE("module_name_object_type_order for modules uses the parent",
          "[config][mapping]") {
  QConfigMapping m;
  m.setModuleName("sub", named("default_qconfig"))
      .setModuleNameObjectTypeOrder("sub", kLinear, 0,
                                    named("default_dynamic_qconfig"));
  QConfigResolver resolver(m);
  QConfigResolution r = resolver.resolve(callModule("sub.fc1", kLinear));
  CHECK(r.rule == QConfigRule::ModuleNameObjectTypeOrder);
  r = resolver.resolve(callModule("sub.fc2", kLinear));
  CHECK(r.rule == QConfigRule::ParentModuleName);
  CHECK(r.qconfig == named("default_qconfig"));
}

TEST_CASE("order beats module_name", "[config][mapping]") {
  QConfigMapping m;
  m.setModuleName("sub", std::nullopt)
      .setModuleNameObjectTypeOrder("sub", "torch.add", 0,
                                    named("default_qconfig"));
  QConfigResolution r =
      resolveQConfig(m, callFunction("torch.add", "sub", kSub));
  CHECK(r.rule == QConfigRule::ModuleNameObjectTypeOrder);
}

TEST_CASE("get_attr uses the owning module", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig")).setModuleName("sub", std::nullopt);
  NodeQuery q;
  q.kind = NodeKind::GetAttr;
  q.target = "sub.weight";
  q.targetModuleType = kSub;
  QConfigResolution r = resolveQConfig(m, q);
  CHECK(r.rule == QConfigRule::ModuleName);
  CHECK(!r.qconfig);
}

TEST_CASE("placeholder and output get no qconfig", "[config][mapping]") {
  QConfigMapping m;
  m.setGlobal(named("default_qconfig"));
  NodeQuery q;
  QConfigResolution r = resolveQConfig(m, q);
  CHECK(!r.qconfig);
  CHECK(r.rule == QConfigRule::None);
}

TEST_CASE("setters replace in place", "[config][mapping]") {
  QConfigMapping m;
  m.setObjectType("a", std::nullopt).setObjectType("b", std::nullopt);
  m.setObjectType("a", named("default_qconfig"));
  REQUIRE(m.getObjectTypes().size() == 2);
  CHECK(m.getObjectTypes()[0].key == "a");
  CHECK(m.getObjectTypes()[0].qconfig == named("default_qconfig"));
}

TEST_CASE("default mappings contain 1.13's overrides", "[config][mapping]") {
  QConfigMapping m = getDefaultQConfigMapping("fbgemm");
  CHECK(m.getObjectTypes().size() == 36);
  const auto *transpose =
      m.findObjectType("torch.nn.modules.conv.ConvTranspose2d");
  REQUIRE(static_cast<bool>(transpose));
  CHECK(transpose->qconfig->weight->cls == ObserverClass::MinMaxObserver);
  const auto *sigmoid = m.findObjectType("torch.sigmoid");
  REQUIRE(static_cast<bool>(sigmoid));
  CHECK(sigmoid->qconfig->activation->cls ==
        ObserverClass::FixedQParamsObserver);
  CHECK(m.findObjectType("reshape")->qconfig ==
        named("default_reuse_input_qconfig"));
  // qnnpack keeps the per-tensor weight for ConvTranspose.
  QConfigMapping q = getDefaultQConfigMapping("qnnpack");
  CHECK(q.findObjectType("torch.nn.modules.conv.ConvTranspose2d")->qconfig ==
        getDefaultQConfig("qnnpack"));
  auto qat = getDefaultQATQConfigMapping("x86");
  REQUIRE(static_cast<bool>(qat));
  CHECK(qat->findObjectType("tanh")->qconfig->activation->cls ==
        ObserverClass::FixedQParamsFakeQuantize);
}

TEST_CASE("verifyQConfigMapping reports paths", "[config][mapping]") {
  QConfigMapping m;
  m.setModuleNameRegex("ok", std::nullopt)
      .setModuleNameRegex("(", std::nullopt);
  llvm::Error err = verifyQConfigMapping(m);
  REQUIRE(static_cast<bool>(err));
  CHECK_THAT(llvm::toString(std::move(err)),
             Catch::StartsWith("module_name_regex[1].module_name_regex:"));
  QConfigMapping bad;
  QConfig q = named("default_qconfig");
  q.activation->withQScheme(QScheme::PerChannelAffine);
  bad.setObjectType("x", std::nullopt).setObjectType("y", q);
  llvm::Error err2 = verifyQConfigMapping(bad);
  REQUIRE(static_cast<bool>(err2));
  CHECK_THAT(
      llvm::toString(std::move(err2)),
      Catch::StartsWith("object_type[1].qconfig.activation.kwargs.qscheme:"));
}

TEST_CASE("fixed-qparams ops need their fixed-qparams observer",
          "[config][qconfig_mapping]") {
  // The default mappings' own entries pass, PTQ and QAT.
  QConfigMapping ptq = getDefaultQConfigMapping("fbgemm");
  auto qat = getDefaultQATQConfigMapping("fbgemm");
  REQUIRE(static_cast<bool>(qat));
  for (const char *op :
       {"torch.sigmoid", "torch.tanh", "torch.nn.modules.activation.Softmax",
        "torch.nn.functional.hardsigmoid"}) {
    INFO(op);
    const auto *p = ptq.findObjectType(op);
    const auto *q = qat->findObjectType(op);
    REQUIRE(p);
    REQUIRE(q);
    CHECK_FALSE(
        isInvalidFixedQParamsQConfig(NodeKind::CallFunction, op, p->qconfig));
    CHECK_FALSE(
        isInvalidFixedQParamsQConfig(NodeKind::CallFunction, op, q->qconfig));
  }
  // sigmoid's observer on tanh, and the global qconfig, are errors.
  const auto *sigmoid = ptq.findObjectType("torch.sigmoid");
  CHECK(isInvalidFixedQParamsQConfig(NodeKind::CallFunction, "torch.tanh",
                                     sigmoid->qconfig));
  CHECK(isInvalidFixedQParamsQConfig(NodeKind::CallModule,
                                     "torch.nn.modules.activation.Sigmoid",
                                     ptq.getGlobal()));
  // float16 qconfigs, None, methods and other ops are accepted.
  auto fp16 = getNamedQConfig("float16_static_qconfig");
  REQUIRE(static_cast<bool>(fp16));
  CHECK_FALSE(isInvalidFixedQParamsQConfig(NodeKind::CallFunction,
                                           "torch.sigmoid", *fp16));
  CHECK_FALSE(isInvalidFixedQParamsQConfig(NodeKind::CallFunction,
                                           "torch.sigmoid", std::nullopt));
  CHECK_FALSE(isInvalidFixedQParamsQConfig(NodeKind::CallMethod, "sigmoid",
                                           ptq.getGlobal()));
  CHECK_FALSE(isInvalidFixedQParamsQConfig(NodeKind::CallFunction, "torch.relu",
                                           ptq.getGlobal()));
}
