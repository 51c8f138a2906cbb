// tg::sgd: one step is p - lr·grad for every tensor, in float and double, and repeated steps fit
// y = 2x + 3 (the seed's item 13 data) with a one-neuron network.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string_view>

#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/dense.hpp>
#include <typegrad/loss/mse.hpp>
#include <typegrad/net/backward.hpp>
#include <typegrad/net/init.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/optim/sgd.hpp>

namespace tg = typegrad;

BOOST_AUTO_TEST_SUITE(optim_sgd)

using net = tg::sequential<tg::dense<3, 19>, tg::tanh, tg::dense<19, 2>>;

template <class T>
void one_step_is_p_minus_lr_grad() {
    const auto p0 = tg::init<net, T>(3);
    auto p = p0;
    tg::params<net, T> grad;
    T v = 0;
    tg::for_each_tensor([&](std::size_t, std::string_view, auto& g) { for (auto& e : g) e = v += T(0.25); }, grad);
    tg::sgd{0.5}.step(p, grad);
    bool exact = true;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& after, const auto& before, const auto& g) {
            for (std::size_t i = 0; i < after.size(); ++i)
                exact &= after.data()[i] == before.data()[i] - T(0.5) * g.data()[i];
        },
        p, p0, grad);
    BOOST_TEST(exact);
}

BOOST_AUTO_TEST_CASE(step_float) { one_step_is_p_minus_lr_grad<float>(); }
BOOST_AUTO_TEST_CASE(step_double) { one_step_is_p_minus_lr_grad<double>(); }

// Item 13: ŷ = w·x + b on X = [1, 2, 3, 4], y = [5, 7, 9, 11], from w = b = 5. The first gradient
// is (220, 76); full-batch descent on the summed squared error converges to w = 2, b = 3.
BOOST_AUTO_TEST_CASE(fits_the_line_of_the_notes) {
    using line = tg::sequential<tg::dense<1, 1>>;
    tg::params<line, double> p{};
    tg::get<0>(p).W = {5};
    tg::get<0>(p).b = {5};
    const double xs[] = {1, 2, 3, 4}, ys[] = {5, 7, 9, 11};
    auto gradient = [&] {
        tg::params<line, double> g{};
        tg::workspace<line, double> ws;
        for (int i = 0; i < 4; ++i)
            tg::value_and_grad<line>(p, tg::vec<double, 1>{xs[i]}, tg::vec<double, 1>{ys[i]}, tg::mse{}, g, ws);
        return g;
    };
    const auto first = gradient();
    BOOST_TEST(tg::get<0>(first).W(0, 0) == 220.0);
    BOOST_TEST(tg::get<0>(first).b[0] == 76.0);
    for (int step = 0; step < 2000; ++step) tg::sgd{0.02}.step(p, gradient());
    BOOST_TEST(std::abs(tg::get<0>(p).W(0, 0) - 2) < 1e-9);
    BOOST_TEST(std::abs(tg::get<0>(p).b[0] - 3) < 1e-9);
}

BOOST_AUTO_TEST_SUITE_END()
