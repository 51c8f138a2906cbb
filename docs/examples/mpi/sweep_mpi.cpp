// A hyper-parameter sweep over MPI processes (docs/distributed.md): twelve configurations (learning rate x
// batch size) of a 2-16-2 tanh network that learns which points lie inside a circle. Configuration k
// trains on process k mod size with a plain one-process tg::fit: the processes do not talk while they
// train, so the sweep runs `size` times as fast on `size` cores. At the end, the validation losses are
// summed onto process 0 (each configuration's comes from one process), which prints the table and the
// best configuration. Fails unless the best reaches a validation accuracy of 0.95.
//
//   mpirun -np 3 sweep_mpi
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <vector>

#include <boost/mpi/collectives/reduce.hpp>

#include <typegrad/mpi.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 16>, tg::tanh, tg::dense<16, 2>>;

/// n points uniform in [-1, 1)², labelled 1 inside the circle of radius 0.7.
tg::dataset<float, 2> circle(std::size_t n, std::uint64_t seed) {
    tg::dataset<float, 2> set;
    set.classes = 2;
    tg::rng r{seed};
    for (std::size_t i = 0; i < n; ++i) {
        const tg::vec<float, 2> x{float(r.uniform(-1, 1)), float(r.uniform(-1, 1))};
        set.push_back(x, x[0] * x[0] + x[1] * x[1] < 0.49f ? 1 : 0);
    }
    return set;
}

struct configuration {
    double lr;
    std::size_t batch_size;
};

int main(int argc, char** argv) {
    tg::mpi::session mpi(argc, argv);
    try {
        const auto train = circle(2000, 1), validation = circle(500, 2);
        std::vector<configuration> grid;
        for (double lr : {0.01, 0.03, 0.1, 0.3, 1.0, 3.0})
            for (std::size_t batch : {16, 64}) grid.push_back({lr, batch});

        // Each process's configurations; the others' entries stay 0, so summing gives every one.
        std::vector<double> loss(grid.size()), accuracy(grid.size()), seconds(grid.size());
        for (std::size_t k = mpi.rank(); k < grid.size(); k += mpi.size()) {
            auto p = tg::init<net, float>(7);
            tg::sgd opt{grid[k].lr};
            try {
                const tg::fit_result r = tg::fit<net>(
                    p, train, validation, tg::softmax_cross_entropy{}, opt,
                    {.epochs = 40, .batch_size = grid[k].batch_size, .seed = 3, .threads = 1, .report = tg::progress::none});
                loss[k] = r.history.back().validation_loss;
                accuracy[k] = r.history.back().validation_accuracy;
                for (const auto& e : r.history) seconds[k] += e.seconds;
            } catch (const tg::training_error&) {  // the rate was too large: the loss diverged
                loss[k] = INFINITY;
            }
        }
        std::vector<double> all_loss(grid.size()), all_accuracy(grid.size()), all_seconds(grid.size());
        const auto& world = mpi.communicator();
        boost::mpi::reduce(world, loss.data(), int(grid.size()), all_loss.data(), std::plus<double>(), 0);
        boost::mpi::reduce(world, accuracy.data(), int(grid.size()), all_accuracy.data(), std::plus<double>(), 0);
        boost::mpi::reduce(world, seconds.data(), int(grid.size()), all_seconds.data(), std::plus<double>(), 0);
        if (!mpi.root()) return 0;

        std::printf("%zu configurations on %zu processes\n  process  lr     batch  validation loss  accuracy  seconds\n",
                    grid.size(), mpi.size());
        std::size_t best = 0;
        for (std::size_t k = 0; k < grid.size(); ++k) {
            std::printf("  %7zu  %-5g  %5zu  %15.4f  %8.4f  %7.3f\n", k % mpi.size(), grid[k].lr, grid[k].batch_size,
                        all_loss[k], all_accuracy[k], all_seconds[k]);
            if (all_loss[k] < all_loss[best]) best = k;
        }
        std::printf("best: lr %g, batch %zu (validation accuracy %.4f)\n", grid[best].lr, grid[best].batch_size,
                    all_accuracy[best]);
        return all_accuracy[best] >= 0.95 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sweep_mpi (process %zu): %s\n", mpi.rank(), e.what());
        return 1;
    }
}
