//===- OnnxSafe.cpp - exception-free wrappers of onnx APIs ----------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Compiled with -fexceptions: the only translation unit of qfx that catches.
//
//===----------------------------------------------------------------------===//

#include "OnnxSafe.h"

#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"

#include <exception>

std::string qfx::onnx_safe::checkModel(const onnx::ModelProto &model) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception &e) {
    return e.what();
  } catch (...) {
    return "unknown error in onnx::checker";
  }
  return {};
}

std::string qfx::onnx_safe::inferShapes(onnx::ModelProto &model) {
  try {
    onnx::ShapeInferenceOptions options;
    options.check_type = false;
    // Errors of single nodes leave their outputs untyped; the importer
    // reports the tensors it needs and cannot type.
    options.error_mode = 0;
    options.enable_data_propagation = true;
    onnx::shape_inference::InferShapes(model,
                                       onnx::OpSchemaRegistry::Instance(),
                                       options);
  } catch (const std::exception &e) {
    return e.what();
  } catch (...) {
    return "unknown error in onnx::shape_inference";
  }
  return {};
}
