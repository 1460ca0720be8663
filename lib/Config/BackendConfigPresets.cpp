//===- BackendConfigPresets.cpp - 1.13's BackendConfig presets ------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// native, fbgemm, x86, qnnpack, tensorrt and executorch as in 1.13's
// backend_config/*.py. fbgemm, x86 and native share their dtype configs.
//
//===----------------------------------------------------------------------===//

#include "BackendConfigCommon.h"

#include "llvm/ADT/StringExtras.h"

using namespace qfx::config;
using namespace qfx::config::common;

/// The body shared by native, fbgemm and x86 (`withLayerNorm` only native).
static BackendConfig buildServerBackend(llvm::StringRef name,
                                        bool withLayerNorm) {
  DTypeConfigs conv = {weightedOpInt8()};
  DTypeConfigs linear = {weightedOpInt8(), defaultDynamicInt8(),
                         defaultDynamicFloat16()};
  DTypeConfigs binary = {weightedOpInt8()};
  DTypeConfigs defaultOp = {defaultOpQUInt8()};
  DTypeConfigs fixedQParams = {weightedOpInt8()};
  DTypeConfigs share = {defaultOpQUInt8()};
  DTypeConfigs rnn = {defaultDynamicInt8(), defaultDynamicFloat16()};
  DTypeConfigs embedding = {weightOnlyQUInt8(), weightOnlyQUInt4x2()};
  BackendConfig b(name);
  b.setBackendPatternConfigs(getConvConfigs(conv))
      .setBackendPatternConfigs(getLinearConfigs(linear))
      .setBackendPatternConfigs(getBinaryOpConfigs(binary))
      .setBackendPatternConfig(getCatConfig(defaultOp))
      .setBackendPatternConfigs(getDefaultOpConfigs(defaultOp))
      .setBackendPatternConfigs(getFixedQParamsOpConfigs(fixedQParams))
      .setBackendPatternConfigs(getShareQParamsOpConfigs(share))
      .setBackendPatternConfigs(getBnConfigs(defaultOp));
  if (withLayerNorm)
    b.setBackendPatternConfigs(getLnConfigs({inputOutputOnlyQUInt8()}));
  b.setBackendPatternConfigs(getRnnOpConfigs(rnn))
      .setBackendPatternConfigs(getEmbeddingOpConfigs(embedding));
  return b;
}

BackendConfig qfx::config::getNativeBackendConfig() {
  return buildServerBackend("native", /*withLayerNorm=*/true);
}
BackendConfig qfx::config::getFbgemmBackendConfig() {
  return buildServerBackend("fbgemm", /*withLayerNorm=*/false);
}
BackendConfig qfx::config::getX86BackendConfig() {
  return buildServerBackend("x86", /*withLayerNorm=*/false);
}

BackendConfig qfx::config::getQNNPackBackendConfig() {
  DTypeWithConstraints act(DType::QInt8);
  act.scaleMinLowerBound = 1.0 / 4096.0;
  DTypeWithConstraints weight(DType::QInt8);
  weight.quantMinLowerBound = -127;
  weight.quantMaxUpperBound = 127;
  weight.scaleMinLowerBound = 1.0 / 4096.0;
  DTypeConfig weightedSym = makeDTypeConfig(act, act, weight, DType::Float32);
  DTypeConfig defaultSym = makeDTypeConfig(act, act);

  DTypeConfigs weighted = {weightedSym, weightedOpInt8()};
  DTypeConfigs linear = {weightedSym, weightedOpInt8(), defaultDynamicInt8(),
                         defaultDynamicFloat16()};
  DTypeConfigs defaultOp = {defaultSym, defaultOpQUInt8()};
  DTypeConfigs rnn = {defaultDynamicInt8(), defaultDynamicFloat16()};
  DTypeConfigs embedding = {weightOnlyQUInt8(), weightOnlyQUInt4x2()};
  BackendConfig b("qnnpack");
  b.setBackendPatternConfigs(getConvConfigs(weighted))
      .setBackendPatternConfigs(getLinearConfigs(linear))
      .setBackendPatternConfigs(getBinaryOpConfigs(weighted))
      .setBackendPatternConfig(getCatConfig(defaultOp))
      .setBackendPatternConfigs(getDefaultOpConfigs(defaultOp))
      .setBackendPatternConfigs(getFixedQParamsOpConfigs(weighted))
      .setBackendPatternConfigs(getShareQParamsOpConfigs(defaultOp))
      .setBackendPatternConfigs(getBnConfigs(defaultOp))
      .setBackendPatternConfigs(getRnnOpConfigs(rnn))
      .setBackendPatternConfigs(getEmbeddingOpConfigs(embedding));
  return b;
}

