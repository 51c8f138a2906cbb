#!/usr/bin/env python3
"""Runs Google Benchmark programs in alternation and prints the best time of each benchmark in each.

Usage: scripts/compare-bench.py BINARY... [--rounds N] [--filter REGEX] [--min-time SECONDS]

Round r runs every binary once, in the given order for even r and reversed for odd r, each with
--benchmark_filter and --benchmark_min_time; the table gives each benchmark's best real time in ns
over the rounds, one column per binary. Two builds of bench/networks (before and after a change, or
at -O2 and -O3) then see the same drift of a shared machine, which one run of each cannot show.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

NS_PER = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--filter", default=".")
    parser.add_argument("--min-time", default="0.3")
    args = parser.parse_args()

    args.binaries = [os.path.abspath(b) for b in args.binaries]  # "networks-v3-O2" runs as well as "./…"
    for binary in args.binaries:
        if not os.access(binary, os.X_OK):
            sys.exit(f"compare-bench: {binary}: not an executable file")

    best: dict[tuple[str, str], float] = {}
    names: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run.json")
        for r in range(args.rounds):
            for binary in args.binaries if r % 2 == 0 else reversed(args.binaries):
                if os.path.exists(out):
                    os.remove(out)  # a run that writes nothing must not leave the last run's results
                run = subprocess.run([binary, f"--benchmark_filter={args.filter}", f"--benchmark_min_time={args.min_time}",
                                      f"--benchmark_out={out}", "--benchmark_out_format=json"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                if run.returncode != 0:
                    sys.exit(f"compare-bench: {binary} exited {run.returncode}:\n{run.stderr}")
                try:
                    with open(out) as f:
                        results = json.load(f)["benchmarks"]
                except (OSError, ValueError, KeyError):
                    sys.exit(f"compare-bench: {binary} gave no results for the filter {args.filter!r}:\n{run.stderr}")
                for b in results:
                    if b["name"] not in names:
                        names.append(b["name"])
                    key = (b["name"], binary)
                    ns = b["real_time"] * NS_PER[b["time_unit"]]
                    best[key] = min(best.get(key, ns), ns)

    width = max(len(n) for n in names) if names else 10
    labels = [os.path.basename(b) for b in args.binaries]
    print(f"{'best ns over ' + str(args.rounds) + ' rounds':<{width}}" + "".join(f"  {l:>16}" for l in labels))
    for n in names:
        cells = (best.get((n, b)) for b in args.binaries)
        print(f"{n:<{width}}" + "".join(f"  {c:>16.1f}" if c is not None else f"  {'-':>16}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
