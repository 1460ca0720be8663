//===- NamedObservers.cpp - 1.13's named observer constructors ------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "NamedObservers.h"

using namespace qfx::config;
using OC = ObserverClass;

static constexpr double kEps2PowNeg12 = 1.0 / 4096.0;

ObserverSpec named::defaultObserver() {
  return ObserverSpec(OC::MinMaxObserver).withQuantRange(0, 127);
}
ObserverSpec named::defaultWeightObserver() {
  return ObserverSpec(OC::MinMaxObserver)
      .withDType(DType::QInt8)
      .withQScheme(QScheme::PerTensorSymmetric);
}
ObserverSpec named::weightObserverRangeNeg127To127() {
  return defaultWeightObserver().withQuantRange(-127, 127).withEps(
      kEps2PowNeg12);
}
ObserverSpec named::defaultPerChannelWeightObserver() {
  return ObserverSpec(OC::PerChannelMinMaxObserver)
      .withDType(DType::QInt8)
      .withQScheme(QScheme::PerChannelSymmetric);
}
ObserverSpec named::perChannelWeightObserverRangeNeg127To127() {
  return defaultPerChannelWeightObserver().withQuantRange(-127, 127).withEps(
      kEps2PowNeg12);
}
ObserverSpec named::defaultDynamicQuantObserver() {
  return ObserverSpec(OC::PlaceholderObserver)
      .withDType(DType::QUInt8)
      .withComputeDType(DType::QUInt8);
}
ObserverSpec named::defaultFloatQParamsObserver() {
  return ObserverSpec(OC::PerChannelMinMaxObserver)
      .withDType(DType::QUInt8)
      .withQScheme(QScheme::PerChannelAffineFloatQParams)
      .withChAxis(0);
}
ObserverSpec named::defaultFloatQParamsObserver4Bit() {
  return defaultFloatQParamsObserver().withDType(DType::QUInt4x2);
}
ObserverSpec named::defaultPlaceholderObserver() {
  return ObserverSpec(OC::PlaceholderObserver);
}
ObserverSpec named::defaultDebugObserver() {
  return ObserverSpec(OC::RecordingObserver);
}
static ObserverSpec fixedQParams(double scale, int64_t zeroPoint) {
  ObserverSpec spec(OC::FixedQParamsObserver);
  spec.scale = scale;
  spec.zeroPoint = zeroPoint;
  return spec.withDType(DType::QUInt8).withQuantRange(0, 255);
}
ObserverSpec named::defaultFixedQParamsRange0To1Observer() {
  return fixedQParams(1.0 / 256.0, 0);
}
ObserverSpec named::defaultFixedQParamsRangeNeg1To1Observer() {
  return fixedQParams(2.0 / 256.0, 128);
}
ObserverSpec named::defaultReuseInputObserver() {
  return ObserverSpec(OC::ReuseInputObserver);
}
ObserverSpec named::histogramObserver(std::optional<bool> reduceRange) {
  ObserverSpec spec(OC::HistogramObserver);
  spec.reduceRange = reduceRange;
  return spec;
}

