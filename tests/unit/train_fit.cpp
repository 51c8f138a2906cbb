// tg::fit, tg::evaluate and tg::accuracy: ⌈N/B⌉ updates per epoch (seed item 14), each from the
// mean gradient of its batch, the same as a hand-written loop of value_and_grad; deterministic for a
// seed and thread count; a non-finite loss stops training with the epoch and batch named, and the
// parameters are never left non-finite; progress lines; and a real problem learned.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "fault_support.hpp"
#include "net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

using net = tg::sequential<tg::dense<2, 8>, tg::tanh, tg::dense<8, 2>>;

// Wraps an optimizer, counting its steps and keeping the parameters each step leaves.
template <class P>
struct recording {
    tg::sgd inner;
    std::size_t steps = 0;
    P last{};
    void step(P& p, const P& grad) {
        inner.step(p, grad);
        ++steps;
        last = p;
    }
};

struct captured_cerr {
    std::ostringstream text;
    std::streambuf* old = std::cerr.rdbuf(text.rdbuf());
    ~captured_cerr() { std::cerr.rdbuf(old); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(train_fit)

BOOST_AUTO_TEST_CASE(updates_per_epoch_are_the_ceiling_of_n_over_b) {
    const auto data = line_points(10, 1);
    for (auto [batch, updates] : {std::pair{3, 4}, {5, 2}, {1, 10}, {10, 1}, {64, 1}}) {
        auto p = tg::init<net, double>(1);
        recording<tg::params<net, double>> opt{tg::sgd{0.1}};
        const auto result =
            tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                         {.epochs = 2, .batch_size = std::size_t(batch), .threads = 1, .report = tg::progress::none});
        BOOST_TEST(opt.steps == std::size_t(2 * updates));
        BOOST_TEST(result.history.size() == 2u);
        BOOST_TEST(result.history[1].updates == std::size_t(updates));
        BOOST_TEST(result.history[1].epoch == 2u);
    }
}

// Without shuffling, one epoch of fit is the loop a user would write: for each batch, the mean of
// the per-sample gradients, then one SGD step; the last batch (2 of 11 samples) averages over 2.
BOOST_AUTO_TEST_CASE(one_epoch_equals_the_hand_written_loop) {
    const auto data = line_points(11, 2);
    const tg::sgd sgd{0.5};
    auto expected = tg::init<net, double>(3);
    double expected_loss = 0;
    for (std::size_t begin = 0; begin < 11; begin += 3) {
        const std::size_t count = std::min<std::size_t>(3, 11 - begin);
        tg::params<net, double> mean{};
        for (std::size_t i = begin; i < begin + count; ++i) {
            auto [value, g] = tg::value_and_grad<net>(expected, data.inputs[i], data.targets[i], tg::softmax_cross_entropy{});
            expected_loss += value;
            tg::for_each_tensor(
                [&](std::size_t, std::string_view, auto& m, const auto& gi) {
                    for (std::size_t k = 0; k < m.size(); ++k) m.data()[k] += gi.data()[k] / double(count);
                },
                mean, g);
        }
        sgd.step(expected, mean);
    }
    for (std::size_t threads : {1, 2, 3}) {
        BOOST_TEST_CONTEXT("threads = " << threads) {
            auto p = tg::init<net, double>(3);
            tg::sgd opt = sgd;
            const auto result = tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                                             {.epochs = 1, .batch_size = 3, .threads = threads, .shuffle = false,
                                              .report = tg::progress::none});
            BOOST_TEST(max_difference(p, expected) <= 1e-12);
            BOOST_TEST(result.history[0].loss == expected_loss / 11, boost::test_tools::tolerance(1e-12));
        }
    }
}

// What tg::fit computes, written by hand on the public batch API: for each batch in stored order,
// value_and_grad_batch and one optimizer step.
template <class Net, class T, class Data, class Loss, class Opt>
double hand_loop(tg::params<Net, T>& p, const Data& data, const Loss& loss, Opt& opt, std::size_t batch,
                 std::size_t epochs) {
    tg::batch_workspace<Net, T> ws(batch);
    auto grad = std::make_unique<tg::params<Net, T>>();
    double last_epoch_loss = 0;
    for (std::size_t e = 0; e < epochs; ++e) {
        last_epoch_loss = 0;
        for (std::size_t begin = 0; begin < data.size(); begin += batch) {
            const std::size_t count = std::min(batch, data.size() - begin);
            last_epoch_loss += tg::value_and_grad_batch<Net>(
                p, ws, std::span(data.inputs).subspan(begin, count), std::span(data.targets).subspan(begin, count),
                loss, *grad, {tg::mode::training}, tg::grad_mode::assign);
            opt.step(p, *grad);
        }
    }
    return last_epoch_loss / double(data.size());
}

