#!/usr/bin/env python3
"""Plots the fit written by docs/examples/regression_head: the target sin(2x) and the network's output.

Usage: regression_head.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/regression_head.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "regression_head.png"

with open(csv_dir / "regression_head.csv", newline="") as f:
    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
x = [r["x"] for r in rows]

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(x, [r["target"] for r in rows], label="target sin(2x)")
ax.plot(x, [r["prediction"] for r in rows], "o", markersize=3, label="1-32-32-1 tanh network, identity head")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend()
ax.set_title("Regression head: one output neuron, no activation")
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