BackendConfig qfx::config::getTensorRTBackendConfig() {
  DTypeConfig weighted =
      makeDTypeConfig(DType::QInt8, DType::QInt8, DType::QInt8, DType::Float32);
  DTypeConfig nonWeighted = makeDTypeConfig(DType::QInt8, DType::QInt8);
  BackendPatternConfig addmm = makeConfig(Pattern("torch.addmm"), {weighted});
  addmm.inputTypeToIndex = {{"bias", 0}, {"input", 1}, {"weight", 2}};
  BackendPatternConfig catConfig = getCatConfig({nonWeighted});
  BackendConfig b("tensorrt");
  b.setBackendPatternConfigs(getConvConfigs({weighted}))
      .setBackendPatternConfig(addmm)
      .setBackendPatternConfig(catConfig)
      .setBackendPatternConfigs(getLinearConfigs({weighted}))
      .setBackendPatternConfigs(getBinaryOpConfigs({weighted}))
      .setBackendPatternConfigs(getShareQParamsOpConfigs({nonWeighted}));
  return b;
}

BackendConfig qfx::config::getExecuTorchBackendConfig() {
  DTypeConfigs weighted = {weightedOpInt8()};
  DTypeConfigs linearDTypes = {weightedOpInt8(), defaultDynamicInt8(),
                               defaultDynamicFloat16()};
  BackendConfig b("executorch");
  // Linear.
  std::string linear = "torch.nn.modules.linear.Linear";
  BackendPatternConfig lin = makeConfig(Pattern(linear), linearDTypes);
  lin.rootModule = linear;
  lin.referenceQuantizedModule =
      "torch.ao.nn.quantized.reference.modules.linear.Linear";
  lin.qatModule = "torch.ao.nn.qat.modules.linear.Linear";
  b.setBackendPatternConfig(lin);
  BackendPatternConfig fLin =
      makeConfig(Pattern("torch.nn.functional.linear"), linearDTypes);
  fLin.inputTypeToIndex = {{"weight", 1}, {"bias", 2}};
  b.setBackendPatternConfig(fLin);
  // Conv2d only.
  ConvNames n = getConvNames(2);
  BackendPatternConfig conv = makeConfig(Pattern(n.root), weighted);
  conv.rootModule = n.root;
  conv.referenceQuantizedModule = n.reference;
  conv.qatModule = n.qat;
  b.setBackendPatternConfig(conv);
  BackendPatternConfig fConv = makeConfig(Pattern(n.func), weighted);
  fConv.inputTypeToIndex = {{"weight", 1}, {"bias", 2}};
  b.setBackendPatternConfig(fConv);
  for (const char *relu :
       {"torch.nn.modules.activation.ReLU", "torch.nn.functional.relu"}) {
    BackendPatternConfig f = makeConfig(Pattern{relu, n.root}, weighted);
    f.fuserMethod = reverseSequentialWrapper2(n.fusedConvReLU);
    f.fusedModule = n.fusedConvReLU;
    b.setBackendPatternConfig(f);
  }
  BackendPatternConfig fused = makeConfig(Pattern(n.fusedConvReLU), weighted);
  fused.rootModule = n.root;
  fused.referenceQuantizedModule = n.reference;
  fused.qatModule = n.reluQat;
  b.setBackendPatternConfig(fused);
  for (const char *relu :
       {"torch.nn.modules.activation.ReLU", "torch.nn.functional.relu"})
    b.setBackendPatternConfig(makeConfig(Pattern{relu, n.func}, weighted));
  // Binary ops.
  for (const char *op : {"operator.add", "torch.add"}) {
    BackendPatternConfig c = makeConfig(Pattern(op), weighted);
    c.numTensorArgsToObservationType = {
        {0, ObservationType::OutputUseDifferentObserverAsInput},
        {1, ObservationType::OutputShareObserverWithInput},
        {2, ObservationType::OutputUseDifferentObserverAsInput}};
    b.setBackendPatternConfig(c);
  }
  // 1.13's _get_share_qparams_ops_configs appends to the list it iterates
  // and returns an empty list, so no share-qparams configs are registered.
  b.setBackendPatternConfig(makeConfig(
      Pattern("torch.nn.modules.batchnorm.BatchNorm2d"), {defaultOpQUInt8()}));
  return b;
}

static const llvm::StringRef kBackendNames[] = {
    "native", "fbgemm", "x86", "qnnpack", "onednn", "tensorrt", "executorch"};

llvm::ArrayRef<llvm::StringRef> qfx::config::getBackendConfigNames() {
  return kBackendNames;
}

llvm::Expected<BackendConfig> qfx::config::getBackendConfig(llvm::StringRef name) {
  if (name.empty() || name == "native")
    return getNativeBackendConfig();
  if (name == "fbgemm")
    return getFbgemmBackendConfig();
  if (name == "x86")
    return getX86BackendConfig();
  if (name == "qnnpack")
    return getQNNPackBackendConfig();
  if (name == "onednn")
    return getOneDNNBackendConfig();
  if (name == "tensorrt")
    return getTensorRTBackendConfig();
  if (name == "executorch")
    return getExecuTorchBackendConfig();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "unknown backend config '" + name.str() + "' (known: " +
          llvm::join(llvm::ArrayRef<llvm::StringRef>(kBackendNames), ", ") +
          ")");
}