// A network of dense layers and elementwise activations trains with its neurons split between the
// threads; the result is the hand-written loop's up to the order of the input gradients' sums. Nets
// with and without activations between layers and at the output, layers narrower than the threads.
template <class Net, class Data, class Loss, class Opt>
void split_by_neurons_equals_the_hand_loop(const Data& data, const Loss& loss, const Opt& prototype) {
    static_assert(tg::detail::splits_by_neurons<Net>);
    BOOST_TEST_MESSAGE("network of " << Net::layer_count << " layers, " << Net::param_count << " parameters");
    auto expected = tg::init<Net, double>(21);
    Opt by_hand = prototype;
    const double expected_loss = hand_loop<Net>(expected, data, loss, by_hand, 7, 3);
    for (std::size_t threads : {1, 2, 3, 5}) {
        BOOST_TEST_CONTEXT("threads = " << threads) {
            auto p = tg::init<Net, double>(21);
            Opt opt = prototype;
            const auto result = tg::fit<Net>(p, data, loss, opt,
                                             {.epochs = 3, .batch_size = 7, .threads = threads, .shuffle = false,
                                              .report = tg::progress::none});
            BOOST_TEST(max_difference(p, expected) <= 1e-12);
            BOOST_TEST(result.history.back().loss == expected_loss, boost::test_tools::tolerance(1e-12));
        }
    }
}

BOOST_AUTO_TEST_CASE(networks_of_dense_layers_split_by_neurons) {
    static_assert(!tg::detail::splits_by_neurons<tg::sequential<tg::dense<2, 4>, tg::dropout<50>, tg::dense<4, 2>>>);
    static_assert(!tg::detail::splits_by_neurons<tg::sequential<tg::dense<2, 4>, tg::softmax>>);
    static_assert(!tg::detail::splits_by_neurons<tg::sequential<tg::dense<2, 4>, tg::batch_norm, tg::dense<4, 2>>>);
    const auto points = line_points(40, 8);
    // 100 → 100 takes 80 KB, so it and the layers before it go by neurons, the last one by samples.
    using wide = tg::sequential<tg::dense<2, 100>, tg::relu, tg::dense<100, 100>, tg::tanh, tg::dense<100, 2>>;
    split_by_neurons_equals_the_hand_loop<wide>(points, tg::softmax_cross_entropy{}, tg::sgd{0.3});
    split_by_neurons_equals_the_hand_loop<wide>(points, tg::softmax_cross_entropy{}, tg::adam{0.01});
    using linear = tg::sequential<tg::dense<2, 100>, tg::dense<100, 100>, tg::dense<100, 2>>;  // no activations
    split_by_neurons_equals_the_hand_loop<linear>(points, tg::softmax_cross_entropy{}, tg::momentum{0.01, 0.9, true});
    using small = tg::sequential<tg::dense<2, 3>, tg::dense<3, 2>>;  // small: by samples throughout
    split_by_neurons_equals_the_hand_loop<small>(points, tg::softmax_cross_entropy{}, tg::momentum{0.1, 0.9});
    using single = tg::sequential<tg::dense<2, 2>>;
    split_by_neurons_equals_the_hand_loop<single>(points, tg::softmax_cross_entropy{}, tg::sgd{0.3});
    // Layers of 20 neurons, which tg::split_neurons leaves uncut: their weight gradients go by inputs,
    // 300 → 20 in a step by samples (48 KB), 600 → 20 in one by neurons (96 KB) before another (80 KB).
    using uncut_by_samples = tg::sequential<tg::dense<2, 300>, tg::relu, tg::dense<300, 20>, tg::tanh, tg::dense<20, 2>>;
    split_by_neurons_equals_the_hand_loop<uncut_by_samples>(points, tg::softmax_cross_entropy{}, tg::adam{0.01});
    using uncut_by_neurons = tg::sequential<tg::dense<2, 600>, tg::relu, tg::dense<600, 20>, tg::tanh, tg::dense<20, 500>,
                                            tg::relu, tg::dense<500, 2>>;
    static_assert(tg::detail::plan<uncut_by_neurons, double>::by_samples_from == 6);
    split_by_neurons_equals_the_hand_loop<uncut_by_neurons>(points, tg::softmax_cross_entropy{}, tg::sgd{0.1});
    // A first layer of 20 neurons by neurons (96 KB): one thread's forward reads the weights that every
    // thread updated, so each step starts at a barrier.
    tg::dataset<double, 600> wide_points;
    wide_points.classes = 2;
    tg::rng r{9};
    for (std::size_t i = 0; i < 40; ++i) {
        tg::vec<double, 600> x;
        for (double& v : x) v = r.uniform(-1, 1);
        wide_points.push_back(x, x[0] - x[1] > 0.2 ? 1 : 0);
    }
    using uncut_first = tg::sequential<tg::dense<600, 20>, tg::tanh, tg::dense<20, 2>>;
    static_assert(tg::detail::plan<uncut_first, double>::by_samples_from == 2);
    split_by_neurons_equals_the_hand_loop<uncut_first>(wide_points, tg::softmax_cross_entropy{}, tg::adam{0.01});

    tg::dataset<double, 2, tg::vec<double, 1>> curve;  // a sigmoid at the output, one output for 5 threads
    for (std::size_t i = 0; i < points.size(); ++i)
        curve.push_back(points.inputs[i], {0.5 + 0.4 * std::sin(3 * points.inputs[i][0])});
    using squashed = tg::sequential<tg::dense<2, 9>, tg::sigmoid, tg::dense<9, 1>, tg::sigmoid>;
    split_by_neurons_equals_the_hand_loop<squashed>(curve, tg::mse{}, tg::momentum{0.5, 0.5});
}

