// UNSUPPORTED: asan
// QFX_HUGE_PAGES=1 forces the re-exec with malloc on transparent huge pages
// (by default only inputs of 32 MiB and more take it), from a file and from
// standard input; the output is the same either way.
// RUN: env QFX_HUGE_PAGES=1 qfx-opt %s --qfx-fuse --qfx-pass-cpu-time 2>&1 | FileCheck %s --check-prefixes=HUGE,CHECK
// RUN: env QFX_HUGE_PAGES=1 qfx-opt --qfx-fuse --qfx-pass-cpu-time < %s 2>&1 | FileCheck %s --check-prefixes=HUGE,CHECK
// A small input, QFX_HUGE_PAGES=0 and the user's own hugetlb setting run as
// they are.
// RUN: qfx-opt %s --qfx-fuse --qfx-pass-cpu-time 2>&1 | FileCheck %s --check-prefixes=DEFAULT,CHECK
// RUN: env QFX_HUGE_PAGES=0 qfx-opt %s --qfx-fuse --qfx-pass-cpu-time 2>&1 | FileCheck %s --check-prefixes=DEFAULT,CHECK
// RUN: env QFX_HUGE_PAGES=1 GLIBC_TUNABLES=glibc.malloc.hugetlb=0 qfx-opt %s --qfx-fuse --qfx-pass-cpu-time 2>&1 | FileCheck %s --check-prefixes=DEFAULT,CHECK
// Diagnostics of the re-executed process still reach the user.
// RUN: env QFX_HUGE_PAGES=1 not qfx-opt %s --qfx-prepare="qconfig-mapping=no-such-mapping" 2>&1 | FileCheck %s --check-prefix=ERROR

// HUGE: qfx-malloc: transparent-huge-pages
// DEFAULT: qfx-malloc: default
// CHECK: qfx-pass-cpu-time: {{[0-9]+\.[0-9]+}} QfxFuse
// CHECK: qfx.fused
// ERROR: error: qconfig-mapping 'no-such-mapping': unknown QConfigMapping preset
module attributes {qfx.training = false} {
  qfx.parameter @"conv1.weight" parameter = dense<1.0> : tensor<2x1x1x1xf32>
  func.func @forward(%x: tensor<1x1x4x4xf32> {qfx.name = "x"}) -> tensor<1x2x4x4xf32> {
    %w = qfx.get_attr @"conv1.weight" : tensor<2x1x1x1xf32> loc("conv1_weight")
    %c = qfx.conv %x, %w stride = [1, 1] padding = [0, 0] dilation = [1, 1] groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1">} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32> loc("conv1")
    %r = qfx.relu %c {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu">} : tensor<1x2x4x4xf32> loc("relu")
    return %r : tensor<1x2x4x4xf32>
  }
}
