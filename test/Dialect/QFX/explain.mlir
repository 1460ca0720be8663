// RUN: qfx-opt %s --qfx-explain="format=table" -o /dev/null | FileCheck %s --check-prefix=TABLE
// RUN: qfx-opt %s --qfx-explain="format=json backend=%S/Inputs/backend-strict.json" -o /dev/null | FileCheck %s --check-prefix=JSON
// RUN: qfx-opt %s --qfx-explain -verify-diagnostics -o /dev/null

// The configs come from module attributes: the qnnpack default mapping
// plus regex / module_name / order rules as inline JSON.

module attributes {qfx.backend_config = "native", qfx.module_types = {block = "my.Block", "block.fc" = "torch.nn.modules.linear.Linear"},
    qfx.qconfig_mapping = "{\"global\": {\"activation\": {\"class\": \"torch.ao.quantization.observer.MinMaxObserver\", \"kwargs\": {}}, \"weight\": {\"class\": \"torch.ao.quantization.observer.MinMaxObserver\", \"kwargs\": {\"dtype\": \"qint8\", \"qscheme\": \"per_tensor_symmetric\"}}}, \"object_type\": [{\"object_type\": \"my.Block\", \"qconfig\": null}], \"module_name_regex\": [{\"module_name_regex\": \"block\\\\.f.*\", \"qconfig\": null}], \"module_name\": [], \"module_name_object_type_order\": [{\"module_name\": \"block\", \"object_type\": \"torch.add\", \"index\": 1, \"qconfig\": {\"activation\": {\"class\": \"torch.ao.quantization.observer.MinMaxObserver\", \"kwargs\": {}}, \"weight\": null}}]}"} {
  qfx.parameter @"block.fc.weight" parameter = dense<0.5> : tensor<4x4xf32>
  func.func @forward(%x: tensor<2x4xf32> {qfx.name = "x"}) -> tensor<2x4xf32> {
    %w = qfx.get_attr @"block.fc.weight" : tensor<4x4xf32> loc("block_fc")
    // expected-remark@+1 {{'qfx.linear' (call_module torch.nn.modules.linear.Linear, module 'block.fc'): rule module_name_regex block\.f.*; qconfig null; float: qconfig is None}}
    %l = qfx.linear %x, %w {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "block.fc">}
        : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
    // expected-remark@+1 {{'qfx.add' (call_function torch.add, module 'block'): rule object_type my.Block (class of enclosing module 'block'); qconfig null; float: qconfig is None}}
    %a = qfx.add %l, %x {qfx.node = #qfx.node<call_function, "torch.add", module = "block">}
        : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
    // expected-remark@+1 {{rule module_name_object_type_order (block, torch.add, 1); qconfig {"activation":{"class":"torch.ao.quantization.observer.MinMaxObserver","kwargs":{}},"weight":null}; quantized by pattern (torch.nn.functional.relu, torch.add)}}
    %a2 = qfx.add %a, %x {qfx.node = #qfx.node<call_function, "torch.add", module = "block">}
        : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
    // expected-remark@+1 {{'qfx.relu' (call_function torch.nn.functional.relu, module ''): rule global; qconfig}}
    %r = qfx.relu %a2 {qfx.node = #qfx.node<call_function, "torch.nn.functional.relu">} : tensor<2x4xf32>
    return %r : tensor<2x4xf32>
  }
}
// TABLE: // qfx-explain @forward backend=native
// TABLE-NEXT: node | kind | target | module | rule | quantized | why
// TABLE-NEXT: qfx.linear | call_module | torch.nn.modules.linear.Linear | block.fc | module_name_regex block\.f.* | no | qconfig is None
// TABLE-NEXT: qfx.add | call_function | torch.add | block | object_type my.Block (class of enclosing module 'block') | no | qconfig is None
// TABLE-NEXT: qfx.add | call_function | torch.add | block | module_name_object_type_order (block, torch.add, 1) | yes | pattern (torch.nn.functional.relu, torch.add)
// TABLE-NEXT: qfx.relu | call_function | torch.nn.functional.relu |  | global | yes | pattern (torch.nn.functional.relu, torch.add)

// JSON: "backend": "strict"
// JSON: "float_reason": "no pattern of backend 'strict' matches it"
// JSON: "node": "qfx.relu"
