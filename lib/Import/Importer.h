//===- Importer.h - ONNX importer state shared by converters ----*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The state of one import: the ONNX graph, what each ONNX tensor name has
// become (an SSA value or a known constant), the qfx.parameter symbols, and
// helpers the op converters share. Converters live in Convert*.cpp and are
// registered by op type.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_LIB_IMPORT_IMPORTER_H
#define QFX_LIB_IMPORT_IMPORTER_H

#include "qfx/Dialect/QFX/QFXOps.h"
#include "qfx/Import/OnnxImporter.h"
#include "qfx/Import/OnnxNaming.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/onnx_pb.h"

#include <memory>
#include <optional>

namespace qfx::onnx_import {

/// The bytes of a constant ONNX tensor, little-endian as in raw_data.
struct TensorData {
  int32_t dtype = 0;
  llvm::SmallVector<int64_t> shape;
  /// Owned bytes when the data had to be converted or read from a file.
  std::string owned;
  /// The bytes: `owned` or a view into the ModelProto.
  llvm::StringRef bytes;

  int64_t numElements() const;
  /// The values as int64 (integer and bool dtypes).
  std::optional<llvm::SmallVector<int64_t>> toInts() const;
  /// The values as double (float, double, f16 and integer dtypes).
  std::optional<llvm::SmallVector<double>> toDoubles() const;
  static std::shared_ptr<TensorData> fromInts(llvm::ArrayRef<int64_t> shape,
                                              llvm::ArrayRef<int64_t> values,
                                              int32_t dtype);
};

/// A tensor name whose value is known at import time.
struct ConstTensor {
  std::shared_ptr<TensorData> data;
  /// Set for initializers (and aliases of them): the parameter name to use.
  std::string initializerName;
  /// The cached blob of `data` (shared by every parameter holding it).
  bool isInitializer() const { return !initializerName.empty(); }
};

/// A recognized multi-node pattern (see ConvertPatterns.cpp).
struct PatternMatch {
  enum Kind { Gelu, GeluTanh, LayerNorm, Linear, Relu6 };
  Kind kind;
  /// Every node of the pattern; the last one (in graph order) is the anchor.
  llvm::SmallVector<int> nodes;
  std::string input, weight, bias;
  double eps = 0.0;
  int64_t axis = -1;
  /// Linear: the weight initializer is stored transposed (MatMul layout).
  bool transposeWeight = false;
};

class Importer;
using ConvertFn = mlir::LogicalResult (*)(Importer &, const onnx::NodeProto &);

/// Importer state; one per model.
class Importer {
public:
  Importer(mlir::MLIRContext *context, onnx::ModelProto &model,
           llvm::StringRef modelPath, const OnnxImportOptions &options);

  /// Builds the module; null on failure (errors already emitted).
  mlir::OwningOpRef<mlir::ModuleOp> run();

  //===--------------------------------------------------------------------===//
  // Diagnostics and provenance
  //===--------------------------------------------------------------------===//

  /// An error located at the model file.
  mlir::InFlightDiagnostic emitError();
  /// An error naming `node`: "node '<name>' (<OpType>): ".
  mlir::InFlightDiagnostic emitError(const onnx::NodeProto &node);
  /// The display name of a node (its name, or OpType_index).
  std::string nodeName(const onnx::NodeProto &node) const;
  /// The index of `node` in the graph, -1 if it is not one of its nodes.
  int indexOf(const onnx::NodeProto &node) const;
  /// loc("<node name>").
  mlir::Location getLoc(const onnx::NodeProto &node);
  /// The FX module path of the scope `node` was traced in.
  std::string scopePath(const onnx::NodeProto &node) const;
  /// True when `node` (with the other nodes in `group`) is everything its
  /// scope computes, i.e. the scope is a leaf module called once here.
  bool ownsScope(const onnx::NodeProto &node,
                 llvm::ArrayRef<int> group = {}) const;
  /// Attaches #qfx.node<kind, target, module = ...> to `op`.
  void setProvenance(mlir::Operation *op, NodeKind kind, llvm::StringRef target,
                     llvm::StringRef module);
  /// Provenance for an op with a module class and a functional form:
  /// call_module `moduleClass` on the scope when `node` owns a scope,
  /// else call_function `function` in the enclosing module.
  void setModuleOrFunction(mlir::Operation *op, const onnx::NodeProto &node,
                           llvm::StringRef moduleClass,
                           llvm::StringRef function,
                           llvm::ArrayRef<int> group = {});

  //===--------------------------------------------------------------------===//
  // Inputs, constants and results
  //===--------------------------------------------------------------------===//

