//===- BackendConfigCommon.cpp - Shared backend pattern configs -----------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// Mirrors the helpers of 1.13's _common_operator_config_utils.py, in the same
// order, so that presets built from them equal PyTorch's (checked by the
// conformance tests).
//
//===----------------------------------------------------------------------===//

#include "BackendConfigCommon.h"
#include "NamedObservers.h"

using namespace qfx::config;
using namespace qfx::config::common;
using OT = ObservationType;

static constexpr const char *kFuserMethods =
    "torch.ao.quantization.fuser_method_mappings.";
static constexpr const char *kNN = "torch.nn.modules.";
static constexpr const char *kNNI = "torch.ao.nn.intrinsic.modules.fused.";
static constexpr const char *kNNIQatConv =
    "torch.nn.intrinsic.qat.modules.conv_fused.";
static constexpr const char *kNNQat = "torch.ao.nn.qat.modules.";
static constexpr const char *kNNQR = "torch.ao.nn.quantized.reference.modules.";
static constexpr const char *kF = "torch.nn.functional.";

static std::string cat(const char *prefix, llvm::StringRef name) {
  return (prefix + name).str();
}

DTypeConfig common::makeDTypeConfig(std::optional<DTypeWithConstraints> input,
                                    std::optional<DTypeWithConstraints> output,
                                    std::optional<DTypeWithConstraints> weight,
                                    std::optional<DType> bias,
                                    std::optional<bool> isDynamic) {
  DTypeConfig c;
  if (input)
    c.input = *input;
  if (output)
    c.output = *output;
  if (weight)
    c.weight = *weight;
  c.bias = bias;
  c.isDynamic = isDynamic;
  return c;
}

DTypeConfig common::weightedOpInt8() {
  return makeDTypeConfig(DType::QUInt8, DType::QUInt8, DType::QInt8,
                         DType::Float32);
}
DTypeConfig common::defaultOpQUInt8() {
  return makeDTypeConfig(DType::QUInt8, DType::QUInt8);
}
DTypeConfig common::defaultOpFp16() {
  return makeDTypeConfig(DType::Float16, DType::Float16, DType::Float16,
                         DType::Float16);
}
DTypeConfig common::defaultDynamicInt8() {
  return makeDTypeConfig(DType::QUInt8, DType::Float32, DType::QInt8,
                         DType::Float32, true);
}
DTypeConfig common::defaultDynamicFloat16() {
  return makeDTypeConfig(DType::Float16, DType::Float32, DType::Float16,
                         DType::Float32, true);
}
DTypeConfig common::inputOutputOnlyQUInt8() {
  return makeDTypeConfig(DType::QUInt8, DType::QUInt8, DType::Float32,
                         DType::Float32);
}
DTypeConfig common::weightOnlyQUInt8() {
  return makeDTypeConfig(DType::Float32, DType::Float32, DType::QUInt8);
}
DTypeConfig common::weightOnlyQUInt4x2() {
  return makeDTypeConfig(DType::Float32, DType::Float32, DType::QUInt4x2);
}

BackendPatternConfig common::makeConfig(Pattern pattern,
                                        const DTypeConfigs &dtypes) {
  BackendPatternConfig c(std::move(pattern));
  c.dtypeConfigs = dtypes;
  return c;
}

std::string common::reverseSequentialWrapper2(llvm::StringRef cls) {
  return (kFuserMethods + llvm::Twine("reverse_sequential_wrapper2(") + cls +
          ")")
      .str();
}
std::string common::reverse2(llvm::StringRef fn) {
  return (kFuserMethods + llvm::Twine("reverse2(") + kFuserMethods + fn + ")")
      .str();
}
std::string common::reverse3(llvm::StringRef fn) {
  return (kFuserMethods + llvm::Twine("reverse3(") + kFuserMethods + fn + ")")
      .str();
}

