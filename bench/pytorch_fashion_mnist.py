#!/usr/bin/env python3
"""PyTorch's side of the Fashion-MNIST comparison in docs/benchmarks.md: the network, optimiser and
batches of docs/examples/fashion_mnist.cpp (784 -> 256 -> 128 -> 10 relu, softmax cross-entropy as
the mean over the batch, Adam with a learning rate from 1e-3 down a cosine over the epochs, batch 64,
a new shuffle every epoch), on a fixed number of threads. Prints the training loss, test accuracy and seconds of every epoch; the seconds count the
training only (shuffle, batches, forward, backward, update), as typegrad's epoch time does; "cpu" is
the processor time of all the process's threads in that time.

Batches are slices of tensors held in memory (no DataLoader, whose per-batch overhead would make the
comparison unfair to PyTorch).

Usage: /usr/bin/python3 bench/pytorch_fashion_mnist.py [--threads N] [--epochs N] [--schedule cosine|constant] [DATA_DIR]
       /usr/bin/python3 bench/pytorch_fashion_mnist.py --evaluate build/demo/fashion_mnist.safetensors
Needs Debian's python3-torch; DATA_DIR defaults to /usr/share/datasets/fashion-mnist. PyTorch uses
the system's BLAS (libblas.so.3): install libopenblas0-pthread, or it runs the reference BLAS. OpenBLAS
0.3.21 does not know CPUs newer than itself and falls back to SSE3 ("Prescott") kernels on them;
OPENBLAS_CORETYPE=SkylakeX (or Cooperlake) selects its AVX-512 kernels. The script prints the kernels
in use.
"""
import argparse
import os

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("data", nargs="?", default="/usr/share/datasets/fashion-mnist")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--evaluate", metavar="SAFETENSORS",
                    help="only load these weights (e.g. the demo's fashion_mnist.safetensors) and print the test accuracy")
parser.add_argument("--schedule", choices=["cosine", "constant"], default="cosine", help="of the learning rate")
args = parser.parse_args()
# The BLAS library's own threads (OpenBLAS, OpenMP) follow these; they must be set before torch loads.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(args.threads)
# OpenMP's default active waiting collapses on a machine busy with other work (114 s per epoch instead of
# 4 s on two threads here); passive waiting costs nothing when the cores are free.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import ctypes  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def read_idx(name, header_bytes):
    with gzip.open(os.path.join(args.data, name)) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header_bytes)


def read_set(prefix):
    images = torch.from_numpy(read_idx(f"{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255)
    labels = torch.from_numpy(read_idx(f"{prefix}-labels-idx1-ubyte.gz", 8).astype(np.int64))
    return images, labels


torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
train_x, train_y = read_set("train")
test_x, test_y = read_set("t10k")

model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def read_safetensors(path):
    """A state_dict from a safetensors file of F32 tensors, read with json and numpy (Debian has no
    safetensors package): 8 bytes of header length, the JSON header, then the data."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    header.pop("__metadata__", None)
    data = raw[8 + length:]
    return {name: torch.from_numpy(np.frombuffer(data[t["data_offsets"][0]:t["data_offsets"][1]], dtype="<f4")
                                   .reshape(t["shape"]).copy()) for name, t in header.items()}


if args.evaluate:
    model.load_state_dict(read_safetensors(args.evaluate))  # strict: every name and shape must match
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(f"{args.evaluate} in PyTorch: test accuracy {accuracy:.4f}")
    raise SystemExit
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: 1.0) if args.schedule == "constant" else \
    torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
batch = 64



def blas_in_use():
    """The BLAS library this process loaded and, for OpenBLAS, the CPU kernels it chose."""
    torch.mm(test_x[:2], test_x[:2].T)  # loads the BLAS library
    with open("/proc/self/maps") as maps:
        libraries = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1]})
    openblas = [path for path in libraries if "libopenblas" in path]
    if not openblas:
        return ", ".join(libraries) or "none found"
    corename = ctypes.CDLL(openblas[0]).openblas_get_corename
    corename.restype = ctypes.c_char_p
    return f"{openblas[0]} with {corename().decode()} kernels"


print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), BLAS: {blas_in_use()}; "
      f"{len(train_x)} training, {len(test_x)} test images")
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
    schedule.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    print(f"epoch {epoch}/{args.epochs}  loss {loss_sum / len(train_x):.4f}  test accuracy {accuracy:.4f}  {seconds:.2f} s (cpu {cpu_seconds:.2f} s)",
          flush=True)
print(f"mean {sum(times) / len(times):.2f} s per epoch (cpu {sum(cpu_times) / len(cpu_times):.2f} s), fastest "
      f"{min(times):.2f} s; final test accuracy {accuracy:.4f}")
