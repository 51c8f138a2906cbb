// tg::conv1d<InCh, OutCh, Kernel, Dilation>: hand-computed causal outputs with dilation, PyTorch's
// initialisation bounds, finite-difference gradients (parameters and inputs) at odd sizes through time,
// streaming equal to the whole sequence, reset, and save / load with nn.Conv1d's names and shapes.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "gradient_check.hpp"
#include "io_support.hpp"
#include "net_support.hpp"

namespace tg = typegrad;
using net_support::random_rows;

static_assert(tg::sequence_layer<tg::conv1d<3, 5, 3, 2>> && tg::sequence_layer<tg::conv1d<1, 8, 1>, double, 1>);
static_assert(!tg::layer<tg::conv1d<3, 5, 3>> && !tg::ends_sequence<tg::conv1d<3, 5, 3>>);
static_assert(tg::conv1d<3, 5, 3, 2>::span == 5);
static_assert(tg::sequential<tg::conv1d<3, 5, 3, 2>>::param_count == 5 * 3 * 3 + 5);
static_assert(tg::sequential<tg::conv1d<3, 5, 3, 2>>::has_sequence_layers);
static_assert(!tg::sequential<tg::dense<3, 5>>::has_sequence_layers);

namespace {

}  // namespace

// One channel in and out, kernel 3, dilation 2, PyTorch's tap order: y(t) = b + w2·x(t) + w1·x(t - 2) + w0·x(t - 4).
BOOST_AUTO_TEST_CASE(conv1d_causal_dilated_values) {
    using net = tg::sequential<tg::conv1d<1, 1, 3, 2>>;
    tg::params<net, double> p{};
    auto& c = tg::get<0>(p);
    c.weight(0, 0, 0) = 100;
    c.weight(0, 0, 1) = 10;
    c.weight(0, 0, 2) = 1;
    c.bias[0] = 0.5;
    const double x[] = {1, 2, 3, 4, 5, 6, 7};
    const double expected[] = {1.5, 2.5, 13.5, 24.5, 135.5, 246.5, 357.5};
    tg::rows<double, 1> xs(7);
    for (std::size_t t = 0; t < 7; ++t) xs.row(t)[0] = x[t];
    tg::sequence_workspace<net, double> ws(7);
    const auto& y = tg::forward_sequence<net>(p, xs, 7, ws);
    tg::stream<net, double> s;
    for (std::size_t t = 0; t < 7; ++t) {
        BOOST_TEST(y.row(t)[0] == expected[t]);
        BOOST_TEST(s.step(p, tg::vec<double, 1>{x[t]})[0] == expected[t]);
    }
    s.reset();
    BOOST_TEST(s.step(p, tg::vec<double, 1>{x[0]})[0] == expected[0]);
}

// Several channels: each output channel sums its own row of weights over every input channel and tap.
BOOST_AUTO_TEST_CASE(conv1d_channels_values) {
    using net = tg::sequential<tg::conv1d<2, 3, 2>>;
    tg::params<net, double> p{};
    auto& c = tg::get<0>(p);
    for (std::size_t o = 0; o < 3; ++o)
        for (std::size_t i = 0; i < 2; ++i)
            for (std::size_t k = 0; k < 2; ++k) c.weight(o, i, k) = double(100 * o + 10 * i + k + 1);
    tg::stream<net, double> s;
    const auto y0 = s.step(p, tg::vec<double, 2>{1, 2});
    const auto y1 = s.step(p, tg::vec<double, 2>{3, 4});
    for (std::size_t o = 0; o < 3; ++o) {
        const auto w = [&](std::size_t i, std::size_t k) { return c.weight(o, i, k); };
        BOOST_TEST(y0[o] == w(0, 1) * 1 + w(1, 1) * 2);
        BOOST_TEST(y1[o] == w(0, 1) * 3 + w(1, 1) * 4 + w(0, 0) * 1 + w(1, 0) * 2);
    }
}

BOOST_AUTO_TEST_CASE(conv1d_init_bounds) {
    using net = tg::sequential<tg::conv1d<3, 5, 3, 2>>;
    const auto p = tg::init<net, double>(4);
    const double bound = 1 / std::sqrt(9.0);
    double widest = 0;
    for (double w : tg::get<0>(p).weight) widest = std::max(widest, std::abs(w));
    for (double b : tg::get<0>(p).bias) widest = std::max(widest, std::abs(b));
    BOOST_TEST(widest <= bound);
    BOOST_TEST(widest > 0.8 * bound);
    BOOST_TEST(tg::get<0>(p).bias[0] != 0);
}

