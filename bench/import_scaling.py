"""Import scaling: exporting and loading qfx IR grows linearly with size.

    /usr/bin/python3 bench/import_scaling.py --qfx-opt build/bin/qfx-opt

1. resnet50 (torchvision, seeded random weights): time qfx_torch.export to
   .mlir and to .mlirbc (the weights go to a side file that qfx-translate
   attaches while writing bytecode), `qfx-opt` loading each (parse + verify
   + print to /dev/null), and their sum, the end-to-end time; next to it
   PyTorch's own torch.fx.symbolic_trace of the same model in the same run
   (the FX graph the exporter starts from) and the ratio. The machine may
   be shared: CPU seconds (user + sys, this process and its tools) are
   printed next to the wall times.
2. Synthetic graphs of 1k, 10k, 100k FX-node ops, generated directly as
   qfx IR text (conv / batch_norm / relu / add chains with provenance and
   locations, one small parameter per conv), loaded by qfx-opt as text
   and as bytecode. Prints seconds and microseconds per op; linear
   scaling shows as a flat us/op column (ratio ~1.0 between sizes).
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(_ROOT, "python"))


def _cpu():
    """CPU seconds (user + sys) of this process and its waited-for children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total


class _Timer:
    """Wall and CPU seconds of a `with` block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = _cpu() - self.cpu


def _time(cmd):
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit("%s failed:\n%s" % (" ".join(cmd), proc.stderr[-2000:]))
    return elapsed


def _load(qfx_opt, path, repeat):
    """Best of `repeat` loads: (wall, cpu) seconds."""
    best = None
    for _ in range(repeat):
        with _Timer() as t:
            _time([qfx_opt, path, "-o", os.devnull])
        if best is None or t.wall < best[0]:
            best = (t.wall, t.cpu)
    return best


def synthetic_graph(num_ops, f):
    """Write a module with `num_ops` FX-node ops (plus their get_attrs)."""
    c, hw = 4, 4
    t = "tensor<1x%dx%dx%dxf32>" % (c, hw, hw)
    wt = "tensor<%dx%dx1x1xf32>" % (c, c)
    blocks = num_ops // 4
    f.write("module attributes {qfx.training = false} {\n")
    for b in range(blocks):
        f.write('  qfx.parameter @"blocks.%d.conv.weight" parameter = '
                'dense_resource<w%d> : %s loc("blocks.%d.conv.weight")\n' % (b, b, wt, b))
    f.write('  qfx.parameter @"bn.running_mean" buffer = dense<0.0> : tensor<%dxf32>\n' % c)
    f.write('  qfx.parameter @"bn.running_var" buffer = dense<1.0> : tensor<%dxf32>\n' % c)
    f.write('  func.func @forward(%%x: %s {qfx.name = "x"}) -> %s {\n' % (t, t))
    prev = "%x"
    for b in range(blocks):
        m = "blocks.%d" % b
        f.write('    %%w%d = qfx.get_attr @"%s.conv.weight" : %s loc("%s_conv")\n' % (b, m, wt, m))
        f.write('    %%c%d = qfx.conv %s, %%w%d stride = [1, 1] padding = [0, 0] dilation = [1, 1] '
                'groups = 1 {qfx.node = #qfx.node<call_module, "torch.nn.modules.conv.Conv2d", '
                'module = "%s.conv">} : (%s, %s) -> %s loc("%s_conv")\n' % (b, prev, b, m, t, wt, t, m))
        f.write('    %%m%d = qfx.get_attr @"bn.running_mean" : tensor<%dxf32> loc("%s_bn")\n' % (b, c, m))
        f.write('    %%v%d = qfx.get_attr @"bn.running_var" : tensor<%dxf32> loc("%s_bn")\n' % (b, c, m))
        f.write('    %%n%d = qfx.batch_norm %%c%d mean %%m%d var %%v%d eps = 1.0e-05 momentum = 0.1 '
                '{qfx.node = #qfx.node<call_module, "torch.nn.modules.batchnorm.BatchNorm2d", '
                'module = "%s.bn">} : (%s, tensor<%dxf32>, tensor<%dxf32>) -> %s loc("%s_bn")\n'
                % (b, b, b, b, m, t, c, c, t, m))
        f.write('    %%r%d = qfx.relu %%n%d {qfx.node = #qfx.node<call_function, '
                '"torch.nn.functional.relu", module = "%s">} : %s loc("%s_relu")\n' % (b, b, m, t, m))
        f.write('    %%a%d = qfx.add %%r%d, %s {qfx.node = #qfx.node<call_function, "operator.add", '
                'module = "%s">} : (%s, %s) -> %s loc("%s_add")\n' % (b, b, prev, m, t, t, t, m))
        prev = "%%a%d" % b
    f.write("    return %s : %s\n  }\n}\n" % (prev, t))
    f.write("\n{-#\n  dialect_resources: {\n    builtin: {\n")
    blob = "0x04000000" + "0000803F" * (c * c)
    for b in range(blocks):
        f.write('      w%d: "%s"%s\n' % (b, blob, "," if b + 1 < blocks else ""))
    f.write("    }\n  }\n#-}\n")
    return blocks * 4


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--qfx-opt", default=os.environ.get("QFX_OPT"))
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--repeat", type=int, default=3, help="best of N loads")
    p.add_argument("--skip-resnet50", action="store_true")
    args = p.parse_args()
    if not args.qfx_opt:
        raise SystemExit("pass --qfx-opt or set QFX_OPT")
    work = tempfile.mkdtemp(prefix="qfx-bench-")

    if not args.skip_resnet50:
        import torch
        import torchvision
        import qfx_torch
        torch.manual_seed(0)
        model = torchvision.models.resnet50().eval()
        x = torch.randn(1, 3, 224, 224)
        print("resnet50 (%d parameters); wall s (CPU s)" %
              sum(p.numel() for p in model.parameters()))
        trace_s = []
        for _ in range(args.repeat):
            with _Timer() as t:
                torch.fx.symbolic_trace(model)
            trace_s.append(t)
        trace = min(trace_s, key=lambda t: t.wall)
        print("  PyTorch torch.fx.symbolic_trace %6.2f (%5.2f)" % (
            trace.wall, trace.cpu))
        for suffix in (".mlir", ".mlirbc"):
            path = os.path.join(work, "resnet50" + suffix)
            best = None
            for _ in range(args.repeat):
                with _Timer() as t:
                    qfx_torch.export(model, (x,), path, qfx_opt=args.qfx_opt)
                if best is None or t.wall < best.wall:
                    best = t
            load_s, load_cpu = _load(args.qfx_opt, path, args.repeat)
            total = best.wall + load_s
            print("  %-7s export %6.2f (%5.2f)  qfx-opt load %6.2f (%5.2f)  "
                  "end to end %6.2f (%5.2f)  %5.1f x symbolic_trace  (%5.1f MB)"
                  % (suffix, best.wall, best.cpu, load_s, load_cpu, total,
                     best.cpu + load_cpu, total / trace.wall,
                     os.path.getsize(path) / 1e6))
            os.unlink(path)

    print("synthetic graphs (conv/batch_norm/relu/add blocks)")
    print("  %8s  %9s %9s  %9s %9s  %7s" % ("ops", "text s", "us/op", "mlirbc s",
                                             "us/op", "ratio"))
    prev = None
    for size in (int(s) for s in args.sizes.split(",")):
        path = os.path.join(work, "synthetic_%d.mlir" % size)
        with open(path, "w") as f:
            ops = synthetic_graph(size, f)
        bc = path + "bc"
        _time([args.qfx_opt, path, "--emit-bytecode", "-o", bc])
        text_s = _load(args.qfx_opt, path, args.repeat)[0]
        bc_s = _load(args.qfx_opt, bc, args.repeat)[0]
        per_op = text_s / ops * 1e6
        ratio = "" if prev is None else "%.2f" % (per_op / prev)
        print("  %8d  %9.3f %9.2f  %9.3f %9.2f  %7s" % (
            ops, text_s, per_op, bc_s, bc_s / ops * 1e6, ratio))
        prev = per_op
        os.unlink(path)
        os.unlink(bc)
    os.rmdir(work)
    print("ratio = us/op relative to the previous size (1.0 = linear)")


if __name__ == "__main__":
    main()
