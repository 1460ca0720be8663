//===- ConvertResample.cpp - ReduceMean and Resize ------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// ReduceMean becomes qfx.mean (Tensor.mean). Resize becomes
// qfx.interpolate when its coordinate mapping is one of F.interpolate's, as
// torch.onnx writes them:
//   nearest                asymmetric + floor
//   nearest_exact          half_pixel + round_prefer_ceil
//   (bi/tri)linear         half_pixel or pytorch_half_pixel (align_corners
//                          false), align_corners (align_corners true)
// Constant `scales` give scale_factor, constant `sizes` give size; batch and
// channel dims must stay. Cubic, tf_crop_and_resize and the other mappings
// have no interpolate equivalent and stay generic calls.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;

static LogicalResult convertReduceMean(Importer &imp,
                                       const onnx::NodeProto &node) {
  auto keepdims = imp.getIntAttr(node, "keepdims", 1);
  auto axes = imp.getIntsAttr(node, "axes");
  if (failed(keepdims) || failed(axes))
    return failure();
  auto input = imp.getInput(node, 0);
  auto type = imp.getResultType(node);
  if (failed(input) || failed(type))
    return failure();
  auto inType = dyn_cast<RankedTensorType>(input->getType());
  if (!inType || !isa<FloatType>(inType.getElementType()))
    return imp.emitGenericCall(node);
  int64_t rank = inType.getRank();
  SmallVector<int64_t> dims;
  for (int64_t a : *axes) {
    if (a < -rank || a >= rank)
      return imp.emitError(node)
             << "axis " << a << " out of range for rank " << rank;
    dims.push_back(a);
  }
  // No axes reduces everything: x.mean() (dims = []) without keepdims;
  // with keepdims, torch needs every dim spelled out.
  if (dims.empty() && *keepdims)
    for (int64_t d = 0; d < rank; ++d)
      dims.push_back(d);
  OpBuilder &b = imp.builder;
  auto op = MeanOp::create(b, imp.getLoc(node), *type, *input,
                           b.getDenseI64ArrayAttr(dims),
                           *keepdims ? b.getUnitAttr() : UnitAttr());
  imp.setProvenance(op, NodeKind::call_method, "mean", imp.scopePath(node));
  imp.setResult(node, 0, op.getResult());
  return success();
}

/// The interpolate mode and align_corners of a Resize, if F.interpolate
/// has the same coordinate mapping.
static std::optional<std::pair<InterpolateMode, std::optional<bool>>>
interpolateMode(StringRef mode, StringRef transform, StringRef nearest,
                int64_t spatial) {
  if (mode == "nearest") {
    if (transform == "asymmetric" && nearest == "floor")
      return std::make_pair(InterpolateMode::nearest, std::optional<bool>());
    if (transform == "half_pixel" && nearest == "round_prefer_ceil")
      return std::make_pair(InterpolateMode::nearest_exact,
                            std::optional<bool>());
    return std::nullopt;
  }
  if (mode != "linear" || spatial < 1 || spatial > 3)
    return std::nullopt;
  InterpolateMode linear[] = {InterpolateMode::linear,
                              InterpolateMode::bilinear,
                              InterpolateMode::trilinear};
  // half_pixel differs from torch's mapping only for outputs of size 1,
  // where pytorch_half_pixel samples at 0 (torch samples at the centre
  // clamped to 0 as well, for a positive scale).
  if (transform == "half_pixel" || transform == "pytorch_half_pixel")
    return std::make_pair(linear[spatial - 1], std::optional<bool>(false));
  if (transform == "align_corners")
    return std::make_pair(linear[spatial - 1], std::optional<bool>(true));
  return std::nullopt;
}

