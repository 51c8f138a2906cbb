// One side of scripts/ab.sh: tg::fit of bench/training's two networks and two narrow ones, and
// bench/sequences' streamed models, compiled against one version of the headers with their namespace
// renamed to SIDE (tg_a or tg_b), so that both versions link into one program and run call by call on
// the same machine state.
#define typegrad SIDE
#include <chrono>
#include <cmath>
#include <cstddef>
#include <vector>

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

// bench/sequences' streamed models: LSTM 1 → 32 and GRU 1 → 40, each into a dense layer to one output,
// and five causal conv1d layers of 8 channels with tanh between.
using lstm_net = tg::sequential<tg::lstm<1, 32>, tg::dense<32, 1>>;
using gru_net = tg::sequential<tg::gru<1, 40>, tg::dense<40, 1>>;
using conv_net = tg::sequential<tg::conv1d<8, 8, 3, 1>, tg::tanh, tg::conv1d<8, 8, 3, 2>, tg::tanh, tg::conv1d<8, 8, 3, 4>,
                                tg::tanh, tg::conv1d<8, 8, 3, 8>, tg::tanh, tg::conv1d<8, 8, 3, 16>>;

/// ns per step of `steps` steps of Net streamed by tg::stream, from tg::params or (Prepared) from
/// tg::inference_params, on a signal like bench/sequences' (the same for one input); the state carries over
/// from call to call.
template <class Net, bool Prepared>
double stream_ns(std::size_t steps) {
    constexpr std::size_t in = Net::in_size;
    static const tg::params<Net> p = tg::init<Net>(42);
    static const tg::inference_params<Net> q(p);
    static tg::stream<Net> s;
    static const std::vector<tg::vec<float, in>> signal = [] {
        std::vector<tg::vec<float, in>> xs(4096);
        for (std::size_t t = 0; t < xs.size(); ++t)
            for (std::size_t i = 0; i < in; ++i)
                xs[t][i] = 0.8f * std::sin(0.05f * float(t + i)) + 0.1f * std::sin(0.71f * float(t * (i + 1)));
        return xs;
    }();
    float sink = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t t = 0; t < steps; ++t) {
        const auto& x = signal[t % signal.size()];
        if constexpr (Prepared) sink += s.step(q, x)[0];
        else sink += s.step(p, x)[0];
    }
    const std::chrono::duration<double, std::nano> ns = std::chrono::steady_clock::now() - start;
    volatile float keep = sink;
    (void)keep;
    return ns.count() / double(steps);
}

}  // namespace

#define TYPEGRAD_AB_NAME2(a, b) a##b
#define TYPEGRAD_AB_NAME(a, b) TYPEGRAD_AB_NAME2(a, b)

/// µs per step of `epochs` epochs of tg::fit at batch 64 on `threads` threads; net 0 is 784-128-10,
/// net 1 784-256-128-10, and two with a narrow first layer: net 2 784-20-10 (its W goes by samples),
/// net 3 784-50-10 (by neurons).
double TYPEGRAD_AB_NAME(fit_us_, SIDE)(int net, std::size_t threads, std::size_t epochs) {
    switch (net) {
        case 0: return fit_us<tg::bench_training::net_small>(threads, epochs);
        case 1: return fit_us<tg::bench_training::net_large>(threads, epochs);
        case 2: return fit_us<tg::sequential<tg::dense<784, 20>, tg::relu, tg::dense<20, 10>>>(threads, epochs);
        default: return fit_us<tg::sequential<tg::dense<784, 50>, tg::relu, tg::dense<50, 10>>>(threads, epochs);
    }
}

/// ns per step of `steps` streamed steps of case k: 0, 1 the LSTM from tg::params and prepared, 2, 3
/// the GRU, 4, 5 the conv1d stack.
double TYPEGRAD_AB_NAME(stream_ns_, SIDE)(int k, std::size_t steps) {
    switch (k) {
        case 0: return stream_ns<lstm_net, false>(steps);
        case 1: return stream_ns<lstm_net, true>(steps);
        case 2: return stream_ns<gru_net, false>(steps);
        case 3: return stream_ns<gru_net, true>(steps);
        case 4: return stream_ns<conv_net, false>(steps);
        default: return stream_ns<conv_net, true>(steps);
    }
}
