// The seed notes' hand-worked numbers for neurons, the two-line network and the output heads
// (WORKED-EXAMPLES.md items 1-7), through the public API as a user writes them.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <utility>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

BOOST_AUTO_TEST_SUITE(seed)

// Item 1: one neuron without activation, w = [3, -2], x = [6, 5].
using linear_neuron = tg::sequential<tg::dense<2, 1>>;
// Item 2: the same neuron followed by sign.
using sign_neuron = tg::sequential<tg::dense<2, 1>, tg::sign>;

template <class Net>
tg::params<Net> neuron_params() {
    tg::params<Net> p{};
    tg::get<0>(p).W = {3, -2};
    return p;
}

BOOST_AUTO_TEST_CASE(linear_neuron_gives_8) {
    const auto p = neuron_params<linear_neuron>();
    BOOST_TEST(tg::forward<linear_neuron>(p, tg::vec<float, 2>{6, 5})[0] == 8.0f);
}

BOOST_AUTO_TEST_CASE(sign_neuron_gives_1_and_sign_of_0_is_0) {
    const auto p = neuron_params<sign_neuron>();
    BOOST_TEST(tg::forward<sign_neuron>(p, tg::vec<float, 2>{6, 5})[0] == 1.0f);
    // σ(0) = 0: x = (2, 3) gives 3·2 - 2·3 = 0; σ(-3) = -1: x = (1, 3) gives 3 - 6 = -3.
    BOOST_TEST(tg::forward<sign_neuron>(p, tg::vec<float, 2>{2, 3})[0] == 0.0f);
    BOOST_TEST(tg::forward<sign_neuron>(p, tg::vec<float, 2>{1, 3})[0] == -1.0f);
}

// Item 3: the activations and the derivatives their backward pass uses: sign' = 0, sigmoid' =
// s(1 - s) (at most 1/4, at z = 0), relu' = 1 for z > 0 else 0; sigmoid's output lies in (0, 1).
template <class Activation>
std::pair<tg::vec<double, 5>, tg::vec<double, 5>> value_and_slope(const tg::vec<double, 5>& z) {
    typename Activation::template cache_type<double, 5> cache;
    tg::no_params none;
    const auto y = Activation::forward(none, z, cache, tg::mode::training);
    return {y, Activation::backward(none, cache, tg::vec<double, 5>{1, 1, 1, 1, 1}, none)};
}

BOOST_AUTO_TEST_CASE(activations_and_their_derivatives) {
    const tg::vec<double, 5> z{-30, -2, 0, 2, 30};
    const auto [sign, sign_slope] = value_and_slope<tg::sign>(z);
    BOOST_TEST(sign == (tg::vec<double, 5>{-1, -1, 0, 1, 1}));
    BOOST_TEST(sign_slope == (tg::vec<double, 5>{}));

    const auto [relu, relu_slope] = value_and_slope<tg::relu>(z);
    BOOST_TEST(relu == (tg::vec<double, 5>{0, 0, 0, 2, 30}));
    BOOST_TEST(relu_slope == (tg::vec<double, 5>{0, 0, 0, 1, 1}));

    const auto [s, s_slope] = value_and_slope<tg::sigmoid>(z);
    BOOST_TEST(s[2] == 0.5);
    BOOST_TEST(s_slope[2] == 0.25);
    for (std::size_t i = 0; i < 5; ++i) {
        BOOST_TEST((s[i] > 0 && s[i] < 1));
        BOOST_TEST(std::abs(s_slope[i] - s[i] * (1 - s[i])) < 1e-15);
        BOOST_TEST(s_slope[i] <= 0.25);
    }
    BOOST_TEST(std::abs(s[3] - 1 / (1 + std::exp(-2.0))) < 1e-15);

    const auto [t, t_slope] = value_and_slope<tg::tanh>(z);
    BOOST_TEST(t_slope[2] == 1.0);
    BOOST_TEST(std::abs(t[3] - std::tanh(2.0)) < 1e-15);
    BOOST_TEST(std::abs(t_slope[3] - (1 - std::tanh(2.0) * std::tanh(2.0))) < 1e-15);
}

