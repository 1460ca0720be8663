//===- Loader.h - Build executable plans from qfx modules -------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Turns a verified qfx module into an exec::Plan: parameters become constant
// slots (zero-copy for dense_resource blobs and non-splat dense attributes,
// so the module must outlive the model), every op a kernel, every observer a
// QFXRuntime observer initialised from its #qfx.observer_state. After
// calibration writeBackState() stores the statistics in the IR, together
// with the buffers that training-mode batch norms updated.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LOADER_LOADER_H
#define QFX_LOADER_LOADER_H

#include "qfx/Executor/Kernels.h"
#include "qfx/Executor/Plan.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>
#include <vector>

namespace qfx {

/// A graph input or output as the plan sees it.
struct TensorInfo {
  std::string name;
  exec::ElemType type;
  exec::Shape shape;
};

struct LoadOptions {
  /// The function to run; when absent, the module's only function.
  std::string entry = "forward";
};

/// A plan plus the IR ops whose state it carries.
class LoadedModel {
public:
  exec::Plan &plan() { return plan_; }
  const std::vector<TensorInfo> &inputs() const { return inputs_; }
  const std::vector<TensorInfo> &outputs() const { return outputs_; }
  /// Number of observers and fake-quantize ops with calibration state.
  size_t numObservers() const { return observers_.size() + fakeQuants_.size(); }
  /// Forgets all observer statistics (`--reset`).
  void resetObservers();
  /// Stores every observer's statistics (and fake-quantize qparams), and
  /// every buffer a training-mode batch norm updated (running_mean,
  /// running_var, num_batches_tracked), in the IR it was loaded from.
  void writeBackState();

private:
  friend class ModelBuilder;
  friend exec::Expected<std::unique_ptr<LoadedModel>>
  loadModel(mlir::ModuleOp module, const LoadOptions &options);
  exec::Plan plan_;
  std::vector<TensorInfo> inputs_, outputs_;
  std::vector<std::pair<mlir::Operation *, exec::ObserverKernel *>> observers_;
  std::vector<std::pair<mlir::Operation *, exec::FakeQuantizeKernel *>>
      fakeQuants_;
  void noteMutableParameter(mlir::Operation *param, int slot);
  /// qfx.parameter ops whose (plan-owned) slot kernels update in place.
  std::vector<std::pair<mlir::Operation *, int>> mutableParameters_;
};

/// Builds and finalizes the plan of \p module. Unsupported ops (a generic
/// qfx.call, an interpolation mode without kernel, ...) fail here, naming
/// the op and its FX node.
exec::Expected<std::unique_ptr<LoadedModel>>
loadModel(mlir::ModuleOp module, const LoadOptions &options);

} // namespace qfx

#endif // QFX_LOADER_LOADER_H
