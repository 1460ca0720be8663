//===- ImportModelTest.cpp - importing small ONNX graphs ------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Builds ModelProtos the way torch.onnx writes them and checks what the
// importer makes of them: parameter names and kinds, call_module vs
// call_function provenance, the gelu / layer-norm / linear pattern
// matchers, and errors.
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/QFXOps.h"
#include "qfx/Import/OnnxImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "onnx/onnx_pb.h"

#include <catch2/catch.hpp>

#include <limits>
#include <map>

using namespace mlir;
using namespace qfx;
using onnx::TensorProto;

namespace {
/// One imported op with provenance.
struct ImportedOp {
  std::string name, kind, target, module;
  /// "call_module torch.nn.modules.conv.Conv2d @conv": one string to check.
  std::string provenance() const { return kind + " " + target + " @" + module; }
};

/// A ModelProto under construction and the result of importing it.
struct ModelBuilder {
  ModelBuilder(int64_t opset = 13) {
    model.set_ir_version(8);
    model.set_producer_name("qfx-unittest");
    auto *op = model.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model.mutable_graph()->set_name("g");
    DialectRegistry registry;
    registerOnnxImportDialects(registry);
    context.appendDialectRegistry(registry);
  }

  onnx::GraphProto &graph() { return *model.mutable_graph(); }

  onnx::NodeProto &node(const std::string &op, std::vector<std::string> inputs,
                        std::vector<std::string> outputs,
                        const std::string &name) {
    auto *n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto &i : inputs)
      n->add_input(i);
    for (auto &o : outputs)
      n->add_output(o);
    return *n;
  }

