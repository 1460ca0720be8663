#!/usr/bin/env python3
"""Writes the tiny ONNX models of the importer's lit tests.

    make_models.py <out-dir> <name>...

/usr/bin/python3 has neither the `onnx` nor the `protobuf` module, so this
encodes ModelProto in the protobuf wire format directly (field numbers from
onnx/onnx.proto). Node names follow torch.onnx's scope convention.
"""

import os
import struct
import sys

FLOAT, UINT8, INT8, INT32, INT64, STRING = 1, 2, 3, 6, 7, 8


# --- wire format -------------------------------------------------------------

def varint(v):
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(num, wire):
    return varint((num << 3) | wire)


def f_int(num, v):
    return key(num, 0) + varint(v)


def f_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return key(num, 2) + varint(len(data)) + data


def f_float(num, v):
    return key(num, 5) + struct.pack("<f", v)


# --- ONNX messages -------------------------------------------------------------

def tensor(name, dtype, dims, raw=None, floats=None, ints=None, external=None):
    out = b"".join(f_int(1, d) for d in dims) + f_int(2, dtype)
    if floats is not None:
        out += b"".join(f_float(4, v) for v in floats)
    if ints is not None:
        out += b"".join(f_int(7, v) for v in ints)
    out += f_bytes(8, name)
    if raw is not None:
        out += f_bytes(9, raw)
    if external is not None:
        for k, v in external.items():
            out += f_bytes(13, f_bytes(1, k) + f_bytes(2, str(v)))
        out += f_int(14, 1)
    return out


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def i64(values):
    return struct.pack("<%dq" % len(values), *values)


def attr(name, value):
    out = f_bytes(1, name)
    if isinstance(value, float):
        return out + f_float(2, value) + f_int(20, 1)
    if isinstance(value, int):
        return out + f_int(3, value) + f_int(20, 2)
    if isinstance(value, str):
        return out + f_bytes(4, value) + f_int(20, 3)
    if isinstance(value, bytes):  # an encoded TensorProto
        return out + f_bytes(5, value) + f_int(20, 4)
    if isinstance(value, list) and all(isinstance(v, float) for v in value):
        return out + b"".join(f_float(7, v) for v in value) + f_int(20, 6)
    if isinstance(value, list):
        return out + b"".join(f_int(8, v) for v in value) + f_int(20, 7)
    raise TypeError(value)


def node(op, inputs, outputs, name, **attrs):
    out = b"".join(f_bytes(1, i) for i in inputs)
    out += b"".join(f_bytes(2, o) for o in outputs)
    out += f_bytes(3, name) + f_bytes(4, op)
    out += b"".join(f_bytes(5, attr(k, v)) for k, v in attrs.items())
    return out


def value_info(name, dtype, dims):
    if dims is None:  # type without a shape: left to shape inference
        return f_bytes(1, name) + f_bytes(2, f_bytes(1, f_int(1, dtype)))
    shape = b"".join(f_bytes(1, f_int(1, d) if isinstance(d, int)
                             else f_bytes(2, d)) for d in dims)
    ttype = f_int(1, dtype) + f_bytes(2, shape)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, ttype))


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "test")
    graph += b"".join(f_bytes(5, t) for t in inits)
    graph += b"".join(f_bytes(11, v) for v in inputs)
    graph += b"".join(f_bytes(12, v) for v in outputs)
    return (f_int(1, 8) + f_bytes(2, "qfx-test") +
            f_bytes(7, graph) + f_bytes(8, f_bytes(1, "") + f_int(2, opset)))


def scalar(v):
    return tensor("", FLOAT, [], raw=f32([v]))


def const(name, out, value):
    return node("Constant", [], [out], name, value=value)


# --- models -------------------------------------------------------------------

def ramp(n, scale=0.01):
    return [((i % 17) - 8) * scale for i in range(n)]


