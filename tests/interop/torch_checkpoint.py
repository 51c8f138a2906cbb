#!/usr/bin/env python3
"""PyTorch parity of typegrad's checkpoints, where python3-torch is installed: a seeded
nn.Sequential(Linear(3, 5), Tanh(), Linear(5, 2)) in double takes 3 steps of torch.optim.Adam, and
another 3 of torch.optim.SGD with Nesterov momentum and weight decay, from given gradients; each is
then written as a typegrad checkpoint (io/checkpoint.hpp: the state_dict's tensors, the optimizer's
state under "optimizer.<PyTorch's name>.<parameter>", the step count, the kind and hyper-parameters in
__metadata__), by hand with struct and json. Two more steps follow, and their gradients and the
parameters after them are written as weights files. typegrad's check_checkpoint loads each checkpoint,
takes the same two steps and must reach PyTorch's parameters.

Usage: torch_checkpoint.py OUTPUT_BASE (files OUTPUT_BASE.<kind>.*.safetensors). Exits with 77
(CTest: skipped) when torch is missing.
"""
import json
import struct
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so the checkpoint parity test cannot run")
    sys.exit(77)


def number(x):
    """A hyper-parameter as typegrad writes it (the shortest text that reads back as the double)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def write(path, tensors, metadata):
    header, data = {}, b""
    for name, value in tensors.items():
        if isinstance(value, int):
            raw, dtype, shape = struct.pack("<q", value), "I64", []
        else:
            values = value.detach().flatten().tolist()
            raw, dtype, shape = struct.pack("<%dd" % len(values), *values), "F64", list(value.shape)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def run(base, kind, make_optimizer, hyper_parameters, state_names):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    opt = make_optimizer(net.parameters())
    named = list(net.named_parameters())
    generator = torch.Generator().manual_seed(1)

    def step():
        for _, p in named:
            p.grad = torch.randn(p.shape, generator=generator, dtype=torch.float64)
        opt.step()
        return {name: p.grad.clone() for name, p in named}

    for _ in range(3):
        step()
    tensors = dict(net.state_dict())
    for state in state_names:
        for name, p in named:
            tensors["optimizer.%s.%s" % (state, name)] = opt.state[p][state]
    steps = opt.state[named[0][1]].get("step")
    tensors["optimizer.step"] = int(steps) if steps is not None else 3  # SGD keeps no count
    metadata = {"format": "pt", "optimizer": kind, "epoch": "3"}
    metadata.update({"optimizer." + k: v for k, v in hyper_parameters.items()})
    write("%s.%s.checkpoint.safetensors" % (base, kind), tensors, metadata)
    for k in (1, 2):
        write("%s.%s.grad%d.safetensors" % (base, kind, k), step(), {"format": "pt"})
    write("%s.%s.final.safetensors" % (base, kind), dict(net.state_dict()), {"format": "pt"})


def main(base):
    run(base, "adam", lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.001),
        {"lr": number(0.01), "beta1": number(0.8), "beta2": number(0.99), "eps": number(1e-8),
         "weight_decay": number(0.001)},
        ["exp_avg", "exp_avg_sq"])
    run(base, "momentum",
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
        {"lr": number(0.05), "mu": number(0.9), "nesterov": "true", "weight_decay": number(0.01)},
        ["momentum_buffer"])
    print("wrote %s.*.safetensors with torch %s" % (base, torch.__version__))


if __name__ == "__main__":
    main(sys.argv[1])
