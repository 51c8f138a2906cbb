#!/usr/bin/env python3
"""Plots the run written by docs/examples/sequence_basics: the training loss per epoch of the conv1d
network and the first 256 samples of the signal, the effect's output and the network's, streamed.

Usage: sequence_basics.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/sequence_basics.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "sequence_basics.png"


def read(name):
    with open(csv_dir / name, newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


loss = read("sequence_basics_loss.csv")
signal = read("sequence_basics_signal.csv")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 4.5), gridspec_kw={"width_ratios": [1, 2]})
ax1.semilogy([r["epoch"] for r in loss], [r["loss"] for r in loss], color="tab:blue", lw=1)
ax1.set_title("Training loss per epoch (8 windows of 64 steps)")
ax1.set_xlabel("epoch")
ax1.set_ylabel("mean squared error")

t = [r["t"] for r in signal]
ax2.plot(t, [r["input"] for r in signal], color="0.6", lw=1, label="input x")
ax2.plot(t, [r["target"] for r in signal], color="tab:blue", lw=2.2,
         label="target tanh(3·(0.5·x(t) + 0.3·x(t−2) + 0.2·x(t−4)))")
ax2.plot(t, [r["output"] for r in signal], color="tab:orange", lw=1, ls="--", label="conv1d network, streamed")
ax2.set_title("The first 256 steps of the signal, streamed with tg::stream")
ax2.set_xlabel("step t")
ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=9)
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
