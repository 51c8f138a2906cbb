// tg::sgd_step_batch (a mini-batch's forward, loss, backward and SGD update with no gradient stored)
// against value_and_grad_batch followed by sgd.step: the same losses and, after several batches, the
// same parameters within rounding, in float and double, for dense with every activation kind,
// softmax, dropout and batch_norm (running statistics included), batch sizes 1 to 64.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

using relu_net = tg::sequential<tg::dense<7, 19>, tg::relu, tg::dense<19, 33>, tg::relu, tg::dense<33, 3>>;
using smooth_net = tg::sequential<tg::dense<5, 17>, tg::tanh, tg::dense<17, 10>,
                                  tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)>, tg::dense<10, 4>, tg::softmax>;
using regularised_net = tg::sequential<tg::dense<6, 21>, tg::batch_norm, tg::relu, tg::dropout<80>, tg::dense<21, 5>>;

template <class Net, class T, class Loss, class Target>
void compare(std::size_t n, const Loss& loss, const std::vector<Target>& targets, double tolerance) {
    auto fused = random_params<Net, T>(n + 11);
    auto plain = fused;
    const auto start = fused;
    const auto xs = random_vecs<T, Net::in_size>(4 * n, n + 3);
    const tg::sgd opt{0.1};
    tg::batch_workspace<Net, T> fused_ws(n), plain_ws(n);
    auto grad = std::make_unique<tg::params<Net, T>>();
    bool same_losses = true;
    for (std::size_t b = 0; b < 4; ++b) {
        const tg::batch_info info{tg::mode::training, 7 + b};  // both draw the same dropout masks
        const auto in = std::span(xs).subspan(b * n, n);
        const auto out = std::span(targets).subspan(b * n, n);
        const T value = tg::value_and_grad_batch<Net>(plain, plain_ws, in, out, loss, *grad, info,
                                                     tg::grad_mode::assign);
        opt.step(plain, *grad);
        tg::update_running_statistics<Net>(plain, plain_ws);
        const T fused_value = tg::sgd_step_batch<Net>(fused, fused_ws, in, out, loss, opt, info);
        same_losses = same_losses && std::abs(fused_value - value) <= tolerance * (1 + std::abs(value));
    }
    BOOST_TEST(same_losses);
    BOOST_TEST(max_difference(fused, plain) <= tolerance);
    BOOST_TEST(max_difference(fused, start) > 1e-3);  // the steps did change the parameters
}

template <class Net, class T>
void regression(double tolerance) {
    for (std::size_t n : {1, 5, 17, 64}) {
        BOOST_TEST_CONTEXT("n = " << n) {
            compare<Net, T>(n, tg::mse{}, random_vecs<T, Net::out_size>(4 * n, 5 * n), tolerance);
        }
    }
}

template <class Net, class T>
void classification(double tolerance) {
    for (std::size_t n : {2, 5, 17, 64}) {  // batch_norm needs two rows for a variance
        BOOST_TEST_CONTEXT("n = " << n) {
            std::vector<std::size_t> labels(4 * n);
            for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = (5 * i + 2) % Net::out_size;
            compare<Net, T>(n, tg::softmax_cross_entropy{}, labels, tolerance);
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sgd_step_batch)

BOOST_AUTO_TEST_CASE(relu_double) { regression<relu_net, double>(1e-12); }
BOOST_AUTO_TEST_CASE(relu_float) { regression<relu_net, float>(2e-5); }
BOOST_AUTO_TEST_CASE(tanh_silu_softmax_double) { regression<smooth_net, double>(1e-12); }
BOOST_AUTO_TEST_CASE(batch_norm_dropout_double) { classification<regularised_net, double>(1e-12); }
BOOST_AUTO_TEST_CASE(batch_norm_dropout_float) { classification<regularised_net, float>(2e-5); }

BOOST_AUTO_TEST_CASE(bad_sizes_are_errors_and_change_nothing) {
    auto p = random_params<relu_net, float>(1);
    const auto before = p;
    const auto xs = random_vecs<float, 7>(5, 2);
    const std::vector<tg::vec<float, 3>> targets(5);
    tg::batch_workspace<relu_net, float> ws(4);
    const tg::sgd opt{0.1};
    BOOST_TEST(throws_value_error([&] { tg::sgd_step_batch<relu_net>(p, ws, xs, targets, tg::mse{}, opt); },
                                  "tg::sgd_step_batch: 5 samples do not fit a batch_workspace of capacity 4"));
    BOOST_TEST(throws_value_error(
        [&] {
            tg::sgd_step_batch<relu_net>(p, ws, std::span(xs).first(3), std::span(targets).first(2), tg::mse{}, opt);
        },
        "tg::sgd_step_batch: 3 inputs but 2 targets"));
    BOOST_TEST(throws_value_error(
        [&] {
            tg::sgd_step_batch<relu_net>(p, ws, std::span(xs).first(3), std::span(targets).first(3), tg::mse{},
                                         tg::sgd{-1.0});
        },
        "tg::sgd: lr is -1, expected a finite number >= 0"));
    BOOST_TEST(max_difference(p, before) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
