// The named activations (leaky_relu, elu, softplus, silu, gelu, gelu_tanh) and log_softmax with
// nll_log_probs: exact values at chosen points, gradients against central finite differences per
// sample and per batch in float and double at odd sizes (dense fused with each activation, and each
// layer alone), the fused, unfused, batch and inference paths against each other, tg::fit's threads
// (neurons split, as for relu) against the hand-written loop, sgd_step against value_and_grad, He
// initialisation before a rectifier, and the stated bound between the two gelus.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <span>
#include <string_view>
#include <vector>

#include <ratio>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

// The mean loss of the samples through the per-sample inference path, in double.
template <class Net, class Target, class Loss>
double mean_loss(const tg::params<Net, double>& p, const std::vector<tg::vec<double, Net::in_size>>& xs,
                 const std::vector<Target>& targets, const Loss& loss) {
    double sum = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) sum += loss.value(tg::forward<Net>(p, xs[i]), targets[i]);
    return sum / double(xs.size());
}

// p's values in double.
template <class Net, class T>
tg::params<Net, double> in_double(const tg::params<Net, T>& p) {
    std::vector<double> flat;
    tg::for_each_tensor([&](std::size_t, std::string_view, const auto& t) { flat.insert(flat.end(), t.begin(), t.end()); },
                        p);
    tg::params<Net, double> d{};
    std::size_t k = 0;
    tg::for_each_tensor([&](std::size_t, std::string_view, auto& t) { for (auto& v : t) v = flat[k++]; }, d);
    return d;
}

// The largest relative error of the analytic gradient of the mean loss over n samples, computed in T
// (per-sample value_and_grad when n == 1, value_and_grad_batch otherwise), against central
// differences of the same network, parameters and inputs in double (step 1e-5, relative): a float
// gradient is checked against the exact one, not against differences that float's rounding blurs.
template <class Net, class T, class Loss, class Target>
double gradient_error(const std::vector<Target>& targets, const Loss& loss, std::uint64_t seed) {
    const std::size_t n = targets.size();
    const auto p = random_params<Net, T>(seed);
    const auto xs = random_vecs<T, Net::in_size>(n, seed + 1);
    tg::params<Net, T> grad{};
    if (n == 1) {
        tg::workspace<Net, T> ws;
        tg::value_and_grad<Net>(p, xs[0], targets[0], loss, grad, ws);
    } else {
        tg::batch_workspace<Net, T> ws(n);
        tg::value_and_grad_batch<Net>(p, ws, xs, targets, loss, grad);
    }
    auto pd = in_double(p);
    std::vector<tg::vec<double, Net::in_size>> xd(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < Net::in_size; ++k) xd[i][k] = xs[i][k];
    const auto loss_d = [&] {
        if constexpr (std::is_same_v<Target, std::size_t>) return mean_loss<Net>(pd, xd, targets, loss);
        else {
            std::vector<tg::vec<double, Net::out_size>> td(n);
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t k = 0; k < Net::out_size; ++k) td[i][k] = targets[i][k];
            return mean_loss<Net>(pd, xd, td, loss);
        }
    };
    return gradient_check::worst_over_params(pd, in_double(grad), loss_d);
}

template <class Net, class T>
void check_gradients(double tolerance) {
    for (std::size_t n : {1, 3, 5, 17}) {
        BOOST_TEST_CONTEXT("n = " << n) {
            const auto targets = random_vecs<T, Net::out_size>(n, 7 * n);
            const double error = gradient_error<Net, T>(targets, tg::mse{}, 40 + n);
            BOOST_TEST(error <= tolerance);
        }
    }
}

// Each activation fused after a dense layer of odd width, and after an activation (unfused), so that
// both its own layer and the dense layer's fused paths are checked.
template <class A>
using fused_net = tg::sequential<tg::dense<5, 13>, A, tg::dense<13, 3>, A>;
template <class A>
using unfused_net = tg::sequential<tg::dense<3, 7>, tg::tanh, A>;

template <class A>
void check_activation() {
    check_gradients<fused_net<A>, double>(2e-6);
    check_gradients<unfused_net<A>, double>(2e-6);
    check_gradients<fused_net<A>, float>(1e-3);
    check_gradients<unfused_net<A>, float>(1e-3);
}

