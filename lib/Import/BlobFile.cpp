//===- BlobFile.cpp - attach a side file of dense_resource blobs ----------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Import/BlobFile.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

using namespace mlir;

namespace {
struct BlobRef {
  uint32_t alignment;
  uint64_t offset, size;
};

/// A bounds-checked little-endian reader over the blob file.
class Reader {
public:
  explicit Reader(StringRef data) : data(data) {}
  bool read(void *out, size_t n) {
    if (data.size() - pos < n)
      return false;
    std::memcpy(out, data.data() + pos, n);
    pos += n;
    return true;
  }
  template <typename T> bool read(T &out) {
    if (!read(&out, sizeof(T)))
      return false;
    out = llvm::support::endian::byte_swap<T, llvm::endianness::little>(out);
    return true;
  }
  bool readString(std::string &out, size_t n) {
    if (data.size() - pos < n)
      return false;
    out.assign(data.data() + pos, n);
    pos += n;
    return true;
  }

private:
  StringRef data;
  size_t pos = 0;
};
} // namespace

/// Reads the index; errors name the file.
static LogicalResult readIndex(StringRef data, StringRef path, Location loc,
                               llvm::StringMap<BlobRef> &index) {
  auto fail = [&](const Twine &msg) {
    return emitError(loc) << "blob file '" << path << "': " << msg;
  };
  Reader r(data);
  char magic[8];
  uint32_t version = 0, count = 0;
  if (!r.read(magic, 8) || StringRef(magic, 8) != "QFXBLOBS")
    return fail("not a qfx blob file");
  if (!r.read(version) || version != 1)
    return fail("unsupported version " + Twine(version));
  if (!r.read(count))
    return fail("truncated header");
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t keyLen = 0;
    std::string key;
    BlobRef ref;
    if (!r.read(keyLen) || !r.readString(key, keyLen) ||
        !r.read(ref.alignment) || !r.read(ref.offset) || !r.read(ref.size))
      return fail("truncated index");
    if (!llvm::isPowerOf2_32(ref.alignment) || ref.offset % ref.alignment)
      return fail("blob '" + key + "' is not aligned to its alignment " +
                  Twine(ref.alignment));
    if (ref.offset > data.size() || ref.size > data.size() - ref.offset)
      return fail("blob '" + key + "' lies outside the file");
    if (!index.try_emplace(key, ref).second)
      return fail("blob '" + key + "' appears twice");
  }
  return success();
}

OwningOpRef<ModuleOp> qfx::parseWithBlobFile(StringRef textPath,
                                             StringRef blobPath,
                                             MLIRContext *context) {
  Location fileLoc = FileLineColLoc::get(context, blobPath, 0, 0);
  auto bufferOr = llvm::MemoryBuffer::getFile(blobPath, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
  if (!bufferOr) {
    emitError(fileLoc) << "cannot read blob file '" << blobPath
                       << "': " << bufferOr.getError().message();
    return {};
  }
  // Shared by every blob: the mapping lives as long as the last of them.
  std::shared_ptr<llvm::MemoryBuffer> buffer = std::move(*bufferOr);
  llvm::StringMap<BlobRef> index;
  if (failed(readIndex(buffer->getBuffer(), blobPath, fileLoc, index)))
    return {};

  ParserConfig config(context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(textPath, config);
  if (!module)
    return {};

  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(context)
          .getBlobManager();
  std::vector<std::string> missing;
  manager.getBlobMap(
      [&](const llvm::StringMap<DialectResourceBlobManager::BlobEntry> &blobs) {
        for (const auto &entry : blobs)
          if (!entry.getValue().getBlob() && !index.count(entry.getKey()))
            missing.push_back(entry.getKey().str());
      });
  if (!missing.empty()) {
    emitError(fileLoc) << "dense_resource<" << missing.front()
                       << "> has no data in blob file '" << blobPath << "'";
    return {};
  }
  for (const auto &entry : index) {
    DialectResourceBlobManager::BlobEntry *blob =
        manager.lookup(entry.getKey());
    if (!blob) {
      emitError(fileLoc) << "blob '" << entry.getKey()
                         << "' is not referenced by '" << textPath << "'";
      return {};
    }
    const BlobRef &ref = entry.getValue();
    ArrayRef<char> bytes(buffer->getBufferStart() + ref.offset, ref.size);
    blob->setBlob(UnmanagedAsmResourceBlob::allocateWithAlign(
        bytes, ref.alignment,
        [buffer](void *, size_t, size_t) { /* releases the mapping */ }));
  }
  return module;
}
