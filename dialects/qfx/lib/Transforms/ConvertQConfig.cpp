//===- ConvertQConfig.cpp - convert-time QConfigMapping overrides ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// convert_fx(..., qconfig_mapping=...) in 1.13 (fx/convert.py): the mapping
// is resolved again on the prepared graph; an entry resolving to None turns
// the op float, any other QConfig must equal the one prepare used (PyTorch
// asserts; qfx emits an error naming the op).
//
//===----------------------------------------------------------------------===//

#include "ConvertQParams.h"

#include "qfx/Dialect/QFX/QConfigAnnotation.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace qfx;

LogicalResult convert::applyConvertQConfigMapping(func::FuncOp func,
                                                  StringRef spec) {
  bool qat = false;
  func.walk([&](FakeQuantizeOp) { qat = true; });
  auto mapping = loadQConfigMapping(spec, qat);
  if (!mapping)
    return func.emitError() << "--qfx-convert: cannot load qconfig-mapping: "
                            << llvm::toString(mapping.takeError());
  auto backend = loadBackendConfig("");
  if (!backend)
    return func.emitError() << llvm::toString(backend.takeError());
  FailureOr<QConfigAnnotation> annotation =
      computeQConfigAnnotation(func, *mapping, *backend, qat);
  if (failed(annotation))
    return failure();
  bool ok = true;
  for (const OpQConfigInfo &info : annotation->ops) {
    Operation *op = info.op;
    if (isa<ObserverOp, FakeQuantizeOp>(op))
      continue;
    auto prepared = op->getAttrOfType<QConfigAttr>("qfx.qconfig");
    if (!info.resolution->qconfig) {
      op->removeAttr("qfx.qconfig"); // set to None at convert time
      continue;
    }
    if (!prepared)
      continue; // float after prepare: nothing to compare against
    FailureOr<QConfigAttr> converted =
        getQConfigAttr(op->getContext(), *info.resolution->qconfig);
    if (failed(converted) || *converted != prepared) {
      op->emitError() << "--qfx-convert: the convert-time QConfigMapping "
                         "changes the qconfig of '"
                      << info.name << "' from " << prepared << " to "
                      << (succeeded(converted) ? Attribute(*converted)
                                               : Attribute())
                      << "; convert may only set qconfigs to None";
      ok = false;
    }
  }
  return success(ok);
}