def m_convnet():
    """A small CNN as torch.onnx exports it, with a view(x.size(0), -1)."""
    nodes = [
        node("Conv", ["x", "conv1.weight", "conv1.bias"], ["c1"], "/conv1/Conv",
             kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1],
             dilations=[1, 1], group=1),
        node("Relu", ["c1"], ["r1"], "/relu/Relu"),
        node("Conv", ["r1", "onnx::Conv_9", "onnx::Conv_10"], ["c2"],
             "/layer1/layer1.0/conv1/Conv", kernel_shape=[3, 3],
             pads=[1, 1, 1, 1]),
        node("Add", ["c2", "r1"], ["a"], "/layer1/layer1.0/Add"),
        node("Relu", ["a"], ["r2"], "/layer1/layer1.0/relu/Relu"),
        node("Relu", ["r2"], ["r3"], "/layer1/layer1.0/relu_1/Relu"),
        node("MaxPool", ["r3"], ["p"], "/maxpool/MaxPool",
             kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0]),
        node("Shape", ["p"], ["s"], "/Shape"),
        const("/Constant", "zero", tensor("", INT64, [], raw=i64([0]))),
        node("Gather", ["s", "zero"], ["n"], "/Gather", axis=0),
        node("Unsqueeze", ["n", "axes0"], ["n1"], "/Unsqueeze"),
        const("/Constant_1", "minus1", tensor("", INT64, [1], raw=i64([-1]))),
        node("Concat", ["n1", "minus1"], ["shape"], "/Concat", axis=0),
        node("Reshape", ["p", "shape"], ["flat"], "/Reshape"),
        node("Gemm", ["flat", "fc.weight", "fc.bias"], ["y"], "/fc/Gemm",
             alpha=1.0, beta=1.0, transB=1),
    ]
    inits = [
        tensor("conv1.weight", FLOAT, [4, 3, 3, 3], raw=f32(ramp(108))),
        tensor("conv1.bias", FLOAT, [4], raw=f32([0.5, -0.5, 0.25, 0.0])),
        tensor("onnx::Conv_9", FLOAT, [4, 4, 3, 3], raw=f32(ramp(144))),
        tensor("onnx::Conv_10", FLOAT, [4], floats=[1.0, 2.0, 3.0, 4.0]),
        tensor("axes0", INT64, [1], ints=[0]),
        tensor("fc.weight", FLOAT, [10, 64], raw=f32(ramp(640))),
        tensor("fc.bias", FLOAT, [10], raw=f32(ramp(10))),
    ]
    return model(nodes, [value_info("x", FLOAT, [1, 3, 8, 8])],
                 [value_info("y", FLOAT, [1, 10])], inits)


def m_patterns():
    """GELU and LayerNorm decomposed as torch.onnx (opset 13) exports them."""
    nodes = [
        node("ReduceMean", ["x"], ["mean"], "/ln/ReduceMean", axes=[-1]),
        node("Sub", ["x", "mean"], ["d"], "/ln/Sub"),
        const("/ln/Constant", "two", scalar(2.0)),
        node("Pow", ["d", "two"], ["sq"], "/ln/Pow"),
        node("ReduceMean", ["sq"], ["var"], "/ln/ReduceMean_1", axes=[-1]),
        const("/ln/Constant_1", "eps", scalar(1e-5)),
        node("Add", ["var", "eps"], ["ve"], "/ln/Add"),
        node("Sqrt", ["ve"], ["std"], "/ln/Sqrt"),
        node("Div", ["d", "std"], ["nrm"], "/ln/Div"),
        node("Mul", ["nrm", "ln.weight"], ["sc"], "/ln/Mul"),
        node("Add", ["sc", "ln.bias"], ["ln"], "/ln/Add_1"),
        const("/act/Constant", "sqrt2", scalar(1.4142135381698608)),
        node("Div", ["ln", "sqrt2"], ["g0"], "/act/Div"),
        node("Erf", ["g0"], ["g1"], "/act/Erf"),
        const("/act/Constant_1", "one", scalar(1.0)),
        node("Add", ["g1", "one"], ["g2"], "/act/Add"),
        node("Mul", ["ln", "g2"], ["g3"], "/act/Mul"),
        const("/act/Constant_2", "half", scalar(0.5)),
        node("Mul", ["g3", "half"], ["g"], "/act/Mul_1"),
        node("MatMul", ["g", "onnx::MatMul_20"], ["mm"], "/fc/MatMul"),
        node("Add", ["fc.bias", "mm"], ["y"], "/fc/Add"),
    ]
    inits = [
        tensor("ln.weight", FLOAT, [8], raw=f32([1.0] * 8)),
        tensor("ln.bias", FLOAT, [8], raw=f32([0.0] * 8)),
        # W^T of an nn.Linear(8, 4): row k holds input feature k.
        tensor("onnx::MatMul_20", FLOAT, [8, 4],
               raw=f32([float(10 * k + j) for k in range(8) for j in range(4)])),
        tensor("fc.bias", FLOAT, [4], raw=f32([0.5] * 4)),
    ]
    return model(nodes, [value_info("x", FLOAT, [2, 3, 8])],
                 [value_info("y", FLOAT, [2, 3, 4])], inits)


