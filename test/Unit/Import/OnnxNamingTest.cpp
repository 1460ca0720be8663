//===- OnnxNamingTest.cpp - torch.onnx scope names to FX names ------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qfx/Import/OnnxNaming.h"

#include <catch2/catch.hpp>

using namespace qfx;

namespace {
std::string modulePath(llvm::StringRef nodeName) {
  return joinScopeComponents(splitOnnxScope(nodeName).components);
}
} // namespace

TEST_CASE("splitOnnxScope separates scope components and op name",
          "[import][naming]") {
  SECTION("nested scope") {
    OnnxScope s = splitOnnxScope("/layer1/layer1.0/conv1/Conv");
    REQUIRE(s.components.size() == 3);
    CHECK(s.components[0] == "layer1");
    CHECK(s.components[1] == "layer1.0");
    CHECK(s.components[2] == "conv1");
    CHECK(s.opName == "Conv");
  }
  SECTION("op at the top level") {
    OnnxScope s = splitOnnxScope("/Reshape");
    CHECK(s.components.empty());
    CHECK(s.opName == "Reshape");
  }
  SECTION("numbered op name is kept whole") {
    OnnxScope s = splitOnnxScope("/ln/ReduceMean_1");
    REQUIRE(s.components.size() == 1);
    CHECK(s.components[0] == "ln");
    CHECK(s.opName == "ReduceMean_1");
  }
  SECTION("names without a leading slash have no scope") {
    OnnxScope s = splitOnnxScope("Conv_0");
    CHECK(s.components.empty());
    CHECK(s.opName == "Conv_0");
    CHECK(splitOnnxScope("layer1/conv/Conv").components.empty());
  }
  SECTION("empty names and repeated slashes") {
    OnnxScope empty = splitOnnxScope("");
    CHECK(empty.components.empty());
    CHECK(empty.opName.empty());
    CHECK(splitOnnxScope("/").opName.empty());
    OnnxScope s = splitOnnxScope("//a//Relu");
    REQUIRE(s.components.size() == 1);
    CHECK(s.components[0] == "a");
    CHECK(s.opName == "Relu");
  }
}

TEST_CASE("joinScopeComponents recovers qualified module paths",
          "[import][naming]") {
  CHECK(modulePath("/conv1/Conv") == "conv1");
  CHECK(modulePath("/Add") == "");
  // Sequential children repeat their parent's last atom: only the index
  // is new.
  CHECK(modulePath("/layer1/layer1.0/conv1/Conv") == "layer1.0.conv1");
  CHECK(modulePath("/layer1/layer1.0/downsample/downsample.0/Conv") ==
        "layer1.0.downsample.0");
  CHECK(modulePath("/features/features.3/conv/conv.0/conv.0.0/Conv") ==
        "features.3.conv.0.0");
  CHECK(modulePath("/blocks/blocks.1/inner/conv/Conv") ==
        "blocks.1.inner.conv");
  // A numeric child at the top has no parent path to attach to.
  CHECK(joinScopeComponents({"0", "conv"}) == "0.conv");
  CHECK(joinScopeComponents({"seq.0"}) == "seq.0");
  CHECK(joinScopeComponents({}) == "");
  // A component without a numeric last atom is the child's own name.
  CHECK(joinScopeComponents({"encoder", "layer", "attn"}) ==
        "encoder.layer.attn");
}

TEST_CASE("canonicalizeModulePath undoes torch.onnx's call numbering",
          "[import][naming]") {
  llvm::StringSet<> scopes, modules;
  scopes.insert("layer1.0.relu");
  scopes.insert("layer1.0.relu_1");
  scopes.insert("act_2");
  modules.insert("layer1.0.conv1");
  modules.insert("fc_1");
  modules.insert("head");

  SECTION("second call of a scope maps back to the module") {
    CHECK(canonicalizeModulePath("layer1.0.relu_1", scopes, modules) ==
          "layer1.0.relu");
    CHECK(canonicalizeModulePath("layer1.0.relu", scopes, modules) ==
          "layer1.0.relu");
  }
  SECTION("a real module whose name ends in _N is kept") {
    CHECK(canonicalizeModulePath("fc_1", scopes, modules) == "fc_1");
  }
  SECTION("the base must be a scope or a real module") {
    CHECK(canonicalizeModulePath("act_2", scopes, modules) == "act_2");
    CHECK(canonicalizeModulePath("head_1", scopes, modules) == "head");
  }
  SECTION("only a numeric suffix of the last atom is stripped") {
    CHECK(canonicalizeModulePath("layer1.0.relu_x", scopes, modules) ==
          "layer1.0.relu_x");
    CHECK(canonicalizeModulePath("layer1_1.relu", scopes, modules) ==
          "layer1_1.relu");
    CHECK(canonicalizeModulePath("layer1.0.relu_", scopes, modules) ==
          "layer1.0.relu_");
    CHECK(canonicalizeModulePath("", scopes, modules) == "");
  }
}

TEST_CASE("isTorchParameterName tells torch names from generated ones",
          "[import][naming]") {
  CHECK(isTorchParameterName("conv1.weight"));
  CHECK(isTorchParameterName("layer1.0.bn1.running_mean"));
  CHECK(isTorchParameterName("features.3.conv.0.0.weight"));
  CHECK(isTorchParameterName("weight"));
  CHECK(isTorchParameterName("_private.w_2"));
  CHECK_FALSE(isTorchParameterName(""));
  CHECK_FALSE(isTorchParameterName("onnx::Conv_193"));
  CHECK_FALSE(isTorchParameterName("123"));
  CHECK_FALSE(isTorchParameterName("/fc/Constant_output_0"));
  CHECK_FALSE(isTorchParameterName("fc..weight"));
  CHECK_FALSE(isTorchParameterName(".weight"));
  CHECK_FALSE(isTorchParameterName("fc.weight."));
  CHECK_FALSE(isTorchParameterName("fc.1weight"));
  CHECK_FALSE(isTorchParameterName("fc.weight-q"));
  CHECK_FALSE(isTorchParameterName("a:b"));
}

TEST_CASE("isTorchBufferName matches BatchNorm statistics",
          "[import][naming]") {
  CHECK(isTorchBufferName("bn1.running_mean"));
  CHECK(isTorchBufferName("layer1.0.bn2.running_var"));
  CHECK(isTorchBufferName("bn.num_batches_tracked"));
  CHECK_FALSE(isTorchBufferName("bn1.weight"));
  CHECK_FALSE(isTorchBufferName("bn1.bias"));
  CHECK_FALSE(isTorchBufferName("running_mean.scale"));
}

TEST_CASE("blobKeyForName gives valid resource keys", "[import][naming]") {
  CHECK(blobKeyForName("conv1.weight") == "conv1_weight");
  CHECK(blobKeyForName("layer1.0.conv1.weight") == "layer1_0_conv1_weight");
  CHECK(blobKeyForName("onnx::Conv_193") == "onnx__Conv_193");
  CHECK(blobKeyForName("/fc/Constant") == "_fc_Constant");
  // Keys must not start with a digit (or be empty).
  CHECK(blobKeyForName("123") == "t_123");
  CHECK(blobKeyForName("0.weight") == "t_0_weight");
  CHECK(blobKeyForName("") == "t_");
  CHECK(blobKeyForName("_w") == "_w");
}