  static void ints(onnx::NodeProto &n, const std::string &name,
                   std::vector<int64_t> values) {
    auto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values)
      a->add_ints(v);
  }
  static void intAttr(onnx::NodeProto &n, const std::string &name, int64_t v) {
    auto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void floatAttr(onnx::NodeProto &n, const std::string &name, float v) {
    auto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }

  void floats(const std::string &name, std::vector<int64_t> dims,
              float fill = 0.5f) {
    auto *t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (int64_t i = 0; i < n; ++i)
      t->add_float_data(fill);
  }

  void int8s(const std::string &name, std::vector<int64_t> dims) {
    auto *t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(TensorProto::INT8);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (int64_t i = 0; i < n; ++i)
      t->add_int32_data(static_cast<int>(i % 5) - 2);
  }

  /// A Constant node holding a float scalar.
  void scalar(const std::string &nodeName, const std::string &out, float v) {
    auto &n = node("Constant", {}, {out}, nodeName);
    auto *a = n.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(TensorProto::FLOAT);
    a->mutable_t()->add_float_data(v);
  }

  static void valueInfo(onnx::ValueInfoProto *vi, const std::string &name,
                        std::vector<int64_t> dims, int32_t dtype) {
    vi->set_name(name);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(dtype);
    for (int64_t d : dims)
      tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void input(const std::string &name, std::vector<int64_t> dims,
             int32_t dtype = TensorProto::FLOAT) {
    valueInfo(graph().add_input(), name, dims, dtype);
  }
  void output(const std::string &name, std::vector<int64_t> dims) {
    valueInfo(graph().add_output(), name, dims, TensorProto::FLOAT);
  }

  /// Imports the model; false (with `diagnostics` filled) on failure.
  bool import() {
    ScopedDiagnosticHandler handler(&context, [this](Diagnostic &diag) {
      diagnostics.push_back(diag.str());
      return success();
    });
    std::string bytes;
    model.SerializeToString(&bytes);
    module = importOnnxModel(bytes, "unit.onnx", &context);
    if (!module)
      return false;
    module->walk([&](Operation *op) {
      if (auto p = dyn_cast<ParameterOp>(op)) {
        std::string type;
        llvm::raw_string_ostream os(type);
        os << p.getType();
        parameters[p.getSymName().str()] = {
            stringifyParameterKind(p.getKind()).str(), type};
      }
      auto node = op->getAttrOfType<NodeAttr>(QFXDialect::getNodeAttrName());
      if (!node)
        return;
      ops.push_back({op->getName().getStringRef().str(),
                     stringifyNodeKind(node.getKind()).str(),
                     node.getTarget().str(), node.getModule().str()});
    });
    return true;
  }

  /// The imported ops named `name` (e.g. "qfx.conv").
  std::vector<ImportedOp> opsNamed(llvm::StringRef name) const {
    std::vector<ImportedOp> out;
    for (const auto &op : ops)
      if (op.name == name)
        out.push_back(op);
    return out;
  }

  MLIRContext context;
  onnx::ModelProto model;
  OwningOpRef<ModuleOp> module;
  /// Parameter symbol -> (kind, type).
  std::map<std::string, std::pair<std::string, std::string>> parameters;
  std::vector<ImportedOp> ops;
  std::vector<std::string> diagnostics;
};

/// Conv (1x1, no padding) named `name` from `in` to `out`.
onnx::NodeProto &conv(ModelBuilder &m, std::vector<std::string> inputs,
                      const std::string &out, const std::string &name) {
  auto &n = m.node("Conv", std::move(inputs), {out}, name);
  ModelBuilder::ints(n, "kernel_shape", {1, 1});
  return n;
}

/// torch.onnx's decomposition of nn.GELU() in scope `scope`.
void gelu(ModelBuilder &m, const std::string &scope, const std::string &in,
          const std::string &out, float half = 0.5f) {
  m.scalar(scope + "/Constant", scope + "_sqrt2", 1.4142135381698608f);
  m.node("Div", {in, scope + "_sqrt2"}, {scope + "_d"}, scope + "/Div");
  m.node("Erf", {scope + "_d"}, {scope + "_e"}, scope + "/Erf");
  m.scalar(scope + "/Constant_1", scope + "_one", 1.0f);
  m.node("Add", {scope + "_e", scope + "_one"}, {scope + "_a"}, scope + "/Add");
  m.node("Mul", {in, scope + "_a"}, {scope + "_m"}, scope + "/Mul");
  m.scalar(scope + "/Constant_2", scope + "_half", half);
  m.node("Mul", {scope + "_m", scope + "_half"}, {out}, scope + "/Mul_1");
}

/// torch.onnx's (opset < 17) decomposition of nn.LayerNorm over the last
/// dim, in scope `scope`, with parameters `<param>.weight` / `.bias`.
void layerNorm(ModelBuilder &m, const std::string &scope,
               const std::string &param, const std::string &in,
               const std::string &out, float eps = 1e-5f) {
  auto &mean =
      m.node("ReduceMean", {in}, {scope + "_mean"}, scope + "/ReduceMean");
  ModelBuilder::ints(mean, "axes", {-1});
  m.node("Sub", {in, scope + "_mean"}, {scope + "_d"}, scope + "/Sub");
  m.scalar(scope + "/Constant", scope + "_two", 2.0f);
  m.node("Pow", {scope + "_d", scope + "_two"}, {scope + "_sq"},
         scope + "/Pow");
  auto &var = m.node("ReduceMean", {scope + "_sq"}, {scope + "_var"},
                     scope + "/ReduceMean_1");
  ModelBuilder::ints(var, "axes", {-1});
  m.scalar(scope + "/Constant_1", scope + "_eps", eps);
  m.node("Add", {scope + "_var", scope + "_eps"}, {scope + "_ve"},
         scope + "/Add");
  m.node("Sqrt", {scope + "_ve"}, {scope + "_std"}, scope + "/Sqrt");
  m.node("Div", {scope + "_d", scope + "_std"}, {scope + "_n"}, scope + "/Div");
  m.node("Mul", {scope + "_n", param + ".weight"}, {scope + "_s"},
         scope + "/Mul");
  m.node("Add", {scope + "_s", param + ".bias"}, {out}, scope + "/Add_1");
}
} // namespace