// An error in one thread (here adam's, on its first step: it was made for another network) stops
// every thread and is the one fit throws; the parameters are untouched.
BOOST_AUTO_TEST_CASE(an_error_in_a_thread_is_the_error_of_fit) {
    tg::adam opt{0.01};
    tg::params<tg::sequential<tg::dense<2, 3>>, double> other{};
    opt.step(other, other);
    const auto data = line_points(10, 3);
    auto p = tg::init<net, double>(1);
    const auto before = p;
    BOOST_CHECK_EXCEPTION(tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                                       {.batch_size = 4, .threads = 2, .report = tg::progress::none}),
                          tg::value_error, [](const tg::value_error& e) {
                              return std::string_view(e.what()).starts_with("tg::adam: this optimizer's state");
                          });
    BOOST_TEST((p == before));
}

BOOST_AUTO_TEST_CASE(deterministic_for_a_seed_and_thread_count) {
    const auto data = line_points(200, 4);
    const auto train = [&](std::uint64_t seed, std::size_t threads) {
        auto p = tg::init<net, double>(5);
        tg::sgd opt{0.2};
        tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                     {.epochs = 3, .batch_size = 16, .seed = seed, .threads = threads, .report = tg::progress::none});
        return p;
    };
    BOOST_TEST((train(7, 2) == train(7, 2)));
    BOOST_TEST((train(7, 1) == train(7, 1)));
    BOOST_TEST(max_difference(train(7, 1), train(7, 2)) <= 1e-12);  // only the order of a sum differs
    BOOST_TEST(max_difference(train(7, 1), train(8, 1)) > 1e-6);    // another seed, another order
}