// The derivative at each z from the layer's backward, and its value from its forward, in double.
template <class A, std::size_t N>
void values_and_slopes(const tg::vec<double, N>& z, tg::vec<double, N>& y, tg::vec<double, N>& slope) {
    typename A::template cache_type<double, N> cache;
    tg::no_params none;
    y = A::forward(none, z, cache, tg::mode::training);
    tg::vec<double, N> ones;
    for (auto& o : ones) o = 1;
    slope = A::backward(none, cache, ones, none);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(activation_named)

BOOST_AUTO_TEST_CASE(values_at_chosen_points) {
    const tg::vec<double, 5> z{-2.0, -0.5, 0.0, 0.5, 25.0};
    tg::vec<double, 5> y, d;
    const auto close = [](double a, double b) { return std::abs(a - b) <= 1e-15 * std::max(1.0, std::abs(b)); };

    values_and_slopes<tg::leaky_relu<>>(z, y, d);
    BOOST_TEST(y[0] == -0.02);
    BOOST_TEST(y[3] == 0.5);
    BOOST_TEST(d[0] == 0.01);
    BOOST_TEST(d[2] == 0.01);  // at 0, the negative side's slope, as PyTorch
    BOOST_TEST(d[3] == 1.0);
    values_and_slopes<tg::leaky_relu<std::ratio<1, 5>>>(z, y, d);
    BOOST_TEST(y[1] == -0.1);

    values_and_slopes<tg::elu<>>(z, y, d);
    BOOST_TEST(close(y[0], std::expm1(-2.0)));
    BOOST_TEST(close(d[0], std::exp(-2.0)));
    BOOST_TEST(d[2] == 1.0);  // alpha·e^0 at 0, as PyTorch
    BOOST_TEST(y[4] == 25.0);
    values_and_slopes<tg::elu<std::ratio<1, 2>>>(z, y, d);
    BOOST_TEST(close(y[1], 0.5 * std::expm1(-0.5)));
    BOOST_TEST(close(d[1], 0.5 * std::exp(-0.5)));

    values_and_slopes<tg::softplus>(z, y, d);
    BOOST_TEST(close(y[2], std::log(2.0)));
    BOOST_TEST(close(d[0], 1 / (1 + std::exp(2.0))));
    BOOST_TEST(y[4] == 25.0);  // above the threshold, z itself
    BOOST_TEST(d[4] == 1.0);

    values_and_slopes<tg::silu>(z, y, d);
    const double s = 1 / (1 + std::exp(0.5));
    BOOST_TEST(close(y[1], -0.5 * s));
    BOOST_TEST(close(d[1], s * (1 - 0.5 * (1 - s))));
    BOOST_TEST(d[2] == 0.5);

    values_and_slopes<tg::gelu>(z, y, d);
    BOOST_TEST(close(y[3], 0.25 * (1 + std::erf(0.5 / std::numbers::sqrt2))));
    BOOST_TEST(d[2] == 0.5);
    values_and_slopes<tg::gelu_tanh>(z, y, d);
    BOOST_TEST(y[2] == 0.0);
    BOOST_TEST(d[2] == 0.5);
}

// Far in the tails the layers stay finite and keep their digits: softplus' slope e^z where 1 - e^-y
// would round to 0, gelu's value where 1 + erf cancels, silu where e^-z overflows.
BOOST_AUTO_TEST_CASE(tails) {
    const tg::vec<double, 3> z{-30.0, -8.0, -800.0};
    tg::vec<double, 3> y, d;
    values_and_slopes<tg::softplus>(z, y, d);
    const double sigma = 1 / (1 + std::exp(30.0));
    BOOST_TEST(std::abs(d[0] - sigma) <= 1e-14 * sigma);
    values_and_slopes<tg::gelu>(z, y, d);
    BOOST_TEST(std::abs(y[1] + 8 * 0.5 * std::erfc(8 / std::numbers::sqrt2)) <= 1e-12 * std::abs(y[1]));
    BOOST_TEST(y[1] < 0.0);
    values_and_slopes<tg::silu>(z, y, d);
    BOOST_TEST(std::isfinite(y[2]));
    BOOST_TEST(std::isfinite(d[2]));
    BOOST_TEST(y[2] == 0.0);
    tg::vec<float, 3> zf{-30.0f, -8.0f, -800.0f};
    tg::input_cache<float, 3> cache;
    tg::no_params none;
    const auto yf = tg::silu::forward(none, zf, cache, tg::mode::training);
    BOOST_TEST(std::isfinite(yf[2]));
}

// The stated bound: |gelu_tanh - gelu| ≤ 4.8e-4 and of their derivatives ≤ 8.8e-4, on a fine grid
// in double and through the float SIMD path (whose own error adds at most a few ulp).
BOOST_AUTO_TEST_CASE(gelu_tanh_is_within_its_stated_bound_of_gelu) {
    constexpr std::size_t n = 2001;  // z from -10 to 10 in steps of 0.01
    tg::vec<double, n> z, y, d, y_tanh, d_tanh;
    tg::vec<float, n> zf;
    for (std::size_t i = 0; i < n; ++i) zf[i] = float(z[i] = (double(i) - 1000) / 100);
    values_and_slopes<tg::gelu>(z, y, d);
    values_and_slopes<tg::gelu_tanh>(z, y_tanh, d_tanh);
    tg::input_cache<float, n> cache;
    tg::no_params none;
    const auto yf = tg::gelu_tanh::forward(none, zf, cache, tg::mode::inference);
    double worst_value = 0, worst_slope = 0, worst_float = 0;
    for (std::size_t i = 0; i < n; ++i) {
        worst_value = std::max(worst_value, std::abs(y_tanh[i] - y[i]));
        worst_slope = std::max(worst_slope, std::abs(d_tanh[i] - d[i]));
        worst_float = std::max(worst_float, std::abs(double(yf[i]) - y[i]));
    }
    BOOST_TEST_MESSAGE("gelu_tanh - gelu: value " << worst_value << ", derivative " << worst_slope);
    BOOST_TEST(worst_value <= 4.8e-4);
    BOOST_TEST(worst_value >= 4.7e-4);  // the bound is tight: the check sees the approximation
    BOOST_TEST(worst_slope <= 8.8e-4);
    BOOST_TEST(worst_slope >= 8.6e-4);
    BOOST_TEST(worst_float <= 4.8e-4 + 1e-5);
}

BOOST_AUTO_TEST_CASE(leaky_relu_gradients) { check_activation<tg::leaky_relu<>>(); }
BOOST_AUTO_TEST_CASE(leaky_relu_0_2_gradients) { check_activation<tg::leaky_relu<std::ratio<1, 5>>>(); }
BOOST_AUTO_TEST_CASE(elu_gradients) { check_activation<tg::elu<>>(); }
BOOST_AUTO_TEST_CASE(softplus_gradients) { check_activation<tg::softplus>(); }
BOOST_AUTO_TEST_CASE(silu_gradients) { check_activation<tg::silu>(); }
BOOST_AUTO_TEST_CASE(gelu_gradients) { check_activation<tg::gelu>(); }
BOOST_AUTO_TEST_CASE(gelu_tanh_gradients) { check_activation<tg::gelu_tanh>(); }

BOOST_AUTO_TEST_CASE(log_softmax_and_nll_log_probs_gradients) {
    using net = tg::sequential<tg::dense<5, 7>, tg::log_softmax>;
    for (std::size_t n : {1, 3, 17}) {
        std::vector<std::size_t> labels(n);
        for (std::size_t i = 0; i < n; ++i) labels[i] = (5 * i + 2) % 7;
        const double error_double = gradient_error<net, double>(labels, tg::nll_log_probs{}, n);
        const double error_float = gradient_error<net, float>(labels, tg::nll_log_probs{}, n);
        BOOST_TEST(error_double <= 2e-6);
        BOOST_TEST(error_float <= 1e-3);
    }
}

// log_softmax then nll_log_probs is softmax_cross_entropy on the logits: the same loss and gradient.
// Its outputs' exponentials sum to 1, and huge logits stay finite.
BOOST_AUTO_TEST_CASE(log_softmax_with_nll_log_probs_is_cross_entropy) {
    for (std::size_t label : {0, 4, 10}) {
        tg::vec<double, 11> x;
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(3.0 * double(i)) * 4;
        tg::output_cache<double, 11> cache;
        tg::no_params none;
        const auto y = tg::log_softmax::forward(none, x, cache, tg::mode::training);
        tg::vec<double, 11> g, expected;
        const double loss = tg::nll_log_probs{}.value_and_grad(y, label, g);
        const auto grad_x = tg::log_softmax::backward(none, cache, g, none);
        const double ce = tg::softmax_cross_entropy{}.value_and_grad(x, label, expected);
        BOOST_TEST(loss == ce, boost::test_tools::tolerance(1e-14));
        for (std::size_t i = 0; i < x.size(); ++i) BOOST_TEST(std::abs(grad_x[i] - expected[i]) <= 1e-15);
        double sum = 0;
        for (double v : y) sum += std::exp(v);
        BOOST_TEST(sum == 1.0, boost::test_tools::tolerance(1e-15));
    }
    tg::vec<float, 3> big{1000.0f, 0.0f, -1000.0f};
    tg::output_cache<float, 3> cache;
    tg::no_params none;
    const auto y = tg::log_softmax::forward(none, big, cache, tg::mode::inference);
    BOOST_TEST(y[0] == 0.0f);
    BOOST_TEST(y[1] == -1000.0f);
    BOOST_TEST(y[2] == -2000.0f);  // softmax's probability would be 0, its log -inf
}

BOOST_AUTO_TEST_CASE(nll_log_probs_label_out_of_range_is_an_error) {
    const tg::vec<float, 3> y{-1.0f, -2.0f, -0.5f};
    BOOST_TEST(throws_value_error([&] { (void)tg::nll_log_probs{}.value(y, 3); },
                                  "nll_log_probs: label 3 is out of range for 3 classes (labels are 0 to 2)"));
    BOOST_TEST(tg::nll_log_probs{}.value(y, 2) == 0.5f);
}

// With class weights (PyTorch's NLLLoss(weight=)) a sample of class c counts w[c] times: its loss and
// gradient are scaled by w[c], and a batch's mean gradient divides by the sum of the weights.
BOOST_AUTO_TEST_CASE(nll_log_probs_class_weights) {
    const tg::nll_log_probs weighted{.weight = {1.0, 0.5, 3.0}};
    const tg::vec<double, 3> y{-1.0, -2.0, -0.5};
    tg::vec<double, 3> g;
    BOOST_TEST(weighted.value_and_grad(y, 2, g) == 1.5);
    BOOST_TEST((g[0] == 0.0 && g[1] == 0.0 && g[2] == -3.0));
    BOOST_TEST(throws_value_error([&] { (void)tg::nll_log_probs{.weight = {1.0, 2.0}}.value(y, 0); },
                                  "nll_log_probs: 2 class weights for 3 classes (network outputs), expected one "
                                  "weight per class"));

    using net = tg::sequential<tg::dense<5, 3>, tg::gelu, tg::dense<3, 3>, tg::log_softmax>;
    const auto p = random_params<net, double>(8);
    const auto xs = random_vecs<double, 5>(7, 9);
    const std::vector<std::size_t> labels{0, 2, 2, 1, 0, 2, 1};
    tg::params<net, double> expected{};
    double total_weight = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        tg::params<net, double> gi{};
        tg::workspace<net, double> ws;
        tg::value_and_grad<net>(p, xs[i], labels[i], weighted, gi, ws);
        total_weight += weighted.sample_weight<double, 3>(labels[i]);
        tg::for_each_tensor(
            [](std::size_t, std::string_view, auto& sum, const auto& t) {
                for (std::size_t k = 0; k < sum.size(); ++k) sum.data()[k] += t.data()[k];
            },
            expected, gi);
    }
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, auto& t) {
            for (auto& v : t) v /= total_weight;
        },
        expected);
    tg::batch_workspace<net, double> ws(xs.size());
    tg::params<net, double> grad{};
    tg::value_and_grad_batch<net>(p, ws, xs, labels, weighted, grad);
    BOOST_TEST(max_relative_difference(grad, expected) <= 1e-13);
}

