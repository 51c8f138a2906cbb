#!/usr/bin/env python3
"""Plots the per-layer gradient norms written by docs/examples/vanishing_gradients: the same 10-layer
network with sigmoid and with relu, ||dL/dW|| against the layer index on a log scale.

Usage: vanishing_gradients.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/vanishing_gradients.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "vanishing_gradients.png"

with open(csv_dir / "vanishing_gradients.csv", newline="") as f:
    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
layer = [int(r["layer"]) for r in rows]

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(layer, [r["sigmoid"] for r in rows], "o-", label="sigmoid between the layers")
ax.plot(layer, [r["relu"] for r in rows], "s-", label="relu between the layers")
last = rows[-1]["sigmoid"]
ax.plot(layer, [last * 0.25 ** (layer[-1] - l) for l in layer], "k:", label="x 1/4 per layer from layer 10 (max of sigmoid')")
ax.set_yscale("log")
ax.set_xticks(layer)
ax.set_xlabel("dense layer l (1 = next to the input, 10 = output)")
ax.set_ylabel("||dL/dW(l)||  (Frobenius, mean over 8 samples)")
ax.grid(True, which="major", alpha=0.3)
ax.legend()
ax.set_title("Vanishing gradients: 16-32x9-4 network, same seed, same inputs")
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
