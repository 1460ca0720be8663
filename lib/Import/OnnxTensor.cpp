//===- OnnxTensor.cpp - ONNX tensors and dtypes ---------------------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reads ONNX TensorProtos (raw, typed fields or external data) into
// little-endian bytes, validating sizes, and maps ONNX dtypes to MLIR.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace mlir;
using namespace qfx::onnx_import;
using onnx::TensorProto;

int64_t qfx::onnx_import::onnxDTypeSize(int32_t dtype) {
  switch (dtype) {
  case TensorProto::FLOAT:
  case TensorProto::INT32:
  case TensorProto::UINT32:
    return 4;
  case TensorProto::UINT8:
  case TensorProto::INT8:
  case TensorProto::BOOL:
    return 1;
  case TensorProto::UINT16:
  case TensorProto::INT16:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    return 2;
  case TensorProto::INT64:
  case TensorProto::UINT64:
  case TensorProto::DOUBLE:
    return 8;
  default:
    return 0;
  }
}

StringRef qfx::onnx_import::onnxDTypeName(int32_t dtype) {
  if (!TensorProto::DataType_IsValid(dtype))
    return "<invalid dtype>";
  // The generated name table is static storage.
  const std::string &name =
      TensorProto::DataType_Name(static_cast<TensorProto::DataType>(dtype));
  return name;
}

Type Importer::getElementType(int32_t dtype) {
  MLIRContext *c = ctx;
  switch (dtype) {
  case TensorProto::FLOAT:
    return Float32Type::get(c);
  case TensorProto::DOUBLE:
    return Float64Type::get(c);
  case TensorProto::FLOAT16:
    return Float16Type::get(c);
  case TensorProto::BFLOAT16:
    return BFloat16Type::get(c);
  case TensorProto::INT8:
    return IntegerType::get(c, 8);
  case TensorProto::INT16:
    return IntegerType::get(c, 16);
  case TensorProto::INT32:
    return IntegerType::get(c, 32);
  case TensorProto::INT64:
    return IntegerType::get(c, 64);
  case TensorProto::UINT8:
    return IntegerType::get(c, 8, IntegerType::Unsigned);
  case TensorProto::UINT16:
    return IntegerType::get(c, 16, IntegerType::Unsigned);
  case TensorProto::UINT32:
    return IntegerType::get(c, 32, IntegerType::Unsigned);
  case TensorProto::UINT64:
    return IntegerType::get(c, 64, IntegerType::Unsigned);
  case TensorProto::BOOL:
    return IntegerType::get(c, 1);
  default:
    return {};
  }
}

int64_t TensorData::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

template <typename T>
static T readLE(StringRef bytes, int64_t i) {
  T v;
  std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
  return v;
}

std::optional<SmallVector<int64_t>> TensorData::toInts() const {
  int64_t n = numElements();
  SmallVector<int64_t> out;
  out.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    switch (dtype) {
    case TensorProto::INT64:
      out.push_back(readLE<int64_t>(bytes, i));
      break;
    case TensorProto::INT32:
      out.push_back(readLE<int32_t>(bytes, i));
      break;
    case TensorProto::INT16:
      out.push_back(readLE<int16_t>(bytes, i));
      break;
    case TensorProto::INT8:
      out.push_back(readLE<int8_t>(bytes, i));
      break;
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      out.push_back(readLE<uint8_t>(bytes, i));
      break;
    case TensorProto::UINT16:
      out.push_back(readLE<uint16_t>(bytes, i));
      break;
    case TensorProto::UINT32:
      out.push_back(readLE<uint32_t>(bytes, i));
      break;
    default:
      return std::nullopt;
    }
  }
  return out;
}

/// IEEE half to double.
static double halfToDouble(uint16_t h) {
  APInt bits(16, h);
  APFloat f(APFloat::IEEEhalf(), bits);
  return f.convertToDouble();
}

std::optional<SmallVector<double>> TensorData::toDoubles() const {
  int64_t n = numElements();
  SmallVector<double> out;
  out.reserve(n);
  switch (dtype) {
  case TensorProto::FLOAT:
    for (int64_t i = 0; i < n; ++i)
      out.push_back(readLE<float>(bytes, i));
    return out;
  case TensorProto::DOUBLE:
    for (int64_t i = 0; i < n; ++i)
      out.push_back(readLE<double>(bytes, i));
    return out;
  case TensorProto::FLOAT16:
    for (int64_t i = 0; i < n; ++i)
      out.push_back(halfToDouble(readLE<uint16_t>(bytes, i)));
    return out;
  default:
    break;
  }
  auto ints = toInts();
  if (!ints)
    return std::nullopt;
  for (int64_t v : *ints)
    out.push_back(static_cast<double>(v));
  return out;
}

