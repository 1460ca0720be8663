//===- ObserverSpec.cpp - Observer constructor model ----------------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Class names, per-class constructor defaults, and the kwarg forwarding that
// FakeQuantize.__init__ performs.
//
//===----------------------------------------------------------------------===//

#include "ObserverKwargs.h"

#include "llvm/ADT/StringSwitch.h"

using namespace qfx::config;

namespace {
struct ClassName {
  ObserverClass cls;
  const char *name;
};
} // namespace

static const ClassName kClassNames[] = {
    {ObserverClass::MinMaxObserver,
     "torch.ao.quantization.observer.MinMaxObserver"},
    {ObserverClass::MovingAverageMinMaxObserver,
     "torch.ao.quantization.observer.MovingAverageMinMaxObserver"},
    {ObserverClass::PerChannelMinMaxObserver,
     "torch.ao.quantization.observer.PerChannelMinMaxObserver"},
    {ObserverClass::MovingAveragePerChannelMinMaxObserver,
     "torch.ao.quantization.observer.MovingAveragePerChannelMinMaxObserver"},
    {ObserverClass::HistogramObserver,
     "torch.ao.quantization.observer.HistogramObserver"},
    {ObserverClass::PlaceholderObserver,
     "torch.ao.quantization.observer.PlaceholderObserver"},
    {ObserverClass::RecordingObserver,
     "torch.ao.quantization.observer.RecordingObserver"},
    {ObserverClass::NoopObserver,
     "torch.ao.quantization.observer.NoopObserver"},
    {ObserverClass::FixedQParamsObserver,
     "torch.ao.quantization.observer.FixedQParamsObserver"},
    {ObserverClass::ReuseInputObserver,
     "torch.ao.quantization.observer.ReuseInputObserver"},
    {ObserverClass::Identity, "torch.nn.modules.linear.Identity"},
    {ObserverClass::FakeQuantize,
     "torch.ao.quantization.fake_quantize.FakeQuantize"},
    {ObserverClass::FusedMovingAvgObsFakeQuantize,
     "torch.ao.quantization.fake_quantize.FusedMovingAvgObsFakeQuantize"},
    {ObserverClass::FixedQParamsFakeQuantize,
     "torch.ao.quantization.fake_quantize.FixedQParamsFakeQuantize"},
};

/// float32 machine epsilon, the default `eps` of uniform observers.
static constexpr double kFloat32Eps = 1.1920928955078125e-07;

llvm::StringRef qfx::config::getObserverClassName(ObserverClass cls) {
  for (const ClassName &c : kClassNames)
    if (c.cls == cls)
      return c.name;
  llvm_unreachable("unknown ObserverClass");
}

std::optional<ObserverClass> qfx::config::lookupObserverClass(llvm::StringRef name) {
  for (const ClassName &c : kClassNames) {
    llvm::StringRef full(c.name);
    llvm::StringRef shortName = full.rsplit('.').second;
    if (name == full || name == shortName)
      return c.cls;
    // `torch.quantization.X` / `torch.ao.quantization.X` re-exports.
    if (name == ("torch.quantization." + shortName).str() ||
        name == ("torch.ao.quantization." + shortName).str())
      return c.cls;
  }
  if (name == "torch.nn.Identity")
    return ObserverClass::Identity;
  return std::nullopt;
}

bool qfx::config::isFakeQuantizeClass(ObserverClass cls) {
  return cls == ObserverClass::FakeQuantize ||
         cls == ObserverClass::FusedMovingAvgObsFakeQuantize ||
         cls == ObserverClass::FixedQParamsFakeQuantize;
}

static bool isUniformObserver(ObserverClass cls) {
  switch (cls) {
  case ObserverClass::MinMaxObserver:
  case ObserverClass::MovingAverageMinMaxObserver:
  case ObserverClass::PerChannelMinMaxObserver:
  case ObserverClass::MovingAveragePerChannelMinMaxObserver:
  case ObserverClass::HistogramObserver:
    return true;
  default:
    return false;
  }
}

bool qfx::config::detail::acceptsKwarg(ObserverClass cls, llvm::StringRef name) {
  bool uniform = llvm::is_contained(
      {"dtype", "qscheme", "reduce_range", "quant_min", "quant_max", "eps"},
      name);
  switch (cls) {
  case ObserverClass::MinMaxObserver:
    return uniform;
  case ObserverClass::MovingAverageMinMaxObserver:
    return uniform || name == "averaging_constant";
  case ObserverClass::PerChannelMinMaxObserver:
    return uniform || name == "ch_axis";
  case ObserverClass::MovingAveragePerChannelMinMaxObserver:
    return uniform || name == "ch_axis" || name == "averaging_constant";
  case ObserverClass::HistogramObserver:
    return uniform || name == "bins" || name == "upsample_rate";
  case ObserverClass::FixedQParamsObserver:
    return llvm::is_contained(
        {"scale", "zero_point", "dtype", "qscheme", "quant_min", "quant_max"},
        name);
  case ObserverClass::PlaceholderObserver:
    return llvm::is_contained(
        {"dtype", "custom_op_name", "compute_dtype", "is_dynamic"}, name);
  case ObserverClass::NoopObserver:
    return name == "dtype" || name == "custom_op_name";
  case ObserverClass::RecordingObserver: // takes **kwargs
  case ObserverClass::Identity:          // takes *args, **kwargs
    return true;
  case ObserverClass::ReuseInputObserver:
    return false;
  case ObserverClass::FakeQuantize:
  case ObserverClass::FusedMovingAvgObsFakeQuantize:
    return name == "observer" || name == "quant_min" || name == "quant_max";
  case ObserverClass::FixedQParamsFakeQuantize:
    return name == "observer";
  }
  return false;
}