def m_layernorm17():
    nodes = [node("LayerNormalization", ["x", "ln.weight", "ln.bias"], ["y"],
                  "/ln/LayerNormalization", axis=-1, epsilon=1e-5)]
    inits = [tensor("ln.weight", FLOAT, [8], raw=f32([1.0] * 8)),
             tensor("ln.bias", FLOAT, [8], raw=f32([0.0] * 8))]
    return model(nodes, [value_info("x", FLOAT, [2, 8])],
                 [value_info("y", FLOAT, [2, 8])], inits, opset=17)


def m_relu6():
    """torch.onnx's F.relu6 (Relu + Clip(max 6)) and nn.ReLU6 (Clip(0, 6))."""
    nodes = [
        node("Relu", ["x"], ["r"], "/Relu"),
        const("/Constant", "lo", scalar(-3.4028234663852886e38)),
        const("/Constant_1", "hi", scalar(6.0)),
        node("Clip", ["r", "lo", "hi"], ["a"], "/Clip"),
        const("/act/Constant", "zero", scalar(0.0)),
        const("/act/Constant_1", "six", scalar(6.0)),
        node("Clip", ["a", "zero", "six"], ["y"], "/act/Clip"),
    ]
    return model(nodes, [value_info("x", FLOAT, [2, 8])],
                 [value_info("y", FLOAT, [2, 8])])


def i64t(values):
    return tensor("", INT64, [len(values)], raw=i64(values))


def m_slicing():
    """Slice (torch's x[:, 1:, ::2], open end INT64_MAX) and Split with
    sizes as input (opset 13) and equal parts."""
    big = 9223372036854775807
    nodes = [
        const("/Constant", "starts", i64t([1, 0])),
        const("/Constant_1", "ends", i64t([big, big])),
        const("/Constant_2", "axes", i64t([1, 3])),
        const("/Constant_3", "steps", i64t([1, 2])),
        node("Slice", ["x", "starts", "ends", "axes", "steps"], ["s"],
             "/Slice"),
        const("/Constant_4", "s2", i64t([-2])),
        const("/Constant_5", "e2", i64t([-1])),
        node("Slice", ["x", "s2", "e2"], ["t"], "/Slice_1"),
        const("/Constant_6", "sizes", i64t([1, 3])),
        node("Split", ["x", "sizes"], ["p0", "p1"], "/Split", axis=1),
        node("Split", ["x"], ["q0", "q1"], "/Split_1", axis=-1),
    ]
    return model(nodes, [value_info("x", FLOAT, [2, 4, 3, 6])],
                 [value_info(n, FLOAT, None) for n in
                  ("s", "t", "p0", "p1", "q0", "q1")])


def m_split11():
    """Opset 11: Split sizes as the `split` attribute."""
    nodes = [node("Split", ["x"], ["a", "b", "c"], "/Split", axis=0,
                  split=[1, 1, 2])]
    return model(nodes, [value_info("x", FLOAT, [4, 2])],
                 [value_info(n, FLOAT, None) for n in "abc"], opset=11)


