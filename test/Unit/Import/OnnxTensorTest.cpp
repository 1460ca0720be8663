//===- OnnxTensorTest.cpp - ONNX dtypes and constant tensors --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The importer's dtype table, float attribute spelling and TensorProto
// decoding (raw_data and the typed fields), through its internal header.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace qfx;
using namespace qfx::onnx_import;
using onnx::TensorProto;

namespace {
/// An Importer over an empty model, collecting diagnostics.
struct ImporterFixture {
  ImporterFixture() : importer(&context, model, "test.onnx", {}) {
    DialectRegistry registry;
    registerOnnxImportDialects(registry);
    context.appendDialectRegistry(registry);
    handler.emplace(&context, [this](Diagnostic &diag) {
      diagnostics.push_back(diag.str());
      return success();
    });
  }

  std::shared_ptr<TensorData> load(const TensorProto &t) {
    auto data = importer.loadTensor(t, "tensor 't'");
    return succeeded(data) ? *data : nullptr;
  }

  MLIRContext context;
  onnx::ModelProto model;
  Importer importer;
  std::optional<ScopedDiagnosticHandler> handler;
  std::vector<std::string> diagnostics;
};

template <typename T>
std::string rawBytes(std::initializer_list<T> values) {
  std::string out;
  for (T v : values)
    out.append(reinterpret_cast<const char *>(&v), sizeof(T));
  return out;
}
} // namespace

TEST_CASE("onnxDTypeSize covers the numeric ONNX dtypes", "[import][dtype]") {
  CHECK(onnxDTypeSize(TensorProto::FLOAT) == 4);
  CHECK(onnxDTypeSize(TensorProto::DOUBLE) == 8);
  CHECK(onnxDTypeSize(TensorProto::FLOAT16) == 2);
  CHECK(onnxDTypeSize(TensorProto::BFLOAT16) == 2);
  CHECK(onnxDTypeSize(TensorProto::INT8) == 1);
  CHECK(onnxDTypeSize(TensorProto::UINT8) == 1);
  CHECK(onnxDTypeSize(TensorProto::BOOL) == 1);
  CHECK(onnxDTypeSize(TensorProto::INT16) == 2);
  CHECK(onnxDTypeSize(TensorProto::UINT16) == 2);
  CHECK(onnxDTypeSize(TensorProto::INT32) == 4);
  CHECK(onnxDTypeSize(TensorProto::UINT32) == 4);
  CHECK(onnxDTypeSize(TensorProto::INT64) == 8);
  CHECK(onnxDTypeSize(TensorProto::UINT64) == 8);
  // Unsupported: strings, complex numbers, undefined, invalid values.
  CHECK(onnxDTypeSize(TensorProto::STRING) == 0);
  CHECK(onnxDTypeSize(TensorProto::COMPLEX64) == 0);
  CHECK(onnxDTypeSize(TensorProto::COMPLEX128) == 0);
  CHECK(onnxDTypeSize(TensorProto::UNDEFINED) == 0);
  CHECK(onnxDTypeSize(12345) == 0);
}

TEST_CASE("onnxDTypeName spells dtypes as ONNX does", "[import][dtype]") {
  CHECK(onnxDTypeName(TensorProto::FLOAT).str() == "FLOAT");
  CHECK(onnxDTypeName(TensorProto::INT8).str() == "INT8");
  CHECK(onnxDTypeName(TensorProto::STRING).str() == "STRING");
  CHECK(onnxDTypeName(TensorProto::COMPLEX64).str() == "COMPLEX64");
  CHECK(onnxDTypeName(-1).str() == "<invalid dtype>");
  CHECK(onnxDTypeName(999).str() == "<invalid dtype>");
}

TEST_CASE("getElementType maps ONNX dtypes to MLIR element types",
          "[import][dtype]") {
  ImporterFixture f;
  Importer &imp = f.importer;
  CHECK(imp.getElementType(TensorProto::FLOAT).isF32());
  CHECK(imp.getElementType(TensorProto::DOUBLE).isF64());
  CHECK(imp.getElementType(TensorProto::FLOAT16).isF16());
  CHECK(imp.getElementType(TensorProto::BFLOAT16).isBF16());
  // Signless for signed integers (as the FX exporter spells torch dtypes),
  // unsigned types for ONNX's unsigned ones, i1 for BOOL.
  CHECK(imp.getElementType(TensorProto::INT8).isSignlessInteger(8));
  CHECK(imp.getElementType(TensorProto::INT16).isSignlessInteger(16));
  CHECK(imp.getElementType(TensorProto::INT32).isSignlessInteger(32));
  CHECK(imp.getElementType(TensorProto::INT64).isSignlessInteger(64));
  CHECK(imp.getElementType(TensorProto::UINT8).isUnsignedInteger(8));
  CHECK(imp.getElementType(TensorProto::UINT16).isUnsignedInteger(16));
  CHECK(imp.getElementType(TensorProto::UINT32).isUnsignedInteger(32));
  CHECK(imp.getElementType(TensorProto::UINT64).isUnsignedInteger(64));
  CHECK(imp.getElementType(TensorProto::BOOL).isSignlessInteger(1));
  CHECK_FALSE(imp.getElementType(TensorProto::STRING));
  CHECK_FALSE(imp.getElementType(TensorProto::COMPLEX128));
  CHECK_FALSE(imp.getElementType(TensorProto::UNDEFINED));
  // Every supported dtype has a size and an element type, and vice versa.
  for (int32_t dtype = 0; dtype <= TensorProto::BFLOAT16; ++dtype)
    CHECK((onnxDTypeSize(dtype) != 0) ==
          static_cast<bool>(imp.getElementType(dtype)));
}

