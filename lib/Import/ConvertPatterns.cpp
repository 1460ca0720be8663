//===- ConvertPatterns.cpp - gelu, layer norm and linear patterns ---------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// torch.onnx decomposes some modules for the opsets qfx imports:
//   GELU       x * (erf(x / sqrt(2)) + 1) * 0.5         (Div Erf Add Mul Mul)
//   GELU tanh  0.5 * (x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))))
//                                 (Mul Mul Mul Add Mul Tanh Add Mul Mul)
//   LayerNorm  (x - mean) / sqrt(var + eps) * w + b      (before opset 17)
//   Linear     x @ W^T + b on inputs of rank > 2         (MatMul Add)
//   F.relu6    min(relu(x), 6)                           (Relu Clip)
// These are matched on the ONNX graph before conversion and emitted as one
// qfx op at the pattern's last node.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include <cmath>

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;

namespace {
/// Graph queries for the matchers.
struct GraphView {
  Importer &imp;
  const onnx::GraphProto &graph;

  /// The node producing `name`, if it is used exactly once (so the pattern
  /// may absorb it).
  const onnx::NodeProto *singleUseProducer(StringRef name,
                                           StringRef opType) const {
    auto it = imp.producer.find(name);
    if (it == imp.producer.end() || imp.useCount.lookup(name) != 1)
      return nullptr;
    const onnx::NodeProto &node = graph.node(it->second);
    if (node.op_type() != opType || node.output_size() != 1 ||
        !(node.domain().empty() || node.domain() == "ai.onnx"))
      return nullptr;
    return &node;
  }
  const onnx::NodeProto *producerOf(StringRef name, StringRef opType) const {
    auto it = imp.producer.find(name);
    if (it == imp.producer.end())
      return nullptr;
    const onnx::NodeProto &node = graph.node(it->second);
    return node.op_type() == opType ? &node : nullptr;
  }
  int indexOf(const onnx::NodeProto *node) const { return imp.indexOf(*node); }
  /// The scalar value of a constant tensor (Constant node or initializer).
  std::optional<double> scalar(StringRef name) const {
    auto it = imp.producer.find(name);
    if (it != imp.producer.end()) {
      const onnx::NodeProto &node = graph.node(it->second);
      if (node.op_type() != "Constant" || node.attribute_size() != 1)
        return std::nullopt;
      const auto &attr = node.attribute(0);
      if (attr.name() == "value_float")
        return attr.f();
      if (attr.name() != "value" || !attr.has_t())
        return std::nullopt;
      const auto &t = attr.t();
      if (t.data_type() != onnx::TensorProto::FLOAT)
        return std::nullopt;
      if (t.float_data_size() == 1)
        return t.float_data(0);
      if (t.raw_data().size() == 4) {
        float f;
        std::memcpy(&f, t.raw_data().data(), 4);
        return f;
      }
      return std::nullopt;
    }
    if (const ConstTensor *c = imp.getConst(name)) {
      auto v = c->data->toDoubles();
      if (v && v->size() == 1)
        return (*v)[0];
    }
    return std::nullopt;
  }
  /// The other input of a binary node, given one of them.
  static std::optional<std::string> other(const onnx::NodeProto &node,
                                          StringRef one) {
    if (node.input_size() != 2)
      return std::nullopt;
    if (node.input(0) == one)
      return node.input(1);
    if (node.input(1) == one)
      return node.input(0);
    return std::nullopt;
  }
};
} // namespace

static bool near(std::optional<double> v, double expected) {
  return v && std::abs(*v - expected) <= 1e-4 * std::abs(expected);
}

