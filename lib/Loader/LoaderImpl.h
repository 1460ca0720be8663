//===- LoaderImpl.h - Internals of the plan loader --------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_LOADER_LOADERIMPL_H
#define QFX_LIB_LOADER_LOADERIMPL_H

#include "qfx/Dialect/QFX/QFXOps.h"
#include "qfx/Loader/Loader.h"
#include "qfx/Runtime/Observer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

namespace qfx {

/// "'qfx.conv' (node 'conv1') [torch.nn.modules.conv.Conv2d]".
std::string describeOp(mlir::Operation *op);
/// The slot element type of an MLIR element type (quantized types map to
/// their storage type).
std::optional<exec::ElemType> elemTypeOf(mlir::Type t);
/// Element type and static shape of a tensor (or scalar) type.
exec::Status tensorInfoOf(mlir::Type t, exec::ElemType &elem,
                          exec::Shape &shape);

/// The attribute form of an observer's statistics (null when it has none).
ObserverStateAttr exportStateAttr(mlir::MLIRContext *ctx,
                                  const rt::Observer &observer);

/// Walks a function body and fills a LoadedModel's plan.
class ModelBuilder {
public:
  ModelBuilder(LoadedModel *model, mlir::SymbolTable *symbols)
      : model_(model), symbols_(symbols) {}

  exec::Status lowerBlock(mlir::Block &block, int depth,
                          llvm::SmallVectorImpl<mlir::Value> *yielded);
  exec::Expected<int> slotOf(mlir::Operation *user, mlir::Value v);
  exec::Expected<int> newBuffer(mlir::Operation *op, mlir::Value v);

private:
  exec::Status lowerOp(mlir::Operation *op);
  /// func.call: the callee's body, lowered at the call site.
  exec::Status lowerCall(mlir::func::CallOp call);
  exec::Status lowerQuantOp(mlir::Operation *op, bool &handled);
  /// quantize_affine / dequantize_affine (decomposed form).
  exec::Status lowerAffineQuantOp(mlir::Operation *op);
  /// qfxk kernel ops (LowerKernelOps.cpp).
  exec::Status lowerKernelOp(mlir::Operation *op, bool &handled);
  exec::Status error(mlir::Operation *op, const std::string &msg);
  exec::Expected<int> alias(mlir::Operation *op, mlir::Value from,
                            mlir::Value to);
  exec::Expected<int> constantSlot(mlir::Operation *op, mlir::Attribute value);
  exec::Expected<int> parameterSlot(mlir::Operation *op, llvm::StringRef name);
  /// The slot of \p v, made writable for a kernel that updates it in place;
  /// a qfx.parameter behind it is written back after calibration.
  exec::Expected<int> mutableSlot(mlir::Operation *user, mlir::Value v);
  /// Running statistics of a training-mode batch norm: writable slots, and
  /// its module's num_batches_tracked buffer when there is one.
  exec::Status prepareRunningStatUpdate(BatchNormOp bn,
                                        exec::BatchNormParams &params);
  /// Slot of an optional operand (-1 when absent).
  exec::Expected<int> optSlot(mlir::Operation *op, mlir::Value v) {
    if (!v)
      return -1;
    return slotOf(op, v);
  }
  exec::Kernel *add(mlir::Operation *op, std::unique_ptr<exec::Kernel> k);

  LoadedModel *model_;
  mlir::SymbolTable *symbols_;
  llvm::DenseMap<mlir::Value, int> slots_;
  /// Observers of one `qfx.observer_group` share their statistics.
  /// An observer op (or a `qfx.observer_group` of one function) has one
  /// state wherever its function is called.
  llvm::DenseMap<std::pair<mlir::Operation *, mlir::Attribute>,
                 std::shared_ptr<rt::Observer>>
      sharedObservers_;
  /// The same for the fake-quantizes of one group (within one function).
  llvm::DenseMap<std::pair<mlir::Operation *, mlir::Attribute>,
                 std::shared_ptr<exec::FakeQuantizeState>>
      sharedFakeQuants_;
  /// Observer and fake-quantize ops already lowered (at an earlier call).
  llvm::DenseSet<mlir::Operation *> loweredStateOps_;
  /// Functions being lowered, innermost last.
  llvm::SmallVector<mlir::Operation *> callStack_;
  llvm::StringMap<int> params_;
  /// The float64 [scale, zero point] slot of each qfx.quantize_dynamic
  /// result: its qparams exist only at run time.
  llvm::DenseMap<mlir::Value, int> dynamicQParams_;
};

} // namespace qfx

#endif // QFX_LIB_LOADER_LOADERIMPL_H
