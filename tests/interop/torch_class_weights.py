#!/usr/bin/env python3
"""PyTorch's class-weighted cross-entropy losses, where python3-torch is installed: a Linear(4, 3)
layer on a batch of 7 samples, then CrossEntropyLoss(weight=w) on its logits and NLLLoss(weight=w)
on log(softmax(logits)), each with the 'mean' reduction (Σ w·loss / Σ w) and 'sum'. Writes, one
name and its numbers per line, the inputs (weight, bias, x, labels, w) and for each loss the value and
the gradients of weight and bias, in double. typegrad's check_class_weights computes the same.

Usage: torch_class_weights.py OUTPUT_PATH. Exits with 77 (CTest: skipped) when torch is missing.
"""
import sys

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so class weights cannot be compared with PyTorch")
    sys.exit(77)


def main(path):
    torch.manual_seed(0)
    layer = torch.nn.Linear(4, 3).double()
    x = torch.randn(7, 4, dtype=torch.float64)
    labels = torch.tensor([0, 2, 1, 2, 2, 0, 1])
    w = torch.tensor([0.5, 2.0, 1.25], dtype=torch.float64)
    lines = {
        "weight": layer.weight.detach().flatten().tolist(),
        "bias": layer.bias.detach().tolist(),
        "x": x.flatten().tolist(),
        "labels": labels.tolist(),
        "class_weights": w.tolist(),
    }
    for reduction in ("mean", "sum"):
        losses = {
            "softmax_cross_entropy": lambda z: torch.nn.functional.cross_entropy(z, labels, weight=w, reduction=reduction),
            "nll": lambda z: torch.nn.functional.nll_loss(torch.log(torch.softmax(z, dim=1)), labels, weight=w,
                                                          reduction=reduction),
        }
        for name, loss in losses.items():
            layer.zero_grad()
            value = loss(layer(x))
            value.backward()
            key = name + "." + reduction
            lines[key + ".value"] = [value.item()]
            lines[key + ".grad_weight"] = layer.weight.grad.flatten().tolist()
            lines[key + ".grad_bias"] = layer.bias.grad.tolist()
    with open(path, "w") as f:
        for name, values in lines.items():
            f.write(name + " " + " ".join(repr(float(v)) for v in values) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