// The batch, per-sample training, per-sample inference and prepared-inference forwards agree.
template <class Net, class T>
void paths_agree(double tolerance) {
    const std::size_t n = 13;
    const auto p = random_params<Net, T>(3);
    const auto q = tg::inference_params<Net, T>(p);
    const auto xs = random_vecs<T, Net::in_size>(n, 4);
    tg::batch_workspace<Net, T> ws(n);
    for (std::size_t i = 0; i < n; ++i) ws.set_input(i, xs[i]);
    tg::forward_batch<Net>(p, ws, n, {tg::mode::training});
    tg::workspace<Net, T> sample_ws;
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto a = tg::forward<Net>(p, xs[i]), b = tg::forward<Net>(p, xs[i], sample_ws, tg::mode::training),
                   c = tg::forward<Net>(q, xs[i]);
        for (std::size_t k = 0; k < Net::out_size; ++k)
            worst = std::max({worst, std::abs(double(a[k] - ws.output(i)[k])), std::abs(double(a[k] - b[k])),
                              std::abs(double(a[k] - c[k]))});
    }
    BOOST_TEST(worst <= tolerance);
}

using output_kinds = tg::sequential<tg::dense<9, 33>, tg::leaky_relu<>, tg::dense<33, 17>, tg::elu<>, tg::dense<17, 5>,
                                    tg::softplus>;