def m_resample():
    """ReduceMean, and Resize as torch.onnx writes F.interpolate."""
    empty = tensor("", FLOAT, [0], raw=b"")
    nodes = [
        node("ReduceMean", ["x"], ["m"], "/ReduceMean", axes=[2, 3],
             keepdims=0),
        node("ReduceMean", ["x"], ["m1"], "/ReduceMean_1", axes=[1]),
        node("ReduceMean", ["x"], ["m2"], "/ReduceMean_2", keepdims=0),
        const("/Constant", "roi", empty),
        const("/Constant_1", "scales", tensor("", FLOAT, [4],
                                              raw=f32([1, 1, 2, 1.5]))),
        node("Resize", ["x", "roi", "scales"], ["n"], "/up/Resize",
             coordinate_transformation_mode="asymmetric", mode="nearest",
             nearest_mode="floor"),
        const("/Constant_2", "sizes", i64t([1, 2, 5, 7])),
        node("Resize", ["x", "", "", "sizes"], ["l"], "/Resize",
             coordinate_transformation_mode="align_corners", mode="linear",
             nearest_mode="floor"),
        node("Resize", ["x", "", "scales"], ["hp"], "/Resize_1",
             coordinate_transformation_mode="pytorch_half_pixel",
             mode="linear"),
        node("Resize", ["x", "", "scales"], ["cu"], "/Resize_2",
             mode="cubic"),
        node("Resize", ["x", "", "scales"], ["tf"], "/Resize_3",
             coordinate_transformation_mode="tf_half_pixel_for_nn"),
    ]
    return model(nodes, [value_info("x", FLOAT, [1, 2, 4, 4])],
                 [value_info(n, FLOAT, None) for n in
                  ("m", "m1", "m2", "n", "l", "hp", "cu", "tf")])


def m_gelu_tanh():
    """gelu(approximate="tanh") as torch.onnx's symbolic_opset9.gelu."""
    nodes = [
        node("Mul", ["x", "x"], ["x2"], "/act/Mul"),
        node("Mul", ["x", "x2"], ["x3"], "/act/Mul_1"),
        const("/act/Constant", "kappa", scalar(0.044715)),
        node("Mul", ["kappa", "x3"], ["kx3"], "/act/Mul_2"),
        node("Add", ["x", "kx3"], ["s"], "/act/Add"),
        const("/act/Constant_1", "beta", scalar(0.7978845608028654)),
        node("Mul", ["beta", "s"], ["inner"], "/act/Mul_3"),
        node("Tanh", ["inner"], ["t"], "/act/Tanh"),
        const("/act/Constant_2", "one", scalar(1.0)),
        node("Add", ["one", "t"], ["a"], "/act/Add_1"),
        node("Mul", ["x", "a"], ["m"], "/act/Mul_4"),
        const("/act/Constant_3", "half", scalar(0.5)),
        node("Mul", ["half", "m"], ["y"], "/act/Mul_5"),
        # Not a gelu: the cube's Mul reads another tensor.
        node("Mul", ["x", "y"], ["w2"], "/Mul"),
        node("Mul", ["x", "w2"], ["w3"], "/Mul_1"),
        node("Mul", ["kappa", "w3"], ["kw3"], "/Mul_2"),
        node("Add", ["x", "kw3"], ["ws"], "/Add"),
        node("Mul", ["beta", "ws"], ["wi"], "/Mul_3"),
        node("Tanh", ["wi"], ["wt"], "/Tanh"),
        node("Add", ["one", "wt"], ["wa"], "/Add_1"),
        node("Mul", ["x", "wa"], ["wm"], "/Mul_4"),
        node("Mul", ["half", "wm"], ["z"], "/Mul_5"),
    ]
    return model(nodes, [value_info("x", FLOAT, [2, 8])],
                 [value_info("z", FLOAT, [2, 8])])


