#!/usr/bin/env bash
# Usage: scripts/exhaustive-activations.sh [LEVEL...]
# Runs tests/exhaustive/activations.cpp, every float through typegrad's float approximations (tg::tanh,
# tg::sigmoid, the gates' σ and tanh) against double, built for each x86-64 LEVEL (default: baseline,
# x86-64-v2, x86-64-v3, and x86-64-v4 where the host has AVX-512; "baseline" means no -march). Prints
# each function's largest error, where, and its output range; exits 1 if one exceeds its documented
# bound. About a minute a level on two cores: a tool to run when an approximation changes, not a test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"  # xsimd's headers
levels=("$@")
if [[ ${#levels[@]} -eq 0 ]]; then
    levels=(baseline x86-64-v2 x86-64-v3)
    grep -q avx512bw /proc/cpuinfo && levels+=(x86-64-v4)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for level in "${levels[@]}"; do
    march=()
    [[ $level != baseline ]] && march=(-march="$level")
    g++ -O2 "${march[@]}" -std=gnu++20 -DNDEBUG -pthread -I"$root/include" "$root/tests/exhaustive/activations.cpp" \
        -o "$work/activations-$level"
    echo "== $level"
    "$work/activations-$level" || status=1
done
exit $status
