#!/usr/bin/env python3
"""Plots the named activations and their derivatives written by docs/examples/named_activations.

Usage: named_activations.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/named_activations.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "named_activations.png"

with open(csv_dir / "named_activations.csv", newline="") as f:
    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
z = [r["z"] for r in rows]

names = ["leaky_relu", "elu", "softplus", "silu", "gelu", "gelu_tanh"]
titles = {"leaky_relu": "leaky_relu<std::ratio<1, 10>>", "elu": "elu<> (alpha 1)"}
fig, axes = plt.subplots(2, 3, figsize=(14, 8), sharex=True)
for ax, name in zip(axes.flat, names):
    ax.plot(z, [r[name] for r in rows], label=f"{name}(z)")
    ax.plot(z, [r[name + "_d"] for r in rows], "--", label=f"{name}'(z)")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.axvline(0, color="grey", linewidth=0.5)
    ax.set_title(titles.get(name, name))
    ax.set_xlabel("z")
    ax.legend(loc="upper left")
fig.suptitle("Named activations and the derivatives their backward pass uses")
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
