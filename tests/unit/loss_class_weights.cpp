// Class weights for softmax_cross_entropy and nll (PyTorch's weight=) through the batch path, tg::fit
// and tg::evaluate: a mini-batch's mean is Σ w·loss / Σ w over its samples, in every thread split; the
// batch gradient against finite differences; weights that are not one finite weight >= 0 per class
// are errors. PyTorch's own numbers are compared by tests/interop/check_class_weights.cpp.
#define BOOST_TEST_MODULE loss_class_weights
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

// Split by neurons in tg::fit (dense layers and elementwise activations) …
using logits_net = tg::sequential<tg::dense<2, 6>, tg::tanh, tg::dense<6, 2>>;
// … and by samples (softmax is not elementwise).
using probabilities_net = tg::sequential<tg::dense<2, 6>, tg::tanh, tg::dense<6, 2>, tg::softmax>;

const tg::class_weights weights{0.3, 1.7};

// tg::fit's epoch of batches of 3 in stored order, by hand from per-sample gradients (which carry
// their weight): each batch's Σ gradients / Σ weights, one SGD step; returns Σ w·loss / Σ w.
template <class Net, class Loss>
double weighted_epoch_by_hand(tg::params<Net, double>& p, const tg::dataset<double, 2>& data, const Loss& loss,
                              const tg::sgd& sgd) {
    double loss_sum = 0, weight_sum = 0;
    for (std::size_t begin = 0; begin < data.size(); begin += 3) {
        const std::size_t count = std::min<std::size_t>(3, data.size() - begin);
        tg::params<Net, double> sum{};
        double batch_weight = 0;
        for (std::size_t i = begin; i < begin + count; ++i) {
            auto [value, g] = tg::value_and_grad<Net>(p, data.inputs[i], data.targets[i], loss);
            loss_sum += value;
            batch_weight += weights.values()[data.targets[i]];
            tg::for_each_tensor(
                [&](std::size_t, std::string_view, auto& s, const auto& gi) {
                    for (std::size_t k = 0; k < s.size(); ++k) s.data()[k] += gi.data()[k];
                },
                sum, g);
        }
        weight_sum += batch_weight;
        tg::for_each_tensor(
            [&](std::size_t, std::string_view, auto& s) {
                for (auto& v : s) v /= batch_weight;
            },
            sum);
        sgd.step(p, sum);
    }
    return loss_sum / weight_sum;
}

