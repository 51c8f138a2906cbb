#!/usr/bin/env python3
"""Plots the slice of held-out test signal written by docs/examples/streaming_effect: the input, the
effect's output (the target) and the trained GRU's output streamed one sample at a time.

Usage: streaming_effect_signal.py [CSV_DIR [OUTPUT]]
       (defaults: build/demo, docs/images/streaming_effect_signal.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "streaming_effect_signal.png"

with open(csv_dir / "streaming_effect_signal.csv", newline="") as f:
    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
ms = [r["ms"] for r in rows]

fig, ax = plt.subplots(figsize=(9, 4.5))
ax.plot(ms, [r["input"] for r in rows], color="0.6", lw=1, label="input x")
ax.plot(ms, [r["target"] for r in rows], color="tab:blue", lw=2.2, label="target tanh(4·lp(x))")
ax.plot(ms, [r["output"] for r in rows], color="tab:orange", lw=1, ls="--", label="GRU, streamed with tg::stream")
ax.set_xlabel("time in the test signal (ms)")
ax.set_ylabel("amplitude")
ax.set_title("Held-out test signal at 48 kHz: input, target and streamed model output")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=9)
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
