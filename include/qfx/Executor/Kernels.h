//===- Kernels.h - Kernel factories of the qfx executor ---------*- C++ -*-===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One factory per kernel family, taking slot ids and hyper-parameters with
// PyTorch's meaning (NCHW, negative dims allowed). Shapes are read from the
// plan's slots at prepare time; inconsistent shapes fail there.
//
//===----------------------------------------------------------------------===//

#ifndef QFX_EXECUTOR_KERNELS_H
#define QFX_EXECUTOR_KERNELS_H

#include "qfx/Executor/Plan.h"
#include "qfx/Runtime/Observer.h"

#include <optional>

namespace qfx::exec {

//===----------------------------------------------------------------------===//
// oneDNN kernels
//===----------------------------------------------------------------------===//

enum class PadMode : uint8_t { Zeros, Reflect, Replicate, Circular };
/// Writes \p in (N, C, then 1-3 spatial dims) into \p out, whose spatial
/// dims are \p inShape's plus twice \p pad, filling the border as F.pad's
/// mode does (the convolutions with a non-zero padding mode pad on the host,
/// then run unpadded).
void padInput(const float *in, float *out, const Shape &inShape,
              const Shape &outShape, const std::vector<int64_t> &pad,
              PadMode mode);

struct ConvParams {
  int input = -1, weight = -1, bias = -1, output = -1;
  std::vector<int64_t> stride, padding, dilation;
  /// Only for transposed convolutions.
  std::vector<int64_t> outputPadding;
  int64_t groups = 1;
  bool transposed = false;
  PadMode padMode = PadMode::Zeros;
};
/// Convolution or transposed convolution (1, 2 or 3 spatial dims): oneDNN,
/// or createTorchSlowConvKernel where torchUsesSlowConv says PyTorch would
/// not use oneDNN.
std::unique_ptr<Kernel> createConvKernel(const ConvParams &params);
/// Fails unless every operand of a float convolution is float32.
Status checkConvOperandsF32(const Plan &plan, const ConvParams &params);

/// PyTorch 1.13 picks its CPU convolution algorithm by its intra-op thread
/// count (at::get_num_threads()); qfx reproduces the choice PyTorch makes
/// with this many threads (default 1), independently of the threads qfx
/// itself uses, so that float results match PyTorch bit for bit.
void setTorchThreads(int threads);
int getTorchThreads();
/// True where PyTorch 1.13 runs a float convolution of \p input (after any
/// non-zero padding mode's F.pad) by \p weight through slow_conv2d (im2col
/// and BLAS sgemm) rather than oneDNN (ConvParams::use_mkldnn).
bool torchUsesSlowConv(const ConvParams &params, const Shape &input,
                       const Shape &weight);
/// slow_conv2d in reference-BLAS summation order (1-d and 2-d, groups 1).
std::unique_ptr<Kernel> createTorchSlowConvKernel(const ConvParams &params);

/// y = x W^T + b over the last dim of x, in PyTorch's (reference BLAS)
/// summation order.
std::unique_ptr<Kernel> createLinearKernel(int input, int weight, int bias,
                                           int output);
/// torch.matmul with batch broadcasting.
std::unique_ptr<Kernel> createMatmulKernel(int lhs, int rhs, int output);

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

enum class UnaryKind : uint8_t {
  Copy,
  Relu,
  Sigmoid,
  Tanh,
  /// Correctly rounded, as ATen's vectorised sqrt.
  Sqrt,
  Hardsigmoid,
  Hardswish,
  /// clamp(x, a, b); either bound may be absent (NaN).
  Clamp,
  /// alpha = a.
  Elu,
  /// negative_slope = a.
  LeakyRelu,
  GeluErf,
  GeluTanh,
};
/// Elementwise float32 op; \p a and \p b are its scalar parameters.
std::unique_ptr<Kernel> createUnaryKernel(UnaryKind kind, int input, int output,
                                          double a = 0.0, double b = 0.0);

enum class BinaryKind : uint8_t { Add, Sub, Mul, Div };
/// Elementwise float32 op with NumPy/PyTorch broadcasting.
std::unique_ptr<Kernel> createBinaryKernel(BinaryKind kind, int lhs, int rhs,
                                           int output);

//===----------------------------------------------------------------------===//
// Normalization and softmax
//===----------------------------------------------------------------------===//

struct BatchNormParams {
  int input = -1, weight = -1, bias = -1, mean = -1, var = -1, output = -1;
  double eps = 1e-5;
  /// Normalise with the batch statistics (training, or no running stats).
  bool useBatchStats = false;
  /// With batch statistics: update `mean` and `var` in place as a training
  /// nn.BatchNorm does (their slots must be mutable), and increment the
  /// int64 `numBatchesTracked` slot when there is one.
  bool updateRunningStats = false;
  int numBatchesTracked = -1;
  /// The exponential average factor; absent is PyTorch's momentum=None, a
  /// cumulative average over num_batches_tracked batches.
  std::optional<double> momentum = 0.1;
};
std::unique_ptr<Kernel> createBatchNormKernel(const BatchNormParams &params);

/// layer_norm over the trailing \p normalizedDims dims.
std::unique_ptr<Kernel> createLayerNormKernel(int input, int weight, int bias,
                                              int output,
                                              int64_t normalizedDims,
                                              double eps);
std::unique_ptr<Kernel> createGroupNormKernel(int input, int weight, int bias,
                                              int output, int64_t numGroups,
                                              double eps);
std::unique_ptr<Kernel> createSoftmaxKernel(int input, int output, int64_t dim);

//===----------------------------------------------------------------------===//
// Pooling, reductions, resampling
//===----------------------------------------------------------------------===//

struct PoolParams {
  int input = -1, output = -1;
  std::vector<int64_t> kernel, stride, padding, dilation;
  bool countIncludePad = true;
  std::optional<int64_t> divisorOverride;
};
std::unique_ptr<Kernel> createMaxPoolKernel(const PoolParams &params);
std::unique_ptr<Kernel> createAvgPoolKernel(const PoolParams &params);
/// Output size is the output slot's spatial shape.
std::unique_ptr<Kernel> createAdaptiveAvgPoolKernel(int input, int output);
/// torch.mean over \p dims (the output slot carries keepdim).
std::unique_ptr<Kernel> createMeanKernel(int input, int output,
                                         std::vector<int64_t> dims);

enum class InterpMode : uint8_t { Nearest, Linear };
/// F.interpolate over the trailing spatial dims (1-3); \p scales are the
/// user's scale factors (empty: derived from the sizes).
std::unique_ptr<Kernel> createInterpolateKernel(int input, int output,
                                                InterpMode mode,
                                                std::vector<double> scales,
                                                bool alignCorners);

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

/// out = in viewed with \p strides (in elements) starting at \p offset; out
/// is contiguous with the output slot's shape. Any element type.
std::unique_ptr<Kernel> createStridedCopyKernel(int input, int output,
                                                std::vector<int64_t> strides,
                                                int64_t offset);
/// Tensor.permute.
std::unique_ptr<Kernel> createPermuteKernel(int input, int output,
                                            std::vector<int64_t> dims);
std::unique_ptr<Kernel> createCatKernel(std::vector<int> inputs, int output,
                                        int64_t dim);
/// F.pad in constant mode on f32: \p begin holds the amount added before
/// each dim (negative crops); the output slot's shape gives the end.
std::unique_ptr<Kernel>
createPadKernel(int input, int output, std::vector<int64_t> begin, float value);
/// Writes the input's shape (or one dim of it) into an int64 slot.
std::unique_ptr<Kernel> createSizeKernel(int input, int output,
                                         std::optional<int64_t> dim);
std::unique_ptr<Kernel> createEmbeddingKernel(int weight, int indices,
                                              int output);
enum class BagMode : uint8_t { Sum, Mean, Max };
struct EmbeddingBagParams {
  int weight = -1, indices = -1, offsets = -1, perSampleWeights = -1,
      output = -1;
  BagMode mode = BagMode::Mean;
  bool includeLastOffset = false;
  std::optional<int64_t> paddingIdx;
};
std::unique_ptr<Kernel>
createEmbeddingBagKernel(const EmbeddingBagParams &params);

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

/// Affine quantization parameters of a quantized slot.
struct QuantSpec {
  /// Quantized axis, or -1 for per-tensor.
  int64_t axis = -1;
  std::vector<float> scales;
  std::vector<int64_t> zeroPoints;
  int64_t qmin = 0, qmax = 255;
};
std::unique_ptr<Kernel> createQuantizeKernel(int input, int output,
                                             QuantSpec spec);
std::unique_ptr<Kernel> createDequantizeKernel(int input, int output,
                                               QuantSpec spec);
std::unique_ptr<Kernel> createRequantizeKernel(int input, int output,
                                               QuantSpec from, QuantSpec to);

/// per_channel_affine_float_qparams along `axis`: float32 scales and zero
/// points, uint8 storage in [0, qmax] (FloatQParamsKernels.cpp).
struct FloatQParamsSpec {
  int64_t axis = 0;
  std::vector<float> scales, zeroPoints;
  int64_t qmax = 255;
};
/// torch.quantize_per_channel with float zero points: float32 slot `input`
/// into uint8 slot `output`.
std::unique_ptr<Kernel> createFloatQParamsQuantizeKernel(int input, int output,
                                                         FloatQParamsSpec spec);
/// Its dequantize: uint8 slot `input` into float32 slot `output`.
std::unique_ptr<Kernel>
createFloatQParamsDequantizeKernel(int input, int output,
                                   FloatQParamsSpec spec);

/// Dynamic quantization (torch.quantize_per_tensor_dynamic): chooses the
/// qparams of float32 slot `input` from its min and max on every run,
/// quantizes it into integer slot `output` (storage range [qmin, qmax],
/// halved first when `reduceRange`) and writes the scale and zero point
/// into `qparams`, a float64 slot of two elements.
std::unique_ptr<Kernel> createDynamicQuantizeKernel(int input, int output,
                                                    int qparams, int64_t qmin,
                                                    int64_t qmax,
                                                    bool reduceRange);
/// Dequantizes integer slot `input` with the scale and zero point a
/// dynamic quantize kernel wrote into `qparams` during the same run.
std::unique_ptr<Kernel> createDynamicDequantizeKernel(int input, int output,
                                                      int qparams);
/// Decomposed dynamic quantization: `choose_qparams` writes the scale and
/// zero point of float32 slot `input` into float64 slot `qparams` (the
/// rules of createDynamicQuantizeKernel), and the quantize kernel quantizes
/// `input` into integer slot `output` with them (clamped to [qmin, qmax]).
std::unique_ptr<Kernel> createChooseQParamsKernel(int input, int qparams,
                                                  int64_t qmin, int64_t qmax,
                                                  bool reduceRange);
std::unique_ptr<Kernel> createQParamsQuantizeKernel(int input, int output,
                                                    int qparams, int64_t qmin,
                                                    int64_t qmax);
/// float16 dynamic quantization (`x.to(torch.float16)`): float32 slot
/// `output` receives `input` rounded to float16 (plans hold float16 values
/// in float32 slots).
std::unique_ptr<Kernel> createRoundToFloat16Kernel(int input, int output);

/// An observer in the graph: updates its statistics, output aliases input.
class ObserverKernel : public Kernel {
public:
  /// `observer` may be shared with other ObserverKernels (observers of one
  /// `qfx.observer_group`, PyTorch's shared observer instance).
  ObserverKernel(int input, std::shared_ptr<rt::Observer> observer);
  Status prepare(Plan &plan) override;
  Status run() override;
  rt::Observer &observer() { return *observer_; }

private:
  int input_;
  rt::TensorView view_;
  std::shared_ptr<rt::Observer> observer_;
};

/// What one torch.ao.quantization.FakeQuantize instance holds: its observer
/// and its scale / zero_point buffers. Kernels share one where PyTorch
/// calls one instance at several places (a `qfx.observer_group`), so that
/// each call updates what the next one sees.
struct FakeQuantizeState {
  std::unique_ptr<rt::Observer> observer;
  std::vector<float> scales;
  std::vector<int64_t> zeroPoints;
  /// per_channel_affine_float_qparams (then zeroPoints is empty).
  std::vector<float> floatZeroPoints;
};

/// torch.ao.quantization.FakeQuantize: observe (when enabled), refresh the
/// qparams, fake-quantize (when enabled).
class FakeQuantizeKernel : public Kernel {
public:
  /// A kernel with a state of its own.
  FakeQuantizeKernel(int input, int output,
                     std::unique_ptr<rt::Observer> observer,
                     bool observerEnabled, bool fakeQuantEnabled,
                     std::vector<float> scales, std::vector<int64_t> zps);
  /// A kernel updating `state`, which other kernels may share.
  FakeQuantizeKernel(int input, int output,
                     std::shared_ptr<FakeQuantizeState> state,
                     bool observerEnabled, bool fakeQuantEnabled);
  Status prepare(Plan &plan) override;
  Status run() override;
  rt::Observer &observer() { return *observer_; }
  const std::vector<float> &scales() const { return scales_; }
  const std::vector<int64_t> &zeroPoints() const { return zeroPoints_; }
  const std::vector<float> &floatZeroPoints() const { return floatZeroPoints_; }
  /// FusedMovingAvgObsFakeQuantize (torch.fused_moving_avg_obs_fake_quant):
  /// with fake quantization enabled the qparams come from the running
  /// min/max through ATen's ChooseQuantizationParams, whether or not the
  /// observer ran; with it disabled they stay as they are.
  void setFusedMovingAverage(bool fused) { fused_ = fused; }

private:
  Status refreshQParams();

  int input_, output_;
  rt::TensorView view_;
  float *out_ = nullptr;
  std::shared_ptr<FakeQuantizeState> state_;
  /// The parts of `state_`.
  std::unique_ptr<rt::Observer> &observer_;
  bool observerEnabled_, fakeQuantEnabled_;
  bool fused_ = false;
  std::vector<float> &scales_;
  std::vector<int64_t> &zeroPoints_;
  std::vector<float> &floatZeroPoints_;
  int64_t outer_ = 1, channels_ = 1, inner_ = 1;
};

//===----------------------------------------------------------------------===//
// Recurrent
//===----------------------------------------------------------------------===//

struct RecurrentParams {
  bool lstm = true;
  int input = -1;
  /// h0 (and c0 for LSTM), or -1 for zeros.
  int h0 = -1, c0 = -1;
  std::vector<int> weights;
  int output = -1, hn = -1, cn = -1;
  int64_t hiddenSize = 0, numLayers = 1;
  bool hasBiases = true, batchFirst = false, bidirectional = false;
};
std::unique_ptr<Kernel> createRecurrentKernel(const RecurrentParams &params);

} // namespace qfx::exec

#endif // QFX_EXECUTOR_KERNELS_H