TEST_CASE("initializers keep torch names; generated ones get the module's",
          "[import][names]") {
  ModelBuilder m;
  m.input("x", {1, 3, 4, 4});
  conv(m, {"x", "stem.weight", "stem.bias"}, "a", "/stem/Conv");
  conv(m, {"a", "onnx::Conv_7", "onnx::Conv_8"}, "b",
       "/layer1/layer1.0/conv1/Conv");
  auto &bn =
      m.node("BatchNormalization",
             {"b", "onnx::BatchNormalization_9", "onnx::BatchNormalization_10",
              "onnx::BatchNormalization_11", "onnx::BatchNormalization_12"},
             {"c"}, "/layer1/layer1.0/bn1/BatchNormalization");
  ModelBuilder::floatAttr(bn, "momentum", 0.9f);
  m.output("c", {1, 2, 4, 4});
  m.floats("stem.weight", {3, 3, 1, 1});
  m.floats("stem.bias", {3});
  m.floats("onnx::Conv_7", {2, 3, 1, 1});
  m.floats("onnx::Conv_8", {2});
  for (int i = 9; i <= 12; ++i)
    m.floats("onnx::BatchNormalization_" + std::to_string(i), {2}, 1.0f);
  REQUIRE(m.import());

  CHECK(m.parameters.count("stem.weight"));
  CHECK(m.parameters.count("stem.bias"));
  CHECK(m.parameters.count("layer1.0.conv1.weight"));
  CHECK(m.parameters.count("layer1.0.conv1.bias"));
  CHECK(m.parameters["layer1.0.conv1.weight"].second == "tensor<2x3x1x1xf32>");
  CHECK(m.parameters["layer1.0.bn1.weight"].first == "parameter");
  CHECK(m.parameters["layer1.0.bn1.bias"].first == "parameter");
  CHECK(m.parameters["layer1.0.bn1.running_mean"].first == "buffer");
  CHECK(m.parameters["layer1.0.bn1.running_var"].first == "buffer");
  for (const auto &p : m.parameters)
    CHECK(llvm::StringRef(p.first).find("onnx::") == llvm::StringRef::npos);

  auto convs = m.opsNamed("qfx.conv");
  REQUIRE(convs.size() == 2);
  CHECK(convs[0].module == "stem");
  CHECK(convs[1].module == "layer1.0.conv1");
  auto bns = m.opsNamed("qfx.batch_norm");
  REQUIRE(bns.size() == 1);
  CHECK(bns[0].provenance() ==
        "call_module torch.nn.modules.batchnorm.BatchNorm2d @layer1.0.bn1");
}

TEST_CASE("call_module needs a scope the op owns and a constant weight",
          "[import][provenance]") {
  ModelBuilder m;
  m.input("x", {1, 3, 4, 4});
  m.input("w", {3, 3, 1, 1});
  // Owns its scope, initializer weight: the module.
  conv(m, {"x", "conv.weight"}, "a", "/conv/Conv");
  // Weight is a graph input: F.conv2d.
  conv(m, {"a", "w"}, "b", "/dyn/Conv");
  // Two ops in one scope: both functional, in that module.
  conv(m, {"b", "block.weight"}, "c", "/block/Conv");
  m.node("Relu", {"c"}, {"d"}, "/block/Relu");
  // Relu alone in its scope: nn.ReLU.
  m.node("Relu", {"d"}, {"e"}, "/act/Relu");
  // No scope at all: functional at the top level.
  m.node("Relu", {"e"}, {"f"}, "Relu_5");
  m.output("f", {1, 3, 4, 4});
  m.floats("conv.weight", {3, 3, 1, 1});
  m.floats("block.weight", {3, 3, 1, 1});
  REQUIRE(m.import());

  auto convs = m.opsNamed("qfx.conv");
  REQUIRE(convs.size() == 3);
  CHECK(convs[0].provenance() ==
        "call_module torch.nn.modules.conv.Conv2d @conv");
  CHECK(convs[1].provenance() ==
        "call_function torch.nn.functional.conv2d @dyn");
  CHECK(convs[2].kind == "call_function");
  CHECK(convs[2].module == "block");
  auto relus = m.opsNamed("qfx.relu");
  REQUIRE(relus.size() == 3);
  CHECK(relus[0].provenance() ==
        "call_function torch.nn.functional.relu @block");
  CHECK(relus[1].provenance() ==
        "call_module torch.nn.modules.activation.ReLU @act");
  CHECK(relus[2].kind == "call_function");
  CHECK(relus[2].module == "");
}

