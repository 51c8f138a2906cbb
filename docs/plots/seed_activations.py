#!/usr/bin/env python3
"""Plots the activations and their derivatives written by docs/examples/seed_activations.

Usage: seed_activations.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/seed_activations.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "seed_activations.png"

with open(csv_dir / "seed_activations.csv", newline="") as f:
    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
z = [r["z"] for r in rows]

fig, axes = plt.subplots(1, 4, figsize=(16, 4), sharex=True)
for ax, name in zip(axes, ["sign", "sigmoid", "relu", "tanh"]):
    ax.plot(z, [r[name] for r in rows], label=f"{name}(z)")
    ax.plot(z, [r[name + "_d"] for r in rows], "--", label=f"{name}'(z)")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_title(name)
    ax.set_xlabel("z")
    ax.legend(loc="upper left")
fig.suptitle("Activations and the derivatives their backward pass uses (tg::sign, tg::sigmoid, tg::relu, tg::tanh)")
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
