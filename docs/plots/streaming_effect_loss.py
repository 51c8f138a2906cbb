#!/usr/bin/env python3
"""Plots the training loss written by docs/examples/streaming_effect: the mean squared error of each
Adam step (8 generated clips of 512 samples) of a GRU 1 -> 16 + dense head learning y = tanh(4·lp(x)).

Usage: streaming_effect_loss.py [CSV_DIR [OUTPUT]]
       (defaults: build/demo, docs/images/streaming_effect_loss.png)
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
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "streaming_effect_loss.png"

with open(csv_dir / "streaming_effect_loss.csv", newline="") as f:
    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
step = np.array([r["step"] for r in rows])
loss = np.array([r["loss"] for r in rows])
window = 25  # steps in the running mean
smooth = np.convolve(loss, np.ones(window) / window, mode="valid")

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.semilogy(step, loss, color="tab:blue", alpha=0.3, lw=0.8, label="each step (8 new clips)")
ax.semilogy(step[window - 1:], smooth, color="tab:blue", lw=1.6, label=f"running mean of {window} steps")
ax.set_xlabel("Adam step")
ax.set_ylabel("mean squared error")
ax.set_title("GRU 1 → 16 + dense learning tanh(4·lp(x)), lp: one-pole 2 kHz", fontsize=11)
ax.legend()
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
