// Vanishing gradients (seed item 18, chapter 梯度消失): the same 10-layer network with sigmoid and
// with relu between its dense layers, the same seed and the same inputs. Prints the norm of
// ∂L/∂W⁽ˡ⁾ for every layer, writes vanishing_gradients.csv (plotted by
// docs/plots/vanishing_gradients.py), and fails unless sigmoid's first layer gets a far smaller share
// of the gradient than relu's.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string_view>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

// Ten dense layers: 16 inputs, width 32, 4 class scores; Act after each but the last.
template <class Act>
using deep = tg::sequential<tg::dense<16, 32>, Act, tg::dense<32, 32>, Act, tg::dense<32, 32>, Act,
                            tg::dense<32, 32>, Act, tg::dense<32, 32>, Act, tg::dense<32, 32>, Act,
                            tg::dense<32, 32>, Act, tg::dense<32, 32>, Act, tg::dense<32, 32>, Act,
                            tg::dense<32, 4>>;
constexpr std::size_t depth = 10;
constexpr std::size_t samples = 8;

struct batch {
    std::array<tg::vec<float, 16>, samples> x;
    std::array<std::size_t, samples> label;
};

// ‖∂L/∂W⁽ˡ⁾‖ (Frobenius) of the mean gradient over the batch, for l = 1..10.
template <class Net>
std::array<double, depth> weight_gradient_norms(const batch& b) {
    const tg::params<Net> p = tg::init<Net>(/*seed=*/5);
    tg::params<Net> grad{};
    tg::workspace<Net> ws;
    for (std::size_t i = 0; i < samples; ++i)
        tg::value_and_grad<Net>(p, b.x[i], b.label[i], tg::softmax_cross_entropy{}, grad, ws);  // adds into grad
    std::array<double, depth> norms{};
    tg::for_each_tensor(
        [&](std::size_t layer, std::string_view name, const auto& g) {
            if (name != "weight") return;
            double squares = 0;
            for (const float v : g) squares += double(v) * v;
            norms[layer / 2] = std::sqrt(squares) / samples;  // dense layers are get<0>, get<2>, ...
        },
        grad);
    return norms;
}

int main() {
    batch b;
    tg::rng r{11};
    for (std::size_t i = 0; i < samples; ++i) {
        for (float& v : b.x[i]) v = float(r.uniform(-1, 1));
        b.label[i] = r.next() % 4;
    }
    const auto sigmoid = weight_gradient_norms<deep<tg::sigmoid>>(b);
    const auto relu = weight_gradient_norms<deep<tg::relu>>(b);

    std::FILE* csv = std::fopen("vanishing_gradients.csv", "w");
    if (!csv) return 1;
    std::fprintf(csv, "layer,sigmoid,relu\n");
    std::printf("layer   sigmoid |dL/dW|  / layer 10    relu |dL/dW|  / layer 10\n");
    for (std::size_t l = 0; l < depth; ++l) {
        std::fprintf(csv, "%zu,%.9g,%.9g\n", l + 1, sigmoid[l], relu[l]);
        std::printf("%5zu   %15.3e  %10.2e   %12.3e  %10.2e\n", l + 1, sigmoid[l], sigmoid[l] / sigmoid[depth - 1],
                    relu[l], relu[l] / relu[depth - 1]);
    }
    std::fclose(csv);
    std::printf("wrote vanishing_gradients.csv\n");

    // The claim: relative to its last layer, sigmoid's first layer gets at least 100x less gradient.
    const double sigmoid_share = sigmoid[0] / sigmoid[depth - 1];
    const double relu_share = relu[0] / relu[depth - 1];
    std::printf("first/last layer: sigmoid %.2e, relu %.2e (relu's is %.0fx larger)\n", sigmoid_share, relu_share,
                relu_share / sigmoid_share);
    return relu_share >= 100 * sigmoid_share ? 0 : 1;
}
