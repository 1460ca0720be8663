"""Writes PyTorch 1.13 reference quantized models (convert_to_reference_fx) as
qfx reference IR (docs/design.md stage 5): quantize -> dequantize around float
ops, weights quantize -> dequantize per channel.

It writes PyTorch's own reference model (not qfx's `--qfx-convert` of it),
so that lowering is checked against PyTorch alone. It covers the node kinds
of torchvision resnet18 / mobilenet_v2 and small op models: conv1d/2d/3d
(+relu) with groups, conv_transpose2d, linear(+relu), add / mul (+relu), relu, ReLU6 / hardtanh,
hardswish, sigmoid, tanh, hardsigmoid, softmax, dropout, identity, max pool,
(adaptive) average pool, flatten, reshape / view, cat, eval batch norm
(+relu) and layer norm.
"""

import operator

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def _f(v):
    return "%.9g" % float(np.float32(v))


def _shape(t):
    return "x".join(str(d) for d in t.shape)


def _ftype(t):
    return "tensor<%sxf32>" % _shape(t)


def _dense(t):
    a = np.ascontiguousarray(t.detach().numpy().astype(np.float32))
    return 'dense<"0x%s"> : %s' % (a.tobytes().hex().upper(), _ftype(t))


class Emitter:
    def __init__(self, gm, example):
        self.gm = gm
        self.example = example
        self.lines = []
        self.params = []
        self.vals = {}
        self.types = {}
        self.n = 0
        self.quantized_outputs = []  # (qfx value, scale) of every quantize

    def fresh(self):
        self.n += 1
        return "%%v%d" % self.n

    def emit(self, text):
        self.lines.append("    " + text)

    def param(self, name, t):
        sym = name
        self.params.append('  qfx.parameter @"%s" parameter = %s' % (sym, _dense(t)))
        return sym

    def qtype(self, shape, scale, zp):
        return "tensor<%sx!quant.uniform<u8:f32, %s:%d>>" % (
            "x".join(map(str, shape)), _f(scale), zp)

    def weight(self, prefix, mod):
        w = mod.weight.detach()
        scales = mod.weight_scale.detach().reshape(-1).tolist()
        zps = mod.weight_zero_point.detach().reshape(-1).tolist()
        if any(z != 0 for z in zps):
            raise NotImplementedError("affine weights")
        if mod.weight_qscheme in (torch.per_channel_affine,
                                  torch.per_channel_symmetric):
            qt = "!quant.uniform<i8:f32:0, {%s}>" % ", ".join(map(_f, scales))
        else:
            qt = "!quant.uniform<i8:f32, %s>" % _f(scales[0])
        sym = self.param(prefix + ".weight", w)
        g, q, d = self.fresh(), self.fresh(), self.fresh()
        ft = _ftype(w)
        qtt = "tensor<%sx%s>" % (_shape(w), qt)
        self.emit('%s = qfx.get_attr @"%s" : %s' % (g, sym, ft))
        self.emit("%s = qfx.quantize %s : %s -> %s" % (q, g, ft, qtt))
        self.emit("%s = qfx.dequantize %s : %s -> %s" % (d, q, qtt, ft))
        b = None
        if mod.bias is not None:
            bsym = self.param(prefix + ".bias", mod.bias.detach())
            b = self.fresh()
            self.emit('%s = qfx.get_attr @"%s" : %s' % (b, bsym, _ftype(mod.bias)))
        return d, b

    def weighted(self, node, mod, x, out):
        relu = False
        if isinstance(mod, nn.Sequential) or type(mod).__name__ in (
                "ConvReLU1d", "ConvReLU2d", "ConvReLU3d", "LinearReLU"):
            mod, relu = mod[0], True
        d, b = self.weighted_ops(node.target, mod)
        r = self.fresh()
        xt = self.types[node.args[0]]
        ins = "%s, %s%s" % (x, d, (", " + b) if b else "")
        tys = "%s, %s%s" % (xt, _ftype(mod.weight), (", " + _ftype(mod.bias)) if b else "")
        if isinstance(mod, nn.Conv1d):
            self.emit("%s = qfx.conv %s stride = [%d] padding = [%d] "
                      "dilation = [%d] groups = %d : (%s) -> %s" % (
                          r, ins, *mod.stride, *mod.padding, *mod.dilation,
                          mod.groups, tys, _ftype(out)))
        elif isinstance(mod, nn.Conv2d):
            self.emit("%s = qfx.conv %s stride = [%d, %d] padding = [%d, %d] "
                      "dilation = [%d, %d] groups = %d : (%s) -> %s" % (
                          r, ins, *mod.stride, *mod.padding, *mod.dilation,
                          mod.groups, tys, _ftype(out)))
        elif isinstance(mod, nn.Conv3d):
            self.emit("%s = qfx.conv %s stride = [%d, %d, %d] "
                      "padding = [%d, %d, %d] dilation = [%d, %d, %d] "
                      "groups = %d : (%s) -> %s" % (
                          r, ins, *mod.stride, *mod.padding, *mod.dilation,
                          mod.groups, tys, _ftype(out)))
        elif isinstance(mod, nn.ConvTranspose2d):
            self.emit("%s = qfx.conv_transpose %s stride = [%d, %d] "
                      "padding = [%d, %d] output_padding = [%d, %d] "
                      "dilation = [%d, %d] groups = %d : (%s) -> %s" % (
                          r, ins, *mod.stride, *mod.padding, *mod.output_padding,
                          *mod.dilation, mod.groups, tys, _ftype(out)))
        else:
            self.emit("%s = qfx.linear %s : (%s) -> %s" % (r, ins, tys, _ftype(out)))
        if relu:
            r2 = self.fresh()
            self.emit("%s = qfx.relu %s : %s" % (r2, r, _ftype(out)))
            r = r2
        return r

    def get_param(self, name, t):
        """A get_attr of a float parameter (None for None)."""
        if t is None:
            return None, None
        sym = self.param(name, t.detach())
        g = self.fresh()
        self.emit('%s = qfx.get_attr @"%s" : %s' % (g, sym, _ftype(t)))
        return g, _ftype(t)

    def norm(self, v, node, mod, x, xt, out):
        """Eval batch norm (+relu for BNReLU2d/3d) and layer norm."""
        relu = type(mod).__name__ in ("BNReLU2d", "BNReLU3d")
        if relu:
            mod = mod[0]
        prefix = str(node.target)
        if isinstance(mod, nn.LayerNorm):
            names = [("weight", mod.weight), ("bias", mod.bias)]
        else:
            names = [("weight", mod.weight), ("bias", mod.bias),
                     ("mean", mod.running_mean), ("var", mod.running_var)]
        pieces, tys = [], [xt]
        for key, t in names:
            g, ty = self.get_param("%s.%s" % (prefix, {"mean": "running_mean", "var": "running_var"}.get(key, key)), t)
            if g:
                pieces.append("%s %s" % (key, g))
                tys.append(ty)
        r = self.fresh() if relu else v
        if isinstance(mod, nn.LayerNorm):
            self.emit("%s = qfx.layer_norm %s %s normalized_shape = [%s] eps = %s : (%s) -> %s" % (
                r, x, " ".join(pieces), ", ".join(map(str, mod.normalized_shape)),
                "%.17e" % mod.eps, ", ".join(tys), _ftype(out)))
        else:
            self.emit("%s = qfx.batch_norm %s %s eps = %s momentum = %s : (%s) -> %s" % (
                r, x, " ".join(pieces), "%.17e" % mod.eps, "%.17e" % mod.momentum,
                ", ".join(tys), _ftype(out)))
        if relu:
            self.emit("%s = qfx.relu %s : %s" % (v, r, _ftype(out)))

    def hardtanh(self, v, x, lo, hi, out):
        self.emit("%s = qfx.hardtanh %s min_val = %s max_val = %s : %s" % (
            v, x, repr(float(lo)), repr(float(hi)), _ftype(out)))

    def weighted_ops(self, target, mod):
        return self.weight(str(target), mod)

    def run(self):
        from torch.fx.interpreter import Interpreter
        gm = self.gm
        env = {}

        class Rec(Interpreter):
            def run_node(s, n):
                v = super().run_node(n)
                env[n] = v
                return v
        Rec(gm).run(self.example)
        args = []
        for node in gm.graph.nodes:
            out = env.get(node)
            if node.op == "placeholder":
                v = "%%%s" % node.name
                args.append("%s: %s" % (v, _ftype(out)))
                self.vals[node], self.types[node] = v, _ftype(out)
            elif node.op == "get_attr":
                continue
            elif node.op == "call_function" and node.target is torch.quantize_per_tensor:
                x = self.vals[node.args[0]]
                scale = float(getattr(gm, node.args[1].target))
                zp = int(getattr(gm, node.args[2].target))
                qt = self.qtype(out.shape, scale, zp)
                v = self.fresh()
                self.emit("%s = qfx.quantize %s : %s -> %s" % (
                    v, x, self.types[node.args[0]], qt))
                self.vals[node], self.types[node] = v, qt
                self.quantized_outputs.append((node.name, v, qt, scale, zp))
            elif node.op == "call_method" and node.target == "dequantize":
                x = self.vals[node.args[0]]
                v = self.fresh()
                self.emit("%s = qfx.dequantize %s : %s -> %s" % (
                    v, x, self.types[node.args[0]], _ftype(out)))
                self.vals[node], self.types[node] = v, _ftype(out)
            elif node.op == "call_module":
                mod = gm.get_submodule(node.target)
                x = self.vals[node.args[0]]
                xt = self.types[node.args[0]]
                v = self.fresh()
                if type(mod).__name__ in ("ConvReLU1d", "ConvReLU2d", "ConvReLU3d", "LinearReLU",
                                          "Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d",
                                          "Linear"):
                    v = self.weighted(node, mod, x, out)
                elif isinstance(mod, (nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm)) or \
                        type(mod).__name__ in ("BNReLU2d", "BNReLU3d"):
                    self.norm(v, node, mod, x, xt, out)
                elif isinstance(mod, nn.ReLU):
                    self.emit("%s = qfx.relu %s : %s" % (v, x, _ftype(out)))
                elif isinstance(mod, nn.Hardtanh):  # ReLU6 too
                    self.hardtanh(v, x, mod.min_val, mod.max_val, out)
                elif isinstance(mod, (nn.Sigmoid, nn.Tanh, nn.Hardsigmoid)):
                    self.emit("%s = qfx.%s %s : %s" % (
                        v, type(mod).__name__.lower(), x, _ftype(out)))
                elif isinstance(mod, nn.Softmax):
                    self.emit("%s = qfx.softmax %s dim = %d : %s" % (v, x, mod.dim, _ftype(out)))
                elif isinstance(mod, nn.Dropout):
                    self.emit("%s = qfx.dropout %s p = %s : %s" % (v, x, _f(mod.p), _ftype(out)))
                elif isinstance(mod, nn.Identity):
                    self.emit("%s = qfx.identity %s : %s" % (v, x, _ftype(out)))
                elif isinstance(mod, nn.Hardswish):
                    self.emit("%s = qfx.hardswish %s : %s" % (v, x, _ftype(out)))
                elif isinstance(mod, nn.MaxPool2d):
                    k = mod.kernel_size if isinstance(mod.kernel_size, tuple) else (mod.kernel_size,) * 2
                    s = mod.stride if isinstance(mod.stride, tuple) else (mod.stride,) * 2
                    p = mod.padding if isinstance(mod.padding, tuple) else (mod.padding,) * 2
                    d = mod.dilation if isinstance(mod.dilation, tuple) else (mod.dilation,) * 2
                    self.emit("%s = qfx.max_pool %s kernel_size = [%d, %d] stride = [%d, %d] "
                              "padding = [%d, %d] dilation = [%d, %d] : (%s) -> %s" % (
                                  v, x, *k, *s, *p, *d, xt, _ftype(out)))
                elif isinstance(mod, nn.AdaptiveAvgPool2d):
                    self.emit("%s = qfx.adaptive_avg_pool %s output_size = [%d, %d] : (%s) -> %s" % (
                        v, x, out.shape[2], out.shape[3], xt, _ftype(out)))
                else:
                    raise NotImplementedError(type(mod))
                self.vals[node], self.types[node] = v, _ftype(out)
            elif node.op == "call_function":
                v = self.fresh()
                t = node.target
                if t in (operator.add, torch.add, operator.mul, torch.mul):
                    a, b = self.vals[node.args[0]], self.vals[node.args[1]]
                    op = "add" if t in (operator.add, torch.add) else "mul"
                    self.emit("%s = qfx.%s %s, %s : (%s, %s) -> %s" % (
                        v, op, a, b, self.types[node.args[0]], self.types[node.args[1]], _ftype(out)))
                elif t in (F.relu6, F.hardtanh):
                    lo, hi = (0.0, 6.0) if t is F.relu6 else (
                        node.kwargs.get("min_val", -1.0), node.kwargs.get("max_val", 1.0))
                    self.hardtanh(v, self.vals[node.args[0]], lo, hi, out)
                elif t in (torch.sigmoid, torch.tanh, F.hardsigmoid):
                    self.emit("%s = qfx.%s %s : %s" % (
                        v, t.__name__, self.vals[node.args[0]], _ftype(out)))
                elif t is torch.cat:
                    xs = node.args[0]
                    dim = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
                    self.emit("%s = qfx.cat %s dim = %d : (%s) -> %s" % (
                        v, ", ".join(self.vals[a] for a in xs), dim,
                        ", ".join(self.types[a] for a in xs), _ftype(out)))
                elif t is F.adaptive_avg_pool2d:
                    self.emit("%s = qfx.adaptive_avg_pool %s output_size = [%d, %d] : (%s) -> %s" % (
                        v, self.vals[node.args[0]], out.shape[2], out.shape[3],
                        self.types[node.args[0]], _ftype(out)))
                elif t in (F.relu, torch.relu):
                    self.emit("%s = qfx.relu %s : %s" % (v, self.vals[node.args[0]], _ftype(out)))
                elif t is torch.flatten:
                    self.emit("%s = qfx.flatten %s start_dim = %d end_dim = -1 : (%s) -> %s" % (
                        v, self.vals[node.args[0]], node.args[1],
                        self.types[node.args[0]], _ftype(out)))
                else:
                    raise NotImplementedError(t)
                self.vals[node], self.types[node] = v, _ftype(out)
            elif node.op == "call_method" and node.target in ("reshape", "view"):
                v = self.fresh()
                shape = node.args[1:] if not isinstance(node.args[1], (tuple, list)) else node.args[1]
                self.emit("%s = qfx.reshape %s shape = [%s] : (%s) -> %s" % (
                    v, self.vals[node.args[0]], ", ".join(str(int(d)) for d in shape),
                    self.types[node.args[0]], _ftype(out)))
                self.vals[node], self.types[node] = v, _ftype(out)
            elif node.op == "output":
                outs = node.args[0]
                self.final = self.vals[outs]
                self.final_type = self.types[outs]
        return args, env

    def module_text(self, all_quantized):
        args, env = self.run()
        rets, rtys = [self.final], [self.final_type]
        if all_quantized:
            for name, v, qt, scale, zp in self.quantized_outputs:
                d = self.fresh()
                ft = "tensor<%sxf32>" % qt[len("tensor<"):qt.index("x!")]
                self.emit("%s = qfx.dequantize %s : %s -> %s" % (d, v, qt, ft))
                rets.append(d)
                rtys.append(ft)
        body = "\n".join(self.lines)
        return ("module attributes {qfx.training = false} {\n%s\n"
                "  func.func @forward(%s) -> (%s) {\n%s\n    return %s : %s\n  }\n}\n" % (
                    "\n".join(self.params), ", ".join(args), ", ".join(rtys),
                    body, ", ".join(rets), ", ".join(rtys))), env


def reference_ir(ref_model, example, all_quantized=False):
    """(IR text, {node: value} of PyTorch's reference model, quantize nodes)."""
    e = Emitter(ref_model, example)
    text, env = e.module_text(all_quantized)
    return text, env, e.quantized_outputs
