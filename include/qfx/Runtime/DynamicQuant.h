//===- DynamicQuant.h - qparams chosen per call ------------------*- C++
//-*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Dynamic quantization picks a tensor's qparams from its own min and max
// every time it runs (torch.quantize_per_tensor_dynamic). The arithmetic is
// ATen's quant_utils::ChooseQuantizationParams, which differs from the
// observers' calculate_qparams (double intermediates, a 0.1 fallback scale,
// a 6.1e-5 small-scale cutoff, no eps clamp).
//
//===----------------------------------------------------------------------===//

#ifndef QFX_RUNTIME_DYNAMICQUANT_H
#define QFX_RUNTIME_DYNAMICQUANT_H

#include "qfx/Runtime/Status.h"

#include <cstdint>

namespace qfx::rt {

/// The qparams of one dynamic quantization. The scale is the double the
/// quantized tensor stores (`q_scale()`); quantize and dequantize use it
/// rounded to float32, as ATen's CPU kernels do.
struct DynamicQParams {
  double scale = 1.0;
  int64_t zeroPoint = 0;
};

/// ChooseQuantizationParams(min, max, qmin, qmax, preserve_sparsity=false,
/// force_scale_power_of_two=false, reduce_range). `qmin`/`qmax` are the
/// dtype's range (reduce_range halves them first). Fails when min > max or
/// either is not finite (PyTorch checks min <= max and would compute
/// meaningless qparams from infinities).
Expected<DynamicQParams> chooseDynamicQParams(float min, float max,
                                              int64_t qmin, int64_t qmax,
                                              bool reduceRange);

/// The min and max of `n` floats (torch.min() / max() of the tensor);
/// fails for an empty tensor or one holding NaN.
Status tensorMinMax(const float *x, int64_t n, float &min, float &max);

/// `x` rounded to the nearest float16 (ties to even; beyond the float16
/// range: infinity), as a float32: c10::Half's conversion, which
/// `x.to(torch.float16)` uses.
float roundToFloat16(float x);

} // namespace qfx::rt

#endif // QFX_RUNTIME_DYNAMICQUANT_H
