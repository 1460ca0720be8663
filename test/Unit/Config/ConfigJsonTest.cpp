//===- ConfigJsonTest.cpp - JSON load/save of configs ---------------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/ConfigJson.h"

#include <catch2/catch.hpp>

using namespace qfx::config;

/// Loads `text` as a QConfigMapping and returns the error message ("" if ok).
static std::string mappingError(llvm::StringRef text) {
  auto m = parseQConfigMapping(text);
  return m ? std::string() : llvm::toString(m.takeError());
}

static std::string backendError(llvm::StringRef text) {
  auto b = parseBackendConfig(text);
  return b ? std::string() : llvm::toString(b.takeError());
}

TEST_CASE("default qconfig mappings round-trip", "[config][json]") {
  for (const char *backend : {"fbgemm", "x86", "qnnpack", "onednn"}) {
    QConfigMapping m = getDefaultQConfigMapping(backend);
    std::string text = printJson(qconfigMappingToJson(m));
    auto loaded = parseQConfigMapping(text);
    REQUIRE(static_cast<bool>(loaded));
    CHECK(*loaded == m);
    CHECK(printJson(qconfigMappingToJson(*loaded)) == text);
    auto qat = getDefaultQATQConfigMapping(backend);
    REQUIRE(static_cast<bool>(qat));
    auto qatLoaded = parseQConfigMapping(printJson(qconfigMappingToJson(*qat)));
    REQUIRE(static_cast<bool>(qatLoaded));
    CHECK(*qatLoaded == *qat);
  }
}

TEST_CASE("backend presets round-trip", "[config][json]") {
  for (llvm::StringRef name : getBackendConfigNames()) {
    auto b = getBackendConfig(name);
    REQUIRE(static_cast<bool>(b));
    std::string text = printJson(backendConfigToJson(*b));
    auto loaded = parseBackendConfig(text);
    REQUIRE(static_cast<bool>(loaded));
    CHECK(*loaded == *b);
    CHECK(printJson(backendConfigToJson(*loaded)) == text);
  }
}

TEST_CASE("saving is deterministic and key-sorted", "[config][json]") {
  std::string a = printJson(qconfigMappingToJson(getDefaultQConfigMapping()));
  std::string b = printJson(qconfigMappingToJson(getDefaultQConfigMapping()));
  CHECK(a == b);
  std::string q = printJson(qconfigToJson(*getNamedQConfig("default_qconfig")));
  CHECK(q.find("\"activation\"") < q.find("\"weight\""));
  CHECK(q.find("\"quant_max\"") < q.find("\"quant_min\""));
}

TEST_CASE("None qconfigs and mixed entries load", "[config][json]") {
  auto m = parseQConfigMapping(R"({
    "global": null,
    "object_type": [{"object_type": "torch.add", "qconfig": null}],
    "module_name_regex": [{"module_name_regex": "sub.*", "qconfig": {
        "activation": {"class": "torch.ao.quantization.observer.MinMaxObserver",
                       "kwargs": {"dtype": "quint8"}},
        "weight": null}}],
    "module_name": [],
    "module_name_object_type_order": [{"module_name": "sub",
        "object_type": "torch.add", "index": 2, "qconfig": null}]
  })");
  REQUIRE(static_cast<bool>(m));
  CHECK(!m->getGlobal());
  REQUIRE(m->getObjectTypes().size() == 1);
  CHECK(!m->getObjectTypes()[0].qconfig);
  CHECK(m->getModuleNameRegexes()[0].qconfig->activation->dtype ==
        DType::QUInt8);
  CHECK(!m->getModuleNameRegexes()[0].qconfig->weight);
  CHECK(m->getModuleNameObjectTypeOrders()[0].key.index == 2);
}

TEST_CASE("unknown dtype names the path", "[config][json]") {
  CHECK(mappingError(R"({"object_type": [
      {"object_type": "a", "qconfig": null},
      {"object_type": "b", "qconfig": null},
      {"object_type": "c", "qconfig": null},
      {"object_type": "d", "qconfig": {"activation": {
          "class": "torch.ao.quantization.observer.MinMaxObserver",
          "kwargs": {"dtype": "quint9"}}, "weight": null}}]})") ==
        "object_type[3].qconfig.activation.kwargs.dtype: unknown dtype "
        "'quint9'");
}

TEST_CASE("unknown observer class names the path", "[config][json]") {
  CHECK(mappingError(R"({"global": {"activation": {"class": "my.Observer"},
                                     "weight": null}})") ==
        "global.activation.class: unknown observer class 'my.Observer'");
}

TEST_CASE("bad qscheme names the path", "[config][json]") {
  CHECK(mappingError(R"({"global": {"weight": {
      "class": "torch.ao.quantization.observer.MinMaxObserver",
      "kwargs": {"qscheme": "per_tensor_weird"}}}})") ==
        "global.weight.kwargs.qscheme: unknown qscheme 'per_tensor_weird'");
  CHECK_THAT(mappingError(R"({"global": {"weight": {
      "class": "torch.ao.quantization.observer.MinMaxObserver",
      "kwargs": {"qscheme": "per_channel_symmetric"}}}})"),
             Catch::StartsWith("global.weight.kwargs.qscheme: MinMaxObserver's "
                               "qscheme only supports"));
}

