//===- OnnxImporter.h - ONNX to qfx importer --------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Imports an ONNX model (opsets 11-17) as the qfx IR the PyTorch FX exporter
// produces: qfx.parameter symbols for initializers, one func.func @forward,
// typed qfx ops carrying FX provenance (#qfx.node) derived from torch.onnx
// scope names. See docs/onnx-import.md.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_IMPORT_ONNXIMPORTER_H
#define QFX_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace qfx {

/// Options of the ONNX importer.
struct OnnxImportOptions {
  /// Run onnx::shape_inference (with data propagation) before importing.
  bool shapeInference = true;
  /// Run onnx::checker::check_model and fail on what it reports.
  bool runChecker = false;
  /// Directory that external-data locations are relative to. Empty means
  /// the directory of the model file.
  std::string externalDataDir;
};

/// Imports the serialized ModelProto `bytes`. `modelPath` names the model in
/// diagnostics and, unless overridden by the options, locates external
/// data. Errors are emitted through the context's diagnostic engine; the
/// result is null on failure.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxModel(llvm::StringRef bytes, llvm::StringRef modelPath,
                mlir::MLIRContext *context,
                const OnnxImportOptions &options = {});

/// Reads and imports the ONNX model file at `path`.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxFile(llvm::StringRef path, mlir::MLIRContext *context,
               const OnnxImportOptions &options = {});

/// Registers the dialects the imported IR uses.
void registerOnnxImportDialects(mlir::DialectRegistry &registry);

} // namespace qfx

#endif // QFX_IMPORT_ONNXIMPORTER_H