BOOST_AUTO_TEST_CASE(learns_a_separable_problem) {
    const auto train_set = line_points(400, 11), test_set = line_points(200, 12);
    using classifier = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 2>>;
    auto p = tg::init<classifier, double>(13);
    tg::sgd opt{0.5};
    std::vector<double> losses;
    tg::fit<classifier>(p, train_set, tg::softmax_cross_entropy{}, opt,
                        {.epochs = 30, .batch_size = 20, .seed = 1, .report = tg::progress::none},
                        [&](const tg::epoch_report& r) { losses.push_back(r.loss); });
    BOOST_TEST(losses.size() == 30u);
    BOOST_TEST(losses.back() < losses.front() / 4);
    BOOST_TEST(tg::accuracy<classifier>(p, test_set) >= 0.97);

    const auto e = tg::evaluate<classifier>(p, test_set, tg::softmax_cross_entropy{});
    double loss = 0;
    std::size_t right = 0;
    for (std::size_t i = 0; i < test_set.size(); ++i) {
        loss += tg::softmax_cross_entropy{}.value(tg::forward<classifier>(p, test_set.inputs[i]), test_set.targets[i]);
        const auto y = tg::forward<classifier>(p, test_set.inputs[i]);
        right += (y[1] > y[0] ? 1u : 0u) == test_set.targets[i];
    }
    BOOST_TEST(e.loss == loss / 200, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(e.accuracy == right / 200.0);
}

BOOST_AUTO_TEST_CASE(regression_data) {
    tg::dataset<float, 1, tg::vec<float, 1>> line;  // the seed's item 13: y = 2x + 3
    for (float x : {1.f, 2.f, 3.f, 4.f}) line.push_back({x}, {2 * x + 3});
    using neuron = tg::sequential<tg::dense<1, 1>>;
    tg::params<neuron> p{};
    tg::sgd opt{0.02};
    const auto result =
        tg::fit<neuron>(p, line, tg::mse{}, opt, {.epochs = 3000, .batch_size = 4, .report = tg::progress::none});
    BOOST_TEST(tg::get<0>(p).W(0, 0) == 2.0f, boost::test_tools::tolerance(1e-3f));
    BOOST_TEST(tg::get<0>(p).b[0] == 3.0f, boost::test_tools::tolerance(1e-3f));
    BOOST_TEST(std::isnan(result.history.back().accuracy));
    BOOST_TEST(tg::evaluate<neuron>(p, line, tg::mse{}).loss < 1e-5);
}

// Sample 5 is NaN: with batches of 2 in stored order, batch 3 of 5 fails; the parameters are those
// after batch 2's update.
BOOST_AUTO_TEST_CASE(non_finite_loss_names_epoch_and_batch_and_keeps_the_last_good_update) {
    auto data = line_points(10, 3);
    data.inputs[5][0] = std::numeric_limits<double>::quiet_NaN();
    auto p = tg::init<net, double>(1);
    recording<tg::params<net, double>> opt{tg::sgd{0.1}};
    BOOST_CHECK_EXCEPTION(
        tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                     {.epochs = 1, .batch_size = 2, .threads = 2, .shuffle = false, .report = tg::progress::none}),
        tg::training_error, [](const tg::training_error& e) {
            BOOST_TEST_MESSAGE(e.what());
            return std::string_view(e.what()).find("loss is not finite at epoch 1, batch 3 of 5; the parameters are "
                                                   "left as the last update made them") != std::string_view::npos;
        });
    BOOST_TEST(opt.steps == 2u);
    BOOST_TEST((p == opt.last));
}