bool qfx::config::detail::hasKwarg(const ObserverSpec &spec, llvm::StringRef name) {
#define QFX_HAS(member, pyName, kind)                                          \
  if (name == pyName)                                                          \
    return spec.member.has_value();
  QFX_OBSERVER_KWARGS(QFX_HAS)
#undef QFX_HAS
  if (name == "observer")
    return spec.observer != nullptr;
  return false;
}

ObserverSpec ObserverSpec::getEffectiveObserver() const {
  if (!isFakeQuantize())
    return *this;
  ObserverSpec result =
      observer ? observer->getEffectiveObserver()
               : ObserverSpec(ObserverClass::MovingAverageMinMaxObserver);
  // Keyword arguments other than observer/quant_min/quant_max are forwarded
  // to the observer and override the observer partial's own.
#define QFX_MERGE(member, pyName, kind)                                        \
  if (member && llvm::StringRef(pyName) != "quant_min" &&                      \
      llvm::StringRef(pyName) != "quant_max")                                  \
    result.member = member;
  QFX_OBSERVER_KWARGS(QFX_MERGE)
#undef QFX_MERGE
  // quant_min/quant_max reach the observer only when both are given;
  // FusedMovingAvgObsFakeQuantize defaults them to 0/255.
  std::optional<int64_t> qmin = quantMin, qmax = quantMax;
  if (cls == ObserverClass::FusedMovingAvgObsFakeQuantize) {
    qmin = qmin.value_or(0);
    qmax = qmax.value_or(255);
  }
  if (qmin && qmax) {
    result.quantMin = qmin;
    result.quantMax = qmax;
  }
  return result;
}

DType ObserverSpec::getDType() const {
  ObserverSpec obs = getEffectiveObserver();
  if (obs.dtype)
    return *obs.dtype;
  switch (obs.cls) {
  case ObserverClass::PlaceholderObserver:
  case ObserverClass::Identity:
    return DType::Float32;
  case ObserverClass::NoopObserver:
    return DType::Float16;
  default:
    return DType::QUInt8;
  }
}

QScheme ObserverSpec::getQScheme() const {
  ObserverSpec obs = getEffectiveObserver();
  if (obs.qscheme)
    return *obs.qscheme;
  if (obs.cls == ObserverClass::PerChannelMinMaxObserver ||
      obs.cls == ObserverClass::MovingAveragePerChannelMinMaxObserver)
    return QScheme::PerChannelAffine;
  return QScheme::PerTensorAffine;
}

bool ObserverSpec::getReduceRange() const {
  return getEffectiveObserver().reduceRange.value_or(false);
}
int64_t ObserverSpec::getChAxis() const {
  return getEffectiveObserver().chAxis.value_or(0);
}
double ObserverSpec::getAveragingConstant() const {
  return getEffectiveObserver().averagingConstant.value_or(0.01);
}
int64_t ObserverSpec::getBins() const {
  return getEffectiveObserver().bins.value_or(2048);
}
int64_t ObserverSpec::getUpsampleRate() const {
  return getEffectiveObserver().upsampleRate.value_or(128);
}
double ObserverSpec::getEps() const {
  return getEffectiveObserver().eps.value_or(kFloat32Eps);
}

std::optional<DType> ObserverSpec::getComputeDType() const {
  ObserverSpec obs = getEffectiveObserver();
  if (obs.cls != ObserverClass::PlaceholderObserver)
    return std::nullopt;
  return obs.computeDType;
}

std::optional<std::pair<int64_t, int64_t>> ObserverSpec::getQuantRange() const {
  ObserverSpec obs = getEffectiveObserver();
  if (obs.cls == ObserverClass::FixedQParamsObserver)
    return std::make_pair(obs.quantMin.value_or(0), obs.quantMax.value_or(255));
  if (!isUniformObserver(obs.cls))
    return std::nullopt;
  DType dtype = getDType();
  bool reduce = getReduceRange();
  // calculate_qmin_qmax: a customized range is halved by reduce_range,
  // otherwise the 8-bit defaults apply.
  if (obs.quantMin && obs.quantMax) {
    int64_t lo = *obs.quantMin, hi = *obs.quantMax;
    if (reduce) {
      // Python floor division.
      auto floorDiv2 = [](int64_t v) {
        return v >= 0 ? v / 2 : -((-v + 1) / 2);
      };
      lo = floorDiv2(lo);
      hi = floorDiv2(hi);
    }
    return std::make_pair(lo, hi);
  }
  switch (dtype) {
  case DType::QInt8:
    return reduce ? std::make_pair<int64_t, int64_t>(-64, 63)
                  : std::make_pair<int64_t, int64_t>(-128, 127);
  case DType::QUInt8:
    return reduce ? std::make_pair<int64_t, int64_t>(0, 127)
                  : std::make_pair<int64_t, int64_t>(0, 255);
  case DType::QInt32:
    return getDTypeRange(DType::QInt32);
  default:
    return std::make_pair<int64_t, int64_t>(0, 15);
  }
}

bool ObserverSpec::operator==(const ObserverSpec &other) const {
  if (cls != other.cls)
    return false;
#define QFX_EQ(member, pyName, kind)                                           \
  if (member != other.member)                                                  \
    return false;
  QFX_OBSERVER_KWARGS(QFX_EQ)
#undef QFX_EQ
  if (!observer || !other.observer)
    return !observer && !other.observer;
  return *observer == *other.observer;
}