TEST_CASE("quant_min > quant_max names the path", "[config][json]") {
  CHECK_THAT(
      mappingError(R"({"module_name": [{"module_name": "x", "qconfig": {
      "activation": {"class": "torch.ao.quantization.fake_quantize.FakeQuantize",
                     "kwargs": {"quant_min": 10, "quant_max": 0}}}}]})"),
      Catch::StartsWith("module_name[0].qconfig.activation.kwargs.quant_min:"));
}

TEST_CASE("invalid regex names the path", "[config][json]") {
  CHECK_THAT(mappingError(R"({"module_name_regex": [
      {"module_name_regex": "a[", "qconfig": null}]})"),
             Catch::StartsWith(
                 "module_name_regex[0].module_name_regex: invalid regex"));
}

TEST_CASE("structural errors name the path", "[config][json]") {
  CHECK(mappingError(R"({"globall": null})") == "globall: unknown key");
  CHECK(mappingError(R"({"object_type": {}})") ==
        "object_type: expected an array");
  CHECK(mappingError(R"({"object_type": [{"qconfig": null}]})") ==
        "object_type[0]: missing key 'object_type'");
  CHECK(mappingError(R"({"module_name_object_type_order": [
      {"module_name": "a", "object_type": "b", "index": -1,
       "qconfig": null}]})") ==
        "module_name_object_type_order[0].index: expected a non-negative "
        "integer");
  CHECK(mappingError(R"({"global": {"activation": {
      "class": "torch.ao.quantization.observer.MinMaxObserver",
      "kwargs": {"bins": "many"}}}})") ==
        "global.activation.kwargs.bins: expected an integer");
  CHECK(mappingError(R"({"global": {"activation": {
      "class": "torch.ao.quantization.observer.MinMaxObserver",
      "kwargs": {"colour": 1}}}})") ==
        "global.activation.kwargs.colour: unknown observer kwarg 'colour'");
  CHECK_THAT(mappingError("{"), Catch::StartsWith("<root>: invalid JSON"));
}

TEST_CASE("nested fake-quant observer errors name the path", "[config][json]") {
  CHECK(mappingError(R"({"global": {"activation": {
      "class": "torch.ao.quantization.fake_quantize.FakeQuantize",
      "kwargs": {"observer": {
          "class": "torch.ao.quantization.observer.MovingAverageMinMaxObserver",
          "kwargs": {"dtype": "qint9"}}}}}})") ==
        "global.activation.kwargs.observer.kwargs.dtype: unknown dtype "
        "'qint9'");
}

TEST_CASE("backend config errors name the path", "[config][json]") {
  CHECK(backendError(R"({"name": "b", "configs": [
      {"pattern": "torch.add", "dtype_configs": [{"input_dtype": "qint9"}]}]})") ==
        "configs[0].dtype_configs[0].input_dtype: unknown dtype 'qint9'");
  CHECK(backendError(R"({"configs": [{"observation_type": "X"}]})") ==
        "configs[0]: missing key 'pattern'");
  CHECK(backendError(R"({"configs": [{"pattern": "a",
      "observation_type": "SOMETIMES"}]})") ==
        "configs[0].observation_type: unknown observation type 'SOMETIMES'");
  CHECK(backendError(R"({"configs": [{"pattern": ["a"]}]})") ==
        "configs[0].pattern: a pattern tuple needs at least two elements");
  CHECK(backendError(R"({"configs": [{"pattern": "a", "bogus": 1}]})") ==
        "configs[0].bogus: unknown key");
}

TEST_CASE("backend config with constraints and nested pattern loads",
          "[config][json]") {
  auto b = parseBackendConfig(R"({"name": "mine", "configs": [{
      "pattern": ["torch.nn.modules.activation.ReLU",
                  ["torch.nn.modules.batchnorm.BatchNorm2d",
                   "torch.nn.modules.conv.Conv2d"]],
      "observation_type": "OUTPUT_SHARE_OBSERVER_WITH_INPUT",
      "dtype_configs": [{"input_dtype": {"dtype": "qint8",
                                         "scale_min_lower_bound": 0.5},
                         "is_dynamic": false}],
      "num_tensor_args_to_observation_type": {
          "1": "OUTPUT_SHARE_OBSERVER_WITH_INPUT"},
      "input_type_to_index": {"weight": 1}}]})");
  REQUIRE(static_cast<bool>(b));
  const BackendPatternConfig &c = b->getConfigs()[0];
  CHECK(c.pattern.elements.size() == 2);
  CHECK(c.pattern.elements[1].elements[1].op == "torch.nn.modules.conv.Conv2d");
  CHECK(c.dtypeConfigs[0].input.scaleMinLowerBound == 0.5);
  CHECK(c.numTensorArgsToObservationType.at(1) ==
        ObservationType::OutputShareObserverWithInput);
  CHECK(c.inputTypeToIndex.at("weight") == 1);
}

TEST_CASE("sample config file shape", "[config][json]") {
  // The schema of examples/configs/qconfig_mapping.json in miniature.
  auto m = parseQConfigMapping(R"({
    "global": {"activation": {"class": "torch.ao.quantization.observer.HistogramObserver",
                              "kwargs": {"reduce_range": true}},
               "weight": {"class": "torch.ao.quantization.observer.PerChannelMinMaxObserver",
                          "kwargs": {"dtype": "qint8",
                                     "qscheme": "per_channel_symmetric"}}}})");
  REQUIRE(static_cast<bool>(m));
  CHECK(*m->getGlobal() == getDefaultQConfig("fbgemm"));
}
