#!/usr/bin/env bash
# Usage: scripts/ab.sh REV [ROUNDS [fit|stream]]
# Times the headers of git revision REV (A) against those of the working tree (B), in one program that
# alternates the two call by call (bench/ab/), and prints the median of the paired ratios B / A.
#   fit (default): tg::fit of bench/training's two networks (784-128-10, 784-256-128-10) and two with a
#     narrow first layer (784-20-10, 784-50-10), batch 64, one and two threads, two epochs a call;
#     ROUNDS pairs of calls per case (default 30).
#   stream: bench/sequences' streamed models (LSTM 1 → 32, GRU 1 → 40, the conv1d stack, each from
#     tg::params and from tg::inference_params), 4096 steps a call; ROUNDS pairs (default 200).
# Built with $AB_FLAGS (default -O3 -march=native), e.g. AB_FLAGS="-O2 -march=x86-64-v3". For deciding
# a change on a machine whose speed drifts: rows of separate benchmark runs do not compare, paired
# calls do.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:?usage: scripts/ab.sh REV [ROUNDS]}
mode=${3:-fit}
[[ $mode == fit || $mode == stream ]] || { echo "ab: mode must be fit or stream, not '$mode'" >&2; exit 2; }
rounds=${2:-$([[ $mode == fit ]] && echo 30 || echo 200)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" archive "$rev" include | tar -x -C "$work"
read -ra opt <<<"${AB_FLAGS:--O3 -march=native}"
flags=("${opt[@]}" -std=gnu++20 -DNDEBUG -pthread)
echo "ab: A = $rev, B = the working tree, ${opt[*]}; compiling both"
g++ "${flags[@]}" -I"$work/include" -DSIDE=tg_a -c "$root/bench/ab/side.cpp" -o "$work/a.o" &
a=$!
g++ "${flags[@]}" -I"$root/include" -DSIDE=tg_b -c "$root/bench/ab/side.cpp" -o "$work/b.o"
wait $a
g++ "${flags[@]}" -c "$root/bench/ab/main.cpp" -o "$work/main.o"
g++ "${flags[@]}" "$work/a.o" "$work/b.o" "$work/main.o" -o "$work/ab"
"$work/ab" "$mode" "$rounds"
