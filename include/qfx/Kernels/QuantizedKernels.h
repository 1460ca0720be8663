//===- QuantizedKernels.h - Exact int8 kernels ------------------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Quantized CPU kernels on channels-last (NHWC) uint8 activations. Every
// kernel has a portable reference implementation that *defines* its numerics
// (see docs/kernels.md); fast implementations from oneDNN and XNNPACK are
// selected only where they reproduce the reference bit for bit, and report
// which implementation runs. Plain C++17: no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_KERNELS_QUANTIZEDKERNELS_H
#define QFX_KERNELS_QUANTIZEDKERNELS_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qfx::kern {

/// How the int32 accumulator of a weighted op becomes an output integer.
enum class Requant : uint8_t {
  /// fbgemm/oneDNN-style, float bias (what PyTorch's reference model
  /// computes, up to fp32 summation order):
  ///   y = float(acc) * float(s_in * s_w[c]) + bias[c]
  ///   q = clamp(int64(float(zp_out) + nearbyint(y * (1.0f / s_out))))
  Float,
  /// QNNPACK/XNNPACK-style fp32 requantization, int32 bias quantized with
  /// scale s_in * s_w[c]:
  ///   m[c] = float(s_in * s_w[c]) / s_out          (float32)
  ///   q = nearbyint(clamp(float(acc + bias_i32[c]) * m[c],
  ///                       lo - zp_out, hi - zp_out)) + zp_out
  Fp32,
};
const char *requantName(Requant r);

/// Per-tensor affine parameters of a uint8 activation tensor.
struct QParams {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
  int32_t qmin = 0, qmax = 255;
};

/// The implementation behind a kernel object.
enum class Impl : uint8_t {
  Reference,
  /// oneDNN u8 x s8 -> s32 convolution, qfx requantization epilogue.
  OneDnnU8S8,
  /// Same, with each weight split into two halves in [-64, 64] (two output
  /// channels per channel) so that vpmaddubsw cannot saturate.
  OneDnnU8S8Split,
  /// Both oneDNN kernels; each run checks the input's largest value and
  /// takes the direct kernel when 2 * max(x) * max|w| <= 32767, the direct
  /// kernel with a correction when few inputs exceed that, the split one
  /// otherwise (exact either way).
  OneDnnU8S8Checked,
  /// (A run of the checked kernel.) The direct kernel on min(x, limit) plus
  /// an exact integer correction for the few inputs above limit.
  OneDnnU8S8Corrected,
  /// XNNPACK qc8 (signed 8-bit activations, per-channel weights, fp32
  /// requantization); uint8 activations are shifted by 128.
  XnnpackQC8,
  /// qfx's own depthwise u8 x s8 -> s32 convolution (float requantization):
  /// AVX2 (products of 16-bit values summed in pairs into int32 with
  /// vpmaddwd, exact) or its portable scalar twin where AVX2 is missing.
  DepthwiseAvx2,
  DepthwiseScalar,
  /// A 256-entry lookup table (elementwise ops of one uint8 input).
  Lut,
  /// qfx's own batch norm / layer norm, eight values at a time with AVX2 and
  /// FMA (the reference's float32 operations, bit for bit).
  NormAvx2,
  /// qfx's own u8 x s8 -> s32 matrix product: x - zp widened to int16,
  /// products summed in pairs into int32 by vpmaddwd (exact on any data).
  GemmS16Avx2,
};
const char *implName(Impl impl);

/// Which implementations create() may choose.
enum class ImplChoice : uint8_t {
  Auto,
  Reference,
  OneDnn,
  OneDnnSplit,
  Xnnpack,
  /// oneDNN u8s8 even where pair sums may saturate: only for tests that
  /// demonstrate the hazard.
  OneDnnUnchecked,
  /// qfx's depthwise kernel: the AVX2 one where the CPU has AVX2, or the
  /// scalar one (forced).
  Depthwise,
  DepthwiseScalar,
  /// qfx's AVX2 int16 matrix product (dynamic linear).
  GemmS16,
};