BOOST_AUTO_TEST_CASE(bad_input_is_an_error) {
    auto data = line_points(10, 3);
    auto p = tg::init<net, double>(1);
    tg::sgd opt{0.1};
    const auto message_of = [&](const tg::fit_options& options) {
        try {
            tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt, options);
        } catch (const tg::error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(message_of({.batch_size = 0}) == "tg::fit: batch_size is 0, expected at least 1");
    data.targets[4] = 2;
    BOOST_TEST(message_of({.report = tg::progress::none}) ==
               "dataset: sample 4 has label 2, expected a label below 2 classes");
    data = {};
    BOOST_TEST(message_of({.report = tg::progress::none}) == "tg::fit: the training set is empty");
}

// A set built by push_back has classes 0, so its own check() accepts any label; accuracy, like fit
// and evaluate, still refuses a label with no output.
BOOST_AUTO_TEST_CASE(accuracy_refuses_a_label_past_the_outputs_when_classes_is_0) {
    auto data = line_points(10, 3);
    data.classes = 0;
    data.targets[3] = 2;
    const auto p = tg::init<net, double>(1);
    std::string text = "no error";
    try {
        tg::accuracy<net>(p, data);
    } catch (const tg::value_error& e) {
        text = e.what();
    }
    BOOST_TEST(text == "tg::accuracy: sample 3 has label 2, expected a label below 2 (one class per network output)");
    BOOST_CHECK_THROW(tg::evaluate<net>(p, data, tg::softmax_cross_entropy{}), tg::value_error);
}

// A network that passes its input through (W = I) predicts the larger input: 10 samples whose
// (label, predicted) pairs are (0, 0) ×3, (0, 1) ×1, (1, 0) ×2, (1, 1) ×4.
BOOST_AUTO_TEST_CASE(confusion_matrix_precision_and_recall) {
    using pass = tg::sequential<tg::dense<2, 2>>;
    tg::params<pass> p{};
    tg::get<0>(p).W = {1, 0, 0, 1};
    tg::dataset<float, 2> set;
    const auto add = [&](std::size_t label, std::size_t predicted, int times) {
        for (int i = 0; i < times; ++i) set.push_back(predicted ? tg::vec<float, 2>{0, 1} : tg::vec<float, 2>{1, 0}, label);
    };
    add(0, 0, 3), add(0, 1, 1), add(1, 0, 2), add(1, 1, 4);
    const tg::confusion c = tg::confusion_matrix<pass>(p, set);
    BOOST_TEST(c.counts == (std::vector<std::size_t>{3, 1, 2, 4}), boost::test_tools::per_element());
    BOOST_TEST(c.precision(0) == 3.0 / 5);
    BOOST_TEST(c.precision(1) == 4.0 / 5);
    BOOST_TEST(c.recall(0) == 3.0 / 4);
    BOOST_TEST(c.recall(1) == 4.0 / 6);
    BOOST_TEST(c.accuracy() == tg::accuracy<pass>(p, set));
    set.targets.assign(set.size(), 0);  // no sample labelled 1: its recall has nothing to divide by
    BOOST_TEST(std::isnan(tg::confusion_matrix<pass>(p, set).recall(1)));
    set.targets[0] = 2;
    BOOST_CHECK_THROW(tg::confusion_matrix<pass>(p, set), tg::value_error);
}

// R² per output, averaged: predictions (1, 2, 3, 5) of targets (1, 2, 3, 4) leave 1 of 5 (the
// targets' spread about their mean 2.5): 0.8; an exact second output scores 1, so the mean is 0.9.
BOOST_AUTO_TEST_CASE(r2_per_output_averaged) {
    using pass = tg::sequential<tg::dense<2, 2>>;
    tg::params<pass, double> p{};
    tg::get<0>(p).W = {1, 0, 0, 1};
    tg::dataset<double, 2, tg::vec<double, 2>> set;
    const double predicted[] = {1, 2, 3, 5}, target[] = {1, 2, 3, 4};
    for (int i = 0; i < 4; ++i) set.push_back({predicted[i], 7.0 * i}, {target[i], 7.0 * i});
    BOOST_TEST(std::abs(tg::r2<pass>(p, set) - 0.9) < 1e-15);
    for (auto& y : set.targets) y[1] = 3;  // constant targets: 1 only when predicted exactly, here 0
    BOOST_TEST(std::abs(tg::r2<pass>(p, set) - 0.4) < 1e-15);
}

// The callback stops training by returning tg::fit_control::stop; go_on, like void, runs every epoch.
BOOST_AUTO_TEST_CASE(the_epoch_callback_stops_training_by_its_return_value) {
    const auto data = line_points(10, 5);
    for (std::size_t stop_at : {1, 3, 5}) {
        BOOST_TEST_CONTEXT("stop after epoch " << stop_at) {
            auto p = tg::init<net, double>(1);
            recording<tg::params<net, double>> opt{tg::sgd{0.1}};
            std::size_t calls = 0;
            const auto result = tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                                             {.epochs = 4, .batch_size = 5, .threads = 1, .report = tg::progress::none},
                                             [&](const tg::epoch_report& e) {
                                                 ++calls;
                                                 return e.epoch == stop_at ? tg::fit_control::stop : tg::fit_control::go_on;
                                             });
            const std::size_t run = std::min<std::size_t>(stop_at, 4);
            BOOST_TEST(calls == run);
            BOOST_TEST(result.history.size() == run);
            BOOST_TEST(opt.steps == 2 * run);
            BOOST_TEST((result.stopped == (stop_at <= 4 ? tg::fit_stop::callback : tg::fit_stop::epochs)));
            BOOST_TEST((p == opt.last));
        }
    }
}

