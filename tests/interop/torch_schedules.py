#!/usr/bin/env python3
"""PyTorch's learning-rate schedulers, where python3-torch is installed: steps each scheduler as a
training loop does (read the rate, then scheduler.step()) and writes one line per schedule, its name
and the rates, to OUTPUT_PATH. typegrad's check_schedules computes the same schedules and compares.

Usage: torch_schedules.py OUTPUT_PATH. Exits with 77 (CTest: skipped) when torch is missing.
"""
import sys
import warnings

try:
    import torch
except ImportError:
    print("skipped: python3-torch is not installed, so the schedules cannot be compared with PyTorch")
    sys.exit(77)

BASE, STEPS = 0.1, 16


def rates(make):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE)
    scheduler = make(optimizer)
    out = []
    for _ in range(STEPS):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return out


def main(path):
    s = torch.optim.lr_scheduler
    schedules = {
        "step": lambda o: s.StepLR(o, step_size=3, gamma=0.5),
        "exponential": lambda o: s.ExponentialLR(o, gamma=0.9),
        "cosine": lambda o: s.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
        "linear": lambda o: s.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=4),
        "warmup_cosine": lambda o: s.SequentialLR(
            o, [s.LinearLR(o, start_factor=0.1, total_iters=4), s.CosineAnnealingLR(o, T_max=8)], milestones=[4]),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's deprecation notes on step(epoch)
        lines = [name + " " + " ".join(repr(r) for r in rates(make)) for name, make in schedules.items()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