ConvNames common::getConvNames(int rank) {
  std::string d = std::to_string(rank) + "d";
  ConvNames n;
  n.root = cat(kNN, "conv.Conv" + d);
  n.transpose = cat(kNN, "conv.ConvTranspose" + d);
  n.bn = cat(kNN, "batchnorm.BatchNorm" + d);
  n.reference = cat(kNNQR, "conv.Conv" + d);
  n.transposeReference = cat(kNNQR, "conv.ConvTranspose" + d);
  n.fusedConvReLU = cat(kNNI, "ConvReLU" + d);
  n.fusedConvBn = cat(kNNI, "ConvBn" + d);
  n.fusedConvBnReLU = cat(kNNI, "ConvBnReLU" + d);
  n.qat = cat(kNNQat, "conv.Conv" + d);
  n.reluQat = cat(kNNIQatConv, "ConvReLU" + d);
  n.bnQat = cat(kNNIQatConv, "ConvBn" + d);
  n.bnReluQat = cat(kNNIQatConv, "ConvBnReLU" + d);
  n.func = cat(kF, "conv" + d);
  return n;
}

static const char *kReLU = "torch.nn.modules.activation.ReLU";
static const char *kFRelu = "torch.nn.functional.relu";

Configs common::getBinaryOpConfigs(const DTypeConfigs &dtypes) {
  Configs configs;
  std::map<int64_t, OT> numArgs = {{0, OT::OutputUseDifferentObserverAsInput},
                                   {1, OT::OutputShareObserverWithInput},
                                   {2, OT::OutputUseDifferentObserverAsInput}};
  for (const char *op :
       {"operator.add", "torch.add", "operator.mul", "torch.mul"}) {
    for (Pattern p : {Pattern{kReLU, op}, Pattern{kFRelu, op},
                      Pattern{"torch.relu", op}, Pattern(op)}) {
      BackendPatternConfig c = makeConfig(p, dtypes);
      c.numTensorArgsToObservationType = numArgs;
      configs.push_back(c);
    }
  }
  configs.push_back(makeConfig(Pattern("torch.matmul"), dtypes));
  return configs;
}

/// A config with root/reference/qat module fields set.
static BackendPatternConfig moduleConfig(Pattern p, const DTypeConfigs &dtypes,
                                         llvm::StringRef root,
                                         llvm::StringRef reference,
                                         llvm::StringRef qat = "") {
  BackendPatternConfig c = makeConfig(std::move(p), dtypes);
  c.rootModule = root.str();
  c.referenceQuantizedModule = reference.str();
  c.qatModule = qat.str();
  return c;
}

static BackendPatternConfig fusionConfig(Pattern p, const DTypeConfigs &dtypes,
                                         std::string fuser,
                                         llvm::StringRef fused) {
  BackendPatternConfig c = makeConfig(std::move(p), dtypes);
  c.fuserMethod = std::move(fuser);
  c.fusedModule = fused.str();
  return c;
}

