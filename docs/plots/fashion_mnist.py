#!/usr/bin/env python3
"""Plots the training curves written by docs/examples/fashion_mnist: the mean training loss and the
learning rate per epoch, and the training, validation and test accuracy per epoch, with the demo's 0.89
target.

Usage: fashion_mnist.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/fashion_mnist.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "fashion_mnist.png"

with open(csv_dir / "fashion_mnist.csv", newline="") as f:
    rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
epoch = [int(r["epoch"]) for r in rows]
seconds = sum(r["seconds"] for r in rows)

fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4.2))
loss_ax.plot(epoch, [r["loss"] for r in rows], "o-")
loss_ax.set_xlabel("epoch")
loss_ax.set_ylabel("mean training loss (softmax cross-entropy)")
loss_ax.set_title("Training loss and Adam's learning rate")
lr_ax = loss_ax.twinx()
lr_ax.plot(epoch, [r["learning_rate"] * 1e3 for r in rows], "--", color="grey")
lr_ax.set_ylabel("learning rate (x 1e-3, dashed)", color="grey")
lr_ax.set_ylim(0, 1.05)

acc_ax.plot(epoch, [r["train_accuracy"] for r in rows], "o-", label="training set (during the epoch)")
acc_ax.plot(epoch, [r["validation_accuracy"] for r in rows], "^-", label="validation set (held out, after the epoch)")
acc_ax.plot(epoch, [r["test_accuracy"] for r in rows], "s-", label="test set (after the epoch)")
acc_ax.axhline(0.89, color="k", linestyle=":", label="target 0.89")
last = rows[-1]
acc_ax.annotate(f"{last['test_accuracy']:.4f}", (epoch[-1], last["test_accuracy"]), textcoords="offset points",
                xytext=(0, 8), ha="center")
acc_ax.set_xlabel("epoch")
acc_ax.set_ylabel("accuracy")
acc_ax.set_title("Accuracy")
acc_ax.legend(loc="lower right")

for ax in (loss_ax, acc_ax):
    ax.set_xticks(epoch)
    ax.grid(True, alpha=0.3)
fig.suptitle(f"Fashion-MNIST, 784-256-128-10 relu, Adam, batch 64: {len(rows)} epochs in {seconds:.0f} s of training (wall time)")
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
