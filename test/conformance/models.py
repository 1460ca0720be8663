"""Models for the conformance suite, built at test time with seeded weights.

`MODELS` maps a name to a `Case`: a factory for the module, a factory for
example inputs, export options and the ctest tier ("quick" or "full").
Every model is small except the torchvision ones; weights are random but
seeded (`build(name)` seeds torch before constructing the model).
"""

import collections

import torch
import torch.nn as nn
import torch.nn.functional as F

# generic: the qfx.call targets the model is expected to produce; any
# other generic call means a typed lowering regressed.
Case = collections.namedtuple(
    "Case", ["make_model", "make_inputs", "train", "concrete_args",
             "leaf_modules", "tier", "generic"])


def _case(make_model, make_inputs, train=False, concrete_args=None,
          leaf_modules=(), tier="quick", generic=()):
    return Case(make_model, make_inputs, train, concrete_args, leaf_modules,
                tier, frozenset(generic))


def _img(*shape):
    return lambda: (torch.randn(*shape),)


# ---------------------------------------------------------------------------
# Conv / BN / ReLU
# ---------------------------------------------------------------------------

class ConvBnRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm2d(8)

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(x)))


class Residual(nn.Module):
    """BasicBlock-like: two convs and a skip, operator.add and torch.add."""

    def __init__(self, c=8):
        super().__init__()
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.stem(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        y = y + x
        y = torch.add(y, x)
        y += 1.0
        return self.relu(y)


class Depthwise(nn.Module):
    """MobileNet-style depthwise separable block with ReLU6."""

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.act1 = nn.ReLU6()
        self.pw = nn.Conv2d(8, 16, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.act2 = nn.Hardtanh(-2.0, 2.0)

    def forward(self, x):
        x = self.act1(self.bn1(self.dw(x)))
        x = self.act2(self.bn2(self.pw(x)))
        return F.relu6(x)


class LinearBn1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.bn = nn.BatchNorm1d(32)
        self.fc2 = nn.Linear(32, 4, bias=False)

    def forward(self, x):
        return self.fc2(torch.relu(self.bn(self.fc1(x))))


class CatModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.Conv2d(3, 6, 3, padding=1)

    def forward(self, x):
        y = torch.cat([self.a(x), self.b(x)], dim=1)
        z = torch.cat((y, y), 1)
        return torch.cat([z, x], -3)


class Pools(nn.Module):
    def __init__(self):
        super().__init__()
        self.mp = nn.MaxPool2d(3, stride=2, padding=1)
        self.ap = nn.AvgPool2d(2, ceil_mode=True, count_include_pad=False)
        self.aap = nn.AdaptiveAvgPool2d((2, None))
        self.mp1 = nn.MaxPool1d(2)
        self.ap1 = nn.AvgPool1d(3, stride=1, padding=1)
        self.aap1 = nn.AdaptiveAvgPool1d(3)

    def forward(self, x):
        a = self.mp(x)
        b = self.ap(a)
        c = F.max_pool2d(x, kernel_size=2, stride=2, dilation=1)
        d = F.avg_pool2d(c, 2, divisor_override=3)
        e = F.adaptive_avg_pool2d(d, 1)
        f = self.aap(b)
        s = x.flatten(2)
        g = self.aap1(self.ap1(self.mp1(s)))
        h = F.adaptive_avg_pool1d(F.max_pool1d(s, 2), 2)
        return e, f, g, h


class Pools3d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(2, 4, 3, padding=1)
        self.bn = nn.BatchNorm3d(4)
        self.mp = nn.MaxPool3d(2)
        self.ap = nn.AvgPool3d(2)
        self.aap = nn.AdaptiveAvgPool3d(1)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        return self.aap(self.ap(self.mp(x)))


class Conv1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 5, padding="same", padding_mode="reflect")
        self.bn = nn.BatchNorm1d(8)
        self.conv2 = nn.Conv1d(8, 8, 3, padding="valid", dilation=2)

    def forward(self, x):
        return self.conv2(F.relu(self.bn(self.conv(x))))


class ConvTranspose(nn.Module):
    def __init__(self):
        super().__init__()
        self.up1 = nn.ConvTranspose1d(4, 4, 3, stride=2)
        self.up2 = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
        self.up3 = nn.ConvTranspose3d(2, 2, 2, stride=2, bias=False)
        self.w = nn.Parameter(torch.randn(2, 3, 3, 3))

    def forward(self, x):
        a = self.up1(x.flatten(2))
        b = self.up2(x, output_size=[15, 15])
        c = F.conv_transpose2d(b, self.w, stride=1, padding=1)
        d = self.up3(x.unsqueeze(2)[:, :2])
        return a, c, d


class Reshapes(nn.Module):
    def forward(self, x):
        n = x.size(0)
        y = x.view(n, -1)
        y = y.reshape(n, 2, -1)
        y = torch.reshape(y, (2, -1, 2))
        y = y.permute(0, 2, 1).contiguous()
        y = torch.transpose(y, 1, 2)
        y = y.transpose(0, 1).unsqueeze(0).squeeze(0)
        y = torch.unsqueeze(y, -1).squeeze(-1)
        z = torch.flatten(x, 1)
        w = x[:, 1:3, ..., None]
        v = x[0]
        u = torch.permute(x, [0, 2, 3, 1])
        s = x.size()
        return y, z, w, v, u, z.view(s[0], -1)


class Slicing(nn.Module):
    """torch.chunk / torch.split (static sizes) as qfx.getitem slices,
    Tensor.t as qfx.transpose, tensor basic indexing."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        halves = torch.chunk(x, 2, dim=1)
        rows = x.chunk(3, 0)  # 4 rows in chunks of 2: only two results
        parts = torch.split(x, [1, 3], dim=0)
        cols = x.split(4, -1)
        y = torch.matmul(x, x.t()) + x[:, :4].transpose(0, 1).t()
        z = F.linear(halves[0] * halves[1], self.fc.weight.t()[:3])
        return (rows[1] - rows[0], parts[1][1:, ::2], cols[1], y, z,
                torch.t(x) @ x, self.fc(x)[..., -1], x[None, 1:3, 2])


class CumulativeNorms(nn.Module):
    """momentum=None: running statistics as a cumulative moving average.
    (torch 1.13 runs it only in the BatchNorm modules: F.batch_norm,
    F.instance_norm and InstanceNorm reject momentum=None.)"""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4, momentum=None)
        self.bn1d = nn.BatchNorm1d(4, momentum=None, affine=False)
        self.register_buffer("mean", torch.randn(4))
        self.register_buffer("var", torch.rand(4) + 0.5)

    def forward(self, x):
        x = self.bn(x)
        y = F.batch_norm(x, self.mean, self.var, training=self.training,
                         eps=1e-3)
        return self.bn1d(y.flatten(2))


class FixedQParams(nn.Module):
    def __init__(self):
        super().__init__()
        self.sig = nn.Sigmoid()
        self.tanh = nn.Tanh()
        self.hsig = nn.Hardsigmoid()
        self.soft = nn.Softmax(dim=1)

    def forward(self, x):
        a = self.sig(x) + torch.sigmoid(x) + x.sigmoid()
        b = self.tanh(x) * torch.tanh(x) - x.tanh()
        c = self.hsig(x) / F.hardsigmoid(x)
        d = self.soft(x) + F.softmax(x, dim=-1) + x.softmax(1) + torch.softmax(x, 0)
        return a, b, c, d


class Inner(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        return F.relu(self.conv(x)) * 2.0 + x


class Middle(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()
        self.blocks = nn.Sequential(Inner(), Inner())

    def forward(self, x):
        return torch.sigmoid(self.blocks(self.inner(x)))


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 1)
        self.mid = Middle()
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(4, 2))

    def forward(self, x):
        return self.head(self.mid(self.stem(x)) - 0.5)


class Functional(nn.Module):
    """Functional forms with parameters read through get_attr."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 3, 3, 3))
        self.b = nn.Parameter(torch.randn(4))
        self.fw = nn.Parameter(torch.randn(5, 64))
        self.register_buffer("scale", torch.tensor([0.5, 1.5, 2.0, 3.0]).view(1, 4, 1, 1))

    def forward(self, x):
        y = F.conv2d(x, self.w, self.b, stride=2, padding=1)
        y = torch.mul(y, self.scale)
        y = F.hardtanh(y, -1.0, 1.0) + torch.clamp(y, min=0.0) + y.clamp(-0.5, 0.5)
        y = torch.sub(y, 0.25) / 3
        y = y.div(torch.div(y, 2.0) + 1.0)
        y = 1.0 - y
        y = y.mul(y).add(y).sub(y)
        z = F.linear(y.flatten(1), self.fw)
        m = torch.matmul(z, self.fw) @ self.fw.t()
        return F.relu(z), m


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8, padding_idx=0)
        self.lstm = nn.LSTM(8, 6, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, idx):
        x = self.emb(idx)
        # Python 3.11+ cannot unpack proxies (torch 1.13 inspects bytecode).
        r = self.lstm(x)
        out, h, c = r[0], r[1][0], r[1][1]
        r2 = self.lstm(x, (h, c))
        hc = r2[1]
        return self.fc(out[:, -1]), hc[0] + h, r2[0]