/// y = Mul(Mul(x, Add(Erf(Div(x, sqrt2)), 1)), 0.5), anchored at the last Mul.
static std::optional<PatternMatch> matchGelu(const GraphView &g,
                                             const onnx::NodeProto &last) {
  if (last.op_type() != "Mul" || last.input_size() != 2)
    return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    if (!near(g.scalar(last.input(1 - side)), 0.5))
      continue;
    const onnx::NodeProto *mul = g.singleUseProducer(last.input(side), "Mul");
    if (!mul || mul->input_size() != 2)
      continue;
    for (int s2 = 0; s2 < 2; ++s2) {
      const onnx::NodeProto *add = g.singleUseProducer(mul->input(s2), "Add");
      if (!add || add->input_size() != 2)
        continue;
      std::string x = mul->input(1 - s2);
      for (int s3 = 0; s3 < 2; ++s3) {
        if (!near(g.scalar(add->input(1 - s3)), 1.0))
          continue;
        const onnx::NodeProto *erf = g.singleUseProducer(add->input(s3), "Erf");
        if (!erf || erf->input_size() != 1)
          continue;
        const onnx::NodeProto *div = g.singleUseProducer(erf->input(0), "Div");
        if (!div || div->input_size() != 2 || div->input(0) != x ||
            !near(g.scalar(div->input(1)), std::sqrt(2.0)))
          continue;
        PatternMatch m;
        m.kind = PatternMatch::Gelu;
        m.input = x;
        m.nodes = {g.indexOf(div), g.indexOf(erf), g.indexOf(add),
                   g.indexOf(mul), g.indexOf(&last)};
        return m;
      }
    }
  }
  return std::nullopt;
}

/// Finds the operand of binary `node` that is not the scalar `value`.
static std::optional<std::string>
otherThanScalar(const GraphView &g, const onnx::NodeProto &node, double value) {
  if (node.input_size() != 2)
    return std::nullopt;
  for (int side = 0; side < 2; ++side)
    if (near(g.scalar(node.input(side)), value))
      return node.input(1 - side);
  return std::nullopt;
}

/// gelu(approximate="tanh") as torch.onnx writes it (symbolic_opset9.gelu):
///   half * (x * (one + Tanh(beta * (x + kappa * (x * (x * x))))))
/// anchored at the outer Mul; operands of each Mul/Add in either order.
static std::optional<PatternMatch> matchGeluTanh(const GraphView &g,
                                                 const onnx::NodeProto &last) {
  if (last.op_type() != "Mul")
    return std::nullopt;
  auto outer = otherThanScalar(g, last, 0.5);
  if (!outer)
    return std::nullopt;
  const onnx::NodeProto *mulX = g.singleUseProducer(*outer, "Mul");
  if (!mulX || mulX->input_size() != 2)
    return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    std::string x = mulX->input(1 - side);
    const onnx::NodeProto *addOne =
        g.singleUseProducer(mulX->input(side), "Add");
    if (!addOne)
      continue;
    auto t = otherThanScalar(g, *addOne, 1.0);
    const onnx::NodeProto *tanh = t ? g.singleUseProducer(*t, "Tanh") : nullptr;
    if (!tanh || tanh->input_size() != 1)
      continue;
    const onnx::NodeProto *mulBeta = g.singleUseProducer(tanh->input(0), "Mul");
    auto inner = mulBeta ? otherThanScalar(g, *mulBeta, std::sqrt(2.0 / M_PI))
                         : std::nullopt;
    const onnx::NodeProto *add =
        inner ? g.singleUseProducer(*inner, "Add") : nullptr;
    auto kx3 = add ? GraphView::other(*add, x) : std::nullopt;
    const onnx::NodeProto *mulKappa =
        kx3 ? g.singleUseProducer(*kx3, "Mul") : nullptr;
    auto x3 = mulKappa ? otherThanScalar(g, *mulKappa, 0.044715) : std::nullopt;
    const onnx::NodeProto *cube =
        x3 ? g.singleUseProducer(*x3, "Mul") : nullptr;
    auto x2 = cube ? GraphView::other(*cube, x) : std::nullopt;
    const onnx::NodeProto *square =
        x2 ? g.singleUseProducer(*x2, "Mul") : nullptr;
    if (!square || square->input_size() != 2 || square->input(0) != x ||
        square->input(1) != x)
      continue;
    PatternMatch m;
    m.kind = PatternMatch::GeluTanh;
    m.input = x;
    m.nodes = {g.indexOf(square), g.indexOf(cube),    g.indexOf(mulKappa),
               g.indexOf(add),    g.indexOf(mulBeta), g.indexOf(tanh),
               g.indexOf(addOne), g.indexOf(mulX),    g.indexOf(&last)};
    return m;
  }
  return std::nullopt;
}