// ∂(Σ_t w_t·y_t)/∂params and ∂/∂x through time, 3 → 5 channels, kernel 3, dilation 2, 9 steps.
BOOST_AUTO_TEST_CASE(conv1d_gradients_through_time) {
    using L = tg::conv1d<3, 5, 3, 2>;
    using P = tg::conv1d_params<double, 3, 5, 3>;
    using net = tg::sequential<L>;
    constexpr std::size_t steps = 9;
    P p = tg::get<0>(tg::init<net, double>(11));
    auto x = random_rows<double, 3>(steps, 2);
    const auto w = random_rows<double, 5>(steps, 3);
    tg::no_sequence_cache cache(steps);
    const auto objective = [&] {
        tg::rows<double, 5> y(steps);
        L::forward_sequence(p, steps, x, y, cache);
        double sum = 0;
        for (std::size_t i = 0; i < steps * 5; ++i) sum += w.data()[i] * y.data()[i];
        return sum;
    };
    tg::rows<double, 5> y(steps);
    L::forward_sequence(p, steps, x, y, cache);
    P grad{};
    tg::rows<double, 3> grad_x(steps);
    std::fill_n(grad_x.data(), steps * 3, 7.0);  // written, not added to
    L::backward_sequence(p, steps, x, y, cache, w, &grad_x, grad);
    double worst = 0;
    P::for_each_tensor(
        [&](std::string_view, auto& t, const auto& g) {
            for (std::size_t i = 0; i < t.size(); ++i)
                worst = std::max(worst, gradient_check::relative_error(g.data()[i],
                                                                       gradient_check::derivative(objective, t.data()[i])));
        },
        p, grad);
    BOOST_TEST(worst < 1e-8);
    BOOST_TEST(gradient_check::worst_over_values(x.data(), grad_x.data(), steps * 3, objective) < 1e-8);
    // Parameter gradients add up.
    tg::rows<double, 3>* no_grad_x = nullptr;
    L::backward_sequence(p, steps, x, y, cache, w, no_grad_x, grad);
    P once{};
    L::backward_sequence(p, steps, x, y, cache, w, no_grad_x, once);
    BOOST_TEST(grad.bias[4] == 2 * once.bias[4]);
}

// Streaming one step at a time gives the whole sequence's outputs, in float, and again after reset.
BOOST_AUTO_TEST_CASE(conv1d_stream_equals_sequence) {
    using net = tg::sequential<tg::conv1d<3, 8, 3, 4>>;
    constexpr std::size_t steps = 40;
    const auto p = tg::init<net>(5);
    const auto x = random_rows<float, 3>(steps, 6);
    tg::sequence_workspace<net> ws(steps);
    const auto& y = tg::forward_sequence<net>(p, x, steps, ws);
    tg::stream<net> s;
    for (int pass = 0; pass < 2; ++pass) {
        double worst = 0;
        for (std::size_t t = 0; t < steps; ++t) {
            tg::vec<float, 3> xt;
            std::copy_n(x.row(t), 3, xt.data());
            const auto yt = s.step(p, xt);
            for (std::size_t o = 0; o < 8; ++o) worst = std::max(worst, double(std::abs(yt[o] - y.row(t)[o])));
        }
        BOOST_TEST(worst == 0.0);
        s.reset();
    }
}

// save writes "0.weight" with nn.Conv1d's shape [Out, In, K]; load reads it back, and refuses a 2-D one.
BOOST_AUTO_TEST_CASE(conv1d_save_load) {
    using net = tg::sequential<tg::conv1d<3, 5, 3, 2>, tg::tanh, tg::conv1d<5, 2, 2>>;
    const auto p = tg::init<net, double>(8);
    const auto path = io_support::tmp("conv1d_save_load.safetensors");
    tg::save(p, path);
    const auto contents = tg::read_safetensors(path);
    const auto* w = contents.find("0.weight");
    BOOST_REQUIRE(w);
    BOOST_TEST((w->shape == std::vector<std::size_t>{5, 3, 3}));
    BOOST_TEST((contents.find("2.weight")->shape == std::vector<std::size_t>{2, 5, 2}));
    BOOST_TEST((contents.find("2.bias")->shape == std::vector<std::size_t>{2}));
    BOOST_TEST((tg::load<net, double>(path) == p));

    using flat = tg::sequential<tg::dense<9, 5>, tg::tanh, tg::conv1d<5, 2, 2>>;
    tg::save(tg::init<flat, double>(1), path);
    const std::string text =
        io_support::message_of<tg::weights_mismatch_error>([&] { static_cast<void>(tg::load<net, double>(path)); });
    BOOST_TEST(io_support::contains(text, "tensor '0.weight': shape [5, 9], expected [5, 3, 3]"));
}
