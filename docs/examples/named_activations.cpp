// The named activations beside relu, sigmoid and tanh: leaky_relu, elu, softplus, silu, gelu (the
// exact erf form) and gelu_tanh (its tanh approximation), each's value and slope from the layer's
// forward and backward, written to named_activations.csv (plotted by docs/plots/named_activations.py).
// Then a classifier with gelu and leaky_relu hidden layers and a log_softmax head, trained by tg::fit
// on two threads with tg::nll_log_probs, PyTorch's LogSoftmax + NLLLoss.
#include <cmath>
#include <cstdio>

#include <ratio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr std::size_t n = 161;  // z from -4 to 4 in steps of 0.05

// σ(z) and σ'(z) for every z at once.
template <class Activation>
void evaluate(const tg::vec<double, n>& z, tg::vec<double, n>& value, tg::vec<double, n>& slope) {
    typename Activation::template cache_type<double, n> cache;
    tg::no_params none;
    value = Activation::forward(none, z, cache, tg::mode::training);
    tg::vec<double, n> ones;
    for (auto& o : ones) o = 1;
    slope = Activation::backward(none, cache, ones, none);
}

int main() {
    tg::vec<double, n> z;
    for (std::size_t i = 0; i < n; ++i) z[i] = (double(i) - 80) / 20;
    constexpr std::size_t count = 6;
    const char* names[count] = {"leaky_relu", "elu", "softplus", "silu", "gelu", "gelu_tanh"};
    tg::vec<double, n> value[count], slope[count];
    evaluate<tg::leaky_relu<std::ratio<1, 10>>>(z, value[0], slope[0]);  // a slope of 0.1, to be seen in the plot
    evaluate<tg::elu<>>(z, value[1], slope[1]);
    evaluate<tg::softplus>(z, value[2], slope[2]);
    evaluate<tg::silu>(z, value[3], slope[3]);
    evaluate<tg::gelu>(z, value[4], slope[4]);
    evaluate<tg::gelu_tanh>(z, value[5], slope[5]);

    std::printf("%-10s %9s %9s %9s %9s\n", "", "f(-1)", "f(1)", "f'(-1)", "f'(1)");
    for (std::size_t a = 0; a < count; ++a)
        std::printf("%-10s %9.6f %9.6f %9.6f %9.6f\n", names[a], value[a][60], value[a][100], slope[a][60],
                    slope[a][100]);
    double gap = 0;
    for (std::size_t i = 0; i < n; ++i) gap = std::fmax(gap, std::fabs(value[5][i] - value[4][i]));
    std::printf("largest |gelu_tanh - gelu| on [-4, 4]: %.2e\n", gap);

    std::FILE* csv = std::fopen("named_activations.csv", "w");
    if (!csv) return 1;
    std::fprintf(csv, "z");
    for (const char* name : names) std::fprintf(csv, ",%s,%s_d", name, name);
    std::fprintf(csv, "\n");
    for (std::size_t i = 0; i < n; ++i) {
        std::fprintf(csv, "%g", z[i]);
        for (std::size_t a = 0; a < count; ++a) std::fprintf(csv, ",%.9g,%.9g", value[a][i], slope[a][i]);
        std::fprintf(csv, "\n");
    }
    std::fclose(csv);
    std::printf("wrote named_activations.csv\n");

    // Points inside the unit circle are class 1, the others class 0.
    tg::dataset<float, 2> train, test;
    train.classes = test.classes = 2;
    tg::rng r{7};
    for (std::size_t i = 0; i < 1200; ++i) {
        const tg::vec<float, 2> x{float(r.uniform(-1.5, 1.5)), float(r.uniform(-1.5, 1.5))};
        (i < 1000 ? train : test).push_back(x, x[0] * x[0] + x[1] * x[1] < 1 ? 1 : 0);
    }
    using net = tg::sequential<tg::dense<2, 32>, tg::gelu, tg::dense<32, 32>, tg::leaky_relu<>, tg::dense<32, 2>,
                               tg::log_softmax>;
    auto p = tg::init<net>(1);
    tg::adam opt{0.01};
    const auto result = tg::fit<net>(p, train, tg::nll_log_probs{}, opt,
                                     {.epochs = 40, .batch_size = 32, .threads = 2, .report = tg::progress::none});
    std::printf("log_softmax + nll_log_probs, 40 epochs: training loss %.4f, test accuracy %.3f\n",
                result.history.back().loss, tg::accuracy<net>(p, test));
}