TEST_CASE("a module with submodules is not a leaf module",
          "[import][provenance]") {
  ModelBuilder m;
  m.input("x", {1, 3, 4, 4});
  // mid.forward: torch.sigmoid(self.inner(x)); the Sigmoid is alone in
  // scope `mid` but `mid.inner` is its submodule.
  conv(m, {"x", "mid.inner.conv.weight"}, "a", "/mid/inner/conv/Conv");
  m.node("Sigmoid", {"a"}, {"b"}, "/mid/Sigmoid");
  // A leaf called in a Sequential: `seq.0` is a leaf, `seq` is not.
  m.node("Tanh", {"b"}, {"c"}, "/seq/seq.0/Tanh");
  m.node("Tanh", {"c"}, {"y"}, "/seq/Tanh");
  m.output("y", {1, 3, 4, 4});
  m.floats("mid.inner.conv.weight", {3, 3, 1, 1});
  REQUIRE(m.import());
  auto convs = m.opsNamed("qfx.conv");
  REQUIRE(convs.size() == 1);
  CHECK(convs[0].kind == "call_module");
  CHECK(convs[0].module == "mid.inner.conv");
  auto sig = m.opsNamed("qfx.sigmoid");
  REQUIRE(sig.size() == 1);
  CHECK(sig[0].provenance() == "call_function torch.sigmoid @mid");
  auto tanh = m.opsNamed("qfx.tanh");
  REQUIRE(tanh.size() == 2);
  CHECK(tanh[0].provenance() ==
        "call_module torch.nn.modules.activation.Tanh @seq.0");
  CHECK(tanh[1].kind == "call_function");
  CHECK(tanh[1].module == "seq");
}

TEST_CASE("torch.onnx's AvgPool Pad prelude belongs to the pool",
          "[import][shape]") {
  auto build = [](ModelBuilder &m, int64_t pad) {
    m.input("x", {1, 2, 4, 4});
    auto &c = m.node("Constant", {}, {"pads"}, "/Constant");
    auto *a = c.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(TensorProto::INT64);
    a->mutable_t()->add_dims(8);
    for (int i = 0; i < 8; ++i)
      a->mutable_t()->add_int64_data(i >= 2 && i != 4 && i != 5 ? pad : 0);
    auto &p = m.node("Pad", {"x", "pads"}, {"p"}, "/ap/Pad");
    auto *mode = p.add_attribute();
    mode->set_name("mode");
    mode->set_type(onnx::AttributeProto::STRING);
    mode->set_s("constant");
    // AvgPool2d(3, padding=pad) as torch.onnx writes it: Pad, then
    // AveragePool.
    auto &pool = m.node("AveragePool", {"p"}, {"y"}, "/ap/AveragePool");
    ModelBuilder::ints(pool, "kernel_shape", {3, 3});
    m.output("y", {1, 2, 2 + 2 * pad, 2 + 2 * pad});
  };
  SECTION("zero pads: the Pad belongs to the AvgPool module") {
    ModelBuilder m;
    build(m, 0);
    REQUIRE(m.import());
    CHECK(m.opsNamed("qfx.call").empty());
    auto pools = m.opsNamed("qfx.avg_pool");
    REQUIRE(pools.size() == 1);
    CHECK(pools[0].provenance() ==
          "call_module torch.nn.modules.pooling.AvgPool2d @ap");
  }
  SECTION("real padding: AvgPool2d(padding=1), count_include_pad") {
    ModelBuilder m;
    build(m, 1);
    REQUIRE(m.import());
    CHECK(m.opsNamed("qfx.call").empty());
    CHECK(m.opsNamed("qfx.pad").empty());
    auto pools = m.opsNamed("qfx.avg_pool");
    REQUIRE(pools.size() == 1);
    CHECK(pools[0].provenance() ==
          "call_module torch.nn.modules.pooling.AvgPool2d @ap");
  }
  SECTION("more padding than torch's avg_pool takes: an explicit F.pad") {
    ModelBuilder m;
    build(m, 2);
    REQUIRE(m.import());
    CHECK(m.opsNamed("qfx.call").empty());
    auto pads = m.opsNamed("qfx.pad");
    REQUIRE(pads.size() == 1);
    CHECK(pads[0].target == "torch.nn.functional.pad");
    auto pools = m.opsNamed("qfx.avg_pool");
    REQUIRE(pools.size() == 1);
    CHECK(pools[0].kind == "call_function");
  }
}