static LogicalResult convertResize(Importer &imp, const onnx::NodeProto &node) {
  auto mode = imp.getStringAttr(node, "mode", "nearest");
  auto transform =
      imp.getStringAttr(node, "coordinate_transformation_mode", "half_pixel");
  auto nearest = imp.getStringAttr(node, "nearest_mode", "round_prefer_floor");
  auto exclude = imp.getIntAttr(node, "exclude_outside", 0);
  if (failed(mode) || failed(transform) || failed(nearest) || failed(exclude))
    return failure();
  if (*mode != "nearest" && *mode != "linear" && *mode != "cubic")
    return imp.emitError(node) << "unknown mode '" << *mode << "'";
  auto input = imp.getInput(node, 0);
  if (failed(input))
    return failure();
  auto inType = dyn_cast<RankedTensorType>(input->getType());
  if (!inType || !isa<FloatType>(inType.getElementType()) ||
      inType.getRank() < 3 || *exclude)
    return imp.emitGenericCall(node);
  int64_t rank = inType.getRank(), spatial = rank - 2;
  auto kind = interpolateMode(*mode, *transform, *nearest, spatial);
  if (!kind)
    return imp.emitGenericCall(node);

  // scales (input 2) or sizes (input 3); an empty tensor means absent.
  std::optional<SmallVector<double>> scales;
  std::optional<SmallVector<int64_t>> sizes;
  if (const ConstTensor *c = imp.getConstInput(node, 2))
    if (c->data->numElements() > 0)
      scales = c->data->toDoubles();
  if (const ConstTensor *c = imp.getConstInput(node, 3))
    if (c->data->numElements() > 0)
      sizes = c->data->toInts();
  bool scalesGiven = scales.has_value(), sizesGiven = sizes.has_value();
  if (!scalesGiven && !sizesGiven) {
    // Not constant: a dynamic size we cannot express as an attribute.
    if (imp.hasInput(node, 2) || imp.hasInput(node, 3))
      return imp.emitGenericCall(node);
    return imp.emitError(node) << "needs scales or sizes";
  }
  if (scalesGiven && sizesGiven)
    return imp.emitError(node) << "only one of scales and sizes may be given";
  size_t count = scalesGiven ? scales->size() : sizes->size();
  if (static_cast<int64_t>(count) != rank)
    return imp.emitError(node)
           << (scalesGiven ? "scales" : "sizes") << " needs " << rank
           << " entries, has " << count;
  OpBuilder &b = imp.builder;
  DenseI64ArrayAttr sizeAttr;
  DenseF64ArrayAttr scaleAttr;
  if (scalesGiven) {
    // Batch and channels are never resampled by F.interpolate.
    if ((*scales)[0] != 1.0 || (*scales)[1] != 1.0)
      return imp.emitGenericCall(node);
    SmallVector<double> spatialScales;
    for (int64_t i = 2; i < rank; ++i) {
      if (!((*scales)[i] > 0.0))
        return imp.emitError(node) << "scales must be positive";
      spatialScales.push_back(roundTripFloat(static_cast<float>((*scales)[i])));
    }
    scaleAttr = b.getDenseF64ArrayAttr(spatialScales);
  } else {
    for (int64_t i = 0; i < rank; ++i)
      if ((*sizes)[i] <= 0)
        return imp.emitError(node) << "sizes must be positive";
    for (int64_t i = 0; i < 2; ++i)
      if (inType.isDynamicDim(i) || (*sizes)[i] != inType.getDimSize(i))
        return imp.emitGenericCall(node);
    sizeAttr = b.getDenseI64ArrayAttr(ArrayRef<int64_t>(*sizes).drop_front(2));
  }
  auto type = imp.getResultType(node);
  if (failed(type))
    return failure();
  auto op = InterpolateOp::create(
      b, imp.getLoc(node), *type, *input,
      InterpolateModeAttr::get(imp.ctx, kind->first), sizeAttr, scaleAttr,
      kind->second ? b.getBoolAttr(*kind->second) : BoolAttr());
  imp.setModuleOrFunction(op, node, "torch.nn.modules.upsampling.Upsample",
                          "torch.nn.functional.interpolate");
  imp.setResult(node, 0, op.getResult());
  return success();
}

void qfx::onnx_import::populateResampleConverters(
    llvm::StringMap<ConvertFn> &table) {
  table["ReduceMean"] = convertReduceMean;
  table["Resize"] = convertResize;
}