/// A 2-d convolution (a linear layer is a 1x1 convolution over 1x1 images).
/// Input NHWC uint8, weight OIHW int8 (O x C/groups x KH x KW, symmetric:
/// zero point 0), output NHWC uint8.
struct ConvDesc {
  int64_t n = 1, h = 1, w = 1, c = 1;
  int64_t oc = 1, kh = 1, kw = 1;
  int64_t strideH = 1, strideW = 1, padT = 0, padL = 0, padB = 0, padR = 0;
  int64_t dilH = 1, dilW = 1, groups = 1;
  QParams in, out;
  std::vector<float> wScales;   ///< One per output channel.
  std::vector<int8_t> weight;   ///< OIHW.
  std::vector<float> biasF;     ///< Requant::Float (empty: no bias).
  std::vector<int32_t> biasI;   ///< Requant::Fp32 (empty: no bias).
  Requant requant = Requant::Float;
  bool relu = false;
  /// An extra clamp of the output integers (a fused ReLU6 / hardtanh whose
  /// qparams are the convolution's own), intersected with relu and
  /// [out.qmin, out.qmax].
  int32_t clampLo = 0, clampHi = 255;

  /// The output integer range after relu and clamp.
  int32_t outLo() const;
  int32_t outHi() const;

  int64_t oh() const {
    return (h + padT + padB - dilH * (kh - 1) - 1) / strideH + 1;
  }
  int64_t ow() const {
    return (w + padL + padR - dilW * (kw - 1) - 1) / strideW + 1;
  }
  /// Checks sizes; returns an error message or "".
  std::string validate() const;
};

/// The reference convolution: exact int32 accumulation, then the
/// requantization of desc.requant.
void referenceConv(const ConvDesc &d, const uint8_t *in, uint8_t *out);
/// The int32 accumulators sum((x - zp_in) * w) (NHWC, no bias).
void referenceConvAcc(const ConvDesc &d, const uint8_t *in, int32_t *acc);

/// A convolution with its weights prepacked for one implementation.
class ConvKernel {
public:
  virtual ~ConvKernel();
  /// Chooses (Auto) or forces an implementation; returns null with
  /// \p error set when the forced one cannot run \p desc.
  static std::unique_ptr<ConvKernel> create(ConvDesc desc, ImplChoice choice,
                                            std::string &error);
  virtual void run(const uint8_t *in, uint8_t *out) = 0;
  Impl impl() const { return impl_; }
  /// The library's own name of the primitive that runs ("jit:avx2", ...).
  virtual std::string libraryInfo() const { return implName(impl_); }
  /// The implementation the last run() used (differs from impl() only for
  /// OneDnnU8S8Checked).
  virtual Impl lastImpl() const { return impl_; }
  const ConvDesc &desc() const { return desc_; }
  /// Asks the kernel to read its input (\p in) and / or write its output
  /// (\p out) as int8: each byte the uint8 value xor 0x80, the zero point
  /// moved by 128. That is what XNNPACK's qc8 operators take, so consecutive
  /// kernels that accept it skip the shift between them (same integers, so
  /// the same outputs). An int8 input must have 16 readable bytes past its
  /// end (XNNPACK's microkernels read XNN_EXTRA_BYTES beyond). Returns false,
  /// changing nothing, when the kernel runs on uint8 only.
  virtual bool setInt8Io(bool in, bool out) { return !in && !out; }

protected:
  ConvKernel(ConvDesc d, Impl impl) : desc_(std::move(d)), impl_(impl) {}
  ConvDesc desc_;
  Impl impl_;
};

/// Output pixels the last run of qfx's depthwise kernel computed on its
/// AVX2 row path (all horizontal taps inside the image, any row); -1 for
/// other kernels. Tests assert that the path ran.
int64_t depthwiseRowPixels(const ConvKernel &k);