template <class Net, class Loss>
void fit_equals_the_weighted_hand_loop(const Loss& loss) {
    const auto data = line_points(11, 2);
    const tg::sgd sgd{0.5};
    auto expected = random_params<Net>(3);
    const double expected_loss = weighted_epoch_by_hand(expected, data, loss, sgd);
    for (std::size_t threads : {1, 2, 3}) {
        BOOST_TEST_CONTEXT("threads = " << threads) {
            auto p = random_params<Net>(3);
            tg::sgd opt = sgd;
            const auto result = tg::fit<Net>(p, data, loss, opt,
                                             {.epochs = 1, .batch_size = 3, .threads = threads, .shuffle = false,
                                              .report = tg::progress::none});
            BOOST_TEST(max_difference(p, expected) <= 1e-12);
            BOOST_TEST(result.history[0].loss == expected_loss, boost::test_tools::tolerance(1e-12));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(fit_divides_each_batch_by_its_summed_weights) {
    static_assert(tg::detail::splits_by_neurons<logits_net, double> &&
                  !tg::detail::splits_by_neurons<probabilities_net, double>);
    fit_equals_the_weighted_hand_loop<logits_net>(tg::softmax_cross_entropy{.weight = weights});
    fit_equals_the_weighted_hand_loop<probabilities_net>(tg::nll{.weight = weights});
}

BOOST_AUTO_TEST_CASE(the_batch_mean_against_finite_differences) {
    const auto data = line_points(7, 4);
    const tg::softmax_cross_entropy loss{.weight = weights};
    const auto p = random_params<logits_net>(5);
    tg::batch_workspace<logits_net, double> ws(7);
    const auto mean = [&](const tg::params<logits_net, double>& q) {
        tg::params<logits_net, double> unused{};
        double weight = 0;
        for (std::size_t label : data.targets) weight += weights.values()[label];
        return tg::value_and_grad_batch<logits_net>(q, ws, data.inputs, data.targets, loss, unused) / weight;
    };
    tg::params<logits_net, double> grad{};
    tg::value_and_grad_batch<logits_net>(p, ws, data.inputs, data.targets, loss, grad);
    auto q = p;
    const double worst = gradient_check::worst_over_params(q, grad, [&] { return mean(q); }, 1e-6);
    BOOST_TEST(worst <= 1e-7);
}

BOOST_AUTO_TEST_CASE(evaluate_reports_the_weighted_mean) {
    const auto data = line_points(9, 6);
    const auto p = random_params<logits_net>(7);
    double loss_sum = 0, weight_sum = 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
        const double w = weights.values()[data.targets[i]];
        loss_sum += w * tg::softmax_cross_entropy{}.value(tg::forward<logits_net>(p, data.inputs[i]), data.targets[i]);
        weight_sum += w;
    }
    const auto e = tg::evaluate<logits_net>(p, data, tg::softmax_cross_entropy{.weight = weights});
    BOOST_TEST(e.loss == loss_sum / weight_sum, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(equal_weights_train_as_no_weights) {
    // w = 2 everywhere: Σ 2·g / Σ 2 = Σ g / n, bit for bit.
    const auto data = line_points(11, 8);
    for (std::size_t threads : {1, 2}) {
        auto plain = random_params<logits_net>(9), weighted = plain;
        tg::adam a{0.01}, b{0.01};
        const tg::fit_options o{.epochs = 2, .batch_size = 4, .threads = threads, .report = tg::progress::none};
        tg::fit<logits_net>(plain, data, tg::softmax_cross_entropy{}, a, o);
        tg::fit<logits_net>(weighted, data, tg::softmax_cross_entropy{.weight = {2, 2}}, b, o);
        BOOST_TEST(max_difference(plain, weighted) == 0.0);
    }
}

BOOST_AUTO_TEST_CASE(a_batch_of_weight_0_does_not_move_the_parameters) {
    tg::dataset<double, 2> data;
    data.push_back({0.1, 0.2}, 0);
    data.push_back({0.3, -0.4}, 0);
    const auto p = random_params<logits_net>(10);
    tg::batch_workspace<logits_net, double> ws(2);
    tg::params<logits_net, double> grad{};
    const double sum = tg::value_and_grad_batch<logits_net>(p, ws, data.inputs, data.targets,
                                                            tg::softmax_cross_entropy{.weight = {0, 1}}, grad);
    BOOST_TEST(sum == 0.0);
    BOOST_TEST(max_difference(grad, tg::params<logits_net, double>{}) == 0.0);
}

BOOST_AUTO_TEST_CASE(bad_weights_are_errors) {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    BOOST_TEST(throws_value_error([] { tg::class_weights{1, -0.5}; },
                                  "tg::class_weights: the weight of class 1 is -0.5, expected a finite weight >= 0"));
    BOOST_TEST(throws_value_error([&] { tg::class_weights{nan, 1}; }, "the weight of class 0 is nan"));
    BOOST_TEST(throws_value_error([&] { tg::softmax_cross_entropy{.weight = {1, 2, inf}}; },
                                  "the weight of class 2 is inf, expected a finite weight >= 0"));

    const auto data = line_points(5, 11);
    auto p = random_params<logits_net>(12);
    const tg::softmax_cross_entropy three{.weight = {1, 2, 3}};
    const char* count = "softmax_cross_entropy: 3 class weights for 2 classes (network outputs), expected one weight "
                        "per class";
    BOOST_TEST(throws_value_error([&] { tg::value_and_grad<logits_net>(p, data.inputs[0], 1, three); }, count));
    BOOST_TEST(throws_value_error([&] { tg::evaluate<logits_net>(p, data, three); }, count));
    tg::sgd opt{0.1};
    BOOST_TEST(throws_value_error([&] { tg::fit<logits_net>(p, data, three, opt, {.report = tg::progress::none}); },
                                  count));
    BOOST_TEST(throws_value_error(
        [&] { tg::fit<probabilities_net>(*std::make_unique<tg::params<probabilities_net, double>>(), data,
                                         tg::nll{.weight = {1}}, opt, {.report = tg::progress::none}); },
        "nll: 1 class weights for 2 classes"));
    // A label past the outputs is reported as without weights.
    BOOST_TEST(throws_value_error(
        [&] { tg::value_and_grad<logits_net>(p, data.inputs[0], 2, tg::softmax_cross_entropy{.weight = {1, 2}}); },
        "softmax_cross_entropy: label 2 is out of range for 2 classes"));
}
