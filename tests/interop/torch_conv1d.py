#!/usr/bin/env python3
"""PyTorch's nn.Conv1d made causal (left padding (K - 1)·dilation), where python3-torch is installed:
a seeded nn.Sequential(CausalConv1d(3, 5, 3, dilation=2), Tanh(), CausalConv1d(5, 4, 2, dilation=3)) in
float64, its state_dict saved as safetensors (F64; written with struct and json), with in __metadata__ an
input sequence of 9 steps, the weights w of the objective sum(w * output), the output, every parameter's
gradient, and for the first layer alone (objective sum(w0 * its output)) its output and input gradient.
Sequences are stored step-major, [steps][channels], as typegrad's rows hold them.
typegrad's check_conv1d loads the file and compares (<= 1e-12).

Usage: torch_conv1d.py OUTPUT_PATH. Exits with 77 (CTest: skipped) when torch is missing.
"""
import json
import struct
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so conv1d cannot be compared with PyTorch")
    sys.exit(77)


class CausalConv1d(torch.nn.Conv1d):
    """nn.Conv1d whose output at step t sees steps t, t - d, ..., t - (k - 1)·d: zeros on the left only."""

    def forward(self, x):
        pad = (self.kernel_size[0] - 1) * self.dilation[0]
        return super().forward(torch.nn.functional.pad(x, (pad, 0)))


def steps_major(t):
    """A (1, channels, steps) tensor as [steps][channels], flattened."""
    return t.detach()[0].transpose(0, 1).flatten().tolist()


def main(path):
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    net = torch.nn.Sequential(CausalConv1d(3, 5, 3, dilation=2), torch.nn.Tanh(), CausalConv1d(5, 4, 2, dilation=3))
    steps = 9
    x = torch.randn(1, 3, steps)
    w = torch.randn(1, 4, steps)
    y = net(x)
    (w * y).sum().backward()

    x0 = x.clone().requires_grad_()
    w0 = torch.randn(1, 5, steps)
    y0 = net[0](x0)
    first_grads = torch.autograd.grad((w0 * y0).sum(), x0)[0]

    header, data = {}, b""
    for name, tensor in net.state_dict().items():
        values = tensor.flatten().tolist()
        raw = struct.pack("<%dd" % len(values), *values)
        header[name] = {"dtype": "F64", "shape": list(tensor.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    grads = {name: p.grad.flatten().tolist() for name, p in net.named_parameters()}
    header["__metadata__"] = {"steps": str(steps), "input": json.dumps(steps_major(x)), "w": json.dumps(steps_major(w)),
                              "output": json.dumps(steps_major(y)), "grads": json.dumps(grads),
                              "w0": json.dumps(steps_major(w0)), "output0": json.dumps(steps_major(y0)),
                              "input_grad0": json.dumps(steps_major(first_grads.unsqueeze(0)[0]))}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    print("wrote %s with torch %s" % (path, torch.__version__))


if __name__ == "__main__":
    main(sys.argv[1])