static ObserverSpec fakeQuant(OC cls, OC observer) {
  return ObserverSpec(cls).withObserver(ObserverSpec(observer));
}
ObserverSpec named::defaultFakeQuant() {
  return fakeQuant(OC::FakeQuantize, OC::MovingAverageMinMaxObserver)
      .withQuantRange(0, 255)
      .withDType(DType::QUInt8)
      .withQScheme(QScheme::PerTensorAffine)
      .withReduceRange(true);
}
ObserverSpec named::defaultWeightFakeQuant() {
  return fakeQuant(OC::FakeQuantize, OC::MovingAverageMinMaxObserver)
      .withQuantRange(-128, 127)
      .withDType(DType::QInt8)
      .withQScheme(QScheme::PerTensorSymmetric)
      .withReduceRange(false);
}
ObserverSpec named::defaultDynamicFakeQuant() {
  return fakeQuant(OC::FakeQuantize, OC::MovingAverageMinMaxObserver)
      .withQuantRange(0, 255)
      .withDType(DType::QUInt8)
      .withAveragingConstant(1);
}
ObserverSpec named::defaultPerChannelWeightFakeQuant() {
  return fakeQuant(OC::FakeQuantize, OC::MovingAveragePerChannelMinMaxObserver)
      .withQuantRange(-128, 127)
      .withDType(DType::QInt8)
      .withQScheme(QScheme::PerChannelSymmetric)
      .withReduceRange(false)
      .withChAxis(0);
}
ObserverSpec named::defaultEmbeddingFakeQuant() {
  return fakeQuant(OC::FakeQuantize, OC::MovingAveragePerChannelMinMaxObserver)
      .withQScheme(QScheme::PerChannelAffineFloatQParams)
      .withDType(DType::QUInt8)
      .withQuantRange(0, 255)
      .withChAxis(0)
      .withAveragingConstant(1);
}
ObserverSpec named::defaultEmbeddingFakeQuant4Bit() {
  return fakeQuant(OC::FakeQuantize, OC::MovingAveragePerChannelMinMaxObserver)
      .withQScheme(QScheme::PerChannelAffineFloatQParams)
      .withChAxis(0)
      .withDType(DType::QUInt4x2)
      .withAveragingConstant(1);
}
ObserverSpec named::defaultFusedActFakeQuant() {
  return fakeQuant(OC::FusedMovingAvgObsFakeQuantize,
                   OC::MovingAverageMinMaxObserver)
      .withQuantRange(0, 255)
      .withDType(DType::QUInt8);
}
ObserverSpec named::defaultFusedWtFakeQuant() {
  return fakeQuant(OC::FusedMovingAvgObsFakeQuantize,
                   OC::MovingAverageMinMaxObserver)
      .withQuantRange(-128, 127)
      .withDType(DType::QInt8)
      .withQScheme(QScheme::PerTensorSymmetric);
}
ObserverSpec named::defaultFusedPerChannelWtFakeQuant() {
  return fakeQuant(OC::FusedMovingAvgObsFakeQuantize,
                   OC::MovingAveragePerChannelMinMaxObserver)
      .withQuantRange(-128, 127)
      .withDType(DType::QInt8)
      .withQScheme(QScheme::PerChannelSymmetric);
}
ObserverSpec named::fusedWtFakeQuantRangeNeg127To127() {
  return defaultFusedWtFakeQuant().withQuantRange(-127, 127).withEps(
      kEps2PowNeg12);
}
ObserverSpec named::fusedPerChannelWtFakeQuantRangeNeg127To127() {
  return defaultFusedPerChannelWtFakeQuant().withQuantRange(-127, 127).withEps(
      kEps2PowNeg12);
}
ObserverSpec named::fixedQParamsFakeQuant(ObserverSpec obs) {
  return ObserverSpec(OC::FixedQParamsFakeQuantize).withObserver(obs);
}

ObserverSpec named::FixedQParamsOp::observer() const {
  return zeroToOne ? defaultFixedQParamsRange0To1Observer()
                   : defaultFixedQParamsRangeNeg1To1Observer();
}

llvm::ArrayRef<named::FixedQParamsOp> named::fixedQParamsOps() {
  static const FixedQParamsOp ops[] = {
      {"torch.nn.modules.activation.Hardsigmoid", true},
      {"torch.nn.functional.hardsigmoid", true},
      {"hardsigmoid", true},
      {"hardsigmoid_", true},
      {"torch.nn.modules.activation.Sigmoid", true},
      {"torch.sigmoid", true},
      {"sigmoid", true},
      {"sigmoid_", true},
      {"torch.nn.modules.activation.Softmax", true},
      {"torch.nn.modules.activation.Tanh", false},
      {"torch.tanh", false},
      {"tanh", false},
      {"tanh_", false},
  };
  return ops;
}
