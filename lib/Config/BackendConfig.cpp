//===- BackendConfig.cpp - BackendConfig containers -----------------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/BackendConfig.h"

#include "llvm/ADT/StringExtras.h"

using namespace qfx::config;

bool Pattern::operator<(const Pattern &o) const {
  if (op != o.op)
    return op < o.op;
  return elements < o.elements;
}

std::string Pattern::str() const {
  if (!isTuple())
    return op;
  std::string s = "(";
  for (size_t i = 0; i < elements.size(); ++i)
    s += (i ? ", " : "") + elements[i].str();
  return s + ")";
}

llvm::StringRef qfx::config::stringifyObservationType(ObservationType type) {
  return type == ObservationType::OutputShareObserverWithInput
             ? "OUTPUT_SHARE_OBSERVER_WITH_INPUT"
             : "OUTPUT_USE_DIFFERENT_OBSERVER_AS_INPUT";
}

std::optional<ObservationType>
qfx::config::symbolizeObservationType(llvm::StringRef name) {
  if (name == "OUTPUT_SHARE_OBSERVER_WITH_INPUT")
    return ObservationType::OutputShareObserverWithInput;
  if (name == "OUTPUT_USE_DIFFERENT_OBSERVER_AS_INPUT")
    return ObservationType::OutputUseDifferentObserverAsInput;
  return std::nullopt;
}

bool DTypeWithConstraints::operator==(const DTypeWithConstraints &o) const {
  return dtype == o.dtype && quantMinLowerBound == o.quantMinLowerBound &&
         quantMaxUpperBound == o.quantMaxUpperBound &&
         scaleMinLowerBound == o.scaleMinLowerBound &&
         scaleMaxUpperBound == o.scaleMaxUpperBound;
}

bool BackendPatternConfig::operator==(const BackendPatternConfig &o) const {
  return pattern == o.pattern && observationType == o.observationType &&
         dtypeConfigs == o.dtypeConfigs && rootModule == o.rootModule &&
         qatModule == o.qatModule &&
         referenceQuantizedModule == o.referenceQuantizedModule &&
         fusedModule == o.fusedModule && fuserMethod == o.fuserMethod &&
         rootNodeGetter == o.rootNodeGetter &&
         extraInputsGetter == o.extraInputsGetter &&
         numTensorArgsToObservationType == o.numTensorArgsToObservationType &&
         inputTypeToIndex == o.inputTypeToIndex &&
         inputOutputObserved == o.inputOutputObserved &&
         overwriteOutputFakeQuantize == o.overwriteOutputFakeQuantize &&
         overwriteOutputObserver == o.overwriteOutputObserver;
}

BackendConfig &
BackendConfig::setBackendPatternConfig(BackendPatternConfig config) {
  auto it = index.find(config.pattern);
  if (it != index.end()) {
    configs[it->second] = std::move(config);
    return *this;
  }
  index.emplace(config.pattern, configs.size());
  configs.push_back(std::move(config));
  return *this;
}

BackendConfig &BackendConfig::setBackendPatternConfigs(
    llvm::ArrayRef<BackendPatternConfig> newConfigs) {
  for (const BackendPatternConfig &c : newConfigs)
    setBackendPatternConfig(c);
  return *this;
}

const BackendPatternConfig *
BackendConfig::lookup(const Pattern &pattern) const {
  auto it = index.find(pattern);
  return it == index.end() ? nullptr : &configs[it->second];
}

static llvm::Error verifyPattern(const Pattern &p, const std::string &path) {
  if (!p.isTuple()) {
    if (p.op.empty())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     path + ": empty pattern op");
    return llvm::Error::success();
  }
  if (p.elements.size() < 2)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path +
                                       ": a pattern tuple needs at least two "
                                       "elements");
  for (size_t i = 0; i < p.elements.size(); ++i)
    if (auto err =
            verifyPattern(p.elements[i], path + "[" + std::to_string(i) + "]"))
      return err;
  return llvm::Error::success();
}

llvm::Error qfx::config::verifyBackendConfig(const BackendConfig &config) {
  auto configs = config.getConfigs();
  for (size_t i = 0; i < configs.size(); ++i) {
    std::string path = "configs[" + std::to_string(i) + "]";
    if (auto err = verifyPattern(configs[i].pattern, path + ".pattern"))
      return err;
    if (configs[i].overwriteOutputFakeQuantize)
      if (auto err =
              verifyObserverSpec(*configs[i].overwriteOutputFakeQuantize,
                                 path + ".overwrite_output_fake_quantize"))
        return err;
    if (configs[i].overwriteOutputObserver)
      if (auto err = verifyObserverSpec(*configs[i].overwriteOutputObserver,
                                        path + ".overwrite_output_observer"))
        return err;
  }
  return llvm::Error::success();
}
