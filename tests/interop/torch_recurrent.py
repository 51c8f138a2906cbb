#!/usr/bin/env python3
"""PyTorch's nn.LSTM and nn.GRU (one layer, batch_first) against tg::lstm and tg::gru, where
python3-torch is installed. For each case below, a seeded layer in double runs a sequence x of shape
[steps, In]; the loss is sum(y * coef) for fixed coefficients coef. The file holds, under the case's
name as a prefix, the layer's state_dict ("<case>.weight_ih_l0", ...), x, coef, the output y and the
gradients ("<case>.grad.weight_ih_l0", ..., "<case>.grad.input"), all F64. check_recurrent loads the
weights into the matching typegrad layer and must reproduce y and every gradient.

Usage: torch_recurrent.py OUTPUT_PATH. Exits with 77 (CTest: skipped) when torch is missing.
"""
import json
import struct
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so the LSTM and GRU parity test cannot run")
    sys.exit(77)

# name, module, In, Hidden, steps: odd sizes, and the benchmark's sizes (SIMD tails and full batches).
CASES = [("lstm_3_5", torch.nn.LSTM, 3, 5, 7), ("lstm_1_32", torch.nn.LSTM, 1, 32, 20),
         ("gru_3_5", torch.nn.GRU, 3, 5, 7), ("gru_1_40", torch.nn.GRU, 1, 40, 20)]


def main(path):
    torch.manual_seed(0)
    tensors = {}
    for name, module, n_in, hidden, steps in CASES:
        layer = module(n_in, hidden, num_layers=1, batch_first=True).double()
        x = torch.randn(1, steps, n_in, dtype=torch.float64, requires_grad=True)
        coef = torch.randn(1, steps, hidden, dtype=torch.float64)
        y, _ = layer(x)
        (y * coef).sum().backward()
        for key, value in layer.state_dict().items():
            tensors["%s.%s" % (name, key)] = value
        for key, p in layer.named_parameters():
            tensors["%s.grad.%s" % (name, key)] = p.grad
        tensors[name + ".input"] = x[0]
        tensors[name + ".coef"] = coef[0]
        tensors[name + ".output"] = y[0]
        tensors[name + ".grad.input"] = x.grad[0]

    header, data = {}, b""
    for key, tensor in tensors.items():
        values = tensor.detach().flatten().tolist()
        raw = struct.pack("<%dd" % len(values), *values)
        header[key] = {"dtype": "F64", "shape": list(tensor.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"torch": torch.__version__}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
    print("wrote %s with torch %s: %s" % (path, torch.__version__, ", ".join(c[0] for c in CASES)))


if __name__ == "__main__":
    main(*sys.argv[1:])
