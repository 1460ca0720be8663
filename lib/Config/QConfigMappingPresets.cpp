//===- QConfigMappingPresets.cpp - get_default_(qat_)qconfig_mapping ------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "NamedObservers.h"

#include "qfx/Config/QConfigMapping.h"

using namespace qfx::config;

using named::FixedQParamsOp;

static QConfigMapping buildDefaultMapping(bool isQat, llvm::StringRef backend,
                                          const QConfig &qconfig) {
  ObserverSpec defaultWeight =
      isQat ? named::defaultWeightFakeQuant() : named::defaultWeightObserver();
  QConfig transpose = qconfig;
  if (backend == "fbgemm" || backend == "x86")
    transpose = QConfig{qconfig.activation, defaultWeight};
  QConfig layerNorm{qconfig.activation, named::defaultPlaceholderObserver()};
  QConfig reuseInput = *getNamedQConfig("default_reuse_input_qconfig");

  QConfigMapping m;
  m.setGlobal(qconfig).setObjectType("reshape", reuseInput);
  for (const char *conv :
       {"torch.nn.modules.conv.Conv1d", "torch.nn.modules.conv.Conv2d",
        "torch.nn.modules.conv.Conv3d"})
    m.setObjectType(conv, qconfig);
  for (const char *convT : {"torch.nn.modules.conv.ConvTranspose1d",
                            "torch.nn.modules.conv.ConvTranspose2d",
                            "torch.nn.modules.conv.ConvTranspose3d"})
    m.setObjectType(convT, transpose);
  m.setObjectType("torch.nn.modules.linear.Linear", qconfig);
  for (const char *conv :
       {"torch.nn.functional.conv1d", "torch.nn.functional.conv2d",
        "torch.nn.functional.conv3d"})
    m.setObjectType(conv, qconfig);
  for (const char *convT : {"torch.nn.functional.conv_transpose1d",
                            "torch.nn.functional.conv_transpose2d",
                            "torch.nn.functional.conv_transpose3d"})
    m.setObjectType(convT, transpose);
  for (const char *op :
       {"torch.nn.functional.linear", "torch.nn.modules.activation.ReLU",
        "torch.nn.functional.relu", "torch.relu",
        "torch.nn.modules.batchnorm.BatchNorm1d",
        "torch.nn.modules.batchnorm.BatchNorm2d",
        "torch.nn.modules.batchnorm.BatchNorm3d"})
    m.setObjectType(op, qconfig);
  m.setObjectType("torch.nn.functional.layer_norm", layerNorm)
      .setObjectType("torch.nn.modules.normalization.LayerNorm", layerNorm);

  for (const FixedQParamsOp &op : named::fixedQParamsOps()) {
    ObserverSpec observer = op.observer();
    ObserverSpec activation =
        isQat ? named::fixedQParamsFakeQuant(observer) : observer;
    m.setObjectType(op.target, QConfig{activation, defaultWeight});
  }
  return m;
}

QConfigMapping qfx::config::getDefaultQConfigMapping(llvm::StringRef backend) {
  return buildDefaultMapping(false, backend, getDefaultQConfig(backend));
}

llvm::Expected<QConfigMapping>
qfx::config::getDefaultQATQConfigMapping(llvm::StringRef backend, int version) {
  auto qconfig = getDefaultQATQConfig(backend, version);
  if (!qconfig)
    return qconfig.takeError();
  return buildDefaultMapping(true, backend, *qconfig);
}

bool qfx::config::isInvalidFixedQParamsQConfig(NodeKind kind,
                                               llvm::StringRef target,
                                               const QConfigOrNone &qconfig) {
  if (!qconfig ||
      (kind != NodeKind::CallModule && kind != NodeKind::CallFunction))
    return false;
  const FixedQParamsOp *op = nullptr;
  for (const FixedQParamsOp &candidate : named::fixedQParamsOps())
    if (target == candidate.target)
      op = &candidate;
  if (!op)
    return false;
  std::vector<ObserverSpec> allowed;
  for (llvm::StringRef name :
       {"float16_dynamic_qconfig", "float16_static_qconfig"})
    if (auto q = getNamedQConfig(name); q && q->activation)
      allowed.push_back(*q->activation);
    else if (!q)
      llvm::consumeError(q.takeError());
  allowed.push_back(op->observer());
  if (!qconfig->activation)
    return true;
  for (const ObserverSpec &ctor : allowed)
    if (*qconfig->activation == ctor ||
        *qconfig->activation == named::fixedQParamsFakeQuant(ctor))
      return false;
  return true;
}
