//===- NamedQConfigs.cpp - The QConfig objects of 1.13's qconfig.py -------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "NamedObservers.h"

#include "llvm/ADT/StringExtras.h"

using namespace qfx::config;
using namespace qfx::config::named;
using OC = ObserverClass;

static QConfig makeQConfig(ObserverSpec act, ObserverSpec wt) {
  return QConfig{std::move(act), std::move(wt)};
}

static ObserverSpec symmetricQnnpackActivation() {
  ObserverSpec spec = histogramObserver(false);
  return spec.withDType(DType::QInt8).withEps(1.0 / 4096.0);
}

static ObserverSpec symmetricQnnpackQatActivation() {
  return ObserverSpec(OC::FusedMovingAvgObsFakeQuantize)
      .withObserver(ObserverSpec(OC::MovingAverageMinMaxObserver))
      .withQuantRange(-128, 127)
      .withDType(DType::QInt8)
      .withReduceRange(false)
      .withEps(1.0 / 4096.0);
}

namespace {
struct NamedQConfig {
  llvm::StringRef name;
  QConfig (*build)();
};
} // namespace

static const NamedQConfig kNamedQConfigs[] = {
    {"default_qconfig",
     [] { return makeQConfig(defaultObserver(), defaultWeightObserver()); }},
    {"default_debug_qconfig",
     [] {
       return makeQConfig(defaultDebugObserver(), defaultWeightObserver());
     }},
    {"default_per_channel_qconfig",
     [] {
       return makeQConfig(defaultObserver(), defaultPerChannelWeightObserver());
     }},
    {"default_dynamic_qconfig",
     [] {
       return makeQConfig(defaultDynamicQuantObserver(),
                          defaultWeightObserver());
     }},
    {"float16_dynamic_qconfig",
     [] {
       return makeQConfig(
           ObserverSpec(OC::PlaceholderObserver)
               .withDType(DType::Float16)
               .withComputeDType(DType::Float16),
           ObserverSpec(OC::PlaceholderObserver).withDType(DType::Float16));
     }},
    {"float16_static_qconfig",
     [] {
       return makeQConfig(
           ObserverSpec(OC::PlaceholderObserver).withDType(DType::Float16),
           ObserverSpec(OC::PlaceholderObserver).withDType(DType::Float16));
     }},
    {"per_channel_dynamic_qconfig",
     [] {
       return makeQConfig(defaultDynamicQuantObserver(),
                          defaultPerChannelWeightObserver());
     }},
    {"float_qparams_weight_only_qconfig",
     [] {
       return makeQConfig(defaultPlaceholderObserver(),
                          defaultFloatQParamsObserver());
     }},
    {"float_qparams_weight_only_qconfig_4bit",
     [] {
       return makeQConfig(defaultPlaceholderObserver(),
                          defaultFloatQParamsObserver4Bit());
     }},
    {"default_qat_qconfig",
     [] { return makeQConfig(defaultFakeQuant(), defaultWeightFakeQuant()); }},
    {"default_dynamic_qat_qconfig",
     [] {
       return makeQConfig(defaultDynamicFakeQuant(), defaultWeightFakeQuant());
     }},
    {"default_weight_only_qconfig",
     [] {
       return makeQConfig(ObserverSpec(OC::Identity), defaultWeightFakeQuant());
     }},
    {"default_activation_only_qconfig",
     [] {
       return makeQConfig(defaultFakeQuant(), ObserverSpec(OC::Identity));
     }},
    {"default_qat_qconfig_v2",
     [] {
       return makeQConfig(defaultFusedActFakeQuant(),
                          defaultFusedWtFakeQuant());
     }},
    {"default_reuse_input_qconfig",
     [] {
       return makeQConfig(defaultReuseInputObserver(),
                          ObserverSpec(OC::NoopObserver));
     }},
    {"default_symmetric_qnnpack_qconfig",
     [] {
       return makeQConfig(symmetricQnnpackActivation(),
                          weightObserverRangeNeg127To127());
     }},
    {"default_per_channel_symmetric_qnnpack_qconfig",
     [] {
       return makeQConfig(symmetricQnnpackActivation(),
                          perChannelWeightObserverRangeNeg127To127());
     }},
    {"default_symmetric_qnnpack_qat_qconfig",
     [] {
       return makeQConfig(symmetricQnnpackQatActivation(),
                          fusedWtFakeQuantRangeNeg127To127());
     }},
    {"default_per_channel_symmetric_qnnpack_qat_qconfig",
     [] {
       return makeQConfig(symmetricQnnpackQatActivation(),
                          fusedPerChannelWtFakeQuantRangeNeg127To127());
     }},
    {"default_embedding_qat_qconfig",
     [] {
       return makeQConfig(
           ObserverSpec(OC::NoopObserver).withDType(DType::Float32),
           defaultEmbeddingFakeQuant());
     }},
    {"default_embedding_qat_qconfig_4bit",
     [] {
       return makeQConfig(
           ObserverSpec(OC::NoopObserver).withDType(DType::Float32),
           defaultEmbeddingFakeQuant4Bit());
     }},
};

llvm::ArrayRef<llvm::StringRef> qfx::config::getNamedQConfigNames() {
  static const std::vector<llvm::StringRef> names = [] {
    std::vector<llvm::StringRef> result;
    for (const NamedQConfig &q : kNamedQConfigs)
      result.push_back(q.name);
    return result;
  }();
  return names;
}

llvm::Expected<QConfig> qfx::config::getNamedQConfig(llvm::StringRef name) {
  for (const NamedQConfig &q : kNamedQConfigs)
    if (q.name == name)
      return q.build();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "unknown named qconfig '" + name.str() +
          "' (known: " + llvm::join(getNamedQConfigNames(), ", ") + ")");
}

QConfig qfx::config::getDefaultQConfig(llvm::StringRef backend) {
  if (backend == "fbgemm" || backend == "x86")
    return makeQConfig(histogramObserver(true),
                       defaultPerChannelWeightObserver());
  if (backend == "qnnpack")
    return makeQConfig(histogramObserver(false), defaultWeightObserver());
  if (backend == "onednn")
    return makeQConfig(histogramObserver(false),
                       defaultPerChannelWeightObserver());
  return makeQConfig(defaultObserver(), defaultWeightObserver());
}

llvm::Expected<QConfig> qfx::config::getDefaultQATQConfig(llvm::StringRef backend,
                                                  int version) {
  if (version != 0 && version != 1)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "get_default_qat_qconfig version must be 0 or 1, got %d", version);
  bool known = backend == "fbgemm" || backend == "x86" ||
               backend == "qnnpack" || backend == "onednn";
  if (!known)
    return version == 0 ? *getNamedQConfig("default_qat_qconfig")
                        : *getNamedQConfig("default_qat_qconfig_v2");
  ObserverSpec act(version == 0 ? OC::FakeQuantize
                                : OC::FusedMovingAvgObsFakeQuantize);
  act.withObserver(ObserverSpec(OC::MovingAverageMinMaxObserver))
      .withQuantRange(0, 255);
  if (backend != "onednn")
    act.withReduceRange(backend != "qnnpack");
  ObserverSpec weight;
  if (backend == "qnnpack")
    weight =
        version == 0 ? defaultWeightFakeQuant() : defaultFusedWtFakeQuant();
  else
    weight = version == 0 ? defaultPerChannelWeightFakeQuant()
                          : defaultFusedPerChannelWtFakeQuant();
  return makeQConfig(act, weight);
}
