//===- QConfigTest.cpp - Observer specs and named QConfigs ----------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/QConfig.h"

#include <catch2/catch.hpp>

using namespace qfx::config;
using OC = ObserverClass;

static std::string errorOf(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

TEST_CASE("dtype and qscheme names round-trip", "[config][qconfig]") {
  for (DType d : {DType::QUInt8, DType::QInt8, DType::QInt32, DType::QUInt4x2,
                  DType::Float16, DType::Float32})
    CHECK(symbolizeDType(stringifyDType(d)) == d);
  CHECK(symbolizeDType("float") == DType::Float32);
  CHECK(!symbolizeDType("quint9"));
  for (QScheme q : {QScheme::PerTensorAffine, QScheme::PerTensorSymmetric,
                    QScheme::PerChannelAffine, QScheme::PerChannelSymmetric,
                    QScheme::PerChannelAffineFloatQParams})
    CHECK(symbolizeQScheme(stringifyQScheme(q)) == q);
}

TEST_CASE("observer class names", "[config][qconfig]") {
  CHECK(getObserverClassName(OC::HistogramObserver) ==
        "torch.ao.quantization.observer.HistogramObserver");
  CHECK(lookupObserverClass("torch.quantization.MinMaxObserver") ==
        OC::MinMaxObserver);
  CHECK(lookupObserverClass("FusedMovingAvgObsFakeQuantize") ==
        OC::FusedMovingAvgObsFakeQuantize);
  CHECK(!lookupObserverClass("torch.ao.quantization.observer.Bogus"));
}

TEST_CASE("per-class constructor defaults", "[config][qconfig]") {
  ObserverSpec hist(OC::HistogramObserver);
  CHECK(hist.getBins() == 2048);
  CHECK(hist.getUpsampleRate() == 128);
  CHECK(hist.getDType() == DType::QUInt8);
  CHECK(hist.getQScheme() == QScheme::PerTensorAffine);
  CHECK(hist.getEps() == 1.1920928955078125e-07);
  ObserverSpec pc(OC::PerChannelMinMaxObserver);
  CHECK(pc.getChAxis() == 0);
  CHECK(pc.getQScheme() == QScheme::PerChannelAffine);
  CHECK(ObserverSpec(OC::MovingAverageMinMaxObserver).getAveragingConstant() ==
        0.01);
  CHECK(ObserverSpec(OC::PlaceholderObserver).getDType() == DType::Float32);
  CHECK(ObserverSpec(OC::NoopObserver).getDType() == DType::Float16);
}

TEST_CASE("quant range follows calculate_qmin_qmax", "[config][qconfig]") {
  using R = std::pair<int64_t, int64_t>;
  CHECK(ObserverSpec(OC::MinMaxObserver).getQuantRange() == R(0, 255));
  CHECK(
      ObserverSpec(OC::MinMaxObserver).withReduceRange(true).getQuantRange() ==
      R(0, 127));
  CHECK(ObserverSpec(OC::MinMaxObserver)
            .withDType(DType::QInt8)
            .withReduceRange(true)
            .getQuantRange() == R(-64, 63));
  CHECK(ObserverSpec(OC::MinMaxObserver)
            .withQuantRange(-127, 127)
            .withReduceRange(true)
            .getQuantRange() == R(-64, 63));
  CHECK(!ObserverSpec(OC::PlaceholderObserver).getQuantRange());
}

TEST_CASE("fake quantize forwards kwargs to its observer",
          "[config][qconfig]") {
  QConfig q = *getNamedQConfig("default_qat_qconfig");
  ObserverSpec obs = q.activation->getEffectiveObserver();
  CHECK(obs.cls == OC::MovingAverageMinMaxObserver);
  CHECK(obs.reduceRange == true);
  CHECK(q.activation->getQuantRange() ==
        std::make_pair<int64_t, int64_t>(0, 127));
  // FusedMovingAvgObsFakeQuantize defaults quant_min/max to 0/255.
  ObserverSpec fused(OC::FusedMovingAvgObsFakeQuantize);
  CHECK(fused.getEffectiveObserver().quantMin == 0);
  CHECK(fused.getEffectiveObserver().quantMax == 255);
  // FakeQuantize drops a lone quant_min.
  ObserverSpec lone(OC::FakeQuantize);
  lone.quantMin = 0;
  CHECK(!lone.getEffectiveObserver().quantMin);
}

TEST_CASE("named qconfigs exist and verify", "[config][qconfig]") {
  CHECK(getNamedQConfigNames().size() == 21);
  for (llvm::StringRef name : getNamedQConfigNames()) {
    auto q = getNamedQConfig(name);
    REQUIRE(static_cast<bool>(q));
    CHECK(errorOf(verifyQConfig(*q, name)) == "");
  }
  auto missing = getNamedQConfig("no_such_qconfig");
  REQUIRE(!missing);
  CHECK_THAT(llvm::toString(missing.takeError()),
             Catch::Contains("unknown named qconfig 'no_such_qconfig'"));
}

TEST_CASE("qconfig dtypes", "[config][qconfig]") {
  QConfigDTypes d =
      getQConfigDTypes(*getNamedQConfig("default_dynamic_qconfig"));
  CHECK(d.activation == DType::QUInt8);
  CHECK(d.weight == DType::QInt8);
  CHECK(d.compute == DType::QUInt8);
  d = getQConfigDTypes(*getNamedQConfig("float16_static_qconfig"));
  CHECK(d.activation == DType::Float16);
  CHECK(!d.compute);
}

TEST_CASE("default qconfigs per backend", "[config][qconfig]") {
  QConfig fbgemm = getDefaultQConfig("fbgemm");
  CHECK(fbgemm.activation->cls == OC::HistogramObserver);
  CHECK(fbgemm.activation->reduceRange == true);
  CHECK(fbgemm.weight->cls == OC::PerChannelMinMaxObserver);
  QConfig qnnpack = getDefaultQConfig("qnnpack");
  CHECK(qnnpack.activation->reduceRange == false);
  CHECK(qnnpack.weight->cls == OC::MinMaxObserver);
  CHECK(getDefaultQConfig("unknown") == *getNamedQConfig("default_qconfig"));
  auto onednnQat = getDefaultQATQConfig("onednn", 1);
  REQUIRE(static_cast<bool>(onednnQat));
  CHECK(!onednnQat->activation->reduceRange);
  auto bad = getDefaultQATQConfig("fbgemm", 7);
  REQUIRE(!bad);
  llvm::consumeError(bad.takeError());
}

TEST_CASE("verify rejects bad qscheme for the class", "[config][qconfig]") {
  ObserverSpec s(OC::MinMaxObserver);
  s.withQScheme(QScheme::PerChannelAffine);
  CHECK_THAT(errorOf(verifyObserverSpec(s, "global.activation")),
             Catch::StartsWith("global.activation.kwargs.qscheme: "
                               "MinMaxObserver's qscheme only supports"));
  ObserverSpec pc(OC::PerChannelMinMaxObserver);
  pc.withQScheme(QScheme::PerTensorAffine);
  CHECK_THAT(errorOf(verifyObserverSpec(pc, "w")),
             Catch::StartsWith("w.kwargs.qscheme:"));
}

TEST_CASE("verify rejects float dtype on uniform observers",
          "[config][qconfig]") {
  ObserverSpec s(OC::HistogramObserver);
  s.withDType(DType::Float16);
  CHECK_THAT(errorOf(verifyObserverSpec(s, "a")),
             Catch::StartsWith("a.kwargs.dtype: HistogramObserver only works"));
}

TEST_CASE("verify rejects bad quant ranges", "[config][qconfig]") {
  CHECK_THAT(errorOf(verifyObserverSpec(
                 ObserverSpec(OC::MinMaxObserver).withQuantRange(10, 5), "a")),
             Catch::StartsWith("a.kwargs.quant_min:"));
  CHECK_THAT(errorOf(verifyObserverSpec(
                 ObserverSpec(OC::MinMaxObserver).withQuantRange(1, 5), "a")),
             Catch::Contains("must include 0"));
  CHECK_THAT(errorOf(verifyObserverSpec(ObserverSpec(OC::MinMaxObserver)
                                            .withDType(DType::QInt8)
                                            .withQuantRange(-200, 200),
                                        "a")),
             Catch::Contains("exceeds the 8-bit range"));
  CHECK_THAT(
      errorOf(verifyObserverSpec(ObserverSpec(OC::FakeQuantize)
                                     .withDType(DType::QInt8)
                                     .withQuantRange(0, 255),
                                 "a")),
      Catch::StartsWith("a.kwargs.quant_max: quant_max 255 out of bound"));
  CHECK_THAT(errorOf(verifyObserverSpec(
                 ObserverSpec(OC::FakeQuantize).withQuantRange(5, 0), "a")),
             Catch::Contains("less than or equal to quant_max"));
}

TEST_CASE("verify rejects reduce_range on symmetric quint8",
          "[config][qconfig]") {
  ObserverSpec s(OC::MinMaxObserver);
  s.withQScheme(QScheme::PerTensorSymmetric).withReduceRange(true);
  CHECK_THAT(errorOf(verifyObserverSpec(s, "a")),
             Catch::StartsWith("a.kwargs.reduce_range: cannot reduce range"));
  // HistogramObserver does not perform this check in 1.13.
  ObserverSpec h(OC::HistogramObserver);
  h.withQScheme(QScheme::PerTensorSymmetric).withReduceRange(true);
  CHECK(errorOf(verifyObserverSpec(h, "a")) == "");
}

TEST_CASE("verify rejects kwargs the constructor does not take",
          "[config][qconfig]") {
  ObserverSpec s(OC::MinMaxObserver);
  s.bins = 10;
  CHECK(errorOf(verifyObserverSpec(s, "a")) ==
        "a.kwargs.bins: MinMaxObserver got an unexpected keyword argument "
        "'bins'");
  ObserverSpec fq(OC::FakeQuantize);
  fq.chAxis = 1; // forwarded to MovingAverageMinMaxObserver
  CHECK_THAT(
      errorOf(verifyObserverSpec(fq, "a")),
      Catch::StartsWith("a.kwargs.ch_axis: MovingAverageMinMaxObserver"));
}

TEST_CASE("verify fake-quantize observer requirements", "[config][qconfig]") {
  CHECK_THAT(errorOf(verifyObserverSpec(
                 ObserverSpec(OC::FixedQParamsFakeQuantize), "a")),
             Catch::Contains("requires an 'observer'"));
  ObserverSpec fused(OC::FusedMovingAvgObsFakeQuantize);
  fused.withObserver(ObserverSpec(OC::HistogramObserver));
  CHECK_THAT(errorOf(verifyObserverSpec(fused, "a")),
             Catch::StartsWith("a.kwargs.observer:"));
  ObserverSpec fixed(OC::FixedQParamsObserver);
  CHECK_THAT(errorOf(verifyObserverSpec(fixed, "a")),
             Catch::Contains("requires 'scale' and 'zero_point'"));
}

TEST_CASE("observer spec equality is structural", "[config][qconfig]") {
  CHECK(*getNamedQConfig("default_qconfig") ==
        *getNamedQConfig("default_qconfig"));
  CHECK(*getNamedQConfig("default_qconfig") !=
        *getNamedQConfig("default_per_channel_qconfig"));
  // An explicitly bound default differs from an unbound kwarg, as in
  // PyTorch's partial comparison.
  CHECK(ObserverSpec(OC::MinMaxObserver) !=
        ObserverSpec(OC::MinMaxObserver).withDType(DType::QUInt8));
}
