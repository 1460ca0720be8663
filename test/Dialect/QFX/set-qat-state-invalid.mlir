// RUN: qfx-opt %s -verify-diagnostics --qfx-set-qat-state="freeze-bn-stats update-bn-stats"
// RUN: not qfx-opt %s --qfx-set-qat-state="enable-observer disable-observer" 2>&1 | FileCheck %s --check-prefix=OBS
// RUN: not qfx-opt %s --qfx-set-qat-state="enable-fake-quant disable-fake-quant" 2>&1 | FileCheck %s --check-prefix=FQ

// Contradictory switches are an error, not a silent choice.
// OBS: set-qat-state-invalid.mlir:[[# @LINE + 3]]:1: error: --qfx-set-qat-state: both enable and disable observer given
// FQ: error: --qfx-set-qat-state: both enable and disable fake-quant given
// expected-error@+1 {{--qfx-set-qat-state: both enable and disable BN statistics updates given}}
module {
}
