#!/usr/bin/env python3
"""Plots the epoch times docs/examples/mpi/fashion_mpi appends to fashion_mpi.csv: for every run setup
(processes x threads, global batch), the best epoch time, split into computing and summing gradients,
beside the scaling model of docs/distributed.md where the runs to fit it are there (1 x 1 and 2 x 1 at
batch 64: the time per sample c and one sum's time).

Usage: distributed_scaling.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/distributed_scaling.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "distributed_scaling.png"

best = {}  # (processes, threads, batch) -> the row with the smallest epoch time
with open(csv_dir / "fashion_mpi.csv", newline="") as f:
    for row in csv.DictReader(f):
        key = (int(row["processes"]), int(row["threads"]), int(row["batch"]))
        if key not in best or float(row["epoch_seconds"]) < float(best[key]["epoch_seconds"]):
            best[key] = row
setups = sorted(best, key=lambda k: (k[2], k[0] * k[1], k[0]))


def model(processes, threads, batch):
    """N·c / cores used + (N / B)·t_allreduce(R), a ring's 2(R - 1)/R scaling from the 2-process sum."""
    one, two = best.get((1, 1, 64)), best.get((2, 1, 64))
    if not one or not two or processes * threads > 2:  # fitted on this 2-core host's runs
        return None
    n = int(one["samples"])
    c = float(one["epoch_seconds"]) / n
    steps64 = -(-n // 64)
    sum_two = float(two["allreduce_seconds_per_epoch"]) / steps64  # one sum between 2 processes
    allreduce = 0 if processes == 1 else sum_two * 2 * (processes - 1) / processes
    return n * c / (processes * threads) + -(-n // batch) * allreduce


labels = [f"{p} x {t}\nbatch {b}" + ("\n(3 on 2 cores)" if p * t > 2 else "") for p, t, b in setups]
summing = [float(best[k]["allreduce_seconds_per_epoch"]) for k in setups]
compute = [float(best[k]["epoch_seconds"]) - s for k, s in zip(setups, summing)]
x = range(len(setups))
fig, ax = plt.subplots(figsize=(9, 4.5))
ax.bar(x, compute, label="computing (forward, backward, update)")
ax.bar(x, summing, bottom=compute, label="summing gradients (MPI_Allreduce)")
predicted = [(i, model(*k)) for i, k in enumerate(setups)]
predicted = [(i, m) for i, m in predicted if m is not None]
if predicted:
    ax.plot([i for i, _ in predicted], [m for _, m in predicted], "kD", label="the scaling model")
ax.set_xticks(list(x), labels)
ax.set_xlabel("processes x threads per process")
ax.set_ylabel("seconds per epoch (60 000 images)" if best else "seconds per epoch")
ax.set_title("tg::mpi::fit, 784-256-128-10 on Fashion-MNIST, one machine (shared memory)")
ax.legend()
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=110)
print(f"wrote {output}")
