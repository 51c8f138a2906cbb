// Seed item 18 (梯度消失), the argument behind docs/vanishing-gradients.md: going back through a
// sigmoid layer, each entry of the gradient is multiplied by sigmoid'(z) = s(1 - s), which lies in
// (0, 1/4]; through relu, by 0 or 1. Checked at every hidden layer of the example's 10-layer network,
// where ∂L/∂b⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾ and the activation sits between W⁽ˡ⁺¹⁾ᵀ ∂L/∂z⁽ˡ⁺¹⁾ and ∂L/∂z⁽ˡ⁾.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

template <class Act>
using deep = tg::sequential<tg::dense<16, 32>, Act, tg::dense<32, 32>, Act, tg::dense<32, 32>, Act,
                            tg::dense<32, 32>, Act, tg::dense<32, 32>, Act, tg::dense<32, 32>, Act,
                            tg::dense<32, 32>, Act, tg::dense<32, 32>, Act, tg::dense<32, 32>, Act,
                            tg::dense<32, 4>>;

// For one sample and every hidden unit i of dense layers 1..9: ∂L/∂z⁽ˡ⁾_i / (W⁽ˡ⁺¹⁾ᵀ ∂L/∂z⁽ˡ⁺¹⁾)_i,
// the factor the activation between the two multiplied the gradient by.
template <class Net>
std::vector<double> activation_factors(std::uint64_t seed) {
    const auto p = tg::init<Net, double>(seed);
    tg::rng r{seed + 1};
    tg::vec<double, 16> x;
    for (double& v : x) v = r.uniform(-1, 1);
    tg::params<Net, double> grad{};
    tg::workspace<Net, double> ws;
    tg::value_and_grad<Net>(p, x, std::size_t(seed % 4), tg::softmax_cross_entropy{}, grad, ws);

    std::vector<double> factors;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (..., [&] {
            const auto& g = tg::get<2 * K>(grad).b;
            const auto& next_g = tg::get<2 * K + 2>(grad).b;
            const auto& next_W = tg::get<2 * K + 2>(p).W;
            for (std::size_t i = 0; i < g.size(); ++i) {
                double back = 0;
                for (std::size_t j = 0; j < next_g.size(); ++j) back += next_W(j, i) * next_g[j];
                factors.push_back(g[i] / back);
            }
        }());
    }(std::make_index_sequence<9>{});
    return factors;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vanishing_gradients)

BOOST_AUTO_TEST_CASE(sigmoid_multiplies_the_gradient_by_at_most_a_quarter_per_layer) {
    for (std::uint64_t seed : {1, 2, 3}) {
        const auto f = activation_factors<deep<tg::sigmoid>>(seed);
        BOOST_TEST(f.size() == 9u * 32u);
        const auto [lo, hi] = std::minmax_element(f.begin(), f.end());
        BOOST_TEST(*lo > 0.0);
        BOOST_TEST(*hi <= 0.25 + 1e-12);
        BOOST_TEST(*hi > 0.2);  // the bound is nearly reached: z stays near 0 with Glorot init
    }
}

BOOST_AUTO_TEST_CASE(relu_passes_the_gradient_on_or_stops_it) {
    for (std::uint64_t seed : {1, 2, 3}) {
        const auto f = activation_factors<deep<tg::relu>>(seed);
        std::size_t passed = 0, stopped = 0;
        for (const double v : f) {
            if (std::abs(v - 1) < 1e-9) ++passed;
            else if (v == 0) ++stopped;
        }
        BOOST_TEST(passed + stopped == f.size());
        BOOST_TEST(passed > f.size() / 4);  // units with z > 0 pass the gradient on unchanged
        BOOST_TEST(stopped > 0u);
    }
}

BOOST_AUTO_TEST_SUITE_END()
