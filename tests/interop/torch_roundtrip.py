#!/usr/bin/env python3
"""PyTorch interop, where python3-torch is installed: saves the state_dict of a seeded network as
safetensors (written with struct and json, so the safetensors package is not needed), with an
input, a label, the network's output and the gradients of the cross-entropy loss in __metadata__.
typegrad's check_torch loads the file into the matching network type and must reproduce output and
gradients. The network is nn.Sequential(Linear(4, 8), ReLU(), Linear(8, 3)), or with the argument
"nested" one holding a residual block and a nested nn.Sequential, whose parameters are named
"2.0.weight", "3.0.weight" and so on.

Usage: torch_roundtrip.py OUTPUT_PATH [nested]. Exits with 77 (CTest: skipped) when torch is missing.
"""
import json
import struct
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so the PyTorch round trip cannot run")
    sys.exit(77)


class Residual(torch.nn.Sequential):
    """x + f(x), f its layers: an nn.Sequential, so that its parameters are named as tg::residual's."""

    def forward(self, x):
        return x + super().forward(x)


def main(path, model="plain"):
    torch.manual_seed(0)
    nn = torch.nn
    if model == "nested":
        net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), Residual(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8)),
                            nn.Sequential(nn.Linear(8, 6), nn.Sigmoid()), nn.Linear(6, 3))
    else:
        net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
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
    main(*sys.argv[1:])
