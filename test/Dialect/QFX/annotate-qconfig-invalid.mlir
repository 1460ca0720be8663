// RUN: qfx-opt %s -split-input-file -verify-diagnostics --qfx-annotate-qconfig="qconfig-mapping=%S/Inputs/qconfig-fusion-mismatch.json"
// RUN: not qfx-opt %s --qfx-annotate-qconfig="qconfig-mapping=fbgemm2" 2>&1 | FileCheck %s --check-prefix=PRESET
// RUN: not qfx-opt %s --qfx-annotate-qconfig="qconfig-mapping=%S/Inputs/qconfig-bad-dtype.json" 2>&1 | FileCheck %s --check-prefix=JSONPATH
// RUN: not qfx-opt %s --qfx-annotate-qconfig="qconfig-mapping=qnnpack backend=nope" 2>&1 | FileCheck %s --check-prefix=BACKEND
// RUN: not qfx-opt %s --qfx-annotate-qconfig 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not qfx-opt %s --qfx-annotate-qconfig="qconfig-mapping=%S/Inputs/missing.json" 2>&1 | FileCheck %s --check-prefix=NOFILE

// PRESET: error: qconfig-mapping: unknown QConfigMapping preset 'fbgemm2' (expected fbgemm, x86, qnnpack, onednn, JSON text or a .json path)
// JSONPATH: error: qconfig-mapping: {{.*}}qconfig-bad-dtype.json: object_type[1].qconfig.activation.kwargs.dtype: unknown dtype 'quint9'
// BACKEND: error: backend: unknown backend config 'nope'
// MISSING: error: no QConfigMapping: pass qconfig-mapping=<preset|path.json> or set the module attribute 'qfx.qconfig_mapping'
// NOFILE: error: qconfig-mapping: cannot read '{{.*}}missing.json'

// Conv2d has an object_type qconfig and ReLU object_type None: PyTorch 1.13
// raises a LookupError while fusing them into ConvReLU2d.
func.func @fusion_mismatch(%x: tensor<1x3x4x4xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32> {
  // expected-note@+1 {{fused with this op}}
  %c = qfx.conv %x, %w stride = [1, 1] padding = [1, 1] dilation = [1, 1] groups = 1
      {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", module = "conv1">}
      : (tensor<1x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x4x4xf32>
  // expected-error@+1 {{ops fused by pattern (torch.nn.modules.activation.ReLU, torch.nn.modules.conv.Conv2d) need equal object_type qconfigs: 'qfx.conv' (torch.nn.modules.conv.Conv2d) and 'qfx.relu' (torch.nn.modules.activation.ReLU) differ}}
  %r = qfx.relu %c {qfx.node = #qfx.node<call_module, "torch.nn.modules.activation.ReLU", module = "relu1">} : tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}
