//===- qfx-run.cpp - Run and calibrate qfx graphs on the CPU --------------===//
//
// Part of the qfx project, under the Apache License v2.0 with LLVM Exceptions.
// See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
//   qfx-run model.mlir --input x.npy -o out.npy
//   qfx-run model.mlir --input inputs.npz -o outs.npz
//   qfx-run prepared.mlir --calibrate calib.npy [--batches N] [--reset]
//           -o calibrated.mlir
//
// An input array of shape [B, *example_shape] means B runs; outputs are then
// stacked the same way. An array of exactly the example shape is one run.
//
//===----------------------------------------------------------------------===//

#include "qfx/Dialect/QFX/QFXDialect.h"
#include "qfx/Dialect/QFX/QFXOps.h"
#include "qfx/Dialect/QFXK/QFXKDialect.h"
#include "qfx/Executor/Kernels.h"
#include "qfx/Executor/Npy.h"
#include "qfx/Loader/Loader.h"
#include "qfx/Support/HugePages.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <ctime>
#include <unistd.h>

using namespace mlir;
using namespace qfx;
using namespace qfx::exec;
namespace cl = llvm::cl;

static cl::OptionCategory runCat("qfx-run options");
static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::Required, cl::cat(runCat));
static cl::opt<std::string>
    inputPath("input",
              cl::desc("input .npy (one placeholder) or .npz (keyed "
                       "by placeholder name)"),
              cl::value_desc("file"), cl::cat(runCat));
static cl::opt<std::string>
    outputPath("o",
               cl::desc("output .npy/.npz, or the calibrated model "
                        "(.mlir text, .mlirbc bytecode)"),
               cl::value_desc("file"), cl::cat(runCat));
static cl::opt<std::string>
    calibratePath("calibrate",
                  cl::desc("calibration data (.npy or .npz); writes the "
                           "calibrated model to -o"),
                  cl::value_desc("file"), cl::cat(runCat));
static cl::opt<int64_t>
    maxBatches("batches", cl::desc("use at most N calibration batches"),
               cl::init(-1), cl::cat(runCat));
static cl::opt<bool> resetStats("reset",
                                cl::desc("forget the observers' previous "
                                         "statistics before calibrating"),
                                cl::cat(runCat));
static cl::opt<int> numThreads("threads",
                               cl::desc("CPU threads (default: all cores)"),
                               cl::init(0), cl::cat(runCat));
static cl::opt<int> torchThreads(
    "torch-threads",
    cl::desc("reproduce the float convolution algorithms PyTorch picks when "
             "it runs with N intra-op threads (default 1)"),
    cl::init(1), cl::cat(runCat));
static cl::opt<std::string> entryName("entry", cl::desc("function to run"),
                                      cl::init("forward"), cl::cat(runCat));
static cl::opt<bool> printTiming(
    "time",
    cl::desc("print the wall-clock and CPU time per run (per batch with "
             "--calibrate) to stderr"),
    cl::cat(runCat));

static cl::opt<bool> profile("profile",
                             cl::desc("print per kernel the implementation "
                                      "that ran and its mean time to stderr"),
                             cl::cat(runCat));

/// Runs the plan kernel by kernel, accumulating the time of each.
static Status runProfiled(Plan &plan, std::vector<double> &ms) {
  ms.resize(plan.numKernels(), 0.0);
  for (size_t i = 0; i < plan.numKernels(); ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (Status s = plan.kernel(i).run(); s.failed())
      return Status::error(plan.kernel(i).label() + ": " + s.message());
    ms[i] += std::chrono::duration<double, std::milli>(
                 std::chrono::steady_clock::now() - t0)
                 .count();
  }
  return Status::success();
}

/// CPU time of the process (all threads) in milliseconds.
static double processCpuMs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int fail(const std::string &msg) {
  llvm::errs() << "qfx-run: error: " << msg << "\n";
  return 1;
}

static bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

/// One array per graph input, in placeholder order, and the number of runs.
struct Batches {
  std::vector<NpyArray> arrays;
  int64_t runs = 1;
  bool stacked = false;
};