class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 5, bias=False)
        self.fc = nn.Linear(5, 2)

    def forward(self, x, h0):
        r = self.gru(x, h0)
        return self.fc(r[0]), r[1]


class EmbeddingBag(nn.Module):
    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(30, 8, mode="sum")
        self.bag_mean = nn.EmbeddingBag(30, 8, mode="mean", include_last_offset=True)
        self.w = nn.Parameter(torch.randn(30, 4))
        # per_sample_weights: ATen scales rows with a fused multiply-add.
        self.wide = nn.Parameter(torch.randn(30, 37))
        self.register_buffer("sample_weights", torch.randn(10))

    def forward(self, idx, offsets):
        a = self.bag(idx, offsets)
        b = self.bag_mean(idx, offsets)
        c = F.embedding(idx, self.w)
        d = F.embedding_bag(idx, self.w, offsets, mode="max")
        e = F.embedding_bag(idx, self.wide, offsets, mode="sum",
                            per_sample_weights=self.sample_weights)
        return a, b, c, d, e


class NormsActivations(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm([8, 8])
        self.gn = nn.GroupNorm(2, 4)
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.hs = nn.Hardswish()
        self.elu = nn.ELU(alpha=0.5)
        self.lrelu = nn.LeakyReLU(0.2)
        self.gelu = nn.GELU(approximate="tanh")
        self.drop = nn.Dropout(0.25)
        self.ident = nn.Identity()
        self.g = nn.Parameter(torch.randn(4))

    def forward(self, x):
        x = self.gn(self.ln(x))
        x = self.inorm(x)
        x = F.layer_norm(x, (8,), eps=1e-6)
        x = F.group_norm(x, 4, self.g, self.g)
        x = F.instance_norm(x)
        x = self.hs(x) + F.hardswish(x)
        x = self.elu(x) + F.elu(x, 2.0)
        x = self.lrelu(x) + F.leaky_relu(x, 0.1)
        x = self.gelu(x) + F.gelu(x)
        x = self.drop(x) + F.dropout(x, 0.1, self.training)
        return self.ident(x)


class Upsample(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.up_bilinear = nn.UpsamplingBilinear2d(size=(12, 12))

    def forward(self, x):
        a = self.up(x)
        b = self.up_bilinear(x)
        c = F.interpolate(x, size=10, mode="bilinear", align_corners=False)
        d = F.interpolate(x, scale_factor=(1.5, 2.0), mode="nearest")
        return a, b, c, d


class MeanModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        y = self.conv(x)
        return y.mean([2, 3]), torch.mean(y, dim=1, keepdim=True), y.mean()


class Generic(nn.Module):
    """Ops without a typed qfx op: qfx.call, tuple results, int arithmetic."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 6)

    def forward(self, x):
        parts = torch.chunk(x, 2, dim=1)
        a, b = parts[0], parts[1]
        n = x.shape[0] * 2
        s = torch.stack([a, b], dim=0).sum(0)
        t = s.view(n // 2, -1).float()
        top = torch.topk(t, 2, dim=1)
        v, i = top[0], top[1]
        return self.fc(x) + t.max(), v, i, torch.exp(x).to(torch.float64)


class FunctionalForms(nn.Module):
    """The remaining functional / method spellings of typed ops."""

    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(4, 2, 3))
        self.w3 = nn.Parameter(torch.randn(2, 2, 1, 1, 1))
        self.wt = nn.Parameter(torch.randn(2, 3, 2))
        self.register_buffer("mean", torch.randn(2))
        self.register_buffer("var", torch.rand(2) + 0.5)

    def forward(self, x):
        a = F.conv1d(x.flatten(2), self.w1, None, 1, "same")
        a = F.conv_transpose1d(a[:, :2], self.wt, stride=2).relu()
        v = F.conv3d(x.unsqueeze(2), self.w3, padding=0)
        v = F.avg_pool3d(F.max_pool3d(v, (1, 2, 2)), 1)
        v = F.adaptive_avg_pool3d(v, (1, 1, 1)).squeeze()
        b = F.batch_norm(x, self.mean, self.var, eps=1e-3)
        b = F.instance_norm(b, self.mean, self.var, use_input_stats=False)
        b = torch.relu_(torch.clip(b, -1.0, 1.0))
        c = F.avg_pool1d(a, 2) + torch.matmul(a, a.transpose(1, 2)).mean(-1, True)
        return a, v, b.sigmoid().tanh(), c


class TrainMode(ConvBnRelu):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(super().forward(x))


class Specialized(nn.Module):
    """concrete_args and leaf_modules."""

    def __init__(self):
        super().__init__()
        self.block = Inner()
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x, scale=None, relu=True):
        y = self.block(self.conv(x))
        if relu:
            y = F.relu(y)
        return y


def _torchvision(name):
    def make():
        import torchvision
        return getattr(torchvision.models, name)()
    return make


MODELS = {
    "conv_bn_relu": _case(ConvBnRelu, _img(1, 3, 16, 16)),
    "residual": _case(Residual, _img(1, 3, 8, 8)),
    "depthwise": _case(Depthwise, _img(1, 8, 8, 8)),
    "linear_bn1d": _case(LinearBn1d, _img(4, 16)),
    "cat": _case(CatModel, _img(1, 3, 8, 8)),
    "pools": _case(Pools, _img(1, 2, 9, 9)),
    "pools3d": _case(Pools3d, _img(1, 2, 6, 6, 6)),
    "conv1d": _case(Conv1d, _img(2, 4, 16)),
    "conv_transpose": _case(ConvTranspose, _img(1, 4, 8, 8)),
    "reshapes": _case(Reshapes, _img(2, 4, 3, 3), generic=["operator.getitem"]),
    "slicing": _case(Slicing, _img(4, 6)),
    "cumulative_norms": _case(CumulativeNorms, _img(2, 4, 5, 5)),
    "cumulative_norms_train": _case(CumulativeNorms, _img(2, 4, 5, 5), train=True),
    "fixed_qparams": _case(FixedQParams, _img(2, 5)),
    "nested": _case(Nested, _img(1, 3, 8, 8)),
    "functional": _case(Functional, _img(1, 3, 8, 8)),
    "lstm": _case(Lstm, lambda: (torch.randint(0, 20, (2, 5)),)),
    "gru": _case(Gru, lambda: (torch.randn(7, 3, 4), torch.randn(1, 3, 5))),
    "embedding_bag": _case(EmbeddingBag, lambda: (
        torch.randint(0, 30, (10,)), torch.tensor([0, 3, 7]))),
    "norms_activations": _case(NormsActivations, _img(1, 4, 8, 8)),
    "norms_activations_train": _case(NormsActivations, _img(2, 4, 8, 8), train=True),
    "upsample": _case(Upsample, _img(1, 2, 6, 6)),
    "mean": _case(MeanModel, _img(2, 3, 6, 6)),
    "functional_forms": _case(FunctionalForms, _img(2, 2, 4, 4)),
    "generic": _case(Generic, _img(4, 6), generic=[
        "builtins.getattr", "float", "max", "operator.floordiv",
        "operator.getitem", "operator.mul", "sum", "to", "torch.exp",
        "torch.stack", "torch.topk"]),
    "train_mode": _case(TrainMode, _img(2, 3, 8, 8), train=True),
    "specialized": _case(Specialized, _img(1, 4, 4, 4),
                         concrete_args={"scale": None, "relu": True},
                         leaf_modules=("block",), generic=[
                             "models.Inner", "operator.eq", "torch._assert",
                             "torch.fx._symbolic_trace._assert_is_none"]),
    "resnet18": _case(_torchvision("resnet18"), _img(1, 3, 224, 224)),
    "mobilenet_v2": _case(_torchvision("mobilenet_v2"), _img(1, 3, 224, 224)),
    "resnet50": _case(_torchvision("resnet50"), _img(1, 3, 224, 224), tier="full"),
}


def build(name, seed=0):
    """(model, example_inputs, case) for `name`, seeded."""
    case = MODELS[name]
    torch.manual_seed(seed)
    model = case.make_model()
    model.train(case.train)
    inputs = case.make_inputs()
    return model, inputs, case
