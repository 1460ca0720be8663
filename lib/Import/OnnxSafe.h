//===- OnnxSafe.h - exception-free wrappers of onnx APIs --------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// onnx's checker and shape inference report errors by throwing. qfx is
// built without exceptions, so these calls live in QFXOnnxSafe, the one
// library compiled with -fexceptions, and return error text instead.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_IMPORT_ONNXSAFE_H
#define QFX_LIB_IMPORT_ONNXSAFE_H

#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace qfx::onnx_safe {

/// Runs onnx::checker::check_model. Returns the error, empty on success.
std::string checkModel(const onnx::ModelProto &model);

/// Runs onnx::shape_inference::InferShapes with data propagation, adding
/// value_info entries to `model`. Returns the error, empty on success.
std::string inferShapes(onnx::ModelProto &model);

} // namespace qfx::onnx_safe

#endif // QFX_LIB_IMPORT_ONNXSAFE_H
