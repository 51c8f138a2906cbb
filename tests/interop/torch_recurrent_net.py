#!/usr/bin/env python3
"""Whole PyTorch networks with nn.LSTM or nn.GRU, where python3-torch is installed: seeded, in float64,
    lstm: Sequential(LSTM(3, 5), Linear(5, 2))                  sequence to sequence (Linear at every step)
    gru:  Sequential(GRU(2, 4), Tanh(), LastStep(), Linear(4, 3))  sequence to label (y[:, -1])
with LSTM / GRU one batch_first layer returning its output sequence only, so the state_dict names are
typegrad's ("0.weight_ih_l0", ..., "1.weight"). The state_dict is saved as safetensors (F64; written with
struct and json), with in __metadata__ the input sequence, the targets, the output, the loss (MSE summed
over each output row's values, averaged over the output rows, as tg::value_and_grad_sequence with tg::mse)
and every parameter's gradient. Sequences are stored step-major, [steps][values], as typegrad's rows.
typegrad's check_recurrent_net loads the file with tg::load and compares (<= 1e-12).

Usage: torch_recurrent_net.py OUTPUT_PATH lstm|gru. Exits with 77 (CTest: skipped) when torch is missing.
"""
import json
import struct
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so the LSTM and GRU networks cannot be compared with PyTorch")
    sys.exit(77)


class LSTM(torch.nn.LSTM):
    """nn.LSTM returning its output sequence only, so that it fits in an nn.Sequential."""

    def forward(self, x):
        return super().forward(x)[0]


class GRU(torch.nn.GRU):
    """nn.GRU returning its output sequence only."""

    def forward(self, x):
        return super().forward(x)[0]


class LastStep(torch.nn.Module):
    """tg::last_step: the last step's row of each sequence."""

    def forward(self, y):
        return y[:, -1]


def network(kind):
    """The network, its input size and its number of steps."""
    if kind == "lstm":
        return torch.nn.Sequential(LSTM(3, 5, batch_first=True), torch.nn.Linear(5, 2)), 3, 7
    return torch.nn.Sequential(GRU(2, 4, batch_first=True), torch.nn.Tanh(), LastStep(), torch.nn.Linear(4, 3)), 2, 6


def flat(t):
    return json.dumps(t.detach().flatten().tolist())


def main(path, kind):
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    net, n_in, steps = network(kind)
    x = torch.randn(1, steps, n_in)
    y = net(x)
    target = torch.randn(y.shape)
    rows = steps if y.dim() == 3 else 1
    loss = ((y - target) ** 2).sum() / rows
    loss.backward()

    header, data = {}, b""
    for name, tensor in net.state_dict().items():
        values = tensor.flatten().tolist()
        raw = struct.pack("<%dd" % len(values), *values)
        header[name] = {"dtype": "F64", "shape": list(tensor.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    grads = {name: p.grad.flatten().tolist() for name, p in net.named_parameters()}
    header["__metadata__"] = {"steps": str(steps), "input": flat(x), "target": flat(target), "output": flat(y),
                              "loss": repr(loss.item()), "grads": json.dumps(grads)}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    print("wrote %s (%s network) with torch %s" % (path, kind, torch.__version__))


if __name__ == "__main__":
    main(*sys.argv[1:])