def m_padding():
    """Padding no torch module attribute holds: asymmetric pads, auto_pad
    SAME_UPPER/SAME_LOWER (as TensorFlow converters write them), and a
    constant Pad node."""
    w = tensor("conv.weight", FLOAT, [2, 2, 3, 3], raw=f32(ramp(36)))
    nodes = [
        node("Conv", ["x", "conv.weight"], ["a"], "/conv/Conv",
             kernel_shape=[3, 3], pads=[0, 0, 1, 1]),
        node("Conv", ["x", "conv.weight"], ["b"], "/Conv",
             kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        node("Conv", ["x", "conv.weight"], ["c"], "/Conv_1",
             kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER"),
        node("Conv", ["x", "conv.weight"], ["d"], "/Conv_2",
             kernel_shape=[3, 3], pads=[2, 1, 1, 2]),
        node("MaxPool", ["x"], ["e"], "/pool/MaxPool", kernel_shape=[2, 2],
             strides=[2, 2], auto_pad="SAME_UPPER"),
        node("AveragePool", ["x"], ["f"], "/AveragePool",
             kernel_shape=[2, 2], pads=[0, 0, 1, 1], count_include_pad=1),
        node("AveragePool", ["x"], ["g"], "/AveragePool_1",
             kernel_shape=[2, 2], pads=[0, 0, 1, 1]),
        const("/Constant", "pads", i64t([0, 0, 1, 0, 0, 0, 0, 2])),
        const("/Constant_1", "half", scalar(0.5)),
        node("Pad", ["x", "pads", "half"], ["h"], "/Pad"),
    ]
    return model(nodes, [value_info("x", FLOAT, [1, 2, 5, 5])],
                 [value_info(n, FLOAT, None) for n in "abcdefgh"], [w])


def m_qdq():
    """Q/DQ: per-tensor activations, per-axis int8 conv weights."""
    nodes = [
        node("QuantizeLinear", ["x", "x_scale", "x_zp"], ["xq"],
             "/QuantizeLinear"),
        node("DequantizeLinear", ["xq", "x_scale", "x_zp"], ["xd"],
             "/DequantizeLinear"),
        node("DequantizeLinear", ["conv.weight_quantized", "w_scale", "w_zp"],
             ["wd"], "/conv/DequantizeLinear", axis=0),
        node("Conv", ["xd", "wd"], ["y"], "/conv/Conv", kernel_shape=[1, 1]),
    ]
    inits = [
        tensor("x_scale", FLOAT, [], raw=f32([0.5])),
        tensor("x_zp", UINT8, [], raw=bytes([128])),
        tensor("conv.weight_quantized", INT8, [2, 3, 1, 1],
               raw=bytes([1, 2, 3, 0xFF, 0xFE, 0x80])),
        tensor("w_scale", FLOAT, [2], raw=f32([0.25, 0.125])),
        tensor("w_zp", INT8, [2], raw=bytes([0, 0])),
    ]
    return model(nodes, [value_info("x", FLOAT, [1, 3, 4, 4])],
                 [value_info("y", FLOAT, [1, 2, 4, 4])], inits)


def m_generic():
    """Ops without a typed qfx op keep their attributes."""
    nodes = [node("LRN", ["x"], ["y"], "/lrn/LRN", alpha=0.0001, beta=0.75,
                  size=3),
             node("Relu6Like", ["y"], ["z"], "/custom/Op")]
    return model(nodes, [value_info("x", FLOAT, [1, 4, 2, 2])],
                 [value_info("z", FLOAT, [1, 4, 2, 2])])


def m_external(out_dir):
    data = f32([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    with open(os.path.join(out_dir, "external.bin"), "wb") as f:
        f.write(b"\0" * 8 + data)
    nodes = [node("Gemm", ["x", "fc.weight"], ["y"], "/fc/Gemm", transB=1)]
    inits = [tensor("fc.weight", FLOAT, [2, 3], external={
        "location": "external.bin", "offset": 8, "length": len(data)})]
    return model(nodes, [value_info("x", FLOAT, [1, 3])],
                 [value_info("y", FLOAT, [1, 2])], inits)


# --- broken models ---------------------------------------------------------------

def relu_model(inits=(), inputs=("x",), opset=13):
    return model([node("Relu", list(inputs), ["y"], "/relu/Relu")],
                 [value_info("x", FLOAT, [2])], [value_info("y", FLOAT, [2])],
                 inits, opset)


def broken(name, out_dir):
    if name == "truncated":
        return m_convnet()[:-40]
    if name == "garbage":
        return b"\xff\xff\xff\xff not a protobuf"
    if name == "missing_init":
        return model([node("Conv", ["x", "conv.weight"], ["y"], "/conv/Conv")],
                     [value_info("x", FLOAT, [1, 1, 2, 2])],
                     [value_info("y", FLOAT, [1, 1, 2, 2])])
    if name == "bad_raw":
        return relu_model([tensor("w", FLOAT, [4], raw=b"\0" * 15)])
    if name == "bad_opset":
        return relu_model(opset=9)
    if name == "bad_dtype":
        return relu_model([tensor("names", STRING, [1])])
    if name == "missing_external":
        return relu_model([tensor("w", FLOAT, [2], external={
            "location": "nowhere.bin"})])
    if name == "bad_slice_axis":
        return model([const("/Constant", "st", tensor("", INT64, [1],
                                                      raw=i64([0]))),
                      node("Slice", ["x", "st", "st", "ax"], ["y"], "/Slice")],
                     [value_info("x", FLOAT, [2, 2])],
                     [value_info("y", FLOAT, None)],
                     [tensor("ax", INT64, [1], raw=i64([2]))])
    if name == "bad_split":
        return model([node("Split", ["x", "sz"], ["a", "b"], "/Split")],
                     [value_info("x", FLOAT, [4, 2])],
                     [value_info("a", FLOAT, None), value_info("b", FLOAT, None)],
                     [tensor("sz", INT64, [2], raw=i64([1, 2]))])
    if name == "bad_resize":
        return model([node("Resize", ["x", "", "sc"], ["y"], "/Resize",
                           mode="nearest", nearest_mode="floor",
                           coordinate_transformation_mode="asymmetric")],
                     [value_info("x", FLOAT, [1, 1, 2, 2])],
                     [value_info("y", FLOAT, None)],
                     [tensor("sc", FLOAT, [2], raw=f32([2.0, 2.0]))])
    if name == "bad_resize_mode":
        return model([node("Resize", ["x", "", "sc"], ["y"], "/Resize",
                           mode="bogus")],
                     [value_info("x", FLOAT, [1, 1, 2, 2])],
                     [value_info("y", FLOAT, None)],
                     [tensor("sc", FLOAT, [4], raw=f32([1, 1, 2, 2]))])
    if name in ("bad_pads", "bad_auto_pad"):
        attrs = ({"pads": [1, 1, 1]} if name == "bad_pads"
                 else {"auto_pad": "SAME"})
        return model([node("MaxPool", ["x"], ["y"], "/MaxPool",
                           kernel_shape=[2, 2], **attrs)],
                     [value_info("x", FLOAT, [1, 1, 4, 4])],
                     [value_info("y", FLOAT, None)])
    if name == "escaping_external":
        return relu_model([tensor("w", FLOAT, [2], external={
            "location": "../outside.bin"})])
    return None


MODELS = {
    "convnet": m_convnet,
    "patterns": m_patterns,
    "layernorm17": m_layernorm17,
    "qdq": m_qdq,
    "relu6": m_relu6,
    "generic": m_generic,
    "slicing": m_slicing,
    "split11": m_split11,
    "resample": m_resample,
    "gelu_tanh": m_gelu_tanh,
    "padding": m_padding,
}


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for name in sys.argv[2:]:
        if name in MODELS:
            data = MODELS[name]()
        elif name == "external":
            data = m_external(out_dir)
        else:
            data = broken(name, out_dir)
        if data is None:
            sys.exit("unknown model " + name)
        with open(os.path.join(out_dir, name + ".onnx"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
