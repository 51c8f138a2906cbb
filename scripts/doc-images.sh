#!/usr/bin/env bash
# Regenerates the docs' plots (docs/images/*.png) from the outputs of the last scripts/demo.sh run
# (build/demo), so that what the docs show is what the examples compute. Run it on purpose, after a
# demo run whose figures the docs should show; the demo itself never writes under docs/.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=build/demo
[ -f "$demo/gradient_descent_1d.csv" ] || { echo "doc-images: no demo outputs in $demo: run scripts/demo.sh first" >&2; exit 1; }
for script in docs/plots/*.py; do
    plot=$(basename "$script" .py)
    if [ "$plot" = distributed_scaling ]; then
        echo "doc-images: docs/images/$plot.png comes from the scaling runs in docs/distributed.md, not the demo; kept"
        continue
    fi
    if [ "$plot" = fashion_mnist ] && [ ! -f "$demo/fashion_mnist.csv" ]; then
        echo "doc-images: $demo has no Fashion-MNIST run; docs/images/$plot.png is kept as it is"
        continue
    fi
    /usr/bin/python3 "$script" "$demo" "docs/images/$plot.png"
    echo "docs/images/$plot.png"
done