  /// True when input `idx` is present (not omitted, not "").
  bool hasInput(const onnx::NodeProto &node, int idx) const;
  /// The known constant named `name`, if any.
  const ConstTensor *getConst(llvm::StringRef name) const;
  /// Input `idx` as a constant, if it is one.
  const ConstTensor *getConstInput(const onnx::NodeProto &node, int idx) const;
  /// Input `idx` as an SSA value. Constants are materialized: initializers
  /// as qfx.get_attr of a qfx.parameter named `paramName` (or a name derived
  /// from the initializer), other constants as qfx.constant.
  mlir::FailureOr<mlir::Value> getInput(const onnx::NodeProto &node, int idx,
                                        llvm::StringRef paramName = {});
  /// Tensor `name` (used by `user`) as an SSA value, as getInput.
  mlir::FailureOr<mlir::Value> getTensor(llvm::StringRef name,
                                         const onnx::NodeProto &user,
                                         llvm::StringRef paramName = {});
  /// The type of tensor `name` if known, without diagnostics.
  std::optional<mlir::RankedTensorType> lookupTensorType(llvm::StringRef name);
  /// Reads a constant as a parameter under `name` (creating it on first
  /// use), optionally with another storage type or transposed (2-d).
  mlir::Value getParameter(const ConstTensor &c, llvm::StringRef name,
                           mlir::Location loc, mlir::Type elementType = {},
                           bool transpose2d = false);
  /// Input `idx` as constant int64s, if it is a known integer constant.
  std::optional<llvm::SmallVector<int64_t>>
  getConstInts(const onnx::NodeProto &node, int idx) const;
  /// Input `idx` as constant doubles, if it is a known constant.
  std::optional<llvm::SmallVector<double>>
  getConstDoubles(const onnx::NodeProto &node, int idx) const;
  /// A Slice node's constant operands: starts, ends and the optional axes
  /// (default 0..n-1) and steps (default 1); none when one is not a known
  /// constant. Their lengths are not checked.
  struct SliceArgs {
    llvm::SmallVector<int64_t> starts, ends, axes, steps;
  };
  std::optional<SliceArgs> getConstSliceArgs(const onnx::NodeProto &node) const;
  /// The type of tensor `name` as inferred (ranked; dynamic dims as `?`).
  mlir::FailureOr<mlir::RankedTensorType>
  getTensorType(llvm::StringRef name, const onnx::NodeProto *user = nullptr);
  /// The type of output `idx` of `node`.
  mlir::FailureOr<mlir::RankedTensorType>
  getResultType(const onnx::NodeProto &node, int idx = 0);
  /// The element type of an ONNX dtype, or null.
  mlir::Type getElementType(int32_t dtype);
  /// Records output `idx` of `node`.
  void setResult(const onnx::NodeProto &node, int idx, mlir::Value value);
  /// Records `name` as a known constant.
  void setConst(llvm::StringRef name, ConstTensor value);
  /// The value already recorded for tensor `name`.
  mlir::Value lookupValue(llvm::StringRef name) const;
  /// True when output `idx` of node is consumed (or a graph output).
  bool isOutputUsed(const onnx::NodeProto &node, int idx) const;

  //===--------------------------------------------------------------------===//
  // Attributes
  //===--------------------------------------------------------------------===//

  const onnx::AttributeProto *getAttr(const onnx::NodeProto &node,
                                      llvm::StringRef name) const;
  /// Integer attribute; fails (with an error) when present with another type.
  mlir::FailureOr<int64_t> getIntAttr(const onnx::NodeProto &node,
                                      llvm::StringRef name, int64_t dflt);
  /// Float attributes are float32; they are returned as the shortest
  /// decimal that reads back as the same float (1e-5, not 9.99999974e-6),
  /// which is what the Python source most likely said.
  mlir::FailureOr<double> getFloatAttr(const onnx::NodeProto &node,
                                       llvm::StringRef name, double dflt);
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  getIntsAttr(const onnx::NodeProto &node, llvm::StringRef name,
              llvm::ArrayRef<int64_t> dflt = {});
  mlir::FailureOr<std::string> getStringAttr(const onnx::NodeProto &node,
                                             llvm::StringRef name,
                                             llvm::StringRef dflt);

  /// Emits `qfx.call call_function "onnx.<OpType>"` keeping all attributes.
  mlir::LogicalResult emitGenericCall(const onnx::NodeProto &node);

  /// Converts a TensorProto (reading external data) to TensorData.
  mlir::FailureOr<std::shared_ptr<TensorData>>
  loadTensor(const onnx::TensorProto &tensor, llvm::StringRef what);

  mlir::MLIRContext *ctx;
  mlir::OpBuilder builder;
  onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  std::string modelPath;
  OnnxImportOptions options;
  /// The default-domain opset.
  int64_t opset = 0;
  mlir::ModuleOp module;
  /// Inserts qfx.parameter ops (before the function).
  mlir::OpBuilder paramBuilder;
  /// The node being converted (its index in graph.node()).
  int currentNode = -1;
  /// Recognized patterns, keyed by anchor node index.
  llvm::DenseMap<int, PatternMatch> patterns;
  /// Nodes absorbed into a pattern (converted with its anchor).
  llvm::DenseSet<int> absorbed;
  /// Number of consumers of each tensor name (graph outputs count once).
  llvm::StringMap<int> useCount;
  /// Producer node index of each tensor name.
  llvm::StringMap<int> producer;

private:
  mlir::LogicalResult loadInitializers();
  mlir::LogicalResult computeScopes();
  mlir::LogicalResult convertNode(int index);
  mlir::LogicalResult convertConstant(const onnx::NodeProto &node);
  /// Maps tensor names to their (inferred) types in the graph.
  void collectValueTypes();
  /// Folds the import-time computable subgraphs up front and re-runs shape
  /// inference with their values, when a consumer's type is not static.
  mlir::LogicalResult refineShapes();
  mlir::FailureOr<mlir::Value> materialize(const ConstTensor &c,
                                           llvm::StringRef paramName,
                                           mlir::Location loc);
  mlir::Attribute convertAttribute(const onnx::AttributeProto &attr);

