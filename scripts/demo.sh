#!/usr/bin/env bash
# typegrad's main job: runs the tutorial's quick examples in the order it tells them, then trains a
# 784-256-128-10 network on Fashion-MNIST (docs/fashion-mnist.md), a GRU that reads the same images
# row by row (docs/sequences.md) and the same network again on 2 MPI processes (docs/distributed.md),
# then a hyper-parameter sweep over 3 processes, and plots every example's output, all under build/demo.
# Installs missing Debian packages first; where the data set cannot be installed it says so and
# trains the seed's blue/red points (docs/blue-red-points.md) as the main job instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=${JOBS:-$(nproc)}
examples=(seed_neurons seed_activations named_activations seed_two_lines regression_head classification_head
          gradient_descent losses optimizers blue_red_points vanishing_gradients dropout_batch_norm
          per_sample_training batch_training_loop sequence_basics streaming_effect
          read_fashion_mnist read_csv save_load_safetensors)
data=$(realpath -m "${TYPEGRAD_FASHION_MNIST:-/usr/share/datasets/fashion-mnist}")
main=(fashion_mnist "$data" .)  # the program, its data and output directories
if [ ! -f "$data/train-images-idx3-ubyte.gz" ]; then
    main=(blue_red_points)
    echo "== Fashion-MNIST is not installed in $data (Debian package dataset-fashion-mnist):"
    echo "   the main job will train the seed's blue/red points instead"
fi

echo "== building the examples in build/release"
scripts/configure.sh build/release
cmake --build build/release -j"$jobs" --target "${examples[@]}" fashion_mnist fashion_rows fashion_mpi sweep_mpi
out=build/demo
mkdir -p "$out"
for example in "${examples[@]}"; do
    [ "$example" = "${main[0]}" ] && continue  # runs last, as the main job
    echo "== $example"
    (cd "$out" && "../release/docs/examples/$example")
done

echo "== main job: ${main[0]}"
(cd "$out" && "../release/docs/examples/${main[0]}" "${main[@]:1}")
if [ "${main[0]}" = fashion_mnist ]; then
    echo "== a sequence network on the same data: a GRU reads each image row by row (fashion_rows)"
    build/release/docs/examples/fashion_rows "$data"
fi
# Open MPI refuses to start as root unless told; a container runs the demo as root.
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if [ "${main[0]}" = fashion_mnist ]; then
    echo "== the same 784-256-128-10 network on 2 MPI processes, one thread each (tg::mpi::fit, fashion_mpi)"
    mpirun -np 2 --oversubscribe build/release/docs/examples/fashion_mpi --epochs=3 "$data" "$out"
fi
echo "== a hyper-parameter sweep, one configuration per MPI process at a time (sweep_mpi)"
mpirun -np 3 --oversubscribe build/release/docs/examples/sweep_mpi

echo "== plots"
plots=(gradient_descent seed_activations named_activations regression_head optimizers blue_red_points vanishing_gradients
       sequence_basics streaming_effect_loss streaming_effect_signal)
[ "${main[0]}" = fashion_mnist ] && plots+=(fashion_mnist distributed_scaling)
for plot in "${plots[@]}"; do
    /usr/bin/python3 "docs/plots/$plot.py" "$out" "$out/$plot.png"  # Debian's python3-matplotlib
done
echo "== outputs and plots are in $out (scripts/doc-images.sh copies the plots into docs/images)"