TEST_CASE("a DequantizeLinear of an initializer is a constant weight",
          "[import][provenance][qdq]") {
  ModelBuilder m;
  m.input("x", {1, 3, 4, 4});
  m.node("QuantizeLinear", {"x", "x_scale", "x_zp"}, {"xq"}, "/QuantizeLinear");
  m.node("DequantizeLinear", {"xq", "x_scale", "x_zp"}, {"xd"},
         "/DequantizeLinear");
  auto &dq = m.node("DequantizeLinear", {"conv.weight_q", "w_scale", "w_zp"},
                    {"wd"}, "/conv/DequantizeLinear");
  ModelBuilder::intAttr(dq, "axis", 0);
  conv(m, {"xd", "wd"}, "y", "/conv/Conv");
  // The same with the weight's DequantizeLinear outside the module scope
  // (where torch.onnx puts weights folded to initializers).
  m.node("DequantizeLinear", {"conv2.weight_q", "w_scale", "w_zp"}, {"wd2"},
         "/DequantizeLinear_1");
  conv(m, {"y", "wd2"}, "z", "/conv2/Conv");
  // Fake-quantized float weight (QuantizeLinear + DequantizeLinear of an
  // initializer) with the activation's Q/DQ inside the module scope too.
  m.node("QuantizeLinear", {"z", "x_scale", "x_zp"}, {"zq"},
         "/conv3/QuantizeLinear");
  m.node("DequantizeLinear", {"zq", "x_scale", "x_zp"}, {"zd"},
         "/conv3/DequantizeLinear");
  auto &wq = m.node("QuantizeLinear", {"conv3.weight", "w_scale", "w_zp"},
                    {"wq3"}, "/conv3/QuantizeLinear_1");
  ModelBuilder::intAttr(wq, "axis", 0);
  auto &wdq = m.node("DequantizeLinear", {"wq3", "w_scale", "w_zp"}, {"wd3"},
                     "/conv3/DequantizeLinear_1");
  ModelBuilder::intAttr(wdq, "axis", 0);
  conv(m, {"zd", "wd3"}, "out", "/conv3/Conv");
  m.output("out", {1, 2, 4, 4});
  m.floats("conv3.weight", {2, 2, 1, 1});
  m.floats("x_scale", {}, 0.5f);
  {
    auto *t = m.graph().add_initializer();
    t->set_name("x_zp");
    t->set_data_type(TensorProto::UINT8);
    t->add_int32_data(128);
  }
  m.int8s("conv.weight_q", {2, 3, 1, 1});
  m.int8s("conv2.weight_q", {2, 2, 1, 1});
  m.floats("w_scale", {2}, 0.25f);
  {
    auto *t = m.graph().add_initializer();
    t->set_name("w_zp");
    t->set_data_type(TensorProto::INT8);
    t->add_dims(2);
    t->add_int32_data(0);
    t->add_int32_data(0);
  }
  REQUIRE(m.import());
  CHECK(m.parameters["conv.weight_q"].second == "tensor<2x3x1x1xi8>");
  auto convs = m.opsNamed("qfx.conv");
  REQUIRE(convs.size() == 3);
  CHECK(convs[0].provenance() ==
        "call_module torch.nn.modules.conv.Conv2d @conv");
  CHECK(convs[1].kind == "call_module");
  CHECK(convs[1].module == "conv2");
  CHECK(convs[2].kind == "call_module");
  CHECK(convs[2].module == "conv3");
  CHECK(m.opsNamed("qfx.quantize").size() == 3);
  CHECK(m.opsNamed("qfx.dequantize").size() == 5);
}

TEST_CASE("the GELU matcher folds torch.onnx's erf decomposition",
          "[import][patterns]") {
  SECTION("exact constants: one nn.GELU") {
    ModelBuilder m;
    m.input("x", {2, 8});
    gelu(m, "/act", "x", "y");
    m.output("y", {2, 8});
    REQUIRE(m.import());
    auto g = m.opsNamed("qfx.gelu");
    REQUIRE(g.size() == 1);
    CHECK(g[0].provenance() ==
          "call_module torch.nn.modules.activation.GELU @act");
    CHECK(m.opsNamed("qfx.mul").empty());
    CHECK(m.opsNamed("qfx.div").empty());
    CHECK(m.opsNamed("qfx.call").empty());
  }
  SECTION("inside a larger scope: F.gelu in that module") {
    ModelBuilder m;
    m.input("x", {2, 8});
    gelu(m, "/mlp", "x", "g");
    m.node("Relu", {"g"}, {"y"}, "/mlp/Relu");
    m.output("y", {2, 8});
    REQUIRE(m.import());
    auto g = m.opsNamed("qfx.gelu");
    REQUIRE(g.size() == 1);
    CHECK(g[0].provenance() == "call_function torch.nn.functional.gelu @mlp");
  }
  SECTION("a different constant is not GELU") {
    ModelBuilder m;
    m.input("x", {2, 8});
    gelu(m, "/act", "x", "y", 0.25f);
    m.output("y", {2, 8});
    REQUIRE(m.import());
    CHECK(m.opsNamed("qfx.gelu").empty());
    CHECK(m.opsNamed("qfx.mul").size() == 2);
  }
  SECTION("an intermediate used elsewhere blocks the match") {
    ModelBuilder m;
    m.input("x", {2, 8});
    gelu(m, "/act", "x", "y");
    m.output("y", {2, 8});
    m.output("/act_e", {2, 8});
    REQUIRE(m.import());
    CHECK(m.opsNamed("qfx.gelu").empty());
  }
}

