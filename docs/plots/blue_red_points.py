#!/usr/bin/env python3
"""Plots what docs/examples/blue_red_points learned: the plane coloured by the network's predicted
class, the training points in their true colours, the held-out points it gets wrong, and the seed's
two lines 3x - y = 0 and -3x + 2y + 3 = 0.

Usage: blue_red_points.py [CSV_DIR [OUTPUT]]   (defaults: build/demo, docs/images/blue_red_points.png)
"""
import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
import numpy as np  # noqa: E402

root = Path(__file__).resolve().parents[2]
csv_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "demo"
output = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "docs" / "images" / "blue_red_points.png"

with open(csv_dir / "blue_red_points.csv", newline="") as f:
    points = list(csv.DictReader(f))
with open(csv_dir / "blue_red_points_grid.csv", newline="") as f:
    grid = np.array([[float(r["x"]), float(r["y"]), float(r["predicted"])] for r in csv.DictReader(f)])

# The grid is written x-major: steps + 1 values of y for each x.
xs = np.unique(grid[:, 0])
ys = np.unique(grid[:, 1])
classes = grid[:, 2].reshape(len(xs), len(ys)).T  # rows: y, columns: x

fig, ax = plt.subplots(figsize=(6.5, 9))
ax.pcolormesh(xs, ys, classes, cmap=ListedColormap(["#f6c8c8", "#c8d4f6"]), vmin=0, vmax=1, shading="nearest")

train = [p for p in points if p["set"] == "train"]
for label, colour, name in (("0", "tab:red", "red"), ("1", "tab:blue", "blue")):
    chosen = [p for p in train if p["label"] == label]
    ax.scatter([float(p["x"]) for p in chosen], [float(p["y"]) for p in chosen], s=4, c=colour,
               label=f"{name} training point ({len(chosen)})")
wrong = [p for p in points if p["set"] == "test" and p["label"] != p["predicted"]]
tested = sum(p["set"] == "test" for p in points)
ax.scatter([float(p["x"]) for p in wrong], [float(p["y"]) for p in wrong], s=40, marker="x", c="black",
           label=f"held-out point classified wrong ({len(wrong)} of {tested})")

x = np.array([xs[0], xs[-1]])
ax.plot(x, 3 * x, "k--", linewidth=1, label="3x - y = 0")
ax.plot(x, (3 * x - 3) / 2, "k:", linewidth=1.5, label="-3x + 2y + 3 = 0")
ax.set_xlim(xs[0], xs[-1])
ax.set_ylim(ys[0], ys[-1])
ax.set_aspect("equal")  # true angles between the lines
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
ax.set_title("Blue and red points: regions learned by a 2-16-16-2 relu network")
fig.tight_layout()
output.parent.mkdir(parents=True, exist_ok=True)
fig.savefig(output, dpi=100)
print(f"wrote {output}")