static Expected<Batches> loadInputs(const std::string &path,
                                    const std::vector<TensorInfo> &inputs) {
  Batches b;
  if (endsWith(path, ".npz")) {
    auto npz = readNpz(path);
    if (npz.failed())
      return npz.status();
    for (const TensorInfo &in : inputs) {
      auto it = std::find_if(npz->begin(), npz->end(),
                             [&](auto &kv) { return kv.first == in.name; });
      if (it == npz->end()) {
        std::string keys;
        for (auto &kv : *npz)
          keys += (keys.empty() ? "" : ", ") + kv.first;
        return Status::error(path + ": no array for placeholder '" + in.name +
                             "' (arrays: " + keys + ")");
      }
      b.arrays.push_back(std::move(it->second));
    }
  } else {
    if (inputs.size() != 1) {
      std::string names;
      for (auto &in : inputs)
        names += (names.empty() ? "" : ", ") + in.name;
      return Status::error("the graph has " + std::to_string(inputs.size()) +
                           " inputs (" + names +
                           "); pass an .npz keyed by placeholder name");
    }
    auto arr = readNpy(path);
    if (arr.failed())
      return arr.status();
    b.arrays.push_back(arr.take());
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo &in = inputs[i];
    const NpyArray &a = b.arrays[i];
    if (a.type != in.type)
      return Status::error("input '" + in.name + "' has dtype " +
                           elemTypeName(a.type) + " but the graph expects " +
                           elemTypeName(in.type) + " (qfx never casts)");
    bool exact = a.shape == in.shape;
    bool stacked =
        a.shape.size() == in.shape.size() + 1 &&
        std::equal(in.shape.begin(), in.shape.end(), a.shape.begin() + 1);
    if (!exact && !stacked)
      return Status::error("input '" + in.name + "' has shape " +
                           shapeToString(a.shape) + " but the graph expects " +
                           shapeToString(in.shape) + " or [B, " +
                           shapeToString(in.shape).substr(1));
    int64_t runs = exact ? 1 : a.shape[0];
    if (i == 0) {
      b.stacked = !exact;
      b.runs = runs;
    } else if (b.stacked != !exact || b.runs != runs) {
      return Status::error("input '" + in.name +
                           "' is batched differently from '" + inputs[0].name +
                           "'");
    }
  }
  return b;
}

static void copyRunInputs(Plan &plan, const Batches &b, int64_t run) {
  for (size_t i = 0; i < b.arrays.size(); ++i) {
    const Slot &s = plan.slot(plan.inputs()[i]);
    size_t bytes = s.sizeInBytes();
    std::memcpy(plan.data(plan.inputs()[i]),
                b.arrays[i].bytes.data() + (b.stacked ? run * bytes : 0),
                bytes);
  }
}

class Progress {
public:
  Progress(int64_t total) : total_(total), tty_(::isatty(2)) {}
  void update(int64_t done) {
    if (!tty_)
      return;
    const int width = 30;
    int filled = total_ ? static_cast<int>(width * done / total_) : width;
    llvm::errs() << "\rcalibrating [" << std::string(filled, '#')
                 << std::string(width - filled, '.') << "] " << done << "/"
                 << total_;
    llvm::errs().flush();
  }
  void finish(int64_t done, size_t observers) {
    if (tty_)
      llvm::errs() << "\n";
    llvm::errs() << "calibrated " << done << " batch" << (done == 1 ? "" : "es")
                 << " through " << observers << " observer"
                 << (observers == 1 ? "" : "s") << "\n";
  }

private:
  int64_t total_;
  bool tty_;
};

