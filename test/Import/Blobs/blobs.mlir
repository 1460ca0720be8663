// qfx-translate --import-qfx-blobs: the FX exporter's IR text without
// resource data plus the blob file holding it, written as bytecode. Every
// malformed or mismatched blob file is an error naming it, exit code 1 and
// no output file.
// RUN: rm -rf %t && %python %S/make_blobs.py %t
// RUN: qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/good.blobs -o %t/model.mlirbc
// RUN: qfx-opt %t/model.mlirbc | FileCheck %s
// The blob file defaults to <input>.blobs.
// RUN: cp %t/good.blobs %t/model.mlir.blobs
// RUN: qfx-translate --import-qfx-blobs %t/model.mlir | FileCheck %s

// CHECK: qfx.parameter @w parameter = dense_resource<w> : tensor<2x2xf32>
// CHECK: qfx.linear
// The alignment (4) then 1.0, 2.0, 3.0, 4.0 and 0.5, -0.5.
// CHECK-DAG: w: "0x040000000000803F000000400000404000008040"
// CHECK-DAG: b: "0x040000000000003F000000BF"

// RUN: not qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/missing.blobs -o %t/out.mlirbc 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: test ! -e %t/out.mlirbc
// MISSING: missing.blobs: error: dense_resource<b> has no data in blob file '{{.*}}missing.blobs'

// RUN: not qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/extra.blobs -o %t/out.mlirbc 2>&1 | FileCheck %s --check-prefix=EXTRA
// EXTRA: error: blob 'z' is not referenced by '{{.*}}model.mlir'

// RUN: not qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/magic.blobs -o %t/out.mlirbc 2>&1 | FileCheck %s --check-prefix=MAGIC
// MAGIC: error: blob file '{{.*}}magic.blobs': not a qfx blob file

// RUN: not qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/version.blobs -o %t/out.mlirbc 2>&1 | FileCheck %s --check-prefix=VERSION
// VERSION: error: blob file '{{.*}}version.blobs': unsupported version 7

// RUN: not qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/truncated.blobs -o %t/out.mlirbc 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: error: blob file '{{.*}}truncated.blobs': truncated index

// RUN: not qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/unaligned.blobs -o %t/out.mlirbc 2>&1 | FileCheck %s --check-prefix=ALIGN
// ALIGN: error: blob file '{{.*}}unaligned.blobs': blob 'w' is not aligned to its alignment 4

// RUN: not qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/outside.blobs -o %t/out.mlirbc 2>&1 | FileCheck %s --check-prefix=OUTSIDE
// OUTSIDE: error: blob file '{{.*}}outside.blobs': blob 'b' lies outside the file

// RUN: not qfx-translate --import-qfx-blobs %t/model.mlir --blobs %t/nowhere.blobs 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: cannot read blob file '{{.*}}nowhere.blobs'
