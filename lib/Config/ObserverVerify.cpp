//===- ObserverVerify.cpp - Constructor checks of observers ---------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Reproduces the argument checks of the PyTorch 1.13 observer and
// fake-quantize constructors, so that a config PyTorch would reject at
// prepare time is rejected when it is loaded.
//
//===----------------------------------------------------------------------===//

#include "ObserverKwargs.h"

#include "llvm/ADT/Twine.h"

using namespace qfx::config;

static llvm::Error makeError(const llvm::Twine &path, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (path + ": " + msg).str());
}

static llvm::StringRef shortName(ObserverClass cls) {
  return getObserverClassName(cls).rsplit('.').second;
}

namespace {
/// Locates the JSON path to blame for an effective kwarg of a (possibly
/// fake-quantize) spec.
struct Blamer {
  const ObserverSpec &spec;
  llvm::StringRef path;

  std::string operator()(llvm::StringRef kwarg) const {
    std::string p = path.str();
    const ObserverSpec *cur = &spec;
    while (cur) {
      if (detail::hasKwarg(*cur, kwarg))
        return p + ".kwargs." + kwarg.str();
      if (!cur->observer)
        break;
      p += ".kwargs.observer";
      cur = cur->observer.get();
    }
    return path.str();
  }
};
} // namespace

/// Checks the kwargs bound on `spec` itself (not forwarded ones).
static llvm::Error verifyAcceptedKwargs(const ObserverSpec &spec,
                                        llvm::StringRef path) {
#define QFX_CHECK(member, pyName, kind)                                        \
  if (spec.member && !spec.isFakeQuantize() &&                                 \
      !detail::acceptsKwarg(spec.cls, pyName))                                 \
    return makeError(path + ".kwargs." + pyName,                               \
                     shortName(spec.cls) +                                     \
                         " got an unexpected keyword argument '" + pyName +    \
                         "'");
  QFX_OBSERVER_KWARGS(QFX_CHECK)
#undef QFX_CHECK
  if (spec.observer && !spec.isFakeQuantize())
    return makeError(path + ".kwargs.observer",
                     shortName(spec.cls) +
                         " got an unexpected keyword argument 'observer'");
  return llvm::Error::success();
}

/// The checks of UniformQuantizationObserverBase and its subclasses.
static llvm::Error verifyUniform(const ObserverSpec &spec,
                                 const ObserverSpec &obs, const Blamer &blame) {
  QScheme qscheme = spec.getQScheme();
  DType dtype = spec.getDType();
  llvm::StringRef name = shortName(obs.cls);
  bool perTensorClass = obs.cls == ObserverClass::MinMaxObserver ||
                        obs.cls == ObserverClass::MovingAverageMinMaxObserver ||
                        obs.cls == ObserverClass::HistogramObserver;
  if (perTensorClass && !isPerTensor(qscheme))
    return makeError(blame("qscheme"),
                     name +
                         "'s qscheme only supports per_tensor_symmetric "
                         "and per_tensor_affine, got " +
                         stringifyQScheme(qscheme));
  if (!perTensorClass && !isPerChannel(qscheme))
    return makeError(blame("qscheme"),
                     name +
                         "'s qscheme only supports per_channel_symmetric, "
                         "per_channel_affine and "
                         "per_channel_affine_float_qparams, got " +
                         stringifyQScheme(qscheme));
  if (!isQuantizedDType(dtype))
    return makeError(blame("dtype"),
                     name +
                         " only works for qint8, quint8, quint4x2 and "
                         "qint32, got " +
                         stringifyDType(dtype));
  if (obs.quantMin && obs.quantMax) {
    int64_t lo = *obs.quantMin, hi = *obs.quantMax;
    if (!(lo <= 0 && 0 <= hi))
      return makeError(blame("quant_min"),
                       "user-specified quantization range [" + llvm::Twine(lo) +
                           ", " + llvm::Twine(hi) + "] must include 0");
    if (lo >= hi)
      return makeError(blame("quant_min"),
                       "quant_min (" + llvm::Twine(lo) +
                           ") must be strictly less than quant_max (" +
                           llvm::Twine(hi) + ")");
    int64_t len = hi - lo + 1;
    if (dtype == DType::QInt8 && len > 256)
      return makeError(blame("quant_max"),
                       "quantization range of " + llvm::Twine(len) +
                           " values exceeds the 8-bit range (256)");
    if (dtype == DType::QInt32 && len > (int64_t(1) << 31))
      return makeError(blame("quant_max"),
                       "quantization range exceeds the qint32 range (2**31)");
  }
  bool checksReduceRange = obs.cls != ObserverClass::HistogramObserver &&
                           (qscheme == QScheme::PerTensorSymmetric ||
                            qscheme == QScheme::PerChannelSymmetric);
  if (checksReduceRange && spec.getReduceRange() && dtype == DType::QUInt8)
    return makeError(blame("reduce_range"),
                     "cannot reduce range for symmetric quantization for "
                     "quint8");
  return llvm::Error::success();
}

