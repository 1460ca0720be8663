//===- Npy.h - NumPy .npy and .npz files ------------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Little-endian, C-order arrays of float32, float64, int64, int32, uint8,
// int8 and bool. .npz archives are zip files of .npy members; members may be
// stored or deflated (np.savez / np.savez_compressed). Every error names the
// file.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_EXECUTOR_NPY_H
#define QFX_EXECUTOR_NPY_H

#include "qfx/Executor/Plan.h"

#include <string>
#include <utility>
#include <vector>

namespace qfx::exec {

/// A dense C-order array.
struct NpyArray {
  ElemType type = ElemType::F32;
  Shape shape;
  std::vector<char> bytes;

  int64_t numel() const { return rt::numElements(shape); }
  template <typename T> T *data() { return reinterpret_cast<T *>(bytes.data()); }
  template <typename T> const T *data() const {
    return reinterpret_cast<const T *>(bytes.data());
  }
  /// An array of \p type and \p shape, zero-filled.
  static NpyArray zeros(ElemType type, Shape shape);
};

/// Named arrays of an .npz file, in archive order (names without ".npy").
using NpzArrays = std::vector<std::pair<std::string, NpyArray>>;

/// Parses the bytes of an .npy file; \p name is used in messages.
Expected<NpyArray> parseNpy(const char *data, size_t size,
                            const std::string &name);
/// Serialises \p array in .npy format version 1.0.
std::string serializeNpy(const NpyArray &array);

Expected<NpyArray> readNpy(const std::string &path);
Status writeNpy(const std::string &path, const NpyArray &array);
Expected<NpzArrays> readNpz(const std::string &path);
/// Writes an uncompressed .npz (like np.savez).
Status writeNpz(const std::string &path, const NpzArrays &arrays);

/// Writes \p contents to \p path atomically (temporary file + rename).
Status writeFileAtomically(const std::string &path,
                           const std::string &contents);

} // namespace qfx::exec

#endif // QFX_EXECUTOR_NPY_H