  llvm::DenseMap<const onnx::NodeProto *, int> nodeIndices;
  llvm::StringMap<mlir::Value> values;
  llvm::StringMap<ConstTensor> consts;
  llvm::StringMap<const onnx::TypeProto *> valueTypes;
  /// Parameter symbols by name, and the get_attr reading each.
  llvm::StringMap<ParameterOp> parameters;
  llvm::StringMap<mlir::Value> parameterReads;
  /// The initializer each parameter holds (`^T` marks a transposed copy).
  llvm::StringMap<std::string> paramSource;
  /// Resource handles by TensorData (blobs are shared between aliases).
  llvm::DenseMap<const TensorData *, mlir::Attribute> blobs;
  /// Per node: its module path and scope key; per scope: significant nodes.
  std::vector<std::string> nodeModule, nodeScope;
  llvm::StringMap<llvm::SmallVector<int>> scopeNodes;
  /// Scope keys of modules that have submodule scopes (not leaves).
  llvm::StringSet<> parentScopes;
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> externalFiles;
  llvm::StringMap<ConvertFn> converters;
  llvm::StringSet<> usedParamNames;
};

/// Converter registration, one function per Convert*.cpp.
void populateConvLinearConverters(llvm::StringMap<ConvertFn> &table);
void populateElementwiseConverters(llvm::StringMap<ConvertFn> &table);
void populateShapeConverters(llvm::StringMap<ConvertFn> &table);
void populateQDQConverters(llvm::StringMap<ConvertFn> &table);
void populateIndexingConverters(llvm::StringMap<ConvertFn> &table);
void populateResampleConverters(llvm::StringMap<ConvertFn> &table);
void populatePaddingConverters(llvm::StringMap<ConvertFn> &table);

/// The padding of a Conv or pool: `symmetric` for the op's `padding`, and
/// what one side has beyond it, which needs a qfx.pad in front.
struct SpatialPadding {
  llvm::SmallVector<int64_t> symmetric, extraBegin, extraEnd;
  bool needsExplicitPad() const;
};
/// Reads `pads`/`auto_pad` of `node` for spatial dims of the given kernel,
/// strides and dilations. Failure (with an error) for malformed attributes;
/// std::nullopt when SAME_* padding meets a dynamic spatial dim.
mlir::FailureOr<std::optional<SpatialPadding>>
resolvePadding(Importer &imp, const onnx::NodeProto &node,
               mlir::RankedTensorType inputType, llvm::ArrayRef<int64_t> kernel,
               llvm::ArrayRef<int64_t> stride,
               llvm::ArrayRef<int64_t> dilation);
/// torch.onnx writes AvgPoolNd(padding=p, count_include_pad=True) as a zero
/// Pad of the spatial dims, used only by an AveragePool without pads. For
/// such a `pad` feeding `pool`, the symmetric spatial padding (the pool
/// converter takes it, the Pad converter passes its input through).
std::optional<llvm::SmallVector<int64_t>>
avgPoolPrelude(Importer &imp, const onnx::NodeProto &pad,
               const onnx::NodeProto &pool);
/// A qfx.pad (F.pad, provenance of `node`'s scope) adding `pad`'s extra
/// amounts to the spatial dims of `input`, filled with `value`.
mlir::Value emitExplicitPad(Importer &imp, const onnx::NodeProto &node,
                            mlir::Value input, const SpatialPadding &pad,
                            double value);

/// Tries to evaluate `node` at import time (shape subgraphs, constant
/// int math). Returns true when the outputs became known constants.
bool tryFoldNode(Importer &imp, const onnx::NodeProto &node);
/// Finds gelu, layer-norm, linear and relu6 patterns in the graph.
void matchPatterns(Importer &imp);
/// Emits the op for a recognized pattern at its anchor.
mlir::LogicalResult emitPattern(Importer &imp, const PatternMatch &match);

/// The shortest decimal double that rounds to `f` as a float.
double roundTripFloat(float f);

/// The byte size of one element of an ONNX dtype, 0 if unsupported.
int64_t onnxDTypeSize(int32_t dtype);
/// The ONNX dtype name (`FLOAT`, `INT8`, ...).
llvm::StringRef onnxDTypeName(int32_t dtype);

} // namespace qfx::onnx_import

#endif // QFX_LIB_IMPORT_IMPORTER_H
