#!/usr/bin/env python3
"""PyTorch's side of the Fashion-MNIST rows comparison in docs/sequences.md: the network, optimiser and
batches of docs/examples/fashion_rows.cpp (each image 28 steps of 28 pixels into nn.GRU(28, 64,
batch_first=True), its last step's hidden state into nn.Linear(64, 10), softmax cross-entropy as the
mean over the batch, Adam with learning rate 2e-3, batch 64, a new shuffle every epoch), on a fixed
number of threads. Prints the training loss, test accuracy and seconds of every epoch; the seconds count
the training only (shuffle, batches, forward, backward, update), as typegrad's epoch time does; "cpu" is
the processor time of all the process's threads in that time.

Batches are slices of tensors held in memory (no DataLoader, whose per-batch overhead would make the
comparison unfair to PyTorch).

Usage: /usr/bin/python3 bench/pytorch_fashion_rows.py [--threads N] [--epochs N] [--hidden N] [DATA_DIR]
Needs Debian's python3-torch; DATA_DIR defaults to /usr/share/datasets/fashion-mnist.
"""
import argparse
import os

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("data", nargs="?", default="/usr/share/datasets/fashion-mnist")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--hidden", type=int, default=64)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
# The BLAS library's own threads (OpenBLAS, OpenMP) follow these; they must be set before torch loads.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(args.threads)
# OpenMP's default active waiting collapses on a machine busy with other work; passive waiting costs
# nothing when the cores are free.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import gzip  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def read_idx(name, header_bytes):
    with gzip.open(os.path.join(args.data, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


def read_set(prefix):
    images = read_idx(f"{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28).astype(np.float32) / 255
    labels = read_idx(f"{prefix}-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return torch.from_numpy(images), torch.from_numpy(labels)


class Rows(nn.Module):
    """gru 28 -> hidden over the 28 rows, the last step's output, dense hidden -> 10."""

    def __init__(self, hidden):
        super().__init__()
        self.gru = nn.GRU(28, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 10)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1])


torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
train_x, train_y = read_set("train")
test_x, test_y = read_set("t10k")
model = Rows(args.hidden)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
batch = 64

print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s); gru 28 -> {args.hidden}, "
      f"dense {args.hidden} -> 10; {len(train_x)} training, {len(test_x)} test images of 28 rows")
times, cpu_times = [], []
for epoch in range(1, args.epochs + 1):
    start, cpu_start = time.perf_counter(), time.process_time()
    model.train()
    order = torch.randperm(len(train_x))
    loss_sum = 0.0
    for begin in range(0, len(train_x), batch):
        idx = order[begin:begin + batch]
        x, y = train_x[idx], train_y[idx]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(idx)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    times.append(seconds)
    cpu_times.append(cpu_seconds)
    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(f"epoch {epoch}/{args.epochs}  loss {loss_sum / len(train_x):.4f}  test accuracy {accuracy:.4f}  "
          f"{seconds:.2f} s (cpu {cpu_seconds:.2f} s)", flush=True)
print(f"mean {sum(times) / len(times):.2f} s per epoch (cpu {sum(cpu_times) / len(cpu_times):.2f} s), fastest "
      f"{min(times):.2f} s; final test accuracy {accuracy:.4f}")
