#!/usr/bin/env python3
"""Plots the trajectories written by docs/examples/gradient_descent: loss = x^2 for three learning
rates, and the path of (w, b) over the contours of the two-variable loss.

Usage: gradient_descent.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/gradient_descent.png)
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
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "gradient_descent.png"


def read(name):
    with open(csv_dir / name, newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


one = read("gradient_descent_1d.csv")
two = read("gradient_descent_2d.csv")

fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(16, 5))

# Left: loss = x^2 and the points each learning rate visits.
xs = np.linspace(-11, 11, 400)
ax1.plot(xs, xs**2, color="0.7", lw=1.5, label="loss = x²")
styles = {1.0: ("tab:red", "η = 1 (no learning rate): 10 → −10 → 10 …"),
          0.8: ("tab:blue", "η = 0.8: 10 → −6 → 3.6 → −2.16 …"),
          0.1: ("tab:green", "η = 0.1: slides down one side")}
for eta, (color, label) in styles.items():
    run = [r for r in one if r["learning_rate"] == eta][:12]
    ax1.plot([r["x"] for r in run], [r["loss"] for r in run], "o-", color=color, ms=4, lw=1, alpha=0.8,
             label=label)
ax1.set_title("One variable: x ← x − η·f′(x), from x = 10")
ax1.set_xlabel("x")
ax1.set_ylabel("loss")
ax1.legend(fontsize=8, loc="upper center")

# Middle: the path of (w, b) over the contours of loss = Σ (yᵢ − (w·xᵢ + b))².
X = np.array([1, 2, 3, 4.0])
Y = np.array([5, 7, 9, 11.0])
W, B = np.meshgrid(np.linspace(-0.5, 5.5, 300), np.linspace(-1, 7, 300))
L = sum((y - (W * x + B)) ** 2 for x, y in zip(X, Y))
contours = ax2.contour(W, B, np.log10(L), levels=np.linspace(-1, 3.5, 10), cmap="viridis", linewidths=0.8)
ax2.clabel(contours, fmt=lambda v: f"{10 ** v:.3g}", fontsize=7)
ax2.plot([r["w"] for r in two], [r["b"] for r in two], ".-", color="tab:red", ms=3, lw=0.8,
         label=f"η = 0.02, {len(two) - 1} steps")
ax2.plot([5], [5], "ks", label="start w = b = 5")
ax2.plot([2], [3], "k*", ms=12, label="w = 2, b = 3")
ax2.set_title("Two variables: ŷ = w·x + b, path of (w, b) over the loss")
ax2.set_xlabel("w")
ax2.set_ylabel("b")
ax2.legend(fontsize=8)

# Right: loss and gradient norm per step (log scale) for the two-variable run.
steps = [r["step"] for r in two]
ax3.semilogy(steps, [r["loss"] for r in two], label="loss")
ax3.semilogy(steps, [np.hypot(r["gradient_w"], r["gradient_b"]) for r in two], label="‖gradient‖")
ax3.axhline(1e-6, color="0.5", ls="--", lw=1, label="threshold 1e-6")
ax3.set_title("Two variables: loss and gradient norm per step")
ax3.set_xlabel("step")
ax3.legend(fontsize=8)

fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=110)
print(f"wrote {output}")