using input_kinds = tg::sequential<tg::dense<9, 33>, tg::gelu, tg::dense<33, 17>, tg::silu, tg::dense<17, 5>,
                                   tg::gelu_tanh>;

BOOST_AUTO_TEST_CASE(batch_sample_and_inference_paths_agree) {
    paths_agree<output_kinds, double>(1e-12);
    paths_agree<input_kinds, double>(1e-12);
    paths_agree<output_kinds, float>(2e-5);
    paths_agree<input_kinds, float>(2e-5);
}

// tg::init: He for a layer before a rectifier, Glorot before anything else: the limits of the uniform
// draws differ by sqrt((In + Out) / In).
BOOST_AUTO_TEST_CASE(he_initialisation_before_a_rectifier) {
    const auto largest = [](const auto& W) {
        double m = 0;
        for (auto w : W) m = std::max(m, std::abs(double(w)));
        return m;
    };
    const double he = std::sqrt(6.0 / 100), glorot = std::sqrt(6.0 / 200);
    const auto check = [&]<class A>(double limit) {
        const auto p = tg::init<tg::sequential<tg::dense<100, 100>, A>, double>(5);
        BOOST_TEST(largest(get<0>(p).W) <= limit);
        BOOST_TEST(largest(get<0>(p).W) >= 0.95 * limit);
    };
    check.template operator()<tg::leaky_relu<>>(he);
    check.template operator()<tg::elu<>>(he);
    check.template operator()<tg::softplus>(he);
    check.template operator()<tg::silu>(he);
    check.template operator()<tg::gelu>(he);
    check.template operator()<tg::gelu_tanh>(he);
    check.template operator()<tg::tanh>(glorot);
    check.template operator()<tg::log_softmax>(glorot);
}

