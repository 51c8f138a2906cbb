#!/usr/bin/env bash
# Usage: scripts/ab.sh REV [ROUNDS]
# Times tg::fit of bench/training's two networks (784-128-10, 784-256-128-10, batch 64, one and two
# threads) with the headers of git revision REV (A) against those of the working tree (B), in one
# program that alternates the two call by call (bench/ab/), and prints the median of the paired
# ratios B / A. ROUNDS pairs of two-epoch calls per case (default 30). Built -O3 -march=native, as the
# benchmarks are. For deciding a change on a machine whose speed drifts: rows of separate benchmark
# runs do not compare, paired calls do.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:?usage: scripts/ab.sh REV [ROUNDS]}
rounds=${2:-30}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" archive "$rev" include | tar -x -C "$work"
flags=(-O3 -march=native -std=gnu++20 -DNDEBUG -pthread)
echo "ab: A = $rev, B = the working tree; compiling both"
g++ "${flags[@]}" -I"$work/include" -DSIDE=tg_a -c "$root/bench/ab/side.cpp" -o "$work/a.o" &
a=$!
g++ "${flags[@]}" -I"$root/include" -DSIDE=tg_b -c "$root/bench/ab/side.cpp" -o "$work/b.o"
wait $a
g++ "${flags[@]}" -c "$root/bench/ab/main.cpp" -o "$work/main.o"
g++ "${flags[@]}" "$work/a.o" "$work/b.o" "$work/main.o" -o "$work/ab"
"$work/ab" "$rounds"
