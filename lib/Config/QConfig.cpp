//===- QConfig.cpp - QConfig helpers --------------------------------------===//
//
// Part of the qfx project.
//
//===----------------------------------------------------------------------===//

#include "qfx/Config/QConfig.h"

using namespace qfx::config;

llvm::Error qfx::config::verifyQConfig(const QConfig &qconfig, llvm::StringRef path) {
  if (qconfig.activation)
    if (auto err = verifyObserverSpec(*qconfig.activation,
                                      (path + ".activation").str()))
      return err;
  if (qconfig.weight)
    if (auto err =
            verifyObserverSpec(*qconfig.weight, (path + ".weight").str()))
      return err;
  return llvm::Error::success();
}

QConfigDTypes qfx::config::getQConfigDTypes(const QConfig &qconfig) {
  QConfigDTypes result{DType::Float32, DType::Float32, std::nullopt};
  if (qconfig.activation) {
    result.activation = qconfig.activation->getDType();
    result.compute = qconfig.activation->getComputeDType();
  }
  if (qconfig.weight)
    result.weight = qconfig.weight->getDType();
  return result;
}