// Bad hyper-parameters are value_errors naming the option before anything runs; p is untouched.
BOOST_AUTO_TEST_CASE(hyper_parameters_are_checked_up_front) {
    const auto data = line_points(10, 3);
    const auto message_of = [&](auto opt) {
        auto p = tg::init<net, double>(1);
        const auto before = p;
        std::string text = "no error";
        try {
            tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt, {.threads = 1, .report = tg::progress::none});
        } catch (const tg::value_error& e) {
            text = e.what();
        }
        BOOST_TEST((p == before));
        return text;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    BOOST_TEST(message_of(tg::sgd{nan}) == "tg::sgd: lr is nan, expected a finite number >= 0");
    BOOST_TEST(message_of(tg::sgd{-0.1}) == "tg::sgd: lr is -0.1, expected a finite number >= 0");
    BOOST_TEST(message_of(tg::momentum{0.1, inf}) == "tg::momentum: mu is inf, expected a finite number >= 0");
    BOOST_TEST(message_of(tg::adam{0.1, 1.0}) == "tg::adam: beta1 is 1, expected a number in [0, 1)");
    BOOST_TEST(message_of(tg::adam{0.1, 0.9, nan}) == "tg::adam: beta2 is nan, expected a number in [0, 1)");
    BOOST_TEST(message_of(tg::adam{0.1, 0.9, 0.999, -1.0}) == "tg::adam: eps is -1, expected a finite number >= 0");
    // 1e39 is a finite double but an infinite float.
    tg::dataset<float, 2> floats;
    floats.push_back({0.5f, 0.5f}, 1);
    auto q = tg::init<net, float>(1);
    std::string text = "no error";
    try {
        tg::sgd opt{1e39};
        tg::fit<net>(q, floats, tg::softmax_cross_entropy{}, opt, {.report = tg::progress::none});
    } catch (const tg::value_error& e) {
        text = e.what();
    }
    BOOST_TEST(text == "tg::sgd: lr is 1e+39, expected a finite number >= 0 that fits a float");
}

namespace {

// What a learning rate set to `bad_lr` after a good first epoch leads to: fit's error, the parameters
// after the first epoch, and those fit leaves.
template <class P>
struct bad_epoch {
    std::string text = "no error";
    P good{}, after{};
};

// y = 1000 x on 4 samples: gradients in the thousands, so an lr of 3e38 (a finite float) takes a float
// parameter past the largest float.
template <class Net, class Opt>
bad_epoch<tg::params<Net, float>> learning_rate_blows_up(Opt opt, double bad_lr, std::size_t batch_size,
                                                          std::size_t threads) {
    tg::dataset<float, 1, tg::vec<float, 1>> line;
    for (float x : {1.f, 2.f, 3.f, 4.f}) line.push_back({x}, {1000 * x});
    bad_epoch<tg::params<Net, float>> r;
    auto p = tg::init<Net, float>(3);
    try {
        tg::fit<Net>(p, line, tg::mse{}, opt,
                     {.epochs = 2, .batch_size = batch_size, .threads = threads, .report = tg::progress::none},
                     [&](const tg::epoch_report&) {
                         r.good = p;
                         if constexpr (requires { opt.lr; }) opt.lr = bad_lr;
                         else opt.inner.lr = bad_lr;
                     });
    } catch (const tg::error& e) {
        r.text = e.what();
    }
    r.after = p;
    return r;
}

template <class P>
bool all_finite(const P& p) {
    bool finite = true;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& t) {
            for (std::size_t i = 0; i < t.size(); ++i) finite = finite && std::isfinite(t.data()[i]);
        },
        p);
    return finite;
}

}  // namespace

