#!/usr/bin/env python3
"""Writes qfx IR text without resource data plus its blob file (the layout
of include/qfx/Import/BlobFile.h), and broken variants, for the lit tests
of `qfx-translate --import-qfx-blobs`.

    make_blobs.py <out-dir>
"""

import os
import struct
import sys

TEXT = """module attributes {qfx.training = false} {
  qfx.parameter @w parameter = dense_resource<w> : tensor<2x2xf32>
  qfx.parameter @b parameter = dense_resource<b> : tensor<2xf32>
  func.func @forward(%x: tensor<1x2xf32> {qfx.name = "x"}) -> tensor<1x2xf32> {
    %w = qfx.get_attr @w : tensor<2x2xf32>
    %b = qfx.get_attr @b : tensor<2xf32>
    %y = qfx.linear %x, %w, %b {qfx.node = #qfx.node<call_module, "torch.nn.modules.linear.Linear", module = "fc">} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
    return %y : tensor<1x2xf32>
  }
}
"""


def blob_file(entries, align=64, magic=b"QFXBLOBS", version=1, skew=0):
    """entries: (key, bytes). `skew` moves the first offset off alignment."""
    keys = [k.encode() for k, _ in entries]
    offset = 16 + sum(4 + len(k) + 20 for k in keys)
    index, layout = [magic, struct.pack("<II", version, len(entries))], []
    for i, (k, (_, data)) in enumerate(zip(keys, entries)):
        offset = -(-offset // align) * align + (skew if i == 0 else 0)
        index.append(struct.pack("<I", len(k)) + k +
                     struct.pack("<IQQ", 4, offset, len(data)))
        layout.append(offset)
        offset += len(data)
    out = bytearray(b"".join(index))
    for start, (_, data) in zip(layout, entries):
        out += b"\0" * (start - len(out)) + data
    return bytes(out)


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    good = [("w", f32(1, 2, 3, 4)), ("b", f32(0.5, -0.5))]
    files = {
        "good.blobs": blob_file(good),
        "missing.blobs": blob_file(good[:1]),
        "extra.blobs": blob_file(good + [("z", f32(1))]),
        "magic.blobs": blob_file(good, magic=b"NOTBLOBS"),
        "version.blobs": blob_file(good, version=7),
        "truncated.blobs": blob_file(good)[:30],
        "unaligned.blobs": blob_file(good, skew=2),
        "outside.blobs": blob_file(good)[:-4],
    }
    with open(os.path.join(out, "model.mlir"), "w") as f:
        f.write(TEXT)
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
