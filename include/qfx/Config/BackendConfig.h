//===- BackendConfig.h - What a backend can quantize ------------*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// The qfx model of PyTorch 1.13's `BackendConfig`, `BackendPatternConfig`,
// `DTypeConfig` and `DTypeWithConstraints`, the backend presets, and the
// dtype-support check prepare_fx runs before quantizing a matched pattern.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_CONFIG_BACKENDCONFIG_H
#define QFX_CONFIG_BACKENDCONFIG_H

#include "qfx/Config/QConfig.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace qfx::config {

/// An op pattern: a single op (canonical target name) or a fusion pattern in
/// 1.13's reversed nested-tuple form, e.g. (ReLU, (BatchNorm2d, Conv2d)).
struct Pattern {
  /// Set for a single op; empty for a tuple.
  std::string op;
  /// The tuple elements; empty for a single op.
  std::vector<Pattern> elements;

  Pattern() = default;
  Pattern(const char *op) : op(op) {}
  Pattern(std::string op) : op(std::move(op)) {}
  Pattern(llvm::StringRef op) : op(op.str()) {}
  Pattern(std::initializer_list<Pattern> elements) : elements(elements) {}

  bool isTuple() const { return !elements.empty(); }
  bool operator==(const Pattern &o) const {
    return op == o.op && elements == o.elements;
  }
  bool operator<(const Pattern &o) const;
  /// Python-like text: `(A, (B, C))` or `A`.
  std::string str() const;
};

/// How observers are inserted around a pattern's output.
enum class ObservationType {
  OutputUseDifferentObserverAsInput,
  OutputShareObserverWithInput,
};
/// The Python enum member name (`OUTPUT_USE_DIFFERENT_OBSERVER_AS_INPUT`).
llvm::StringRef stringifyObservationType(ObservationType type);
std::optional<ObservationType> symbolizeObservationType(llvm::StringRef name);

/// A dtype plus optional backend constraints on the observer producing it.
/// 1.13 has exactly these four bounds (no exact-match fields).
struct DTypeWithConstraints {
  std::optional<DType> dtype;
  std::optional<double> quantMinLowerBound;
  std::optional<double> quantMaxUpperBound;
  std::optional<double> scaleMinLowerBound;
  std::optional<double> scaleMaxUpperBound;

  DTypeWithConstraints() = default;
  DTypeWithConstraints(DType dtype) : dtype(dtype) {}
  bool hasConstraints() const {
    return quantMinLowerBound || quantMaxUpperBound || scaleMinLowerBound ||
           scaleMaxUpperBound;
  }
  bool operator==(const DTypeWithConstraints &o) const;
};

/// Supported input/output/weight/bias dtypes of a pattern.
struct DTypeConfig {
  DTypeWithConstraints input;
  DTypeWithConstraints output;
  DTypeWithConstraints weight;
  std::optional<DType> bias;
  std::optional<bool> isDynamic;

  bool operator==(const DTypeConfig &o) const {
    return input == o.input && output == o.output && weight == o.weight &&
           bias == o.bias && isDynamic == o.isDynamic;
  }
};

/// Config for one pattern. Class and function fields hold canonical names;
/// empty means Python None.
struct BackendPatternConfig {
  Pattern pattern;
  ObservationType observationType =
      ObservationType::OutputUseDifferentObserverAsInput;
  std::vector<DTypeConfig> dtypeConfigs;
  std::string rootModule;
  std::string qatModule;
  std::string referenceQuantizedModule;
  std::string fusedModule;
  /// E.g. `torch.ao.quantization.fuser_method_mappings.reverse2(
  /// torch.ao.quantization.fuser_method_mappings.fuse_conv_bn)`.
  std::string fuserMethod;
  std::string rootNodeGetter;
  std::string extraInputsGetter;
  std::map<int64_t, ObservationType> numTensorArgsToObservationType;
  std::map<std::string, int64_t> inputTypeToIndex;
  std::optional<bool> inputOutputObserved;
  std::optional<ObserverSpec> overwriteOutputFakeQuantize;
  std::optional<ObserverSpec> overwriteOutputObserver;

  BackendPatternConfig() = default;
  explicit BackendPatternConfig(Pattern pattern)
      : pattern(std::move(pattern)) {}
  bool operator==(const BackendPatternConfig &o) const;
};

/// A named list of pattern configs. Like the Python dict keyed by pattern,
/// re-setting a pattern replaces its config at the original position.
class BackendConfig {
public:
  explicit BackendConfig(llvm::StringRef name = "") : name(name.str()) {}

  llvm::StringRef getName() const { return name; }
  void setName(llvm::StringRef n) { name = n.str(); }
  BackendConfig &setBackendPatternConfig(BackendPatternConfig config);
  BackendConfig &
  setBackendPatternConfigs(llvm::ArrayRef<BackendPatternConfig> configs);
  llvm::ArrayRef<BackendPatternConfig> getConfigs() const { return configs; }
  /// nullptr if `pattern` has no config.
  const BackendPatternConfig *lookup(const Pattern &pattern) const;

  bool operator==(const BackendConfig &o) const {
    return name == o.name && configs == o.configs;
  }

private:
  std::string name;
  std::vector<BackendPatternConfig> configs;
  std::map<Pattern, size_t> index;
};

/// The backend names getBackendConfig accepts.
llvm::ArrayRef<llvm::StringRef> getBackendConfigNames();
/// The preset `name` (fbgemm, x86, qnnpack, native, tensorrt, executorch,
/// onednn); an empty name means `native`, prepare_fx's default.
llvm::Expected<BackendConfig> getBackendConfig(llvm::StringRef name);

BackendConfig getNativeBackendConfig();
BackendConfig getFbgemmBackendConfig();
BackendConfig getX86BackendConfig();
BackendConfig getQNNPackBackendConfig();
BackendConfig getTensorRTBackendConfig();
BackendConfig getExecuTorchBackendConfig();
/// Not in 1.13: native plus oneDNN's Conv+Add(+ReLU) and Linear+LeakyReLU /
/// Linear+Tanh fusions, following later PyTorch (documented divergence).
BackendConfig getOneDNNBackendConfig();

/// Checks whether `qconfig` is supported by one of `dtypeConfigs`, as
/// prepare_fx does (1.13 `is_qconfig_supported_by_dtype_configs` plus the
/// DTypeWithConstraints checks of later releases). Returns std::nullopt when
/// supported; otherwise a reason naming the closest failing DTypeConfig
/// constraint, for explaining silent float fallbacks.
std::optional<std::string>
checkQConfigSupported(const QConfig &qconfig,
                      llvm::ArrayRef<DTypeConfig> dtypeConfigs);

/// Verifies observer specs and pattern shapes of `config`.
llvm::Error verifyBackendConfig(const BackendConfig &config);

} // namespace qfx::config

#endif // QFX_CONFIG_BACKENDCONFIG_H