// A seed fixes every weight W(r, c): layer I draws from rng{seed ^ 0xD1B54A32D192ED03·(I + 1)}, row by
// row (r, then c), uniform in ±sqrt(6 / fan); biases start at zero. Saved seeds and the tutorial's
// numbers rely on this order, whatever layout the parameters keep W in.
BOOST_AUTO_TEST_CASE(init_draws_each_weight_in_row_major_order) {
    using net = tg::sequential<tg::dense<3, 4>, tg::relu, tg::dense<4, 2>>;
    const std::uint64_t seed = 7;
    const auto p = tg::init<net, double>(seed);
    const auto expect_layer = [&]<std::size_t I>(const auto& layer, double fan) {
        tg::rng r{seed ^ (0xD1B54A32D192ED03ull * (I + 1))};
        const double limit = std::sqrt(6.0 / fan);
        for (std::size_t row = 0; row < layer.W.rows(); ++row)
            for (std::size_t col = 0; col < layer.W.cols(); ++col)
                BOOST_TEST(layer.W(row, col) == r.uniform(-limit, limit),
                           "layer " << I << " W(" << row << ", " << col << ")");
        for (double b : layer.b) BOOST_TEST(b == 0.0);
    };
    expect_layer.template operator()<0>(tg::get<0>(p), 3.0);      // He: a relu follows
    expect_layer.template operator()<2>(tg::get<2>(p), 4.0 + 2);  // Glorot: the last layer
}

// What tg::fit computes, by hand on the public batch API: for each batch in stored order,
// value_and_grad_batch and one optimizer step.
template <class Net, class Data, class Loss>
double hand_loop(tg::params<Net, double>& p, const Data& data, const Loss& loss, tg::sgd opt, std::size_t batch,
                 std::size_t epochs) {
    tg::batch_workspace<Net, double> ws(batch);
    auto grad = std::make_unique<tg::params<Net, double>>();
    double last = 0;
    for (std::size_t e = 0; e < epochs; ++e) {
        last = 0;
        for (std::size_t begin = 0; begin < data.size(); begin += batch) {
            const std::size_t count = std::min(batch, data.size() - begin);
            last += tg::value_and_grad_batch<Net>(p, ws, std::span(data.inputs).subspan(begin, count),
                                                  std::span(data.targets).subspan(begin, count), loss, *grad,
                                                  {tg::mode::training}, tg::grad_mode::assign);
            opt.step(p, *grad);
        }
    }
    return last / double(data.size());
}

