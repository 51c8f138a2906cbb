// One side of scripts/ab.sh: tg::fit of bench/training's two networks, compiled against one version
// of the headers with their namespace renamed to SIDE (tg_a or tg_b), so that both versions link into
// one program and run call by call on the same machine state.
#define typegrad SIDE
#include <chrono>
#include <cstddef>

#include "../training_setup.hpp"

namespace tg = SIDE;

namespace {

using tg::bench_training::data;

template <class Net>
double fit_us(std::size_t threads, std::size_t epochs) {
    static tg::params<Net> p = tg::init<Net>(1);
    tg::sgd opt{0.01f};
    const auto start = std::chrono::steady_clock::now();
    tg::fit<Net>(p, data(), tg::softmax_cross_entropy{}, opt,
                 {.epochs = epochs, .batch_size = 64, .threads = threads, .report = tg::progress::none});
    const std::chrono::duration<double, std::micro> us = std::chrono::steady_clock::now() - start;
    return us.count() / double(epochs * (data().size() / 64));
}

}  // namespace

#define TYPEGRAD_AB_NAME2(a, b) a##b
#define TYPEGRAD_AB_NAME(a, b) TYPEGRAD_AB_NAME2(a, b)

/// µs per step of `epochs` epochs of tg::fit at batch 64 on `threads` threads; net 0 is 784-128-10,
/// net 1 784-256-128-10.
double TYPEGRAD_AB_NAME(fit_us_, SIDE)(int net, std::size_t threads, std::size_t epochs) {
    return net == 0 ? fit_us<tg::bench_training::net_small>(threads, epochs)
                    : fit_us<tg::bench_training::net_large>(threads, epochs);
}