TEST_CASE("the LayerNorm matcher folds the opset-13 decomposition",
          "[import][patterns]") {
  SECTION("decomposed: one nn.LayerNorm") {
    ModelBuilder m;
    m.input("x", {2, 3, 8});
    layerNorm(m, "/ln", "ln", "x", "y");
    m.output("y", {2, 3, 8});
    m.floats("ln.weight", {8}, 1.0f);
    m.floats("ln.bias", {8}, 0.0f);
    REQUIRE(m.import());
    auto ln = m.opsNamed("qfx.layer_norm");
    REQUIRE(ln.size() == 1);
    CHECK(ln[0].provenance() ==
          "call_module torch.nn.modules.normalization.LayerNorm @ln");
    CHECK(m.opsNamed("qfx.sub").empty());
    CHECK(m.opsNamed("qfx.call").empty());
    auto op = *m.module->getOps<func::FuncOp>().begin();
    LayerNormOp norm;
    op.walk([&](LayerNormOp o) { norm = o; });
    REQUIRE(norm);
    CHECK(norm.getEps().convertToDouble() == 1e-5);
    CHECK(norm.getNormalizedShape() == ArrayRef<int64_t>{8});
    CHECK(norm.getWeight());
    CHECK(norm.getBias());
  }
  SECTION("a different epsilon is kept") {
    ModelBuilder m;
    m.input("x", {2, 8});
    layerNorm(m, "/ln", "ln", "x", "y", 1e-6f);
    m.output("y", {2, 8});
    m.floats("ln.weight", {8}, 1.0f);
    m.floats("ln.bias", {8}, 0.0f);
    REQUIRE(m.import());
    LayerNormOp norm;
    m.module->walk([&](LayerNormOp o) { norm = o; });
    REQUIRE(norm);
    CHECK(norm.getEps().convertToDouble() == 1e-6);
  }
  SECTION("opset 17 LayerNormalization maps directly") {
    ModelBuilder m(17);
    m.input("x", {2, 8});
    auto &n = m.node("LayerNormalization", {"x", "ln.weight", "ln.bias"}, {"y"},
                     "/ln/LayerNormalization");
    ModelBuilder::intAttr(n, "axis", -1);
    ModelBuilder::floatAttr(n, "epsilon", 1e-5f);
    m.output("y", {2, 8});
    m.floats("ln.weight", {8}, 1.0f);
    m.floats("ln.bias", {8}, 0.0f);
    REQUIRE(m.import());
    auto ln = m.opsNamed("qfx.layer_norm");
    REQUIRE(ln.size() == 1);
    CHECK(ln[0].kind == "call_module");
    CHECK(ln[0].module == "ln");
    LayerNormOp norm;
    m.module->walk([&](LayerNormOp o) { norm = o; });
    REQUIRE(norm);
    // The float attribute reads as the decimal the Python source wrote.
    CHECK(norm.getEps().convertToDouble() == 1e-5);
  }
}

