// RUN: qfx-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{'qfx.module_types' must map module paths to class names}}
module attributes {qfx.module_types = {a = 1 : i64}} {}

// -----

// expected-error@+1 {{'qfx.qconfig_mapping' must be a non-empty string (a preset name or JSON text)}}
module attributes {qfx.qconfig_mapping = 3 : i64} {}

// -----

module {
  // expected-error@+1 {{'qfx.backend_config' is a module attribute}}
  func.func @f() attributes {qfx.backend_config = "native"} { return }
}
