#!/usr/bin/env python3
"""PyTorch interop, where python3-torch is installed: saves the state_dict of a seeded
nn.Sequential(Linear(4, 8), ReLU(), Linear(8, 3)) as safetensors (written with struct and json, so
the safetensors package is not needed), with an input, a label, the network's output and the
gradients of the cross-entropy loss in __metadata__. typegrad's check_torch loads the file into
the matching network type and must reproduce output and gradients.

Usage: torch_roundtrip.py OUTPUT_PATH. Exits with 77 (CTest: skipped) when torch is missing.
"""
import json
import struct
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so the PyTorch round trip cannot run")
    sys.exit(77)


def main(path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x = torch.tensor([0.5, -1.0, 2.0, 0.25])
    label = 2
    out = net(x)
    loss = torch.nn.functional.cross_entropy(out.unsqueeze(0), torch.tensor([label]))
    loss.backward()

    header, data = {}, b""
    for name, tensor in net.state_dict().items():
        values = tensor.detach().to(torch.float32).flatten().tolist()
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    grads = {name: p.grad.flatten().tolist() for name, p in net.named_parameters()}
    header["__metadata__"] = {"input": json.dumps(x.tolist()), "label": str(label), "loss": repr(loss.item()),
                              "output": json.dumps(out.tolist()), "grads": json.dumps(grads)}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    print("wrote %s with torch %s: output %s, loss %.6f" % (path, torch.__version__, out.tolist(), loss.item()))


if __name__ == "__main__":
    main(sys.argv[1])