TEST_CASE("the relu6 matcher folds torch.onnx's Relu + Clip(max = 6)",
          "[import][patterns]") {
  auto build = [](ModelBuilder &m, float lo, const std::string &scope) {
    m.input("x", {2, 8});
    m.node("Relu", {"x"}, {"r"}, scope + "/Relu");
    m.scalar(scope + "/Constant", "lo", lo);
    m.scalar(scope + "/Constant_1", "hi", 6.0f);
    m.node("Clip", {"r", "lo", "hi"}, {"y"}, scope + "/Clip");
    m.output("y", {2, 8});
  };
  SECTION("F.relu6 at the top level") {
    ModelBuilder m;
    build(m, std::numeric_limits<float>::lowest(), "");
    REQUIRE(m.import());
    auto h = m.opsNamed("qfx.hardtanh");
    REQUIRE(h.size() == 1);
    CHECK(h[0].provenance() == "call_function torch.nn.functional.relu6 @");
    CHECK(m.opsNamed("qfx.relu").empty());
    CHECK(m.opsNamed("qfx.clamp").empty());
    HardtanhOp op;
    m.module->walk([&](HardtanhOp o) { op = o; });
    REQUIRE(op);
    CHECK(op.getMinVal().convertToDouble() == 0.0);
    CHECK(op.getMaxVal().convertToDouble() == 6.0);
  }
  SECTION("alone in a module's scope: that module") {
    ModelBuilder m;
    build(m, 0.0f, "/act");
    REQUIRE(m.import());
    auto h = m.opsNamed("qfx.hardtanh");
    REQUIRE(h.size() == 1);
    CHECK(h[0].provenance() ==
          "call_module torch.nn.modules.activation.ReLU6 @act");
  }
  SECTION("a positive lower bound is a clamp after a relu") {
    ModelBuilder m;
    build(m, 1.0f, "");
    REQUIRE(m.import());
    CHECK(m.opsNamed("qfx.hardtanh").empty());
    CHECK(m.opsNamed("qfx.relu").size() == 1);
    CHECK(m.opsNamed("qfx.clamp").size() == 1);
  }
}

TEST_CASE("the Linear matcher folds MatMul + Add with a transposed weight",
          "[import][patterns]") {
  ModelBuilder m;
  m.input("x", {2, 3, 8});
  m.node("MatMul", {"x", "onnx::MatMul_5"}, {"mm"}, "/fc/MatMul");
  m.node("Add", {"fc.bias", "mm"}, {"y"}, "/fc/Add");
  m.output("y", {2, 3, 4});
  m.floats("onnx::MatMul_5", {8, 4});
  m.floats("fc.bias", {4});
  REQUIRE(m.import());
  auto fc = m.opsNamed("qfx.linear");
  REQUIRE(fc.size() == 1);
  CHECK(fc[0].provenance() == "call_module torch.nn.modules.linear.Linear @fc");
  // The parameter holds W (out x in), as nn.Linear does.
  CHECK(m.parameters["fc.weight"].second == "tensor<4x8xf32>");
  CHECK(m.opsNamed("qfx.matmul").empty());
  CHECK(m.opsNamed("qfx.add").empty());
}

TEST_CASE("import errors name the model and the culprit", "[import][errors]") {
  SECTION("unsupported opset") {
    ModelBuilder m(9);
    m.input("x", {1});
    m.node("Relu", {"x"}, {"y"}, "/Relu");
    m.output("y", {1});
    CHECK_FALSE(m.import());
    REQUIRE(m.diagnostics.size() == 1);
    CHECK_THAT(m.diagnostics[0],
               Catch::Contains("unsupported opset 9 (supported: 11-17)"));
  }
  SECTION("a node reading an unknown tensor") {
    ModelBuilder m;
    m.input("x", {1, 3, 4, 4});
    conv(m, {"x", "missing.weight"}, "y", "/conv/Conv");
    m.output("y", {1, 3, 4, 4});
    CHECK_FALSE(m.import());
    REQUIRE_FALSE(m.diagnostics.empty());
    CHECK_THAT(m.diagnostics[0],
               Catch::Contains("node '/conv/Conv' (Conv): input "
                               "'missing.weight' is not a graph input"));
  }
  SECTION("bytes that are not a ModelProto") {
    MLIRContext context;
    DialectRegistry registry;
    registerOnnxImportDialects(registry);
    context.appendDialectRegistry(registry);
    std::vector<std::string> diagnostics;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      diagnostics.push_back(diag.str());
      return success();
    });
    CHECK_FALSE(importOnnxModel("\x0a\xff\xff\xff", "junk.onnx", &context));
    REQUIRE(diagnostics.size() == 1);
    CHECK_THAT(diagnostics[0], Catch::Contains("not a valid ONNX model"));
  }
}
