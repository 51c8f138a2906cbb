// The activations the seed notes name (sign, sigmoid, ReLU) and tanh, with their derivatives, as
// the layers compute them: forward gives σ(z), backward with an incoming gradient of 1 gives σ'(z).
// Prints σ'(0) for each and writes seed_activations.csv (plotted by docs/plots/seed_activations.py).
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr std::size_t n = 161;  // z from -4 to 4 in steps of 0.05

// σ(z) and σ'(z) for every z at once: the layer runs on the whole vector.
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
    tg::vec<double, n> sign, sign_d, sigmoid, sigmoid_d, relu, relu_d, tanh, tanh_d;
    evaluate<tg::sign>(z, sign, sign_d);
    evaluate<tg::sigmoid>(z, sigmoid, sigmoid_d);
    evaluate<tg::relu>(z, relu, relu_d);
    evaluate<tg::tanh>(z, tanh, tanh_d);

    const std::size_t zero = 80;  // z[80] = 0
    std::printf("at z = 0: sign %g (slope %g), sigmoid %g (slope %g, its maximum), relu %g (slope %g), tanh %g "
                "(slope %g)\n",
                sign[zero], sign_d[zero], sigmoid[zero], sigmoid_d[zero], relu[zero], relu_d[zero], tanh[zero],
                tanh_d[zero]);
    double largest = 0;
    for (double s : sigmoid_d) largest = s > largest ? s : largest;
    std::printf("largest sigmoid slope on [-4, 4]: %g\n", largest);

    std::FILE* csv = std::fopen("seed_activations.csv", "w");
    if (!csv) return 1;
    std::fprintf(csv, "z,sign,sign_d,sigmoid,sigmoid_d,relu,relu_d,tanh,tanh_d\n");
    for (std::size_t i = 0; i < n; ++i)
        std::fprintf(csv, "%g,%g,%g,%g,%g,%g,%g,%g,%g\n", z[i], sign[i], sign_d[i], sigmoid[i], sigmoid_d[i], relu[i],
                     relu_d[i], tanh[i], tanh_d[i]);
    std::fclose(csv);
    std::printf("wrote seed_activations.csv\n");
}