TEST_CASE("roundTripFloat gives the shortest decimal of a float",
          "[import][float]") {
  CHECK(roundTripFloat(1e-5f) == 1e-5);
  CHECK(roundTripFloat(0.1f) == 0.1);
  CHECK(roundTripFloat(0.9f) == 0.9);
  CHECK(roundTripFloat(1.0f) == 1.0);
  CHECK(roundTripFloat(-6.0f) == -6.0);
  CHECK(roundTripFloat(0.0f) == 0.0);
  CHECK(roundTripFloat(1.4142135381698608f) == 1.4142135);
  // 1 - 0.9f in float, as torch.onnx writes BatchNorm momentum.
  CHECK(roundTripFloat(1.0f - 0.9f) == 0.100000024);
  // Always reads back as the same float.
  for (float v : {3.14159265f, 1e-30f, 123456.789f, 2.5e10f, -7e-8f})
    CHECK(static_cast<float>(roundTripFloat(v)) == v);
  CHECK(std::isinf(roundTripFloat(std::numeric_limits<float>::infinity())));
  CHECK(std::isnan(roundTripFloat(std::numeric_limits<float>::quiet_NaN())));
}

TEST_CASE("TensorData converts integers and floats", "[import][tensor]") {
  SECTION("fromInts stores int64 unless int32 is asked for") {
    auto d = TensorData::fromInts({2}, {7, -1}, TensorProto::INT64);
    CHECK(d->dtype == TensorProto::INT64);
    CHECK(d->bytes.size() == 16);
    CHECK(*d->toInts() == SmallVector<int64_t>{7, -1});
    auto w = TensorData::fromInts({3}, {1, 2, -3}, TensorProto::INT32);
    CHECK(w->dtype == TensorProto::INT32);
    CHECK(w->bytes.size() == 12);
    CHECK(*w->toInts() == SmallVector<int64_t>{1, 2, -3});
    auto other = TensorData::fromInts({}, {5}, TensorProto::INT8);
    CHECK(other->dtype == TensorProto::INT64);
    CHECK(other->numElements() == 1);
  }
  SECTION("numElements of scalars and empty tensors") {
    TensorData d;
    CHECK(d.numElements() == 1);
    d.shape = {2, 0, 3};
    CHECK(d.numElements() == 0);
    d.shape = {2, 3, 4};
    CHECK(d.numElements() == 24);
  }
  SECTION("toInts reads every integer width with its signedness") {
    TensorData d;
    d.shape = {2};
    d.owned = rawBytes<int8_t>({-2, 127});
    d.bytes = d.owned;
    d.dtype = TensorProto::INT8;
    CHECK(*d.toInts() == SmallVector<int64_t>{-2, 127});
    d.dtype = TensorProto::UINT8;
    CHECK(*d.toInts() == SmallVector<int64_t>{254, 127});
    d.owned = rawBytes<int16_t>({-300, 300});
    d.bytes = d.owned;
    d.dtype = TensorProto::INT16;
    CHECK(*d.toInts() == SmallVector<int64_t>{-300, 300});
    d.dtype = TensorProto::UINT16;
    CHECK(*d.toInts() == SmallVector<int64_t>{65236, 300});
    d.owned = rawBytes<uint32_t>({4000000000u, 1});
    d.bytes = d.owned;
    d.dtype = TensorProto::UINT32;
    CHECK(*d.toInts() == SmallVector<int64_t>{4000000000ll, 1});
    d.dtype = TensorProto::FLOAT;
    CHECK_FALSE(d.toInts().has_value());
  }
  SECTION("toDoubles reads floats, halves and integers") {
    TensorData d;
    d.shape = {3};
    d.owned = rawBytes<float>({0.5f, -2.0f, 1e-5f});
    d.bytes = d.owned;
    d.dtype = TensorProto::FLOAT;
    auto v = *d.toDoubles();
    CHECK(v[0] == 0.5);
    CHECK(v[1] == -2.0);
    CHECK(v[2] == static_cast<double>(1e-5f));
    // IEEE half: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF.
    d.owned = rawBytes<uint16_t>({0x3C00, 0xC000, 0x7BFF});
    d.bytes = d.owned;
    d.dtype = TensorProto::FLOAT16;
    CHECK(*d.toDoubles() == SmallVector<double>{1.0, -2.0, 65504.0});
    d.owned = rawBytes<int64_t>({-4, 0, 9});
    d.bytes = d.owned;
    d.dtype = TensorProto::INT64;
    CHECK(*d.toDoubles() == SmallVector<double>{-4.0, 0.0, 9.0});
    d.dtype = TensorProto::BFLOAT16;
    CHECK_FALSE(d.toDoubles().has_value());
  }
}

