//===- QConfig.h - Observer specs and QConfigs ------------------*- C++ -*-===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// The qfx model of PyTorch 1.13's `QConfig`: a pair of observer (or
// fake-quantize) constructors, each a class plus the keyword arguments bound
// with `with_args`. Unset kwargs mean "the constructor default of that class";
// the `get*` accessors apply those defaults.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_CONFIG_QCONFIG_H
#define QFX_CONFIG_QCONFIG_H

#include "qfx/Config/DType.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace qfx::config {

/// The observer and fake-quantize classes a QConfig may name.
enum class ObserverClass {
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  PerChannelMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
  HistogramObserver,
  PlaceholderObserver,
  RecordingObserver,
  NoopObserver,
  FixedQParamsObserver,
  ReuseInputObserver,
  /// `torch.nn.Identity`, used by weight-only / activation-only qconfigs.
  Identity,
  FakeQuantize,
  FusedMovingAvgObsFakeQuantize,
  FixedQParamsFakeQuantize,
};

/// Returns the canonical class name, e.g.
/// `torch.ao.quantization.observer.MinMaxObserver`.
llvm::StringRef getObserverClassName(ObserverClass cls);
/// Parses a canonical class name. Also accepts the short class name and the
/// `torch.quantization.` re-export spellings.
std::optional<ObserverClass> lookupObserverClass(llvm::StringRef name);
/// True for FakeQuantize, FusedMovingAvgObsFakeQuantize and
/// FixedQParamsFakeQuantize.
bool isFakeQuantizeClass(ObserverClass cls);

/// An observer or fake-quantize constructor: a class plus its explicitly
/// bound keyword arguments. Mirrors `Cls.with_args(**kwargs)`.
struct ObserverSpec {
  ObserverClass cls = ObserverClass::MinMaxObserver;

  std::optional<DType> dtype;
  std::optional<QScheme> qscheme;
  std::optional<int64_t> quantMin;
  std::optional<int64_t> quantMax;
  std::optional<bool> reduceRange;
  std::optional<int64_t> chAxis;
  std::optional<double> averagingConstant;
  std::optional<int64_t> bins;
  std::optional<int64_t> upsampleRate;
  std::optional<double> eps;
  /// Not a 1.13 kwarg (later PyTorch); kept so newer configs load.
  std::optional<bool> isDynamic;
  /// FixedQParamsObserver's `scale` / `zero_point`.
  std::optional<double> scale;
  std::optional<int64_t> zeroPoint;
  /// PlaceholderObserver's `compute_dtype` (marks dynamic quantization).
  std::optional<DType> computeDType;
  std::optional<std::string> customOpName;
  /// The `observer=` kwarg of a fake-quantize class.
  std::shared_ptr<const ObserverSpec> observer;

  ObserverSpec() = default;
  explicit ObserverSpec(ObserverClass cls) : cls(cls) {}

  bool isFakeQuantize() const { return isFakeQuantizeClass(cls); }

  /// For a fake-quantize spec, the observer it instantiates: its `observer`
  /// (or the class default) with this spec's kwargs merged over the
  /// observer's own, as `FakeQuantize.__init__` does. For an observer, a copy
  /// of itself.
  ObserverSpec getEffectiveObserver() const;

  /// Effective kwargs with the class defaults of the effective observer.
  DType getDType() const;
  QScheme getQScheme() const;
  bool getReduceRange() const;
  int64_t getChAxis() const;
  double getAveragingConstant() const;
  int64_t getBins() const;
  int64_t getUpsampleRate() const;
  double getEps() const;
  /// The compute dtype (PlaceholderObserver only), as `get_qconfig_dtypes`.
  std::optional<DType> getComputeDType() const;
  /// The actual (quant_min, quant_max) the observer uses after
  /// `calculate_qmin_qmax`; std::nullopt for non-quantizing observers.
  std::optional<std::pair<int64_t, int64_t>> getQuantRange() const;

  /// Structural equality of class and bound kwargs, like PyTorch's
  /// `obs_or_fq_ctr_equals`.
  bool operator==(const ObserverSpec &other) const;
  bool operator!=(const ObserverSpec &other) const { return !(*this == other); }

  /// Fluent setters for building presets.
  ObserverSpec &withDType(DType v) { return dtype = v, *this; }
  ObserverSpec &withQScheme(QScheme v) { return qscheme = v, *this; }
  ObserverSpec &withQuantRange(int64_t lo, int64_t hi) {
    quantMin = lo;
    quantMax = hi;
    return *this;
  }
  ObserverSpec &withReduceRange(bool v) { return reduceRange = v, *this; }
  ObserverSpec &withChAxis(int64_t v) { return chAxis = v, *this; }
  ObserverSpec &withAveragingConstant(double v) {
    return averagingConstant = v, *this;
  }
  ObserverSpec &withEps(double v) { return eps = v, *this; }
  ObserverSpec &withComputeDType(DType v) { return computeDType = v, *this; }
  ObserverSpec &withObserver(ObserverSpec v) {
    observer = std::make_shared<const ObserverSpec>(std::move(v));
    return *this;
  }
};

/// Checks `spec` against the rules the 1.13 constructors enforce (accepted
/// kwargs per class, dtype/qscheme combinations, quant range). `path` is the
/// JSON-style location used as the message prefix, e.g. `global.activation`.
llvm::Error verifyObserverSpec(const ObserverSpec &spec, llvm::StringRef path);

/// A QConfig: activation and weight constructors. A missing constructor is
/// Python `None`. "No qconfig" (Python `None` for the whole QConfig) is
/// modelled as `std::optional<QConfig>` by users of this type.
struct QConfig {
  std::optional<ObserverSpec> activation;
  std::optional<ObserverSpec> weight;

  bool operator==(const QConfig &o) const {
    return activation == o.activation && weight == o.weight;
  }
  bool operator!=(const QConfig &o) const { return !(*this == o); }
};

/// A QConfig or Python `None`.
using QConfigOrNone = std::optional<QConfig>;

/// Verifies both constructors of `qconfig` (see verifyObserverSpec).
llvm::Error verifyQConfig(const QConfig &qconfig, llvm::StringRef path);

/// (activation dtype, weight dtype, activation compute dtype) as PyTorch's
/// `get_qconfig_dtypes` computes them. Identity and missing constructors count
/// as float32.
struct QConfigDTypes {
  DType activation;
  DType weight;
  std::optional<DType> compute;
};
QConfigDTypes getQConfigDTypes(const QConfig &qconfig);

/// Looks up a named QConfig object of 1.13's qconfig.py (`default_qconfig`,
/// `default_qat_qconfig_v2`, `default_symmetric_qnnpack_qconfig`, ...).
llvm::Expected<QConfig> getNamedQConfig(llvm::StringRef name);
/// The names accepted by getNamedQConfig, in qconfig.py's order.
llvm::ArrayRef<llvm::StringRef> getNamedQConfigNames();

/// `get_default_qconfig(backend)` (version 0); unknown backends fall back to
/// `default_qconfig` as in 1.13.
QConfig getDefaultQConfig(llvm::StringRef backend);
/// `get_default_qat_qconfig(backend, version)`; version is 0 or 1.
llvm::Expected<QConfig> getDefaultQATQConfig(llvm::StringRef backend,
                                             int version = 1);

} // namespace qfx::config

#endif // QFX_CONFIG_QCONFIG_H
