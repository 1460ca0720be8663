//===- BackendConfigTest.cpp - BackendConfig presets and checks -----------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/BackendConfig.h"

#include <catch2/catch.hpp>

using namespace qfx::config;

static BackendConfig get(llvm::StringRef name) {
  auto c = getBackendConfig(name);
  REQUIRE(static_cast<bool>(c));
  return std::move(*c);
}

TEST_CASE("every preset builds and verifies", "[config][backend]") {
  for (llvm::StringRef name : getBackendConfigNames()) {
    BackendConfig c = get(name);
    CHECK(c.getName() == name);
    CHECK(!c.getConfigs().empty());
    llvm::Error err = verifyBackendConfig(c);
    CHECK(!err);
    llvm::consumeError(std::move(err));
  }
}

TEST_CASE("empty backend name means native", "[config][backend]") {
  CHECK(get("").getName() == "native");
}

TEST_CASE("unknown preset is an error", "[config][backend]") {
  auto c = getBackendConfig("tpu");
  REQUIRE(!c);
  CHECK_THAT(llvm::toString(c.takeError()),
             Catch::Contains("unknown backend config 'tpu'"));
}

TEST_CASE("fusion patterns keep 1.13's reversed nested form",
          "[config][backend]") {
  BackendConfig native = get("native");
  Pattern p{"torch.nn.modules.activation.ReLU",
            Pattern{"torch.nn.modules.batchnorm.BatchNorm2d",
                    "torch.nn.modules.conv.Conv2d"}};
  const BackendPatternConfig *c = native.lookup(p);
  REQUIRE(static_cast<bool>(c));
  CHECK(c->fusedModule == "torch.ao.nn.intrinsic.modules.fused.ConvBnReLU2d");
  CHECK(c->fuserMethod ==
        "torch.ao.quantization.fuser_method_mappings.reverse3(torch.ao."
        "quantization.fuser_method_mappings.fuse_conv_bn_relu)");
  CHECK(p.str() == "(torch.nn.modules.activation.ReLU, "
                   "(torch.nn.modules.batchnorm.BatchNorm2d, "
                   "torch.nn.modules.conv.Conv2d))");
}

TEST_CASE("re-registering a pattern replaces it in place",
          "[config][backend]") {
  BackendConfig native = get("native");
  // 1.13 registers ConvReLU2d twice; the later one (only qat_module) wins.
  const BackendPatternConfig *c =
      native.lookup(Pattern("torch.ao.nn.intrinsic.modules.fused.ConvReLU2d"));
  REQUIRE(static_cast<bool>(c));
  CHECK(c->rootModule.empty());
  CHECK(c->qatModule == "torch.nn.intrinsic.qat.modules.conv_fused.ConvReLU2d");
}

TEST_CASE("native has layer norm, fbgemm does not", "[config][backend]") {
  Pattern ln("torch.nn.modules.normalization.LayerNorm");
  CHECK(get("native").lookup(ln));
  CHECK(!get("fbgemm").lookup(ln));
}

TEST_CASE("qnnpack has symmetric constraints", "[config][backend]") {
  BackendConfig backend = get("qnnpack");
  const BackendPatternConfig *c =
      backend.lookup(Pattern("torch.nn.modules.linear.Linear"));
  REQUIRE(static_cast<bool>(c));
  REQUIRE(c->dtypeConfigs.size() == 4);
  CHECK(c->dtypeConfigs[0].weight.quantMinLowerBound == -127);
  CHECK(c->dtypeConfigs[0].input.scaleMinLowerBound == 1.0 / 4096.0);
}

TEST_CASE("onednn extends native", "[config][backend]") {
  BackendConfig onednn = get("onednn");
  CHECK(onednn.getConfigs().size() > get("native").getConfigs().size());
  CHECK(onednn.lookup(Pattern{"torch.nn.modules.activation.LeakyReLU",
                              "torch.nn.modules.linear.Linear"}));
}

TEST_CASE("supported qconfig", "[config][backend]") {
  BackendConfig backend = get("fbgemm");
  const BackendPatternConfig *c =
      backend.lookup(Pattern("torch.nn.modules.linear.Linear"));
  REQUIRE(static_cast<bool>(c));
  CHECK(!checkQConfigSupported(getDefaultQConfig("fbgemm"), c->dtypeConfigs));
  CHECK(!checkQConfigSupported(*getNamedQConfig("default_dynamic_qconfig"),
                               c->dtypeConfigs));
  CHECK(!checkQConfigSupported(*getNamedQConfig("float16_dynamic_qconfig"),
                               c->dtypeConfigs));
}

TEST_CASE("unsupported dtype gives a reason", "[config][backend]") {
  BackendConfig backend = get("fbgemm");
  const BackendPatternConfig *c =
      backend.lookup(Pattern("torch.nn.modules.conv.Conv2d"));
  REQUIRE(static_cast<bool>(c));
  auto reason = checkQConfigSupported(
      *getNamedQConfig("float16_static_qconfig"), c->dtypeConfigs);
  REQUIRE(static_cast<bool>(reason));
  CHECK_THAT(*reason, Catch::Contains("dtype_configs[0]: input dtype quint8 "
                                      "!= qconfig activation dtype float16"));
}

TEST_CASE("qnnpack constraints reject default qconfig for qint8",
          "[config][backend]") {
  BackendConfig backend = get("qnnpack");
  const BackendPatternConfig *c =
      backend.lookup(Pattern("torch.nn.modules.linear.Linear"));
  REQUIRE(static_cast<bool>(c));
  // qint8 activations with default eps violate scale_min_lower_bound.
  QConfig q = *getNamedQConfig("default_symmetric_qnnpack_qconfig");
  CHECK(!checkQConfigSupported(q, c->dtypeConfigs));
  q.activation->eps = 1e-9;
  auto reason = checkQConfigSupported(q, {c->dtypeConfigs[0]});
  REQUIRE(static_cast<bool>(reason));
  CHECK_THAT(*reason, Catch::Contains("eps"));
  QConfig w = *getNamedQConfig("default_symmetric_qnnpack_qconfig");
  w.weight->quantMin = -128;
  reason = checkQConfigSupported(w, {c->dtypeConfigs[0]});
  REQUIRE(static_cast<bool>(reason));
  CHECK_THAT(*reason, Catch::Contains("weight quant range [-128, 127]"));
}

TEST_CASE("executorch has no share-qparams ops", "[config][backend]") {
  BackendConfig e = get("executorch");
  CHECK(!e.lookup(Pattern("reshape")));
  CHECK(e.lookup(Pattern("torch.nn.modules.batchnorm.BatchNorm2d")));
}