TEST_CASE("loadTensor decodes raw_data and the typed fields",
          "[import][tensor]") {
  ImporterFixture f;
  SECTION("raw_data is viewed as is") {
    TensorProto t;
    t.set_data_type(TensorProto::FLOAT);
    t.add_dims(2);
    t.set_raw_data(rawBytes<float>({1.5f, -3.0f}));
    auto d = f.load(t);
    REQUIRE(d);
    CHECK(d->shape == SmallVector<int64_t>{2});
    CHECK(*d->toDoubles() == SmallVector<double>{1.5, -3.0});
  }
  SECTION("float_data and double_data") {
    TensorProto t;
    t.set_data_type(TensorProto::FLOAT);
    t.add_dims(1);
    t.add_dims(3);
    for (float v : {1.0f, 2.0f, 3.0f})
      t.add_float_data(v);
    auto d = f.load(t);
    REQUIRE(d);
    CHECK(d->bytes.size() == 12);
    CHECK(*d->toDoubles() == SmallVector<double>{1.0, 2.0, 3.0});
    TensorProto g;
    g.set_data_type(TensorProto::DOUBLE);
    g.add_double_data(0.25);
    auto e = f.load(g);
    REQUIRE(e);
    CHECK(e->shape.empty());
    CHECK(*e->toDoubles() == SmallVector<double>{0.25});
  }
  SECTION("narrow integers and halves travel in int32_data") {
    TensorProto t;
    t.set_data_type(TensorProto::INT8);
    t.add_dims(3);
    for (int v : {-128, 0, 127})
      t.add_int32_data(v);
    auto d = f.load(t);
    REQUIRE(d);
    CHECK(d->bytes.size() == 3);
    CHECK(*d->toInts() == SmallVector<int64_t>{-128, 0, 127});
    TensorProto h;
    h.set_data_type(TensorProto::FLOAT16);
    h.add_dims(1);
    h.add_int32_data(0x3800); // 0.5
    auto e = f.load(h);
    REQUIRE(e);
    CHECK(e->bytes.size() == 2);
    CHECK(*e->toDoubles() == SmallVector<double>{0.5});
    TensorProto b;
    b.set_data_type(TensorProto::BOOL);
    b.add_dims(2);
    b.add_int32_data(1);
    b.add_int32_data(0);
    auto c = f.load(b);
    REQUIRE(c);
    CHECK(*c->toInts() == SmallVector<int64_t>{1, 0});
  }
  SECTION("int64_data and uint64_data") {
    TensorProto t;
    t.set_data_type(TensorProto::INT64);
    t.add_dims(2);
    t.add_int64_data(-1);
    t.add_int64_data(1ll << 40);
    auto d = f.load(t);
    REQUIRE(d);
    CHECK(*d->toInts() == SmallVector<int64_t>{-1, 1ll << 40});
    TensorProto u;
    u.set_data_type(TensorProto::UINT32);
    u.add_dims(1);
    u.add_uint64_data(4000000000ull);
    auto e = f.load(u);
    REQUIRE(e);
    CHECK(e->bytes.size() == 4);
    CHECK(*e->toInts() == SmallVector<int64_t>{4000000000ll});
  }
  SECTION("errors name the tensor") {
    TensorProto shortRaw;
    shortRaw.set_data_type(TensorProto::FLOAT);
    shortRaw.add_dims(2);
    shortRaw.set_raw_data(std::string(7, '\0'));
    CHECK_FALSE(f.load(shortRaw));
    REQUIRE(f.diagnostics.size() == 1);
    CHECK_THAT(f.diagnostics.back(),
               Catch::Contains("tensor 't': raw_data has 7 bytes, expected 8"));

    TensorProto count;
    count.set_data_type(TensorProto::INT64);
    count.add_dims(3);
    count.add_int64_data(1);
    CHECK_FALSE(f.load(count));
    CHECK_THAT(f.diagnostics.back(),
               Catch::Contains("has 1 values, expected 3"));

    TensorProto str;
    str.set_data_type(TensorProto::STRING);
    str.add_string_data("x");
    CHECK_FALSE(f.load(str));
    CHECK_THAT(f.diagnostics.back(),
               Catch::Contains("unsupported dtype STRING"));

    TensorProto negative;
    negative.set_data_type(TensorProto::FLOAT);
    negative.add_dims(-1);
    CHECK_FALSE(f.load(negative));
    CHECK_THAT(f.diagnostics.back(), Catch::Contains("invalid dimension -1"));

    TensorProto escaping;
    escaping.set_data_type(TensorProto::FLOAT);
    escaping.add_dims(1);
    escaping.set_data_location(TensorProto::EXTERNAL);
    auto *kv = escaping.add_external_data();
    kv->set_key("location");
    kv->set_value("../secret.bin");
    CHECK_FALSE(f.load(escaping));
    CHECK_THAT(f.diagnostics.back(),
               Catch::Contains("must be relative to the model directory"));
    CHECK(f.diagnostics.size() == 5);
  }
}
