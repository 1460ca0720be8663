//===- QFXDialect.cpp - qfx dialect registration --------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/QFXDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "qfx/Dialect/QFX/QFXOps.h"

using namespace mlir;
using namespace qfx;

#include "qfx/Dialect/QFX/QFXOpsDialect.cpp.inc"

void QFXDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qfx/Dialect/QFX/QFXOps.cpp.inc"
      >();
  registerAttributes();
}

LogicalResult QFXDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == getNodeAttrName()) {
    if (!isa<NodeAttr>(attr.getValue()))
      return op->emitError()
             << "'" << name << "' must be a #qfx.node provenance attribute";
    return success();
  }
  if (name == getQConfigAttrName()) {
    if (!isa<QConfigAttr>(attr.getValue()))
      return op->emitError()
             << "'" << name << "' must be a #qfx.qconfig attribute";
    return success();
  }
  if (name == getTrainingAttrName()) {
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'" << name << "' is a module attribute";
    if (!isa<BoolAttr>(attr.getValue()))
      return op->emitError() << "'" << name << "' must be a bool";
    return success();
  }
  if (name == "qfx.qconfig_mapping" || name == "qfx.backend_config") {
    // A preset name or JSON text; loaded by --qfx-annotate-qconfig.
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'" << name << "' is a module attribute";
    auto str = dyn_cast<StringAttr>(attr.getValue());
    if (!str || str.getValue().empty())
      return op->emitError() << "'" << name
                             << "' must be a non-empty string (a preset "
                                "name or JSON text)";
    return success();
  }
  if (name == "qfx.module_types") {
    // Module path -> class (canonical name), written by the exporter.
    if (!isa<ModuleOp>(op))
      return op->emitError() << "'" << name << "' is a module attribute";
    auto dict = dyn_cast<DictionaryAttr>(attr.getValue());
    if (!dict || !llvm::all_of(dict, [](NamedAttribute e) {
          return isa<StringAttr>(e.getValue());
        }))
      return op->emitError() << "'" << name
                             << "' must map module paths to class names";
    return success();
  }
  // Observers sharing one set of statistics (PyTorch's shared observer
  // instance): --qfx-prepare names the group after its first observer.
  if (name == getObserverGroupAttrName()) {
    if (!isa<ObserverOp, FakeQuantizeOp>(op))
      return op->emitError()
             << "'" << name << "' is an attribute of observer ops";
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'" << name << "' must be a string";
    return success();
  }
  // A standalone module's nested function whose own config quantizes its
  // inputs / output (--qfx-prepare; PyTorch's
  // _standalone_module_input/output_quantized_idxs).
  if (name == "qfx.standalone_input_quantized_idxs" ||
      name == "qfx.standalone_output_quantized_idxs") {
    if (!isa<func::FuncOp>(op))
      return op->emitError() << "'" << name << "' is a function attribute";
    auto idxs = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!idxs ||
        llvm::any_of(idxs.asArrayRef(), [](int64_t i) { return i < 0; }))
      return op->emitError()
             << "'" << name << "' must be an array of non-negative i64";
    return success();
  }
  return op->emitError() << "unknown qfx attribute '" << name << "'";
}

LogicalResult QFXDialect::verifyRegionArgAttribute(Operation *op,
                                                   unsigned regionIndex,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name != getArgNameAttrName())
    return op->emitError() << "unknown qfx argument attribute '" << name << "'";
  auto str = dyn_cast<StringAttr>(attr.getValue());
  if (!str || str.getValue().empty())
    return op->emitError() << "'" << name << "' of argument " << argIndex
                           << " must be a non-empty placeholder name";
  return success();
}
