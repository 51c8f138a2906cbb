// The mini-batch path against the per-sample one: for every layer kind, batch sizes that are not
// multiples of any tile, float and double, forward_batch gives each sample's forward output and
// value_and_grad_batch gives the summed loss and the mean of the per-sample gradients.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

template <class Net, class T, class Loss, class Target>
void batch_matches_samples(std::size_t n, const Loss& loss, const std::vector<Target>& targets, double tolerance) {
    const auto p = random_params<Net, T>(n + 5);
    const auto xs = random_vecs<T, Net::in_size>(n, n + 9);

    tg::params<Net, T> expected{};
    T expected_loss{};
    tg::workspace<Net, T> sample_ws;
    for (std::size_t i = 0; i < n; ++i) {
        tg::params<Net, T> g{};
        expected_loss += tg::value_and_grad<Net>(p, xs[i], targets[i], loss, g, sample_ws);
        tg::for_each_tensor(
            [&](std::size_t, std::string_view, auto& sum, const auto& gi) {
                for (std::size_t k = 0; k < sum.size(); ++k) sum.data()[k] += gi.data()[k] / T(n);
            },
            expected, g);
    }

    tg::batch_workspace<Net, T> ws(n + 2);  // a capacity above n: only n rows are used
    tg::params<Net, T> grad{};
    const T loss_sum = tg::value_and_grad_batch<Net>(p, ws, xs, targets, loss, grad);
    BOOST_TEST(std::abs(double(loss_sum - expected_loss)) <= tolerance * std::max(1.0, std::abs(double(expected_loss))));
    BOOST_TEST(max_relative_difference(grad, expected) <= tolerance);

    // The same backward pass assigning instead of adding (tg::fit's way): the gradient it is given
    // is overwritten, never read, so NaN there does not matter; the result is the same to the bit.
    tg::params<Net, T> assigned;
    tg::for_each_tensor([](std::size_t, std::string_view, auto& t) { std::ranges::fill(t, T(NAN)); }, assigned);
    tg::backward_batch<Net>(p, ws, n, assigned, tg::grad_mode::assign);
    BOOST_TEST(max_relative_difference(assigned, grad) == 0.0);

    tg::batch_workspace<Net, T> inference(n);
    for (std::size_t i = 0; i < n; ++i) inference.set_input(i, xs[i]);
    tg::forward_batch<Net>(p, inference, n);
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto y = tg::forward<Net>(p, xs[i]);
        for (std::size_t k = 0; k < Net::out_size; ++k)
            worst = std::max(worst, std::abs(double(inference.output(i)[k] - y[k])));
    }
    BOOST_TEST(worst <= tolerance);
}

template <class Net, class T>
void check_regression(double tolerance) {
    for (std::size_t n : {1, 3, 5, 13, 17, 64}) {
        BOOST_TEST_CONTEXT("n = " << n) {
            const auto targets = random_vecs<T, Net::out_size>(n, 3 * n);
            batch_matches_samples<Net, T>(n, tg::mse{}, targets, tolerance);
        }
    }
}

template <class Net, class T>
void check_classifier(double tolerance) {
    for (std::size_t n : {1, 3, 5, 13, 17, 64}) {
        BOOST_TEST_CONTEXT("n = " << n) {
            std::vector<std::size_t> labels(n);
            for (std::size_t i = 0; i < n; ++i) labels[i] = (7 * i + 1) % Net::out_size;
            batch_matches_samples<Net, T>(n, tg::softmax_cross_entropy{}, labels, tolerance);
        }
    }
}

using relu_net = tg::sequential<tg::dense<7, 19>, tg::relu, tg::dense<19, 33>, tg::relu, tg::dense<33, 3>>;
using smooth_net = tg::sequential<tg::dense<5, 17>, tg::tanh, tg::dense<17, 10>, tg::sigmoid, tg::dense<10, 4>,
                                  tg::identity>;
using softmax_net = tg::sequential<tg::dense<9, 5>, tg::softmax>;
using silu = tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)>;
using expr_net = tg::sequential<tg::dense<3, 21>, silu, tg::dense<21, 2>, tg::sign, tg::dense<2, 6>>;
using wide_net = tg::sequential<tg::dense<70, 40>, tg::relu, tg::dense<40, 10>>;

// A layer with parameters whose backward_batch only adds, as a user's layer may be written: an
// assigning pass zeroes its gradient first.
template <std::size_t In, std::size_t Out>
struct adding_dense : tg::dense<In, Out> {
    template <class T>
    static void backward_batch(const tg::dense_params<T, In, Out>& p, std::size_t n, const tg::rows<T, In>& x,
                               const tg::rows<T, Out>& y, const tg::rows<T, Out>& grad_y, tg::rows<T, In>* grad_x,
                               tg::no_batch_state& state, tg::dense_params<T, In, Out>& grad) noexcept {
        tg::dense<In, Out>::backward_batch(p, n, x, y, grad_y, grad_x, state, grad, tg::grad_mode::add);
    }
};
using adding_net = tg::sequential<adding_dense<6, 11>, tg::relu, tg::dense<11, 2>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(net_batch)

BOOST_AUTO_TEST_CASE(relu_double) { check_regression<relu_net, double>(1e-12); }
BOOST_AUTO_TEST_CASE(relu_float) { check_regression<relu_net, float>(2e-5); }
BOOST_AUTO_TEST_CASE(tanh_sigmoid_identity_double) { check_regression<smooth_net, double>(1e-12); }
BOOST_AUTO_TEST_CASE(tanh_sigmoid_identity_float) { check_regression<smooth_net, float>(2e-5); }
BOOST_AUTO_TEST_CASE(softmax_layer_double) { check_regression<softmax_net, double>(1e-12); }
BOOST_AUTO_TEST_CASE(expression_and_sign_double) { check_regression<expr_net, double>(1e-12); }
BOOST_AUTO_TEST_CASE(classifier_double) { check_classifier<wide_net, double>(1e-12); }
BOOST_AUTO_TEST_CASE(classifier_float) { check_classifier<wide_net, float>(2e-5); }
BOOST_AUTO_TEST_CASE(layer_without_grad_mode_double) { check_regression<adding_net, double>(1e-12); }

BOOST_AUTO_TEST_CASE(more_samples_than_capacity_is_an_error) {
    const auto p = random_params<relu_net, float>(1);
    const auto xs = random_vecs<float, 7>(5, 2);
    const std::vector<tg::vec<float, 3>> targets(5);
    tg::batch_workspace<relu_net, float> ws(4);
    tg::params<relu_net, float> grad{};
    BOOST_TEST(throws_value_error([&] { tg::value_and_grad_batch<relu_net>(p, ws, xs, targets, tg::mse{}, grad); },
                                  "tg::value_and_grad_batch: 5 samples do not fit a batch_workspace of capacity 4"));
    BOOST_TEST(throws_value_error(
        [&] {
            tg::value_and_grad_batch<relu_net>(p, ws, std::span(xs).first(3), std::span(targets).first(2), tg::mse{},
                                               grad);
        },
        "tg::value_and_grad_batch: 3 inputs but 2 targets"));
}

BOOST_AUTO_TEST_SUITE_END()