// tg::fit splits the neurons of these networks between its threads, as it does with relu (wide layers
// by neurons, the narrow tail by samples, an activation at each hand-over), and gives the hand loop's
// parameters for 1, 2, 3 and 5 threads.
template <class Net>
void fit_by_neurons_equals_the_hand_loop() {
    static_assert(tg::detail::splits_by_neurons<Net>);
    static_assert(tg::detail::plan<Net, double>::by_samples_from > 0);
    const auto points = line_points(40, 8);
    auto expected = tg::init<Net, double>(21);
    const double expected_loss = hand_loop<Net>(expected, points, tg::softmax_cross_entropy{}, tg::sgd{0.3}, 7, 3);
    for (std::size_t threads : {1, 2, 3, 5}) {
        BOOST_TEST_CONTEXT("threads = " << threads) {
            auto p = tg::init<Net, double>(21);
            tg::sgd opt{0.3};
            const auto result = tg::fit<Net>(p, points, tg::softmax_cross_entropy{}, opt,
                                             {.epochs = 3, .batch_size = 7, .threads = threads, .shuffle = false,
                                              .report = tg::progress::none});
            BOOST_TEST(max_difference(p, expected) <= 1e-12);
            BOOST_TEST(result.history.back().loss == expected_loss, boost::test_tools::tolerance(1e-12));
        }
    }
}

BOOST_AUTO_TEST_CASE(fit_splits_neurons_with_output_cached_activations) {
    fit_by_neurons_equals_the_hand_loop<tg::sequential<tg::dense<2, 100>, tg::leaky_relu<>, tg::dense<100, 100>,
                                                       tg::elu<>, tg::dense<100, 9>, tg::softplus, tg::dense<9, 2>>>();
}

BOOST_AUTO_TEST_CASE(fit_splits_neurons_with_input_cached_activations) {
    fit_by_neurons_equals_the_hand_loop<tg::sequential<tg::dense<2, 100>, tg::gelu, tg::dense<100, 100>, tg::silu,
                                                       tg::dense<100, 9>, tg::gelu_tanh, tg::dense<9, 2>>>();
}

// A classifier with named activations and a log_softmax head learns the line problem through tg::fit
// on two threads.
BOOST_AUTO_TEST_CASE(fit_learns_with_log_softmax_and_nll_log_probs) {
    using net = tg::sequential<tg::dense<2, 16>, tg::gelu, tg::dense<16, 16>, tg::leaky_relu<>, tg::dense<16, 2>,
                               tg::log_softmax>;
    const auto train = line_points(400, 1), test = line_points(200, 2);
    auto p = tg::init<net, double>(3);
    tg::adam opt{0.01};
    const auto result = tg::fit<net>(p, train, tg::nll_log_probs{}, opt,
                                     {.epochs = 30, .batch_size = 16, .threads = 2, .report = tg::progress::none});
    BOOST_TEST(result.history.back().loss < 0.2);
    BOOST_TEST(tg::accuracy<net>(p, test) >= 0.95);
}

// sgd_step (one sample) and sgd_step_batch equal value_and_grad followed by the sgd step.
template <class Net>
void sgd_steps_agree() {
    const auto xs = random_vecs<double, Net::in_size>(9, 2);
    const auto targets = random_vecs<double, Net::out_size>(9, 3);
    const tg::sgd opt{0.1};
    auto fused = random_params<Net, double>(4), by_hand = fused;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        tg::sgd_step<Net>(fused, xs[i], targets[i], tg::mse{}, opt);
        auto [loss, grad] = tg::value_and_grad<Net>(by_hand, xs[i], targets[i], tg::mse{});
        opt.step(by_hand, grad);
    }
    BOOST_TEST(max_relative_difference(fused, by_hand) <= 1e-13);

    tg::batch_workspace<Net, double> ws(9);
    tg::sgd_step_batch<Net>(fused, ws, xs, targets, tg::mse{}, opt);
    tg::params<Net, double> grad{};
    tg::value_and_grad_batch<Net>(by_hand, ws, xs, targets, tg::mse{}, grad);
    opt.step(by_hand, grad);
    BOOST_TEST(max_relative_difference(fused, by_hand) <= 1e-13);
}

BOOST_AUTO_TEST_CASE(sgd_step_with_named_activations) {
    sgd_steps_agree<output_kinds>();
    sgd_steps_agree<input_kinds>();
}

BOOST_AUTO_TEST_SUITE_END()
