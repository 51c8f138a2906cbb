#!/usr/bin/env python3
"""Writes a safetensors file by hand, with the standard library only (struct, json), for typegrad's
interop test: the state_dict of a PyTorch nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)), the
first layer in F32 and the last in F64. Its __metadata__ holds an input and the output this script
computes for it in plain Python, which typegrad must reproduce.

Usage: write_safetensors.py OUTPUT_PATH
"""
import json
import struct
import sys

W0 = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]  # Linear(2, 3).weight: out x in
B0 = [0.1, -0.2, 0.3]
W2 = [[1.0, -2.0, 0.5]]                        # Linear(3, 1).weight
B2 = [0.125]
X = [1.0, 2.0]


def forward(x):
    h = [max(0.0, sum(w * xi for w, xi in zip(row, x)) + b) for row, b in zip(W0, B0)]
    return [sum(w * hi for w, hi in zip(row, h)) + b for row, b in zip(W2, B2)]


def flatten(m):
    return [v for row in m for v in row] if isinstance(m[0], list) else m


def main(path):
    # Data in the order safetensors' own writer uses (wider dtypes first), not the header's order.
    tensors = [("2.bias", "F64", [1], B2), ("2.weight", "F64", [1, 3], W2),
               ("0.bias", "F32", [3], B0), ("0.weight", "F32", [3, 2], W0)]
    header, data = {}, b""
    for name, dtype, shape, values in tensors:
        raw = struct.pack("<%d%s" % (len(flatten(values)), "d" if dtype == "F64" else "f"), *flatten(values))
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"format": "pt", "input": json.dumps(X), "expected_output": json.dumps(forward(X))}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    print("wrote %s: %d tensors, output %s for input %s" % (path, len(tensors), forward(X), X))


if __name__ == "__main__":
    main(sys.argv[1])
