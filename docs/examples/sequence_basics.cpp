// A sequence network (docs/sequences.md): two causal conv1d layers and a dense head learn a nonlinear
// effect with memory, y(t) = tanh(3·(0.5·x(t) + 0.3·x(t - 2) + 0.2·x(t - 4))), from a generated signal,
// trained on windows of 64 steps with tg::value_and_grad_sequence and Adam; then the trained network
// streams the signal one sample at a time with tg::stream, as an audio callback would. Writes the loss
// per epoch and a slice of the streamed signal to sequence_basics_loss.csv and sequence_basics_signal.csv.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

// Receptive field: 1 + 2·1 + 2·2 = 7 steps, enough for the effect's 4 steps of memory.
using net = tg::sequential<tg::conv1d<1, 8, 3>, tg::tanh, tg::conv1d<8, 8, 3, 2>, tg::tanh, tg::dense<8, 1>>;

int main() {
    // The signal: two sines and a little noise; the target: the effect applied to it.
    constexpr std::size_t length = 8192;
    std::vector<float> x(length), y(length);
    tg::rng noise{3};
    for (std::size_t t = 0; t < length; ++t)
        x[t] = 0.6f * std::sin(0.05f * float(t)) + 0.3f * std::sin(0.31f * float(t)) +
               0.1f * float(noise.uniform(-1, 1));
    const auto at = [&](std::size_t t, std::size_t back) { return t >= back ? x[t - back] : 0.0f; };
    for (std::size_t t = 0; t < length; ++t)
        y[t] = std::tanh(3 * (0.5f * at(t, 0) + 0.3f * at(t, 2) + 0.2f * at(t, 4)));

    // Training: windows of 64 steps (each from the zero state, as conv1d's zero padding assumes), the
    // loss the mean over the steps of each step's squared error.
    constexpr std::size_t steps = 64;
    auto p = tg::init<net>(/*seed=*/1);
    tg::params<net> grad;
    tg::adam opt{3e-3};
    tg::sequence_workspace<net> ws(steps);  // allocated once for 64 steps
    tg::rows<float, 1> window(steps);
    std::vector<tg::vec<float, 1>> targets(steps);
    tg::rng pick{5};
    float first = 0, last = 0;
    std::FILE* loss_csv = std::fopen("sequence_basics_loss.csv", "w");
    if (!loss_csv) return 1;
    std::fprintf(loss_csv, "epoch,loss\n");
    for (int epoch = 1; epoch <= 400; ++epoch) {
        float total = 0;
        for (int batch = 0; batch < 8; ++batch) {
            const std::size_t start = pick.next() % (length - steps);
            for (std::size_t t = 0; t < steps; ++t) {
                window.row(t)[0] = x[start + t];
                targets[t] = {y[start + t]};
            }
            grad = {};
            total += tg::value_and_grad_sequence<net>(p, window, steps, std::span(std::as_const(targets)), tg::mse{},
                                                      grad, ws);
            opt.step(p, grad);
        }
        if (epoch == 1) first = total / 8;
        last = total / 8;
        std::fprintf(loss_csv, "%d,%g\n", epoch, total / 8);
        if (epoch == 1 || epoch % 100 == 0) std::printf("epoch %3d  mean squared error %.5f\n", epoch, total / 8);
    }

    std::fclose(loss_csv);

    // Streaming: one sample per call, the state (each conv1d's past inputs) held in the stream.
    tg::stream<net> s;
    std::vector<float> streamed(length);
    double error = 0;
    const auto begin = std::chrono::steady_clock::now();
    for (std::size_t t = 0; t < length; ++t) {
        const float out = s.step(p, tg::vec<float, 1>{x[t]})[0];
        streamed[t] = out;
        error += (out - y[t]) * (out - y[t]);
    }
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - begin;
    std::printf("streamed %zu samples: mean squared error %.5f, %.0f ns per sample (48 kHz allows %.0f ns)\n", length,
                error / length, took.count() / length, 1e9 / 48000);
    std::FILE* signal_csv = std::fopen("sequence_basics_signal.csv", "w");
    if (!signal_csv) return 1;
    std::fprintf(signal_csv, "t,input,target,output\n");
    for (std::size_t t = 0; t < 256; ++t) std::fprintf(signal_csv, "%zu,%g,%g,%g\n", t, x[t], y[t], streamed[t]);
    std::fclose(signal_csv);
    return last < 0.05f * first && error / length < 0.01 ? 0 : 1;  // the example fails if it stops learning
}
