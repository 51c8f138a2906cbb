#!/usr/bin/env python3
"""PyTorch's activations, where python3-torch is installed: for each of LeakyReLU (0.01 and 0.2),
ELU (1 and 0.5), Softplus, SiLU, GELU (approximate 'none' and 'tanh'), in float32 and float64, the
values at 67 inputs z and the gradient of sum(w * f(z)) for fixed weights w; and for LogSoftmax then
NLLLoss (mean over 5 rows of 10 classes, without and with class weights) the loss and its gradient
with respect to the logits.
typegrad's check_activations computes the same with the layers and compares.

One line per case: name, dtype, then the numbers (z, w, f(z), gradient; for log_softmax_nll the
logits, log-probabilities, loss and gradient). Usage: torch_activations.py OUTPUT_PATH.
Exits with 77 (CTest: skipped) when torch is missing.
"""
import math
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so the activations cannot be compared with PyTorch")
    sys.exit(77)

SPECIAL = [0.0, 1e-3, -1e-3, 1e-6, -1e-6, 0.5, -0.5, 2.7, -2.7, 8.0, -8.0, 10.0, -10.0, 15.0, -15.0,
           19.9, -19.9, 20.0, -20.0, 20.1, -20.1, 25.0, -25.0, 40.0, -40.0, -90.0]
Z = [-6 + 0.3 * i for i in range(41)] + SPECIAL  # 67 inputs, not a multiple of any SIMD width
W = [math.cos(1.7 * i) for i in range(len(Z))]  # the incoming gradient

WEIGHTS = [1.0, 0.5, 2.0, 1.0, 3.0, 1.0, 1.0, 0.25, 1.0, 1.5]  # NLLLoss' class weights, one per class

ACTIVATIONS = {
    "leaky_relu": torch.nn.LeakyReLU(),
    "leaky_relu_0.2": torch.nn.LeakyReLU(0.2),
    "elu": torch.nn.ELU(),
    "elu_0.5": torch.nn.ELU(0.5),
    "softplus": torch.nn.Softplus(),
    "silu": torch.nn.SiLU(),
    "gelu": torch.nn.GELU(),
    "gelu_tanh": torch.nn.GELU(approximate="tanh"),
}


def numbers(t):
    return " ".join(repr(float(v)) for v in t.flatten().tolist())


def main(path):
    lines = []
    for dtype_name, dtype in (("float", torch.float32), ("double", torch.float64)):
        for name, f in ACTIVATIONS.items():
            z = torch.tensor(Z, dtype=dtype, requires_grad=True)
            y = f(z)
            (y * torch.tensor(W, dtype=dtype)).sum().backward()
            lines.append(f"{name} {dtype_name} {numbers(z.detach())} {numbers(torch.tensor(W, dtype=dtype))} "
                         f"{numbers(y.detach())} {numbers(z.grad)}")
        for name, weight in (("log_softmax_nll", None), ("log_softmax_nll_weighted", WEIGHTS)):
            torch.manual_seed(1)
            x = (torch.randn(5, 10, dtype=dtype) * 3).requires_grad_()
            labels = torch.tensor([3, 0, 9, 4, 4])
            log_p = torch.nn.functional.log_softmax(x, dim=1)
            w = None if weight is None else torch.tensor(weight, dtype=dtype)
            loss = torch.nn.functional.nll_loss(log_p, labels, weight=w)
            loss.backward()
            lines.append(f"{name} {dtype_name} {numbers(x.detach())} {numbers(log_p.detach())} "
                         f"{repr(float(loss))} {numbers(x.grad)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