/// True when ConvKernel::create(Auto) picks a kernel that honours
/// setInt8Io for a convolution with requantization \p requant that is
/// (\p depthwise) or is not depthwise: XNNPACK's (fp32) and qfx's depthwise
/// kernel.
bool autoConvTakesInt8(Requant requant, bool depthwise);

/// dst[i] = src[i] ^ 0x80 for n bytes: uint8 <-> int8 with the zero point
/// moved by 128 (dst may equal src).
void flipSign(const uint8_t *src, uint8_t *dst, int64_t n);

/// True when oneDNN's u8 x s8 kernels on AVX2 without VNNI (vpmaddubsw, pairs
/// summed with int16 saturation) are exact for \p d: 2 * in.qmax * max|w|
/// <= 32767.
bool oneDnnPairsCannotSaturate(const ConvDesc &d);

//===----------------------------------------------------------------------===//
// Other kernels (reference implementations; they mirror the reference
// model's dequantize -> float op -> quantize in float32).
//===----------------------------------------------------------------------===//

/// q(dq(a) + dq(b)) (optionally relu'd), same shapes.
void qadd(const uint8_t *a, const QParams &pa, const uint8_t *b,
          const QParams &pb, uint8_t *out, const QParams &po, bool relu,
          int64_t numel);
/// q(dq(a) * dq(b)) (optionally relu'd), same shapes.
void qmul(const uint8_t *a, const QParams &pa, const uint8_t *b,
          const QParams &pb, uint8_t *out, const QParams &po, bool relu,
          int64_t numel);
/// qadd / qmul bit for bit (the same float32 operations), eight values at a
/// time with AVX2 where the CPU has it.
void qaddFast(const uint8_t *a, const QParams &pa, const uint8_t *b,
              const QParams &pb, uint8_t *out, const QParams &po, bool relu,
              int64_t numel);
void qmulFast(const uint8_t *a, const QParams &pa, const uint8_t *b,
              const QParams &pb, uint8_t *out, const QParams &po, bool relu,
              int64_t numel);
/// ATen's quantize_val to uint8 (qfx::rt::quantizeValue) bit for bit:
/// clamp(int64(float(zp) + nearbyint(x * (1 / scale))), qmin, qmax), NaN
/// and infinities giving qmin; eight values at a time with AVX2 where the
/// CPU has it. 0 <= qmin <= qmax <= 255.
void quantizeU8Fast(const float *x, uint8_t *out, int64_t n, float scale,
                    int32_t zeroPoint, int32_t qmin, int32_t qmax);
/// Whether this CPU runs qfx's AVX2 code (checked once).
bool cpuHasAvx2();
/// min(max(x, lo), hi) on the integers: q(clamp(dq(x))) when the input and
/// output qparams agree (ReLU, ReLU6, hardtanh share their input's).
void qclamp(const uint8_t *in, uint8_t *out, int32_t lo, int32_t hi,
            int64_t numel);
/// q(softmax(dq(x))) along the middle dim of an outer x n x inner buffer.
void qsoftmax(const uint8_t *in, const QParams &pi, uint8_t *out,
              const QParams &po, int64_t outer, int64_t n, int64_t inner);

struct PoolDesc {
  int64_t n = 1, h = 1, w = 1, c = 1, oh = 1, ow = 1;
  int64_t kh = 1, kw = 1, strideH = 1, strideW = 1, padT = 0, padL = 0;
  int64_t dilH = 1, dilW = 1;
  bool countIncludePad = true;
  int64_t divisorOverride = 0;
};
/// NHWC max pooling (qparams unchanged).
void qmaxPool(const PoolDesc &d, const uint8_t *in, uint8_t *out);
/// qmaxPool, identical results, 32 channels at a time with AVX2 where the
/// CPU has it.
void qmaxPoolFast(const PoolDesc &d, const uint8_t *in, uint8_t *out);
/// NHWC average pooling: q(sum(dq(x)) / divisor).
void qavgPool(const PoolDesc &d, const uint8_t *in, const QParams &pi,
              uint8_t *out, const QParams &po);