// Item 5: L_{i+1} = σ(W_{i+1} · L_i + b_{i+1}), with layers of different widths (3 -> 4 -> 2).
BOOST_AUTO_TEST_CASE(layer_formula_with_different_widths) {
    using net = tg::sequential<tg::dense<3, 4>, tg::relu, tg::dense<4, 2>, tg::sigmoid>;
    tg::params<net, double> p{};
    tg::get<0>(p).W = {1, 0, -1, 2, 1, 0, 0, 0, 3, -1, -1, -1};
    tg::get<0>(p).b = {0.5, -4, 1, 0};
    tg::get<2>(p).W = {1, 1, 1, 1, 0.5, -0.5, 2, 0};
    tg::get<2>(p).b = {-1, 0};
    const tg::vec<double, 3> L0{1, 2, 3};
    // L1 = relu([1 - 3 + 0.5, 2 + 2 - 4, 9 + 1, -6]) = [0, 0, 10, 0]
    // L2 = sigmoid([10 - 1, 20]) = [sigmoid(9), sigmoid(20)]
    const auto L2 = tg::forward<net>(p, L0);
    BOOST_TEST(std::abs(L2[0] - 1 / (1 + std::exp(-9.0))) < 1e-15);
    BOOST_TEST(std::abs(L2[1] - 1 / (1 + std::exp(-20.0))) < 1e-15);
}

// Item 4: two neurons draw the lines 3x - y = 0 and -3x + 2y + 3 = 0; the output neuron is blue
// where both agree.
using two_lines = tg::sequential<tg::dense<2, 2>, tg::sign, tg::dense<2, 1>, tg::sign>;

constexpr tg::params<two_lines> two_lines_params = [] {
    tg::params<two_lines> p{};
    tg::get<0>(p).W = {3, -1, -3, 2};
    tg::get<0>(p).b = {0, 3};
    tg::get<2>(p).W = {1, 1};
    tg::get<2>(p).b = {0};
    return p;
}();

static_assert(tg::forward<two_lines>(two_lines_params, tg::vec<float, 2>{4, 8})[0] == 1);
static_assert(tg::forward<two_lines>(two_lines_params, tg::vec<float, 2>{4, 0})[0] == 0);
static_assert(tg::forward<two_lines>(two_lines_params, tg::vec<float, 2>{-2, -5})[0] == -1);

BOOST_AUTO_TEST_CASE(two_lines_at_run_time) {
    tg::workspace<two_lines> ws;
    BOOST_TEST(tg::forward<two_lines>(two_lines_params, tg::vec<float, 2>{4, 8}, ws, tg::mode::inference)[0] == 1.0f);
    // hidden layer after sign, kept in layer 1's cache
    BOOST_TEST(tg::get<1>(ws).y == (tg::vec<float, 2>{1, 1}));
    BOOST_TEST(tg::forward<two_lines>(two_lines_params, tg::vec<float, 2>{4, 0}, ws, tg::mode::inference)[0] == 0.0f);
    BOOST_TEST(tg::get<1>(ws).y == (tg::vec<float, 2>{1, -1}));
    BOOST_TEST(tg::forward<two_lines>(two_lines_params, tg::vec<float, 2>{-2, -5}, ws, tg::mode::inference)[0] == -1.0f);
    BOOST_TEST(tg::get<1>(ws).y == (tg::vec<float, 2>{-1, -1}));
}

// Item 6: a regression head is one neuron without activation; its output is any real number.
BOOST_AUTO_TEST_CASE(regression_head_outputs_a_real_number) {
    using net = tg::sequential<tg::dense<2, 3>, tg::relu, tg::dense<3, 1>, tg::identity>;
    tg::params<net, double> p{};
    tg::get<0>(p).W = {1, 0, 0, 1, 1, 1};
    tg::get<2>(p).W = {0.5, -2, 0.25};
    tg::get<2>(p).b = {-0.125};
    // hidden = relu([1.5, -4, -2.5]) = [1.5, 0, 0]; out = 0.75 - 0.125
    BOOST_TEST(tg::forward<net>(p, tg::vec<double, 2>{1.5, -4})[0] == 0.625);
}

// Item 7: softmax([1, 2, 5, 3, 4]) as a classification head; index 2 (the "cat") wins.
BOOST_AUTO_TEST_CASE(classification_head_softmax_of_the_notes) {
    using net = tg::sequential<tg::dense<5, 5>, tg::softmax>;
    tg::params<net, double> p{};
    for (std::size_t i = 0; i < 5; ++i) tg::get<0>(p).W(i, i) = 1;
    const auto y = tg::forward<net>(p, tg::vec<double, 5>{1, 2, 5, 3, 4});
    const double expected[] = {0.011656, 0.031685, 0.636409, 0.086129, 0.234122};
    double total = 0;
    std::size_t best = 0;
    for (std::size_t i = 0; i < 5; ++i) {
        BOOST_TEST(std::abs(y[i] - expected[i]) < 5e-7);
        total += y[i];
        if (y[i] > y[best]) best = i;
    }
    BOOST_TEST(std::abs(total - 1) < 1e-15);
    BOOST_TEST(best == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
