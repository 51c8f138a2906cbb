#!/usr/bin/env bash
# typegrad's main job: builds the examples and runs them in the order the tutorial tells them.
# Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=${JOBS:-$(nproc)}
scripts/configure.sh build/release
cmake --build build/release -j"$jobs" --target all
out=build/demo
mkdir -p "$out"
for example in seed_neurons seed_activations seed_two_lines regression_head classification_head \
               gradient_descent blue_red_points vanishing_gradients \
               read_fashion_mnist read_csv save_load_safetensors; do
    echo "== $example"
    (cd "$out" && "../release/docs/examples/$example")
done
/usr/bin/python3 docs/plots/gradient_descent.py "$out"  # Debian's python3-matplotlib
/usr/bin/python3 docs/plots/seed_activations.py "$out"
/usr/bin/python3 docs/plots/regression_head.py "$out"
/usr/bin/python3 docs/plots/blue_red_points.py "$out"
/usr/bin/python3 docs/plots/vanishing_gradients.py "$out"
echo "== outputs are in $out"