/// NHWC adaptive average pooling to d.oh x d.ow (PyTorch's start/end index
/// arithmetic).
void qadaptiveAvgPool(const PoolDesc &d, const uint8_t *in, const QParams &pi,
                      uint8_t *out, const QParams &po);

enum class UnaryFn : uint8_t { Identity, Relu, Hardswish, Hardsigmoid, Sigmoid, Tanh };
/// The 256-entry table of q_out(f(dq_in(q))).
std::vector<uint8_t> buildLut(UnaryFn fn, const QParams &pi,
                              const QParams &po);
void applyLut(const uint8_t *lut, const uint8_t *in, uint8_t *out,
              int64_t numel);

/// Concatenation along a dim splitting the contiguous buffer as
/// outer x (inner_i) for every input: inputs with other qparams than the
/// output go through a requantization table.
void qcat(const std::vector<const uint8_t *> &ins,
          const std::vector<QParams> &pis, const std::vector<int64_t> &inner,
          int64_t outer, uint8_t *out, const QParams &po);

/// Eval-mode batch norm on a buffer of outer x c x inner values (channel
/// dim in the middle: NCHW has inner = H * W, NHWC inner = 1):
///   y = fma(dq(x), alpha[c], beta[c]);  q = quantize(y)
/// in float32, with ATen's constants alpha = w * invstd and
/// beta = fma(-mean, alpha, b) (NormConstants.h). relu clamps at the
/// output zero point.
struct BatchNormDesc {
  int64_t outer = 1, c = 1, inner = 1;
  QParams in, out;
  std::vector<float> alpha, beta;
  bool relu = false;
  /// Checks sizes; returns an error message or "".
  std::string validate() const;
};
/// The definition (scalar, std::fma).
void referenceBatchNorm(const BatchNormDesc &d, const uint8_t *in,
                        uint8_t *out);
/// referenceBatchNorm bit for bit, vectorised (AVX2 + FMA) where the CPU has
/// it and \p allowSimd; returns the implementation that ran.
Impl qbatchNorm(const BatchNormDesc &d, const uint8_t *in, uint8_t *out,
                bool allowSimd = true);

/// Layer norm over rows of n contiguous values, ATen's layer_norm in
/// float32 on dq(x): mean and biased variance by ATen's RowwiseMoments
/// (Welford per lane of eight over chunks of 16 vectors, a binary cascade
/// of chunks, the scalar tail, then the lanes; no fused multiply-add),
/// rstd = 1 / sqrt(var + float(eps)), nb = -rstd * mean;
///   y = fma(fma(dq(x), rstd, nb), gamma[j], beta[j]);  q = quantize(y)
struct LayerNormDesc {
  int64_t rows = 1, n = 1;
  QParams in, out;
  std::vector<float> gamma, beta; ///< n values each, or empty (1 / 0).
  double eps = 1e-5;
  std::string validate() const;
};
void referenceLayerNorm(const LayerNormDesc &d, const uint8_t *in,
                        uint8_t *out);
Impl qlayerNorm(const LayerNormDesc &d, const uint8_t *in, uint8_t *out,
                bool allowSimd = true);

/// NCHW <-> NHWC of one-byte elements.
void nchwToNhwc(const uint8_t *in, uint8_t *out, int64_t n, int64_t c,
                int64_t hw);
void nhwcToNchw(const uint8_t *in, uint8_t *out, int64_t n, int64_t c,
                int64_t hw);
/// nchwToNhwc bit for bit; three-channel images (RGB) 16 pixels at a time
/// with AVX2 where the CPU has it. Returns whether that path ran.
bool nchwToNhwcFast(const uint8_t *in, uint8_t *out, int64_t n, int64_t c,
                    int64_t hw);

} // namespace qfx::kern

#endif // QFX_KERNELS_QUANTIZEDKERNELS_H