std::shared_ptr<TensorData> TensorData::fromInts(ArrayRef<int64_t> shape,
                                                 ArrayRef<int64_t> values,
                                                 int32_t dtype) {
  auto data = std::make_shared<TensorData>();
  data->dtype = dtype;
  data->shape.assign(shape.begin(), shape.end());
  for (int64_t v : values) {
    if (dtype == TensorProto::INT32) {
      int32_t w = static_cast<int32_t>(v);
      data->owned.append(reinterpret_cast<const char *>(&w), sizeof(w));
    } else {
      data->owned.append(reinterpret_cast<const char *>(&v), sizeof(v));
    }
  }
  if (dtype != TensorProto::INT32)
    data->dtype = TensorProto::INT64;
  data->bytes = data->owned;
  return data;
}

/// Appends the typed-field values of `tensor` as little-endian bytes.
template <typename Out, typename Field>
static void appendAs(std::string &out, const Field &field) {
  for (auto v : field) {
    Out w = static_cast<Out>(v);
    out.append(reinterpret_cast<const char *>(&w), sizeof(w));
  }
}

FailureOr<std::shared_ptr<TensorData>>
Importer::loadTensor(const TensorProto &tensor, StringRef what) {
  auto data = std::make_shared<TensorData>();
  data->dtype = tensor.data_type();
  int64_t elemSize = onnxDTypeSize(data->dtype);
  if (elemSize == 0)
    return emitError() << what << ": unsupported dtype "
                       << onnxDTypeName(data->dtype);
  int64_t numel = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || (d > 0 && numel > (int64_t(1) << 40) / d))
      return emitError() << what << ": invalid dimension " << d;
    data->shape.push_back(d);
    numel *= d;
  }
  int64_t expected = numel * elemSize;

  if (tensor.data_location() == TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : tensor.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset" || kv.key() == "length") {
        long long v;
        if (StringRef(kv.value()).getAsInteger(10, v) || v < 0)
          return emitError() << what << ": invalid external data "
                             << kv.key() << " '" << kv.value() << "'";
        (kv.key() == "offset" ? offset : length) = v;
      }
    }
    if (location.empty())
      return emitError() << what << ": external data without a location";
    if (llvm::sys::path::is_absolute(location) ||
        llvm::is_contained(llvm::make_range(
                               llvm::sys::path::begin(location),
                               llvm::sys::path::end(location)),
                           ".."))
      return emitError() << what << ": external data location '" << location
                         << "' must be relative to the model directory";
    SmallString<256> path(options.externalDataDir);
    if (path.empty())
      path = llvm::sys::path::parent_path(modelPath);
    llvm::sys::path::append(path, location);
    auto &file = externalFiles[path];
    if (!file) {
      auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                             /*RequiresNullTerminator=*/false);
      if (!buf)
        return emitError() << what << ": cannot read external data file '"
                           << path << "': " << buf.getError().message();
      file = std::move(*buf);
    }
    if (length < 0)
      length = static_cast<int64_t>(file->getBufferSize()) - offset;
    if (offset > static_cast<int64_t>(file->getBufferSize()) ||
        length > static_cast<int64_t>(file->getBufferSize()) - offset)
      return emitError() << what << ": external data [" << offset << ", +"
                         << length << ") lies outside '" << path << "' ("
                         << file->getBufferSize() << " bytes)";
    if (length != expected)
      return emitError() << what << ": external data has " << length
                         << " bytes, expected " << expected;
    data->bytes = file->getBuffer().substr(offset, length);
    return data;
  }

  if (tensor.has_raw_data()) {
    if (static_cast<int64_t>(tensor.raw_data().size()) != expected)
      return emitError() << what << ": raw_data has "
                         << tensor.raw_data().size() << " bytes, expected "
                         << expected << " (" << numel << " x "
                         << onnxDTypeName(data->dtype) << ")";
    data->bytes = tensor.raw_data();
    return data;
  }

  int64_t count = -1;
  std::string &out = data->owned;
  switch (data->dtype) {
  case TensorProto::FLOAT:
    count = tensor.float_data_size();
    appendAs<float>(out, tensor.float_data());
    break;
  case TensorProto::DOUBLE:
    count = tensor.double_data_size();
    appendAs<double>(out, tensor.double_data());
    break;
  case TensorProto::INT64:
    count = tensor.int64_data_size();
    appendAs<int64_t>(out, tensor.int64_data());
    break;
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    count = tensor.uint64_data_size();
    if (data->dtype == TensorProto::UINT32)
      appendAs<uint32_t>(out, tensor.uint64_data());
    else
      appendAs<uint64_t>(out, tensor.uint64_data());
    break;
  case TensorProto::INT32:
    count = tensor.int32_data_size();
    appendAs<int32_t>(out, tensor.int32_data());
    break;
  case TensorProto::INT16:
  case TensorProto::UINT16:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    count = tensor.int32_data_size();
    appendAs<uint16_t>(out, tensor.int32_data());
    break;
  case TensorProto::INT8:
  case TensorProto::UINT8:
  case TensorProto::BOOL:
    count = tensor.int32_data_size();
    appendAs<uint8_t>(out, tensor.int32_data());
    break;
  default:
    break;
  }
  if (count != numel)
    return emitError() << what << ": has " << count << " values, expected "
                       << numel;
  data->bytes = data->owned;
  return data;
}