/// Reads ReduceMean's axes (attribute up to opset 17) and keepdims.
static std::optional<SmallVector<int64_t>>
reduceAxes(const onnx::NodeProto &node) {
  SmallVector<int64_t> axes;
  bool keep = true;
  for (const auto &attr : node.attribute()) {
    if (attr.name() == "axes")
      axes.assign(attr.ints().begin(), attr.ints().end());
    else if (attr.name() == "keepdims")
      keep = attr.i() != 0;
  }
  if (!keep || axes.empty())
    return std::nullopt;
  return axes;
}

/// (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) [* w] [+ b], anchored
/// at the Div; the affine Mul/Add are absorbed when present.
static std::optional<PatternMatch>
matchLayerNorm(const GraphView &g, const onnx::NodeProto &div,
               const llvm::StringMap<SmallVector<int>> &consumers) {
  if (div.op_type() != "Div" || div.input_size() != 2)
    return std::nullopt;
  const onnx::NodeProto *sqrt = g.singleUseProducer(div.input(1), "Sqrt");
  if (!sqrt)
    return std::nullopt;
  const onnx::NodeProto *addEps = g.singleUseProducer(sqrt->input(0), "Add");
  if (!addEps || addEps->input_size() != 2)
    return std::nullopt;
  const onnx::NodeProto *var = nullptr;
  std::optional<double> eps;
  for (int s = 0; s < 2 && !var; ++s) {
    var = g.singleUseProducer(addEps->input(s), "ReduceMean");
    eps = g.scalar(addEps->input(1 - s));
  }
  if (!var || !eps)
    return std::nullopt;
  const onnx::NodeProto *pow = g.singleUseProducer(var->input(0), "Pow");
  if (!pow || pow->input_size() != 2 || !near(g.scalar(pow->input(1)), 2.0))
    return std::nullopt;
  // d = x - mean is used by Pow and Div.
  const std::string &d = div.input(0);
  if (pow->input(0) != d || g.imp.useCount.lookup(d) != 2)
    return std::nullopt;
  const onnx::NodeProto *sub = g.producerOf(d, "Sub");
  if (!sub || sub->input_size() != 2)
    return std::nullopt;
  const onnx::NodeProto *mean =
      g.singleUseProducer(sub->input(1), "ReduceMean");
  if (!mean || mean->input(0) != sub->input(0))
    return std::nullopt;
  auto axes = reduceAxes(*mean), axes2 = reduceAxes(*var);
  if (!axes || !axes2 || *axes != *axes2)
    return std::nullopt;
  std::string x = sub->input(0);
  auto xType = g.imp.lookupTensorType(x);
  if (!xType)
    return std::nullopt;
  int64_t rank = xType->getRank();
  SmallVector<int64_t> norm;
  for (int64_t a : *axes)
    norm.push_back(a < 0 ? a + rank : a);
  llvm::sort(norm);
  for (size_t i = 0; i < norm.size(); ++i)
    if (norm[i] != rank - static_cast<int64_t>(norm.size() - i))
      return std::nullopt;

  PatternMatch m;
  m.kind = PatternMatch::LayerNorm;
  m.input = x;
  m.eps = roundTripFloat(static_cast<float>(*eps));
  m.axis = rank - static_cast<int64_t>(norm.size());
  m.nodes = {g.indexOf(mean),   g.indexOf(sub),  g.indexOf(pow), g.indexOf(var),
             g.indexOf(addEps), g.indexOf(sqrt), g.indexOf(&div)};
  SmallVector<int64_t> normShape(xType->getShape().drop_front(m.axis));
  // Affine part: Mul by a constant of normalized_shape, then Add.
  auto affine = [&](StringRef value, StringRef opType,
                    std::string &param) -> const onnx::NodeProto * {
    if (g.imp.useCount.lookup(value) != 1)
      return nullptr;
    auto it = consumers.find(value);
    if (it == consumers.end() || it->second.size() != 1)
      return nullptr;
    const onnx::NodeProto &next = g.graph.node(it->second.front());
    if (next.op_type() != opType)
      return nullptr;
    auto other = GraphView::other(next, value);
    if (!other)
      return nullptr;
    const ConstTensor *c = g.imp.getConst(*other);
    if (!c || ArrayRef<int64_t>(c->data->shape) != ArrayRef<int64_t>(normShape))
      return nullptr;
    param = *other;
    return &next;
  };
  if (const onnx::NodeProto *mul = affine(div.output(0), "Mul", m.weight)) {
    m.nodes.push_back(g.indexOf(mul));
    if (const onnx::NodeProto *add = affine(mul->output(0), "Add", m.bias))
      m.nodes.push_back(g.indexOf(add));
  }
  return m;
}