Configs common::getLinearConfigs(const DTypeConfigs &dtypes) {
  std::string linear = cat(kNN, "linear.Linear");
  std::string ref = cat(kNNQR, "linear.Linear");
  std::string qat = cat(kNNQat, "linear.Linear");
  std::string fLinear = cat(kF, "linear");
  std::string linearReLU = cat(kNNI, "LinearReLU");
  std::string linearReLUQat =
      "torch.nn.intrinsic.qat.modules.linear_relu.LinearReLU";
  std::string linearBn = cat(kNNI, "LinearBn1d");
  std::string linearBnQat =
      "torch.nn.intrinsic.qat.modules.linear_fused.LinearBn1d";
  Configs c;
  c.push_back(moduleConfig(Pattern(linear), dtypes, linear, ref, qat));
  c.push_back(moduleConfig(Pattern(qat), dtypes, linear, ref));
  BackendPatternConfig func = makeConfig(Pattern(fLinear), dtypes);
  func.inputTypeToIndex = {{"weight", 1}, {"bias", 2}};
  c.push_back(func);
  c.push_back(fusionConfig(Pattern{kReLU, linear}, dtypes,
                           reverseSequentialWrapper2(linearReLU), linearReLU));
  c.push_back(fusionConfig(Pattern{kFRelu, linear}, dtypes,
                           reverseSequentialWrapper2(linearReLU), linearReLU));
  c.push_back(
      moduleConfig(Pattern(linearReLU), dtypes, linear, ref, linearReLUQat));
  c.push_back(moduleConfig(Pattern(linearReLUQat), dtypes, linear, ref));
  c.push_back(makeConfig(Pattern{kReLU, fLinear}, dtypes));
  c.push_back(makeConfig(Pattern{kFRelu, fLinear}, dtypes));
  c.push_back(fusionConfig(Pattern{cat(kNN, "batchnorm.BatchNorm1d"), linear},
                           dtypes, reverse2("fuse_linear_bn"), linearBn));
  c.push_back(
      moduleConfig(Pattern(linearBn), dtypes, linear, ref, linearBnQat));
  c.push_back(moduleConfig(Pattern(linearBnQat), dtypes, linear, ref));
  return c;
}

Configs common::getConvConfigs(const DTypeConfigs &dtypes) {
  Configs c;
  for (int rank = 1; rank <= 3; ++rank) {
    ConvNames n = getConvNames(rank);
    c.push_back(
        moduleConfig(Pattern(n.root), dtypes, n.root, n.reference, n.qat));
    c.push_back(moduleConfig(Pattern(n.qat), dtypes, n.root, n.reference));
    BackendPatternConfig func = makeConfig(Pattern(n.func), dtypes);
    func.inputTypeToIndex = {{"weight", 1}, {"bias", 2}};
    c.push_back(func);
    c.push_back(fusionConfig(Pattern{kReLU, n.root}, dtypes,
                             reverseSequentialWrapper2(n.fusedConvReLU),
                             n.fusedConvReLU));
    c.push_back(fusionConfig(Pattern{kFRelu, n.root}, dtypes,
                             reverseSequentialWrapper2(n.fusedConvReLU),
                             n.fusedConvReLU));
    c.push_back(moduleConfig(Pattern(n.fusedConvReLU), dtypes, n.root,
                             n.reference, n.reluQat));
    c.push_back(moduleConfig(Pattern(n.reluQat), dtypes, n.root, n.reference));
    c.push_back(makeConfig(Pattern{kReLU, n.func}, dtypes));
    c.push_back(makeConfig(Pattern{kFRelu, n.func}, dtypes));
    // 1.13 registers the fused conv-relu configs a second time; the second
    // registration replaces the first in place.
    BackendPatternConfig fusedAgain =
        makeConfig(Pattern(n.fusedConvReLU), dtypes);
    fusedAgain.qatModule = n.reluQat;
    c.push_back(fusedAgain);
    c.push_back(moduleConfig(Pattern(n.reluQat), dtypes, n.root, n.reference));
    c.push_back(fusionConfig(Pattern{n.bn, n.root}, dtypes,
                             reverse2("fuse_conv_bn"), n.fusedConvBn));
    c.push_back(fusionConfig(Pattern{kReLU, Pattern{n.bn, n.root}}, dtypes,
                             reverse3("fuse_conv_bn_relu"), n.fusedConvBnReLU));
    BackendPatternConfig fReluBn =
        fusionConfig(Pattern{kFRelu, Pattern{n.bn, n.root}}, dtypes,
                     reverse3("fuse_conv_bn_relu"), n.fusedConvBnReLU);
    fReluBn.rootModule = n.root;
    c.push_back(fReluBn);
    BackendPatternConfig convBn = makeConfig(Pattern(n.fusedConvBn), dtypes);
    convBn.qatModule = n.bnQat;
    c.push_back(convBn);
    BackendPatternConfig convBnReLU =
        makeConfig(Pattern(n.fusedConvBnReLU), dtypes);
    convBnReLU.qatModule = n.bnReluQat;
    c.push_back(convBnReLU);
    c.push_back(moduleConfig(Pattern(n.bnQat), dtypes, n.root, n.reference));
    c.push_back(
        moduleConfig(Pattern(n.bnReluQat), dtypes, n.root, n.reference));
    c.push_back(moduleConfig(Pattern(n.transpose), dtypes, n.transpose,
                             n.transposeReference));
    BackendPatternConfig bnTranspose = moduleConfig(
        Pattern{n.bn, n.transpose}, dtypes, n.transpose, n.transposeReference);
    bnTranspose.fuserMethod = reverse2("fuse_convtranspose_bn");
    c.push_back(bnTranspose);
  }
  return c;
}

