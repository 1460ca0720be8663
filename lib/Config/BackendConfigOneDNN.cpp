//===- BackendConfigOneDNN.cpp - The onednn BackendConfig -----------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//
//
// PyTorch 1.13 has no onednn BackendConfig (prepare_fx uses native for it).
// qfx follows later PyTorch (backend_config/onednn.py): the native configs
// plus Conv2d+add(+ReLU) fusions and Linear+LeakyReLU / Linear+Tanh. The
// fused module classes do not exist in 1.13; their names are those of later
// releases. This is a documented divergence (docs/configs.md).
//
//===----------------------------------------------------------------------===//

#include "BackendConfigCommon.h"

using namespace qfx::config;
using namespace qfx::config::common;

static constexpr const char *kFused = "torch.ao.nn.intrinsic.modules.fused.";
static constexpr const char *kOneDNN =
    "torch.ao.quantization.backend_config.onednn.";
static constexpr const char *kMatchAll =
    "torch.ao.quantization.utils.MatchAllNode";

static std::string fused(llvm::StringRef name) { return (kFused + name).str(); }
static std::string onednn(llvm::StringRef name) {
  return (kOneDNN + name).str();
}

/// Conv2d (optionally followed by BatchNorm2d) + add, with the conv on the
/// left or right operand, optionally followed by ReLU.
static void addConvAddConfigs(BackendConfig &b, const DTypeConfigs &dtypes) {
  ConvNames n = getConvNames(2);
  const char *relu = "torch.nn.modules.activation.ReLU";
  for (const char *add : {"operator.add", "torch.add"}) {
    for (bool withBn : {false, true}) {
      Pattern conv = withBn ? Pattern{n.bn, n.root} : Pattern(n.root);
      for (bool left : {true, false}) {
        Pattern addPattern = left ? Pattern{add, conv, kMatchAll}
                                  : Pattern{add, kMatchAll, conv};
        std::string side = left ? "left" : "right";
        BackendPatternConfig c = makeConfig(addPattern, dtypes);
        c.fuserMethod = onednn("_fuse_conv" + std::string(withBn ? "_bn" : "") +
                               "_add_" + side);
        c.fusedModule = fused("ConvAdd2d");
        c.rootNodeGetter = onednn("_conv_add_root_node_getter_" + side);
        c.extraInputsGetter = onednn("_conv_add_extra_inputs_getter_" + side);
        b.setBackendPatternConfig(c);

        BackendPatternConfig r = makeConfig(Pattern{relu, addPattern}, dtypes);
        r.fuserMethod = onednn("_fuse_conv" + std::string(withBn ? "_bn" : "") +
                               "_add_relu_" + side);
        r.fusedModule = fused("ConvAddReLU2d");
        r.rootNodeGetter = onednn("_conv_add_relu_root_node_getter_" + side);
        r.extraInputsGetter =
            onednn("_conv_add_relu_extra_inputs_getter_" + side);
        b.setBackendPatternConfig(r);
      }
    }
  }
  for (const char *mod : {"ConvAdd2d", "ConvAddReLU2d"}) {
    BackendPatternConfig c = makeConfig(Pattern(fused(mod)), dtypes);
    c.rootModule = n.root;
    c.referenceQuantizedModule = n.reference;
    b.setBackendPatternConfig(c);
  }
}

/// Linear followed by LeakyReLU or Tanh.
static void addLinearActivationConfigs(BackendConfig &b,
                                       const DTypeConfigs &dtypes) {
  std::string linear = "torch.nn.modules.linear.Linear";
  std::string ref = "torch.ao.nn.quantized.reference.modules.linear.Linear";
  struct Act {
    const char *module;
    const char *fusedName;
    const char *fuser;
  };
  for (Act act : {Act{"torch.nn.modules.activation.LeakyReLU",
                      "LinearLeakyReLU", "_fuse_linear_leaky_relu"},
                  Act{"torch.nn.modules.activation.Tanh", "LinearTanh",
                      "_fuse_linear_tanh"}}) {
    BackendPatternConfig f = makeConfig(Pattern{act.module, linear}, dtypes);
    f.fuserMethod = onednn(act.fuser);
    f.fusedModule = fused(act.fusedName);
    b.setBackendPatternConfig(f);
    BackendPatternConfig m = makeConfig(Pattern(fused(act.fusedName)), dtypes);
    m.rootModule = linear;
    m.referenceQuantizedModule = ref;
    b.setBackendPatternConfig(m);
  }
}

BackendConfig qfx::config::getOneDNNBackendConfig() {
  BackendConfig b = getNativeBackendConfig();
  b.setName("onednn");
  DTypeConfigs weighted = {weightedOpInt8()};
  addConvAddConfigs(b, weighted);
  addLinearActivationConfigs(b, weighted);
  return b;
}