static llvm::Error verifyFakeQuantize(const ObserverSpec &spec,
                                      llvm::StringRef path) {
  if (!spec.observer && spec.cls == ObserverClass::FixedQParamsFakeQuantize)
    return makeError(path + ".kwargs",
                     "FixedQParamsFakeQuantize requires an 'observer'");
  if (spec.observer) {
    if (spec.observer->isFakeQuantize())
      return makeError(path + ".kwargs.observer",
                       "a fake-quantize class cannot be used as observer");
    if (auto err = verifyAcceptedKwargs(*spec.observer,
                                        (path + ".kwargs.observer").str()))
      return err;
  }
  ObserverSpec obs = spec.getEffectiveObserver();
  // Forwarded kwargs must be accepted by the observer constructor.
#define QFX_CHECK(member, pyName, kind)                                        \
  if (spec.member && llvm::StringRef(pyName) != "quant_min" &&                 \
      llvm::StringRef(pyName) != "quant_max" &&                                \
      !detail::acceptsKwarg(obs.cls, pyName))                                  \
    return makeError(path + ".kwargs." + pyName,                               \
                     shortName(obs.cls) +                                      \
                         " got an unexpected keyword argument '" + pyName +    \
                         "'");
  QFX_OBSERVER_KWARGS(QFX_CHECK)
#undef QFX_CHECK
  if (spec.cls == ObserverClass::FixedQParamsFakeQuantize) {
    if (spec.quantMin || spec.quantMax)
      return makeError(path + ".kwargs", "FixedQParamsFakeQuantize only "
                                         "accepts the 'observer' kwarg");
    if (obs.cls != ObserverClass::FixedQParamsObserver)
      return makeError(path + ".kwargs.observer",
                       "FixedQParamsFakeQuantize requires a "
                       "FixedQParamsObserver, got " +
                           shortName(obs.cls));
  }
  if (spec.cls == ObserverClass::FusedMovingAvgObsFakeQuantize &&
      obs.cls != ObserverClass::MovingAverageMinMaxObserver &&
      obs.cls != ObserverClass::MovingAveragePerChannelMinMaxObserver)
    return makeError(path + ".kwargs.observer",
                     "FusedMovingAvgObsFakeQuantize requires a moving-average "
                     "observer, got " +
                         shortName(obs.cls));
  // FakeQuantize.__init__: quant_min <= quant_max and within the dtype.
  std::optional<int64_t> qmin = spec.quantMin, qmax = spec.quantMax;
  if (spec.cls == ObserverClass::FusedMovingAvgObsFakeQuantize) {
    qmin = qmin.value_or(0);
    qmax = qmax.value_or(255);
  }
  if (qmin && qmax) {
    if (*qmin > *qmax)
      return makeError(path + ".kwargs.quant_min",
                       "quant_min (" + llvm::Twine(*qmin) +
                           ") must be less than or equal to quant_max (" +
                           llvm::Twine(*qmax) + ")");
    DType dtype = spec.getDType();
    auto range = getDTypeRange(dtype);
    if (!range)
      return makeError(path + ".kwargs.dtype",
                       "a quant range needs an integer dtype, got " +
                           stringifyDType(dtype));
    if (*qmin < range->first)
      return makeError(path + ".kwargs.quant_min",
                       "quant_min " + llvm::Twine(*qmin) +
                           " out of bound for " + stringifyDType(dtype));
    if (*qmax > range->second)
      return makeError(path + ".kwargs.quant_max",
                       "quant_max " + llvm::Twine(*qmax) +
                           " out of bound for " + stringifyDType(dtype));
  }
  return llvm::Error::success();
}

llvm::Error qfx::config::verifyObserverSpec(const ObserverSpec &spec,
                                    llvm::StringRef path) {
  if (auto err = verifyAcceptedKwargs(spec, path))
    return err;
  if (spec.isFakeQuantize())
    if (auto err = verifyFakeQuantize(spec, path))
      return err;
  ObserverSpec obs = spec.getEffectiveObserver();
  Blamer blame{spec, path};
  switch (obs.cls) {
  case ObserverClass::MinMaxObserver:
  case ObserverClass::MovingAverageMinMaxObserver:
  case ObserverClass::PerChannelMinMaxObserver:
  case ObserverClass::MovingAveragePerChannelMinMaxObserver:
  case ObserverClass::HistogramObserver:
    return verifyUniform(spec, obs, blame);
  case ObserverClass::FixedQParamsObserver:
    if (!obs.scale || !obs.zeroPoint)
      return makeError(blame("scale"), "FixedQParamsObserver requires "
                                       "'scale' and 'zero_point'");
    return llvm::Error::success();
  default:
    return llvm::Error::success();
  }
}
