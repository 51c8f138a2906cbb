#!/usr/bin/env bash
# Usage: scripts/compile-time.sh REV [ROUNDS]
# Compile times of the headers of git revision REV (A) against those of the working tree (B), one
# compile at a time, A and B in alternation, ROUNDS rounds (default 3), so that both see the same drift
# of a shared machine. Translation units: the Fashion-MNIST demo (docs/examples/fashion_mnist.cpp), the
# guide's budget of 15 s (bench/compile/fit_784.cpp: 784-256-128-10 trained with tg::fit) and
# <typegrad/typegrad.hpp> alone (bench/compile/include_only.cpp). Flags $CT_FLAGS (default
# -O2 -march=native, as most users build); prints each one's wall seconds, lowest to highest, and peak memory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:?usage: scripts/compile-time.sh REV [ROUNDS]}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/a"
git -C "$root" archive "$rev" include | tar -x -C "$work/a"
read -ra opt <<<"${CT_FLAGS:--O2 -march=native}"
units=(docs/examples/fashion_mnist.cpp bench/compile/fit_784.cpp bench/compile/include_only.cpp)
echo "compile-time: A = $rev, B = the working tree, g++ ${opt[*]}, $rounds rounds"
for ((r = 0; r < rounds; ++r)); do
    for unit in "${units[@]}"; do
        for side in a b; do
            include=$root/include
            [[ $side == a ]] && include=$work/a/include
            /usr/bin/time -f "$unit $side %e %M" -a -o "$work/times" \
                g++ "${opt[@]}" -std=gnu++20 -DNDEBUG -I"$include" -c "$root/$unit" -o "$work/unit.o"
        done
    done
done
python3 - "$work/times" "$rev" <<'PY'
import collections, sys
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    unit, side, wall, kb = line.split()
    times[unit, side].append((float(wall), int(kb)))
print(f"{'translation unit':36} {'A: ' + sys.argv[2]:>24} {'B: working tree':>24}")
for unit in dict.fromkeys(u for u, _ in times):
    cells = []
    for side in "ab":
        walls = sorted(w for w, _ in times[unit, side])
        cells.append(f"{walls[0]:.1f}-{walls[-1]:.1f} s, {max(k for _, k in times[unit, side]) // 1024} MB")
    print(f"{unit:36} {cells[0]:>24} {cells[1]:>24}")
PY
