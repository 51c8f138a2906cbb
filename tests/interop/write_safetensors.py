#!/usr/bin/env python3
"""Writes safetensors files by hand, with the standard library only (struct, json), for typegrad's
interop test: the state_dict of a PyTorch nn.Sequential(Linear(2, 3), ReLU(), Linear(3, 1)) in three
files: interop_f32.safetensors and interop_f64.safetensors (every tensor in one dtype, for
params<Net, float> and params<Net, double>) and interop_mixed.safetensors (first layer F32, last F64,
for the generic reader). Their __metadata__ holds an input and the output this script computes for
it in plain Python, which typegrad must reproduce.

It writes interop_batch_norm.safetensors too: nn.Sequential(Linear(2, 3), BatchNorm1d(3), ReLU(),
Linear(3, 1)) with running statistics and num_batches_tracked, and its eval-mode output.

It also writes reference_ce.safetensors in the format of torch_roundtrip.py, computed here without
torch: a seeded nn.Sequential(Linear(4, 8), ReLU(), Linear(8, 3)) with an input, a label, the
output, the cross-entropy loss and every parameter gradient, which check_torch compares with
typegrad's. So the checker is tested on every machine, and with PyTorch's own numbers where torch
is installed.

Usage: write_safetensors.py OUTPUT_DIRECTORY
"""
import json
import math
import os
import random
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


def write(path, dtypes):
    """dtypes: the dtype of layer 0 and of layer 2."""
    # Data in the order safetensors' own writer uses (wider dtypes first, then by name), so biases
    # come before weights, unlike typegrad's own files.
    tensors = sorted([("0.weight", dtypes[0], [3, 2], W0), ("0.bias", dtypes[0], [3], B0),
                      ("2.weight", dtypes[1], [1, 3], W2), ("2.bias", dtypes[1], [1], B2)],
                     key=lambda t: (t[1] != "F64", t[0]))
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
    print("wrote %s: %s" % (path, ", ".join(t[0] + " " + t[1] for t in tensors)))


def f32(v):
    """v rounded to float32, as the file stores it."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def write_reference_ce(path):
    rng = random.Random(0)
    w0 = [[f32(rng.uniform(-0.5, 0.5)) for _ in range(4)] for _ in range(8)]
    b0 = [f32(rng.uniform(-0.5, 0.5)) for _ in range(8)]
    w2 = [[f32(rng.uniform(-0.35, 0.35)) for _ in range(8)] for _ in range(3)]
    b2 = [f32(rng.uniform(-0.35, 0.35)) for _ in range(3)]
    x, label = [0.5, -1.0, 2.0, 0.25], 2
    h = [sum(w * xi for w, xi in zip(row, x)) + b for row, b in zip(w0, b0)]
    a = [max(0.0, v) for v in h]
    z = [sum(w * ai for w, ai in zip(row, a)) + b for row, b in zip(w2, b2)]
    m = max(z)
    total = sum(math.exp(v - m) for v in z)
    prob = [math.exp(v - m) / total for v in z]
    loss = -math.log(prob[label])
    dz = [pv - (1.0 if i == label else 0.0) for i, pv in enumerate(prob)]
    da = [sum(w2[o][j] * dz[o] for o in range(3)) for j in range(8)]
    dh = [d if hv > 0 else 0.0 for d, hv in zip(da, h)]
    grads = {"0.weight": [dh[j] * x[i] for j in range(8) for i in range(4)], "0.bias": dh,
             "2.weight": [dz[o] * a[j] for o in range(3) for j in range(8)], "2.bias": dz}
    header, data = {}, b""
    for name, shape, values in [("0.weight", [8, 4], flatten(w0)), ("0.bias", [8], b0),
                                ("2.weight", [3, 8], flatten(w2)), ("2.bias", [3], b2)]:
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"input": json.dumps(x), "label": str(label), "loss": repr(loss),
                              "output": json.dumps(z), "grads": json.dumps(grads)}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    print("wrote %s: output %s, loss %.6f" % (path, z, loss))


# nn.Sequential(Linear(2, 3), BatchNorm1d(3), ReLU(), Linear(3, 1)) in eval mode: batch norm uses
# its running statistics. Its state_dict holds "1.num_batches_tracked", an I64 scalar.
BN = {"weight": [1.5, 0.5, -1.0], "bias": [0.25, -0.5, 0.125],
      "running_mean": [0.5, -1.0, 2.0], "running_var": [4.0, 0.25, 1.0]}
BN_BATCHES = 17


def forward_batch_norm(x):
    z = [sum(w * xi for w, xi in zip(row, x)) + b for row, b in zip(W0, B0)]
    n = [(zj - m) / math.sqrt(v + 1e-5) * g + b
         for zj, m, v, g, b in zip(z, BN["running_mean"], BN["running_var"], BN["weight"], BN["bias"])]
    h = [max(0.0, v) for v in n]
    return [sum(w * hi for w, hi in zip(row, h)) + b for row, b in zip(W2, B2)]


def write_batch_norm(path):
    tensors = [("0.weight", [3, 2], flatten(W0)), ("0.bias", [3], B0)]
    tensors += [("1." + name, [3], BN[name]) for name in ("weight", "bias", "running_mean", "running_var")]
    tensors += [("3.weight", [1, 3], flatten(W2)), ("3.bias", [1], B2)]
    header, data = {}, b""
    for name, shape, values in tensors:
        raw = struct.pack("<%dd" % len(values), *values)
        header[name] = {"dtype": "F64", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    raw = struct.pack("<q", BN_BATCHES)
    header["1.num_batches_tracked"] = {"dtype": "I64", "shape": [], "data_offsets": [len(data), len(data) + 8]}
    data += raw
    header["__metadata__"] = {"format": "pt", "input": json.dumps(X),
                              "expected_output": json.dumps(forward_batch_norm(X))}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    print("wrote %s: output %s" % (path, forward_batch_norm(X)))


def main(directory):
    write_reference_ce(os.path.join(directory, "reference_ce.safetensors"))
    write_batch_norm(os.path.join(directory, "interop_batch_norm.safetensors"))
    write(os.path.join(directory, "interop_f32.safetensors"), ("F32", "F32"))
    write(os.path.join(directory, "interop_f64.safetensors"), ("F64", "F64"))
    write(os.path.join(directory, "interop_mixed.safetensors"), ("F32", "F64"))
    print("expected output %s for input %s" % (forward(X), X))


if __name__ == "__main__":
    main(sys.argv[1])
