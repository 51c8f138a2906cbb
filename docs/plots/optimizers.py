#!/usr/bin/env python3
"""Plots the runs written by docs/examples/optimizers: the loss per step of sgd, momentum, Nesterov
momentum and Adam on the seed's line fit, and their paths of (w, b) over the loss's contours.

Usage: optimizers.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/optimizers.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "optimizers.png"

runs = {}
with open(csv_dir / "optimizers.csv", newline="") as f:
    for row in csv.DictReader(f):
        runs.setdefault(row["optimizer"], []).append({k: float(v) for k, v in row.items() if k != "optimizer"})

labels = {"sgd": "sgd{0.02}", "momentum": "momentum{0.02, 0.7}", "nesterov": "momentum{0.02, 0.7, true}",
          "adam": "adam{0.5}"}
colors = {"sgd": "tab:red", "momentum": "tab:blue", "nesterov": "tab:green", "adam": "tab:purple"}

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5.5))

# Left: the loss per step, log scale, until the gradient's norm is below 1e-6.
for name, run in runs.items():
    ax1.semilogy([r["step"] for r in run], [r["loss"] for r in run], color=colors[name], lw=1.2,
                 label=f"{labels[name]}: {len(run) - 1} steps")
ax1.set_title("Loss Σ (yᵢ − (w·xᵢ + b))² per step, from w = b = 5")
ax1.set_xlabel("step")
ax1.set_ylabel("loss")
ax1.legend(fontsize=9)

# Right: the paths of (w, b) over the contours of the loss, the first 60 steps of each.
X = np.array([1, 2, 3, 4.0])
Y = np.array([5, 7, 9, 11.0])
W, B = np.meshgrid(np.linspace(-3, 6, 300), np.linspace(1, 6.5, 300))
L = sum((y - (W * x + B)) ** 2 for x, y in zip(X, Y))
contours = ax2.contour(W, B, np.log10(L), levels=np.linspace(-1, 3.5, 10), cmap="Greys", linewidths=0.7)
ax2.clabel(contours, fmt=lambda v: f"{10 ** v:.3g}", fontsize=7)
for name, run in runs.items():
    first = run[:60]
    ax2.plot([r["w"] for r in first], [r["b"] for r in first], ".-", color=colors[name], ms=3, lw=0.8,
             label=labels[name])
ax2.plot([5], [5], "ks", label="start w = b = 5")
ax2.plot([2], [3], "k*", ms=12, label="w = 2, b = 3")
ax2.set_title("Paths of (w, b), first 60 steps")
ax2.set_xlabel("w")
ax2.set_ylabel("b")
ax2.legend(fontsize=8, loc="upper left")

fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=110)
print(f"wrote {output}")