BackendPatternConfig common::getCatConfig(const DTypeConfigs &dtypes) {
  BackendPatternConfig c = makeConfig(Pattern("torch.cat"), dtypes);
  c.observationType = OT::OutputShareObserverWithInput;
  return c;
}

Configs common::getLnConfigs(const DTypeConfigs &dtypes) {
  Configs c;
  c.push_back(makeConfig(Pattern(cat(kNN, "normalization.LayerNorm")), dtypes));
  BackendPatternConfig f = makeConfig(Pattern(cat(kF, "layer_norm")), dtypes);
  f.inputTypeToIndex = {{"weight", 2}, {"bias", 3}};
  c.push_back(f);
  return c;
}

Configs common::getDefaultOpConfigs(const DTypeConfigs &dtypes) {
  Configs c;
  for (const char *op :
       {"torch.nn.modules.activation.ELU",
        "torch.nn.modules.activation.LeakyReLU",
        "torch.nn.modules.activation.Hardswish",
        "torch.nn.modules.instancenorm.InstanceNorm1d",
        "torch.nn.modules.instancenorm.InstanceNorm2d",
        "torch.nn.modules.instancenorm.InstanceNorm3d",
        "torch.nn.modules.dropout.Dropout", "torch.nn.modules.activation.PReLU",
        "torch.nn.functional.elu", "torch.nn.functional.hardswish",
        "torch.nn.functional.leaky_relu", "torch.nn.functional.dropout"})
    c.push_back(makeConfig(Pattern(op), dtypes));
  BackendPatternConfig groupNorm =
      makeConfig(Pattern(cat(kF, "group_norm")), dtypes);
  groupNorm.inputTypeToIndex = {{"weight", 2}, {"bias", 3}};
  c.push_back(groupNorm);
  BackendPatternConfig instanceNorm =
      makeConfig(Pattern(cat(kF, "instance_norm")), dtypes);
  instanceNorm.inputTypeToIndex = {{"weight", 3}, {"bias", 4}};
  c.push_back(instanceNorm);
  return c;
}

Configs common::getFixedQParamsOpConfigs(const DTypeConfigs &dtypes) {
  Configs c;
  for (const named::FixedQParamsOp &op : named::fixedQParamsOps()) {
    ObserverSpec observer = op.observer();
    BackendPatternConfig conf = makeConfig(Pattern(op.target), dtypes);
    conf.overwriteOutputFakeQuantize = named::fixedQParamsFakeQuant(observer);
    conf.overwriteOutputObserver = observer;
    c.push_back(conf);
  }
  return c;
}