/// Add(MatMul(x, W^T), b) with constant 2-d W^T and 1-d b.
static std::optional<PatternMatch> matchLinear(const GraphView &g,
                                               const onnx::NodeProto &add) {
  if (add.op_type() != "Add" || add.input_size() != 2)
    return std::nullopt;
  for (int s = 0; s < 2; ++s) {
    const onnx::NodeProto *mm = g.singleUseProducer(add.input(s), "MatMul");
    const ConstTensor *bias = g.imp.getConst(add.input(1 - s));
    if (!mm || !bias || bias->data->shape.size() != 1 || mm->input_size() != 2)
      continue;
    const ConstTensor *w = g.imp.getConst(mm->input(1));
    if (!w || !w->isInitializer() || w->data->shape.size() != 2 ||
        w->data->shape[1] != bias->data->shape[0])
      continue;
    PatternMatch m;
    m.kind = PatternMatch::Linear;
    m.input = mm->input(0);
    m.weight = mm->input(1);
    m.bias = add.input(1 - s);
    m.transposeWeight = true;
    m.nodes = {g.indexOf(mm), g.indexOf(&add)};
    return m;
  }
  return std::nullopt;
}

/// Clip(Relu(x), lo, 6) with no lower bound or one <= 0: torch.onnx's
/// F.relu6 (nn.ReLU6 is exported as a single Clip(0, 6)).
static std::optional<PatternMatch> matchRelu6(const GraphView &g,
                                              const onnx::NodeProto &clip) {
  if (clip.op_type() != "Clip" || clip.input_size() != 3 || g.imp.opset < 11 ||
      clip.input(2).empty())
    return std::nullopt;
  if (g.scalar(clip.input(2)) != std::optional<double>(6.0))
    return std::nullopt;
  if (!clip.input(1).empty()) {
    std::optional<double> lo = g.scalar(clip.input(1));
    if (!lo || *lo > 0.0)
      return std::nullopt;
  }
  const onnx::NodeProto *relu = g.singleUseProducer(clip.input(0), "Relu");
  if (!relu || relu->input_size() != 1)
    return std::nullopt;
  PatternMatch m;
  m.kind = PatternMatch::Relu6;
  m.input = relu->input(0);
  m.nodes = {g.indexOf(relu), g.indexOf(&clip)};
  return m;
}

void qfx::onnx_import::matchPatterns(Importer &imp) {
  GraphView g{imp, imp.graph};
  llvm::StringMap<SmallVector<int>> consumers;
  for (int i = 0; i < imp.graph.node_size(); ++i)
    for (const auto &in : imp.graph.node(i).input())
      consumers[in].push_back(i);
  auto record = [&](PatternMatch m) {
    for (int n : m.nodes)
      if (imp.absorbed.contains(n) || imp.patterns.count(n))
        return;
    int anchor = *llvm::max_element(m.nodes);
    for (int n : m.nodes)
      if (n != anchor)
        imp.absorbed.insert(n);
    imp.patterns[anchor] = std::move(m);
  };
  for (int i = 0; i < imp.graph.node_size(); ++i) {
    const onnx::NodeProto &node = imp.graph.node(i);
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      continue;
    if (auto m = matchLayerNorm(g, node, consumers))
      record(*m);
  }
  for (int i = 0; i < imp.graph.node_size(); ++i) {
    const onnx::NodeProto &node = imp.graph.node(i);
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      continue;
    if (auto m = matchGelu(g, node))
      record(*m);
    else if (auto m = matchGeluTanh(g, node))
      record(*m);
    else if (auto m = matchLinear(g, node))
      record(*m);
    else if (auto m = matchRelu6(g, node))
      record(*m);
  }
}