// The promise of fit: it never leaves a parameter non-finite. An update that makes one so (lr 3e38 from
// epoch 2 on) is caught at the next batch, whose loss is then not finite, or at the end of the epoch,
// and the parameters go back to the start of that epoch (here, those after epoch 1). On each path:
// split by neurons with a split update (sgd, 2 threads), by neurons with an update thread 0 makes
// alone (recording), and by samples (a softmax layer); with two batches an epoch and with one.
BOOST_AUTO_TEST_CASE(an_update_that_is_not_finite_is_rolled_back) {
    using dense_net = tg::sequential<tg::dense<1, 4>, tg::tanh, tg::dense<4, 1>>;
    using sample_net = tg::sequential<tg::dense<1, 2>, tg::softmax, tg::dense<2, 1>>;
    const std::string rolled_back = "; the parameters are restored to their values at the start of epoch 2, but the "
                                    "optimizer's state (its step count, velocity or moments) is not";
    const auto check = [&](const auto& r, std::size_t batch) {
        BOOST_TEST_INFO("batch " << batch);
        const std::string first = batch == 2 ? "tg::fit: the loss is not finite at epoch 2, batch 2 of 2"
                                             : "tg::fit: an update of epoch 2 made a parameter not finite";
        BOOST_TEST(r.text.find(first + rolled_back) == 0u, r.text);
        BOOST_TEST(all_finite(r.after));
        BOOST_TEST((r.after == r.good));
    };
    for (std::size_t batch : {2, 4}) {
        check(learning_rate_blows_up<dense_net>(tg::sgd{1e-4}, 3e38, batch, 2), batch);
        check(learning_rate_blows_up<dense_net>(recording<tg::params<dense_net, float>>{tg::sgd{1e-4}}, 3e38, batch, 2),
              batch);
        check(learning_rate_blows_up<sample_net>(tg::sgd{1e-4}, 3e38, batch, 2), batch);
    }
    // A NaN learning rate set between epochs is refused by the step itself.
    const auto nan = learning_rate_blows_up<dense_net>(tg::sgd{1e-4}, std::numeric_limits<double>::quiet_NaN(), 2, 2);
    BOOST_TEST(nan.text == "tg::sgd: lr is nan, expected a finite number >= 0");
    BOOST_TEST(all_finite(nan.after));
    BOOST_TEST((nan.after == nan.good));
}

BOOST_AUTO_TEST_CASE(threads_whose_buffers_exceed_the_memory_are_an_error_before_any_is_allocated) {
    // Split by neurons, each of 10^6 threads would copy the batch of 10^6 samples: about 170 TB.
    const auto data = line_points(1'000'000, 5);
    auto p = tg::init<net, double>(1);
    const auto before = p;
    tg::sgd opt{0.1};
    std::string text = "no error";
    try {
        tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                     {.batch_size = 1'000'000, .threads = 1'000'000, .report = tg::progress::none});
    } catch (const tg::value_error& e) {
        text = e.what();
    }
    BOOST_TEST_MESSAGE(text);
    BOOST_TEST(text.starts_with("tg::fit: 1000000 threads at batches of 1000000 samples need about "));
    BOOST_TEST(text.ends_with("; expected fewer threads (0: one per core) or a smaller batch_size"));
    BOOST_TEST((p == before));
}

// Thread creation failing (an address space with room for a few 8 MB thread stacks, not 200): the
// pool stops the threads it started and throws, and fit reports it instead of hanging.
BOOST_AUTO_TEST_CASE(threads_that_cannot_start_are_an_error_not_a_hang) {
    if (!fault_support::can_limit_memory()) {
        BOOST_TEST_MESSAGE("skipped: the address space cannot be limited under AddressSanitizer");
        return;
    }
    const auto data = line_points(256, 3);
    const std::string text = fault_support::in_child(20, [&] {
        fault_support::limit_memory(std::size_t{64} << 20);
        auto p = tg::init<net, double>(1);
        tg::sgd opt{0.1};
        try {
            tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                         {.batch_size = 256, .threads = 200, .report = tg::progress::none});
        } catch (const tg::error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    });
    BOOST_TEST_MESSAGE(text);
    BOOST_TEST(text.starts_with("tg::thread_pool: cannot start thread "), text);
    BOOST_TEST(text.find(" of 200 (Resource temporarily unavailable); the ") != std::string::npos, text);
    BOOST_TEST(text.ends_with(" started were stopped; fewer threads may fit the system's limits"), text);
}

BOOST_AUTO_TEST_CASE(a_line_per_epoch_when_not_on_a_terminal) {
    const auto data = line_points(20, 3);
    auto p = tg::init<net, double>(1);
    tg::sgd opt{0.1};
    captured_cerr err;
    tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt, {.epochs = 2, .batch_size = 8, .report = tg::progress::lines});
    const std::string text = err.text.str();
    BOOST_TEST(text.find("epoch 1/2  loss ") == 0u);
    BOOST_TEST(text.find("3 updates") != std::string::npos);
    BOOST_TEST(text.find("\nepoch 2/2  loss ") != std::string::npos);
    BOOST_TEST(text.find('\r') == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