static int runModel(LoadedModel &model) {
  Plan &plan = model.plan();
  if (inputPath.empty() && !model.inputs().empty())
    return fail("--input is required (the graph has inputs)");
  Batches b;
  if (!inputPath.empty()) {
    auto loaded = loadInputs(inputPath, model.inputs());
    if (loaded.failed())
      return fail(loaded.message());
    b = loaded.take();
  }
  const auto &outs = model.outputs();
  std::vector<NpyArray> results;
  for (const TensorInfo &o : outs) {
    Shape s = o.shape;
    if (b.stacked)
      s.insert(s.begin(), b.runs);
    results.push_back(NpyArray::zeros(o.type, s));
  }
  std::vector<double> kernelMs;
  auto start = std::chrono::steady_clock::now();
  const double startCpu = processCpuMs();
  for (int64_t r = 0; r < b.runs; ++r) {
    copyRunInputs(plan, b, r);
    if (Status s = profile ? runProfiled(plan, kernelMs) : plan.run();
        s.failed())
      return fail(s.message());
    for (size_t i = 0; i < outs.size(); ++i) {
      const Slot &s = plan.slot(plan.outputs()[i]);
      std::memcpy(results[i].bytes.data() + r * s.sizeInBytes(),
                  plan.data(plan.outputs()[i]), s.sizeInBytes());
    }
  }
  if (profile) {
    double total = 0;
    for (double t : kernelMs)
      total += t;
    int64_t runs = std::max<int64_t>(b.runs, 1);
    llvm::errs() << "qfx-run: profile (mean over " << runs << " run(s))\n";
    for (size_t i = 0; i < kernelMs.size(); ++i) {
      Kernel &k = plan.kernel(i);
      llvm::errs() << llvm::format("%9.3f ms  %5.1f%%  ", kernelMs[i] / runs,
                                   total > 0 ? 100.0 * kernelMs[i] / total
                                             : 0.0)
                   << (k.label().empty() ? "?" : k.label());
      std::string impl = k.implName();
      if (!impl.empty())
        llvm::errs() << "  [" << impl << "]";
      llvm::errs() << "\n";
    }
    llvm::errs() << llvm::format("%9.3f ms  total\n", total / runs);
  }
  if (printTiming) {
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    // CPU time (all threads) too: on a shared machine it is the steadier
    // number.
    const int64_t runs = std::max<int64_t>(b.runs, 1);
    llvm::errs() << "qfx-run: " << b.runs << " run(s), "
                 << llvm::format("%.3f", ms / runs) << " ms per run, "
                 << llvm::format("%.3f", (processCpuMs() - startCpu) / runs)
                 << " ms CPU per run, malloc: " << qfx::mallocName() << "\n";
  }
  if (outputPath.empty()) {
    for (size_t i = 0; i < outs.size(); ++i)
      llvm::outs() << "output " << i << ": " << elemTypeName(outs[i].type)
                   << " " << shapeToString(results[i].shape) << "\n";
    return 0;
  }
  if (endsWith(outputPath, ".npz")) {
    NpzArrays arrays;
    for (size_t i = 0; i < results.size(); ++i)
      arrays.emplace_back(std::to_string(i), std::move(results[i]));
    if (Status s = writeNpz(outputPath, arrays); s.failed())
      return fail(s.message());
    return 0;
  }
  if (results.size() != 1)
    return fail("the graph has " + std::to_string(results.size()) +
                " outputs; write them to an .npz");
  if (Status s = writeNpy(outputPath, results[0]); s.failed())
    return fail(s.message());
  return 0;
}

static int calibrate(LoadedModel &model, ModuleOp module) {
  if (outputPath.empty())
    return fail("--calibrate needs -o <calibrated.mlir>");
  if (!inputPath.empty())
    return fail("--input and --calibrate are exclusive");
  auto loaded = loadInputs(calibratePath, model.inputs());
  if (loaded.failed())
    return fail(loaded.message());
  Batches b = loaded.take();
  int64_t runs = b.runs;
  if (maxBatches >= 0)
    runs = std::min<int64_t>(runs, maxBatches);
  if (resetStats)
    model.resetObservers();
  Progress progress(runs);
  auto start = std::chrono::steady_clock::now();
  for (int64_t r = 0; r < runs; ++r) {
    copyRunInputs(model.plan(), b, r);
    if (Status s = model.plan().run(); s.failed()) {
      if (::isatty(2))
        llvm::errs() << "\n";
      return fail("calibration batch " + std::to_string(r) + ": " +
                  s.message());
    }
    progress.update(r + 1);
  }
  progress.finish(runs, model.numObservers());
  if (printTiming && runs > 0) {
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    llvm::errs() << llvm::format("qfx-run: %.3f ms per calibration batch "
                                 "(%lld batches)\n",
                                 ms / runs, static_cast<long long>(runs));
  }
  model.writeBackState();
  if (failed(verify(module)))
    return fail("the calibrated module does not verify");
  std::string buffer;
  llvm::raw_string_ostream os(buffer);
  if (endsWith(outputPath, ".mlirbc")) {
    if (failed(writeBytecodeToFile(module, os)))
      return fail("cannot serialise bytecode");
  } else {
    module->print(os);
  }
  os.flush();
  if (Status s = writeFileAtomically(outputPath, buffer); s.failed())
    return fail(s.message());
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  cl::HideUnrelatedOptions(runCat);
  cl::ParseCommandLineOptions(argc, argv,
                              "qfx-run: execute and calibrate qfx graphs\n");
  // Before the model is read: a big model runs on huge pages.
  qfx::reexecWithHugePages(modelPath, argv, qfx::kHugePagesMinModelBytes);
  if (numThreads > 0)
    setNumThreads(numThreads);
  if (torchThreads < 1) {
    llvm::errs() << "qfx-run: --torch-threads must be at least 1\n";
    return 1;
  }
  setTorchThreads(torchThreads);

  DialectRegistry registry;
  registry.insert<QFXDialect, kernels::QFXKDialect, func::FuncDialect,
                  quant::QuantDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(modelPath, sourceMgr, &context);
  if (!module)
    return fail("cannot load '" + modelPath + "'");

  LoadOptions options;
  options.entry = entryName.getValue();
  auto model = loadModel(*module, options);
  if (model.failed())
    return fail(model.message());
  if (!calibratePath.empty())
    return calibrate(**model, *module);
  return runModel(**model);
}
