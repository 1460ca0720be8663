//===- BlobFile.h - qfx IR text with its weights in a side file -*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The FX exporter's fast path to bytecode: it writes the IR text without
// the `{-# dialect_resources #-}` section and the `dense_resource` bytes
// into a binary side file, which is attached here without hex encoding or
// copying (the file is mapped). Layout, little-endian:
//
//   "QFXBLOBS"  u32 version (1)  u32 count
//   count x { u32 key length, key bytes, u32 alignment, u64 offset,
//             u64 size }
//   the blobs, each at its offset (a multiple of its alignment)
//
//===----------------------------------------------------------------------===//

#ifndef QFX_IMPORT_BLOBFILE_H
#define QFX_IMPORT_BLOBFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace qfx {

/// Parses the qfx IR text at `textPath` and sets every `dense_resource`
/// blob it references from the blob file at `blobPath`. Every referenced
/// key must be in the file and every key of the file referenced. Errors
/// (malformed file, out-of-bounds blob, missing key) are emitted on
/// `context`; returns null then.
mlir::OwningOpRef<mlir::ModuleOp> parseWithBlobFile(llvm::StringRef textPath,
                                                    llvm::StringRef blobPath,
                                                    mlir::MLIRContext *context);

} // namespace qfx

#endif // QFX_IMPORT_BLOBFILE_H
