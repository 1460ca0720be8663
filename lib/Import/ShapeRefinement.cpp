//===- ShapeRefinement.cpp - shape inference through folded subgraphs -----===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// torch.onnx computes some operands with small integer subgraphs: F.pad's
// amounts are reversed and transposed (Concat, Reshape, Slice with step -1,
// Transpose, Cast). ONNX shape inference does not see through them, so the
// padded tensor and everything after it would be typed `?`. The importer
// folds such subgraphs anyway (tryFoldNode); doing that first and running
// shape inference again with the folded values as (temporary) initializers
// gives the rest of the graph static shapes.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "OnnxSafe.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;

static bool isDefaultDomain(const onnx::NodeProto &node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

/// True when the inferred type of `name` is missing or not fully static.
static bool lacksStaticShape(Importer &imp, StringRef name) {
  auto type = imp.lookupTensorType(name);
  return !type || !type->hasStaticShape();
}

LogicalResult Importer::refineShapes() {
  // Fold in graph order what can be folded; remember the folded values
  // that reach nodes we convert.
  llvm::DenseSet<int> folded;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    if (!isDefaultDomain(node))
      continue;
    if (node.op_type() == "Constant") {
      if (failed(convertConstant(node)))
        return failure();
      folded.insert(i);
    } else if (tryFoldNode(*this, node)) {
      folded.insert(i);
    }
  }
  llvm::StringSet<> frontier;
  bool needed = false;
  for (int i = 0; i < graph.node_size(); ++i) {
    if (folded.contains(i))
      continue;
    const onnx::NodeProto &node = graph.node(i);
    bool readsFolded = false;
    for (const std::string &in : node.input()) {
      const ConstTensor *c = in.empty() ? nullptr : getConst(in);
      if (!c || c->isInitializer())
        continue;
      auto it = producer.find(in);
      if (it == producer.end() || !folded.contains(it->second))
        continue;
      frontier.insert(in);
      readsFolded = true;
    }
    if (readsFolded)
      for (const std::string &out : node.output())
        needed |= !out.empty() && lacksStaticShape(*this, out);
  }
  if (!needed)
    return success();

  // Temporary initializers for the folded values; removed again afterwards
  // so that nothing else takes them for model parameters.
  onnx::GraphProto *mutableGraph = model.mutable_graph();
  int before = mutableGraph->initializer_size();
  for (const auto &entry : frontier) {
    const ConstTensor *c = getConst(entry.getKey());
    onnx::TensorProto *t = mutableGraph->add_initializer();
    t->set_name(entry.getKey().str());
    t->set_data_type(c->data->dtype);
    for (int64_t d : c->data->shape)
      t->add_dims(d);
    t->set_raw_data(c->data->bytes.str());
  }
  std::string error = onnx_safe::inferShapes(model);
  mutableGraph->mutable_initializer()->DeleteSubrange(
      before, mutableGraph->initializer_size() - before);
  if (!error.empty())
    return emitError() << "onnx shape inference: " << error;
  collectValueTypes();
  return success();
}
