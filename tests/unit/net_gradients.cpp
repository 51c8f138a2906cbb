// value_and_grad against central finite differences in double, for every layer kind and for
// networks of depth 1 to 6 and widths 1 to 70 (most not multiples of any SIMD width), plus the
// agreement of float with double and the seed's chain-rule formulas (item 17) written out by hand.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using net_support::random_params;
using net_support::relative_error;

namespace {

template <std::size_t N>
tg::vec<double, N> random_vec(std::uint64_t seed) {
    tg::rng r{seed};
    tg::vec<double, N> v;
    for (auto& e : v) e = r.uniform(-1, 1);
    return v;
}

template <class Net, class Loss>
auto make_target(std::uint64_t seed) {
    if constexpr (std::is_same_v<Loss, tg::softmax_cross_entropy>) return std::size_t(seed % Net::out_size);
    else return random_vec<Net::out_size>(seed);
}

// The largest relative error over every parameter and every input entry.
template <class Net, class Loss = tg::mse>
double worst_gradient_error(std::uint64_t seed, Loss loss = {}) {
    auto p = random_params<Net, double>(seed);
    auto x = random_vec<Net::in_size>(seed + 1);
    const auto target = make_target<Net, Loss>(seed + 2);

    tg::params<Net, double> grad{};
    tg::workspace<Net, double> ws;
    const auto out = tg::forward<Net>(p, x, ws, tg::mode::training);
    tg::vec<double, Net::out_size> grad_out;
    loss.value_and_grad(out, target, grad_out);
    const auto grad_x = tg::backward<Net>(p, ws, grad_out, grad);

    auto loss_at = [&] { return loss.value(tg::forward<Net>(p, x), target); };
    return std::max(gradient_check::worst_over_params(p, grad, loss_at),
                    gradient_check::worst_over_values(x.data(), grad_x.data(), x.size(), loss_at));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(net_gradients)

using just_dense = tg::sequential<tg::dense<5, 3>>;
using with_identity = tg::sequential<tg::dense<5, 3>, tg::identity>;
using with_sigmoid = tg::sequential<tg::dense<5, 3>, tg::sigmoid>;
using with_relu = tg::sequential<tg::dense<5, 19>, tg::relu, tg::dense<19, 2>>;
using with_tanh = tg::sequential<tg::dense<5, 3>, tg::tanh>;
using with_sign = tg::sequential<tg::dense<5, 3>, tg::sign>;
using with_softmax = tg::sequential<tg::dense<5, 7>, tg::softmax>;
using logits = tg::sequential<tg::dense<5, 7>>;
using with_silu = tg::sequential<tg::dense<5, 3>, tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)>>;
using with_expression =
    tg::sequential<tg::dense<5, 9>, tg::activation<tg::expr::tanh(tg::x_) * tg::x_ + 0.1 * tg::pow<3>(tg::x_)>,
                   tg::dense<9, 2>>;

BOOST_AUTO_TEST_CASE(every_layer_kind) {
    BOOST_TEST(worst_gradient_error<just_dense>(1) <= 1e-6);
    BOOST_TEST(worst_gradient_error<with_identity>(2) <= 1e-6);
    BOOST_TEST(worst_gradient_error<with_sigmoid>(3) <= 1e-6);
    BOOST_TEST(worst_gradient_error<with_relu>(4) <= 1e-6);
    BOOST_TEST(worst_gradient_error<with_tanh>(5) <= 1e-6);
    BOOST_TEST(worst_gradient_error<with_sign>(6) <= 1e-6);
    BOOST_TEST(worst_gradient_error<with_softmax>(7) <= 1e-6);
    BOOST_TEST(worst_gradient_error<logits>(8, tg::softmax_cross_entropy{}) <= 1e-6);
    BOOST_TEST(worst_gradient_error<logits>(9, tg::mse{.reduce = tg::reduction::mean}) <= 1e-6);
    BOOST_TEST(worst_gradient_error<with_silu>(10) <= 1e-6);
    BOOST_TEST(worst_gradient_error<with_expression>(11) <= 1e-6);
}

// Widths and activations chosen at random once, then fixed (the network is a type).
using depth1 = tg::sequential<tg::dense<70, 1>>;
using depth2 = tg::sequential<tg::dense<1, 70>, tg::tanh, tg::dense<70, 1>>;
using depth3 = tg::sequential<tg::dense<17, 9>, tg::relu, tg::dense<9, 31>, tg::sigmoid, tg::dense<31, 4>>;
using depth4 = tg::sequential<tg::dense<3, 67>, tg::relu, tg::dense<67, 5>, tg::tanh, tg::dense<5, 17>, tg::sigmoid,
                              tg::dense<17, 2>, tg::softmax>;
using depth5 = tg::sequential<tg::dense<33, 16>, tg::tanh, tg::dense<16, 1>, tg::relu, tg::dense<1, 47>, tg::tanh,
                              tg::dense<47, 13>, tg::sigmoid, tg::dense<13, 10>>;
using depth6 = tg::sequential<tg::dense<7, 70>, tg::sigmoid, tg::dense<70, 64>, tg::tanh, tg::dense<64, 3>, tg::relu,
                              tg::dense<3, 15>, tg::identity, tg::dense<15, 65>, tg::tanh, tg::dense<65, 6>>;

BOOST_AUTO_TEST_CASE(random_networks_of_depth_1_to_6) {
    for (std::uint64_t seed = 10; seed < 13; ++seed) {
        BOOST_TEST(worst_gradient_error<depth1>(seed) <= 1e-6);
        BOOST_TEST(worst_gradient_error<depth2>(seed) <= 1e-6);
        BOOST_TEST(worst_gradient_error<depth3>(seed, tg::softmax_cross_entropy{}) <= 1e-6);
        BOOST_TEST(worst_gradient_error<depth4>(seed) <= 1e-6);
        BOOST_TEST(worst_gradient_error<depth5>(seed, tg::softmax_cross_entropy{}) <= 1e-6);
        BOOST_TEST(worst_gradient_error<depth6>(seed, tg::mse{.reduce = tg::reduction::mean}) <= 1e-6);
    }
}

// float follows double: loss within 1e-5 relative and every gradient entry within 1e-4 of the
// largest gradient entry (float rounding over sums of up to 70 terms, through six layers).
template <class Net, class Loss>
void float_matches_double(std::uint64_t seed, Loss loss) {
    const auto pd = random_params<Net, double>(seed);
    tg::params<Net, float> pf;
    // The same numbers in float, copied tensor by tensor in visiting order.
    std::vector<double> flat_d;
    tg::for_each_tensor([&](std::size_t, std::string_view, const auto& t) { flat_d.insert(flat_d.end(), t.begin(), t.end()); }, pd);
    std::size_t k = 0;
    tg::for_each_tensor([&](std::size_t, std::string_view, auto& t) { for (auto& v : t) v = static_cast<float>(flat_d[k++]); }, pf);

    const auto xd = random_vec<Net::in_size>(seed + 1);
    tg::vec<float, Net::in_size> xf;
    for (std::size_t i = 0; i < xd.size(); ++i) xf[i] = static_cast<float>(xd[i]);
    const auto td = make_target<Net, Loss>(seed + 2);
    tg::loss_target_t<Loss, float, Net::out_size> tf{};
    if constexpr (std::is_same_v<Loss, tg::softmax_cross_entropy>) tf = td;
    else for (std::size_t i = 0; i < td.size(); ++i) tf[i] = static_cast<float>(td[i]);

    const auto rd = tg::value_and_grad<Net>(pd, xd, td, loss);
    const auto rf = tg::value_and_grad<Net>(pf, xf, tf, loss);
    BOOST_TEST(std::abs(rf.value - rd.value) <= 1e-5 * std::max(1.0, std::abs(rd.value)));

    std::vector<double> gd, gf;
    tg::for_each_tensor([&](std::size_t, std::string_view, const auto& t) { gd.insert(gd.end(), t.begin(), t.end()); }, rd.grad);
    tg::for_each_tensor([&](std::size_t, std::string_view, const auto& t) { gf.insert(gf.end(), t.begin(), t.end()); }, rf.grad);
    double largest = 1e-30, worst = 0;
    for (std::size_t i = 0; i < gd.size(); ++i) {
        largest = std::max(largest, std::abs(gd[i]));
        worst = std::max(worst, std::abs(gd[i] - gf[i]));
    }
    BOOST_TEST(worst <= 1e-4 * largest);
}

BOOST_AUTO_TEST_CASE(float_agrees_with_double) {
    float_matches_double<depth3>(20, tg::softmax_cross_entropy{});
    float_matches_double<depth4>(21, tg::mse{});
    float_matches_double<depth6>(22, tg::mse{});
}

// Item 17 by hand for dense → sigmoid → dense with the squared error: the generated backward pass
// equals ∂L/∂z¹ = (W²ᵀ ∂L/∂z²) ⊙ σ'(z¹), ∂L/∂W¹ = ∂L/∂z¹ x¹ᵀ, ∂L/∂b¹ = ∂L/∂z¹.
BOOST_AUTO_TEST_CASE(chain_rule_of_the_notes) {
    using net = tg::sequential<tg::dense<2, 3>, tg::sigmoid, tg::dense<3, 1>>;
    auto p = random_params<net, double>(5);
    const tg::vec<double, 2> x{0.3, -0.7};
    const tg::vec<double, 1> y{0.25};
    const auto [loss, grad] = tg::value_and_grad<net>(p, x, y, tg::mse{});

    const auto& W1 = tg::get<0>(p).W;
    const auto& b1 = tg::get<0>(p).b;
    const auto& W2 = tg::get<2>(p).W;
    double a[3], z2 = tg::get<2>(p).b[0];
    for (std::size_t i = 0; i < 3; ++i) {
        const double z1 = W1(i, 0) * x[0] + W1(i, 1) * x[1] + b1[i];
        a[i] = 1 / (1 + std::exp(-z1));
        z2 += W2(0, i) * a[i];
    }
    const double dz2 = 2 * (z2 - y[0]);  // ∂L/∂z² for L = (z² - y)²
    BOOST_TEST(std::abs(loss - (z2 - y[0]) * (z2 - y[0])) < 1e-15);
    BOOST_TEST(std::abs(tg::get<2>(grad).b[0] - dz2) < 1e-15);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(std::abs(tg::get<2>(grad).W(0, i) - dz2 * a[i]) < 1e-15);
        const double dz1 = W2(0, i) * dz2 * a[i] * (1 - a[i]);
        BOOST_TEST(std::abs(tg::get<0>(grad).b[i] - dz1) < 1e-15);
        for (std::size_t j = 0; j < 2; ++j) BOOST_TEST(std::abs(tg::get<0>(grad).W(i, j) - dz1 * x[j]) < 1e-15);
    }
}

BOOST_AUTO_TEST_SUITE_END()
