//===- qfx-translate.cpp - qfx translation driver -------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mlir-translate for qfx: converts between qfx IR and other formats.
//   qfx-translate --import-onnx model.onnx -o model.mlir
//   qfx-translate --import-qfx-blobs model.mlir --blobs model.blobs \
//       -o model.mlirbc
// Output is text unless --emit-bytecode is given or the output file ends in
// .mlirbc. The output file is written only when the translation succeeds.
//
//===----------------------------------------------------------------------===//

#include "qfx/Import/BlobFile.h"
#include "qfx/Import/OnnxImporter.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
/// The translations qfx-translate knows; --export-onnx will join them.
enum class Translation { ImportOnnx, ImportQfxBlobs };
} // namespace

/// Prints `<file>: error: message` for locations naming the model file and
/// the location itself otherwise.
static LogicalResult printDiagnostic(Diagnostic &diag) {
  llvm::raw_ostream &os = llvm::errs();
  Location loc = diag.getLocation();
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    os << file.getFilename().getValue();
    if (file.getLine())
      os << ":" << file.getLine() << ":" << file.getColumn();
  } else {
    os << loc;
  }
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << ": error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << ": warning: ";
    break;
  case DiagnosticSeverity::Note:
    os << ": note: ";
    break;
  case DiagnosticSeverity::Remark:
    os << ": remark: ";
    break;
  }
  os << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    (void)printDiagnostic(note);
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  static cl::opt<std::string> inputFilename(
      cl::Positional, cl::desc("<input file>"), cl::init("-"));
  static cl::opt<std::string> outputFilename("o", cl::desc("Output filename"),
                                             cl::value_desc("filename"),
                                             cl::init("-"));
  static cl::opt<Translation> translation(
      cl::desc("Translation to perform"), cl::Required,
      cl::values(
          clEnumValN(Translation::ImportOnnx, "import-onnx",
                     "Import an ONNX model (opsets 11-17) as qfx IR"),
          clEnumValN(Translation::ImportQfxBlobs, "import-qfx-blobs",
                     "Read qfx IR text whose dense_resource data is in a "
                     "blob file (--blobs), as the FX exporter writes it")));
  static cl::opt<bool> emitBytecode(
      "emit-bytecode", cl::desc("Write MLIR bytecode instead of text"));
  static cl::opt<bool> noShapeInference(
      "no-shape-inference",
      cl::desc("Use only the types stored in the ONNX model"));
  static cl::opt<bool> onnxCheck(
      "onnx-check", cl::desc("Run onnx::checker on the model first"));
  static cl::opt<std::string> externalDataDir(
      "external-data-dir",
      cl::desc("Directory of external tensor data (default: the model's)"),
      cl::value_desc("directory"));

  static cl::opt<std::string> blobsFilename(
      "blobs",
      cl::desc("Blob file of --import-qfx-blobs (default: <input>.blobs)"),
      cl::value_desc("filename"));

  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::ParseCommandLineOptions(argc, argv, "qfx translation driver\n");

  DialectRegistry registry;
  qfx::registerOnnxImportDialects(registry);
  MLIRContext context(registry);
  context.getDiagEngine().registerHandler(printDiagnostic);

  OwningOpRef<ModuleOp> module;
  switch (translation) {
  case Translation::ImportOnnx: {
    qfx::OnnxImportOptions options;
    options.shapeInference = !noShapeInference;
    options.runChecker = onnxCheck;
    options.externalDataDir = externalDataDir;
    module = qfx::importOnnxFile(inputFilename, &context, options);
    break;
  }
  case Translation::ImportQfxBlobs:
    module = qfx::parseWithBlobFile(inputFilename,
                                    blobsFilename.empty()
                                        ? inputFilename + ".blobs"
                                        : std::string(blobsFilename),
                                    &context);
    break;
  }
  if (!module)
    return 1;

  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << error << "\n";
    return 1;
  }
  bool bytecode =
      emitBytecode || llvm::StringRef(outputFilename).ends_with(".mlirbc");
  if (bytecode) {
    if (failed(writeBytecodeToFile(*module, output->os()))) {
      llvm::errs() << "error: cannot write bytecode\n";
      return 1;
    }
  } else {
    module->print(output->os());
  }
  output->keep();
  return 0;
}