Configs common::getShareQParamsOpConfigs(const DTypeConfigs &dtypes) {
  static const char *const ops[] = {
      "torch.nn.modules.pooling.AdaptiveAvgPool1d",
      "torch.nn.modules.pooling.AdaptiveAvgPool2d",
      "torch.nn.modules.pooling.AdaptiveAvgPool3d",
      "torch.nn.modules.pooling.AvgPool1d",
      "torch.nn.modules.pooling.AvgPool2d",
      "torch.nn.modules.pooling.AvgPool3d",
      "torch.nn.modules.activation.Hardtanh",
      "torch.nn.modules.linear.Identity",
      "torch.nn.modules.pooling.MaxPool1d",
      "torch.nn.modules.pooling.MaxPool2d",
      "torch.nn.modules.pooling.MaxPool3d",
      "torch.nn.modules.activation.ReLU",
      "torch.nn.modules.activation.ReLU6",
      "torch.nn.functional.adaptive_avg_pool1d",
      "torch.nn.functional.adaptive_avg_pool2d",
      "torch.nn.functional.adaptive_avg_pool3d",
      "torch.nn.functional.hardtanh",
      "torch.nn.functional.hardtanh_",
      "torch.nn.functional.interpolate",
      "torch.nn.functional.max_pool1d",
      "torch.nn.functional.max_pool2d",
      "torch.nn.functional.max_pool3d",
      "torch.nn.functional.relu",
      "torch.nn.functional.relu6",
      "torch.nn.functional.avg_pool1d",
      "torch.nn.functional.avg_pool2d",
      "torch.nn.functional.avg_pool3d",
      "torch.clamp",
      "torch.flatten",
      "torch.mean",
      "torch.repeat_interleave",
      "torch.transpose",
      "torch.squeeze",
      "torch.stack",
      "torch.unsqueeze",
      "operator.floordiv",
      "contiguous",
      "clamp",
      "detach",
      "detach_",
      "mean",
      "permute",
      "repeat",
      "repeat_interleave",
      "reshape",
      "resize_",
      "relu",
      "relu_",
      "shape",
      "size",
      "squeeze",
      "squeeze_",
      "transpose",
      "unsqueeze",
      "unsqueeze_",
      "view",
  };
  Configs c;
  for (const char *op : ops) {
    BackendPatternConfig conf = makeConfig(Pattern(op), dtypes);
    conf.observationType = OT::OutputShareObserverWithInput;
    c.push_back(conf);
  }
  return c;
}

Configs common::getBnConfigs(const DTypeConfigs &dtypes) {
  Configs c;
  for (int rank : {2, 3}) {
    std::string d = std::to_string(rank) + "d";
    std::string bn = cat(kNN, "batchnorm.BatchNorm" + d);
    std::string fused = cat(kNNI, "BNReLU" + d);
    c.push_back(fusionConfig(Pattern{kReLU, bn}, dtypes,
                             reverseSequentialWrapper2(fused), fused));
    c.push_back(fusionConfig(Pattern{kFRelu, bn}, dtypes,
                             reverseSequentialWrapper2(fused), fused));
    c.push_back(makeConfig(Pattern(bn), dtypes));
  }
  for (int rank : {2, 3})
    c.push_back(makeConfig(
        Pattern(cat(kNNI, "BNReLU" + std::to_string(rank) + "d")), dtypes));
  return c;
}

Configs common::getRnnOpConfigs(const DTypeConfigs &dtypes) {
  Configs c;
  for (const char *rnn : {"GRUCell", "LSTMCell", "RNNCell", "LSTM"}) {
    std::string root = cat(kNN, std::string("rnn.") + rnn);
    c.push_back(moduleConfig(Pattern(root), dtypes, root,
                             cat(kNNQR, std::string("rnn.") + rnn)));
  }
  return c;
}

Configs common::getEmbeddingOpConfigs(const DTypeConfigs &dtypes) {
  Configs c;
  for (const char *emb : {"Embedding", "EmbeddingBag"}) {
    std::string root = cat(kNN, std::string("sparse.") + emb);
    std::string qat = cat(kNNQat, std::string("embedding_ops.") + emb);
    std::string ref = cat(kNNQR, std::string("sparse.") + emb);
    BackendPatternConfig a =
        moduleConfig(Pattern(root), dtypes, root, ref, qat);
    a.inputOutputObserved = false;
    c.push_back(a);
    BackendPatternConfig b = moduleConfig(Pattern(qat), dtypes, root, ref);
    b.inputOutputObserved = false;
    c.push_back(b);
  }
  return c;
}
