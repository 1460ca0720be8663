// Every error names the model and the node or tensor, exits non-zero and
// leaves no output file.
// RUN: rm -rf %t && %python %S/make_models.py %t truncated garbage missing_init bad_raw bad_opset bad_dtype missing_external escaping_external bad_slice_axis bad_split bad_resize bad_resize_mode bad_pads bad_auto_pad

// RUN: not qfx-translate --import-onnx %t/truncated.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TRUNC
// RUN: test ! -e %t/out.mlir
// TRUNC: truncated.onnx: error: not a valid ONNX model (protobuf parsing failed; truncated or corrupt file?)

// RUN: not qfx-translate --import-onnx %t/garbage.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GARBAGE
// RUN: test ! -e %t/out.mlir
// GARBAGE: garbage.onnx: error: not a valid ONNX model

// RUN: not qfx-translate --import-onnx %t/missing_init.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: test ! -e %t/out.mlir
// MISSING: missing_init.onnx: error: node '/conv/Conv' (Conv): input 'conv.weight' is not a graph input, an initializer or the output of an earlier node

// RUN: not qfx-translate --import-onnx %t/bad_raw.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=RAW
// RUN: test ! -e %t/out.mlir
// RAW: bad_raw.onnx: error: initializer 'w': raw_data has 15 bytes, expected 16 (4 x FLOAT)

// RUN: not qfx-translate --import-onnx %t/bad_opset.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=OPSET
// RUN: test ! -e %t/out.mlir
// OPSET: bad_opset.onnx: error: unsupported opset 9 (supported: 11-17)

// RUN: not qfx-translate --import-onnx %t/bad_dtype.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: bad_dtype.onnx: error: initializer 'names': unsupported dtype STRING

// RUN: not qfx-translate --import-onnx %t/missing_external.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=EXTFILE
// EXTFILE: missing_external.onnx: error: initializer 'w': cannot read external data file '{{.*}}nowhere.bin'

// RUN: not qfx-translate --import-onnx %t/escaping_external.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=ESCAPE
// RUN: test ! -e %t/out.mlir
// ESCAPE: escaping_external.onnx: error: initializer 'w': external data location '../outside.bin' must be relative to the model directory

// RUN: not qfx-translate --import-onnx %t/does_not_exist.onnx 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: does_not_exist.onnx: error: cannot read: No such file or directory

// RUN: not qfx-translate --import-onnx %t/bad_slice_axis.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=SLICE
// RUN: test ! -e %t/out.mlir
// SLICE: bad_slice_axis.onnx: error: node '/Slice' (Slice): axis 2 out of range for rank 2

// RUN: not qfx-translate --import-onnx %t/bad_split.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=SPLIT
// SPLIT: bad_split.onnx: error: node '/Split' (Split): split sizes add up to 3, not the dim size 4

// RUN: not qfx-translate --import-onnx %t/bad_resize.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=RESIZE
// RESIZE: bad_resize.onnx: error: node '/Resize' (Resize): scales needs 4 entries, has 2

// RUN: not qfx-translate --import-onnx %t/bad_resize_mode.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=RESIZEMODE
// RESIZEMODE: bad_resize_mode.onnx: error: node '/Resize' (Resize): unknown mode 'bogus'

// RUN: not qfx-translate --import-onnx %t/bad_pads.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=PADS
// RUN: test ! -e %t/out.mlir
// PADS: bad_pads.onnx: error: node '/MaxPool' (MaxPool): pads needs 4 entries, has 3

// RUN: not qfx-translate --import-onnx %t/bad_auto_pad.onnx -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=AUTOPAD
// AUTOPAD: bad_auto_pad.onnx: error: node '/MaxPool' (MaxPool): unknown auto_pad 'SAME'
