// RUN: qfx-opt %s -verify-diagnostics --qfx-fuse="backend=%S/Inputs/fuse-malformed.json"

// expected-error-re@+1 {{--qfx-fuse: invalid backend config '{{.*}}fuse-malformed.json': {{.+}}}}
module {
}
