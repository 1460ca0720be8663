// RUN: qfx-opt %s -verify-diagnostics --qfx-fuse="backend=nope"

// expected-error-re@+1 {{--qfx-fuse: unknown backend config 'nope' (known: {{.*}})}}
module {
}