LogicalResult qfx::onnx_import::emitPattern(Importer &imp,
                                            const PatternMatch &m) {
  const onnx::NodeProto &anchor = imp.graph.node(*llvm::max_element(m.nodes));
  const onnx::NodeProto &first = imp.graph.node(*llvm::min_element(m.nodes));
  auto type = imp.getResultType(anchor);
  if (failed(type))
    return failure();
  auto input = imp.getTensor(m.input, anchor);
  if (failed(input))
    return failure();
  std::string path = imp.scopePath(anchor);
  auto role = [&](StringRef r) {
    return path.empty() ? std::string() : path + "." + r.str();
  };
  OpBuilder &b = imp.builder;
  // The first node names the op: `/act/Div` reads worse than the scope, so
  // use the anchor's location, as torch.onnx's last node of the module.
  Location loc = imp.getLoc(anchor);
  (void)first;
  Operation *op = nullptr;
  switch (m.kind) {
  case PatternMatch::Gelu:
  case PatternMatch::GeluTanh: {
    GeluApproximationAttr approx;
    if (m.kind == PatternMatch::GeluTanh)
      approx = GeluApproximationAttr::get(imp.ctx, GeluApproximation::tanh);
    op = GeluOp::create(b, loc, *type, *input, approx);
    imp.setModuleOrFunction(op, anchor, "torch.nn.modules.activation.GELU",
                            "torch.nn.functional.gelu", m.nodes);
    break;
  }
  case PatternMatch::Relu6: {
    op = HardtanhOp::create(b, loc, *type, *input, b.getF64FloatAttr(0.0),
                            b.getF64FloatAttr(6.0));
    imp.setModuleOrFunction(op, anchor, "torch.nn.modules.activation.ReLU6",
                            "torch.nn.functional.relu6", m.nodes);
    break;
  }
  case PatternMatch::LayerNorm: {
    Value weight, bias;
    if (!m.weight.empty()) {
      auto w = imp.getTensor(m.weight, anchor, role("weight"));
      if (failed(w))
        return failure();
      weight = *w;
    }
    if (!m.bias.empty()) {
      auto v = imp.getTensor(m.bias, anchor, role("bias"));
      if (failed(v))
        return failure();
      bias = *v;
    }
    SmallVector<int64_t> normShape(type->getShape().drop_front(m.axis));
    op = LayerNormOp::create(b, loc, *type, *input, weight, bias,
                             b.getDenseI64ArrayAttr(normShape),
                             b.getF64FloatAttr(m.eps));
    imp.setModuleOrFunction(op, anchor,
                            "torch.nn.modules.normalization.LayerNorm",
                            "torch.nn.functional.layer_norm", m.nodes);
    break;
  }
  case PatternMatch::Linear: {
    const ConstTensor *w = imp.getConst(m.weight);
    std::string weightName = role("weight");
    if (weightName.empty())
      weightName = w->initializerName;
    Value weight = imp.getParameter(*w, weightName, loc, {}, true);
    auto bias = imp.getTensor(m.bias, anchor, role("bias"));
    if (failed(bias))
      return failure();
    op = LinearOp::create(b, loc, *type, *input, weight, *bias);
    imp.setModuleOrFunction(op, anchor, "torch.nn.modules.linear.Linear",
                            "torch.nn.functional.linear", m.nodes);
    break;
  }
  }
  imp.setResult(anchor, 0, op->getResult(0));
  return success();
}
