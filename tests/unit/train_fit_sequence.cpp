// tg::fit, tg::evaluate and tg::accuracy for sequence networks (train/sequence_data.hpp): a sample of
// steps · In values is `steps` rows of In. A GRU and a conv1d network learn to tell two kinds of
// generated sequences apart and a GRU regresses their amplitude (tg::r2); one update is the batch's mean
// of value_and_grad_sequence; 1 and 2 threads give the same parameters up to summation order; bad input
// names what and where.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

constexpr std::size_t steps = 12, in = 2;

using gru_net = tg::sequential<tg::gru<in, 8>, tg::last_step, tg::dense<8, 2>>;
using conv_net = tg::sequential<tg::conv1d<in, 6, 3>, tg::tanh, tg::conv1d<6, 6, 3, 2>, tg::tanh, tg::last_step,
                                tg::dense<6, 2>>;
using lstm_net = tg::sequential<tg::lstm<in, 5>, tg::last_step, tg::dense<5, 3>>;

// Two kinds of sequences of `steps` rows (x, y): a slow sine and its cosine (label 0) or a fast one
// (label 1), each with a random phase and amplitude and a little noise.
template <class T>
tg::dataset<T, steps * in> waves(std::size_t n, std::uint64_t seed) {
    tg::dataset<T, steps * in> set;
    set.classes = 2;
    tg::rng r{seed};
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t label = i % 2;
        const double freq = label ? 1.1 : 0.35, phase = r.uniform(0, 2 * std::numbers::pi), amp = r.uniform(0.5, 1.5);
        tg::vec<T, steps * in> x;
        for (std::size_t t = 0; t < steps; ++t) {
            x[t * in] = T(amp * std::sin(freq * double(t) + phase) + 0.05 * r.uniform(-1, 1));
            x[t * in + 1] = T(amp * std::cos(freq * double(t) + phase) + 0.05 * r.uniform(-1, 1));
        }
        set.push_back(x, label);
    }
    return set;
}

template <class Net, class T>
double largest_difference(const tg::params<Net, T>& a, const tg::params<Net, T>& b) {
    double worst = 0;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& x, const auto& y) {
            for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(double(x.data()[i] - y.data()[i])));
        },
        a, b);
    return worst;
}

template <class Net>
void learns_the_waves(std::uint64_t seed) {
    const auto train = waves<float>(400, 1), test = waves<float>(200, 2);
    auto p = tg::init<Net>(seed);
    tg::adam opt{0.02};
    const auto result = tg::fit<Net>(p, train, tg::softmax_cross_entropy{}, opt,
                                     {.epochs = 15, .batch_size = 16, .seed = 3, .threads = 2,
                                      .report = tg::progress::none, .validation_split = 0.1});
    BOOST_TEST(result.history.size() == 15u);
    BOOST_TEST(result.history.back().loss < result.history.front().loss);
    BOOST_TEST(result.history.back().validation_accuracy >= 0.95);
    BOOST_TEST(tg::accuracy<Net>(p, test) >= 0.95);
    const tg::evaluation e = tg::evaluate<Net>(p, test, tg::softmax_cross_entropy{});
    BOOST_TEST(e.accuracy == tg::accuracy<Net>(p, test));
    BOOST_TEST(e.loss < 0.3);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_fit_sequence)

BOOST_AUTO_TEST_CASE(a_gru_learns_two_kinds_of_sequences) { learns_the_waves<gru_net>(7); }

BOOST_AUTO_TEST_CASE(a_conv1d_network_learns_two_kinds_of_sequences) { learns_the_waves<conv_net>(7); }

// Sequence to a vector: a GRU learns each wave's amplitude (its largest |x| over the steps, near amp),
// scored by tg::r2.
BOOST_AUTO_TEST_CASE(a_gru_regresses_a_vector_per_sequence) {
    const auto to_amplitudes = [](const tg::dataset<float, steps * in>& waves) {
        tg::dataset<float, steps * in, tg::vec<float, 1>> set;
        for (const auto& x : waves.inputs) {
            float amplitude = 0;
            for (std::size_t t = 0; t < steps; ++t)
                amplitude = std::max(amplitude, std::hypot(x[t * in], x[t * in + 1]));
            set.push_back(x, tg::vec<float, 1>{amplitude});
        }
        return set;
    };
    using net = tg::sequential<tg::gru<in, 8>, tg::last_step, tg::dense<8, 1>>;
    const auto train = to_amplitudes(waves<float>(400, 1)), test = to_amplitudes(waves<float>(200, 2));
    auto p = tg::init<net>(3);
    tg::adam opt{0.02};
    tg::fit<net>(p, train, tg::mse{}, opt, {.epochs = 20, .batch_size = 16, .threads = 2, .report = tg::progress::none});
    BOOST_TEST(tg::r2<net>(p, test) > 0.9);
    BOOST_TEST(tg::evaluate<net>(p, test, tg::mse{}).loss < 0.01);
}

// Sequence to sequence: a GRU with a dense layer at every step learns to repeat its input's first
// channel one step late (0 at the first step); a target is one row of 1 value per step. One update
// of sgd is the mean over the batch's sequences of value_and_grad_sequence (each the mean over its steps).
using delay_net = tg::sequential<tg::gru<in, 8>, tg::dense<8, 1>>;

template <class T>
tg::dataset<T, steps * in, tg::vec<T, steps>> delayed(std::size_t n, std::uint64_t seed) {
    const auto from = waves<T>(n, seed);
    tg::dataset<T, steps * in, tg::vec<T, steps>> set;
    for (const auto& x : from.inputs) {
        tg::vec<T, steps> y{};
        for (std::size_t t = 1; t < steps; ++t) y[t] = x[(t - 1) * in];
        set.push_back(x, y);
    }
    return set;
}

BOOST_AUTO_TEST_CASE(sequence_to_sequence_learns_a_delay) {
    const auto train = delayed<float>(400, 1), test = delayed<float>(200, 2);
    auto p = tg::init<delay_net>(3);
    const double before = tg::evaluate<delay_net>(p, test, tg::mse{}).loss;
    tg::adam opt{0.02};
    const auto result = tg::fit<delay_net>(p, train, tg::mse{}, opt,
                                           {.epochs = 20, .batch_size = 16, .threads = 2, .report = tg::progress::none,
                                            .validation_split = 0.1});
    const double after = tg::evaluate<delay_net>(p, test, tg::mse{}).loss;
    BOOST_TEST(after < 0.01);
    BOOST_TEST(after < before / 20);
    BOOST_TEST(result.history.back().validation_loss < 0.01);
}

BOOST_AUTO_TEST_CASE(a_sequence_to_sequence_update_is_the_batch_mean_of_value_and_grad_sequence) {
    const auto data = delayed<double>(5, 4);
    const auto start = tg::init<delay_net, double>(5);
    tg::params<delay_net, double> sum{};
    double loss = 0;
    tg::sequence_workspace<delay_net, double> ws(steps);
    tg::rows<double, in> x(steps);
    std::vector<tg::vec<double, 1>> targets(steps);
    for (std::size_t i = 0; i < data.size(); ++i) {
        std::copy_n(data.inputs[i].data(), steps * in, x.data());
        for (std::size_t t = 0; t < steps; ++t) targets[t][0] = data.targets[i][t];
        loss += tg::value_and_grad_sequence<delay_net>(start, x, steps, std::span<const tg::vec<double, 1>>(targets),
                                                       tg::mse{}, sum, ws);
    }
    auto expected = start;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, auto& w, const auto& g) {
            for (std::size_t i = 0; i < w.size(); ++i) w.data()[i] -= 0.5 * g.data()[i] / double(data.size());
        },
        expected, sum);
    for (std::size_t threads : {1, 2}) {
        auto p = start;
        tg::sgd opt{0.5};
        const auto result = tg::fit<delay_net>(p, data, tg::mse{}, opt,
                                               {.batch_size = 5, .threads = threads, .report = tg::progress::none});
        BOOST_TEST(largest_difference(p, expected) < 1e-14);
        BOOST_TEST(std::abs(result.history[0].loss - loss / double(data.size())) < 1e-14);  // per step
    }
}

// One epoch of one batch: sgd's update is the learning rate times the mean over the batch of each
// sequence's value_and_grad_sequence, and the reported loss is the mean of their losses.
BOOST_AUTO_TEST_CASE(an_update_is_the_batch_mean_of_value_and_grad_sequence) {
    auto data = waves<double>(7, 4);
    data.targets[2] = 2;  // three classes
    data.classes = 3;
    const auto start = tg::init<lstm_net, double>(5);
    tg::params<lstm_net, double> sum{};
    double loss = 0;
    tg::sequence_workspace<lstm_net, double> ws(steps);
    tg::rows<double, in> x(steps);
    for (std::size_t i = 0; i < data.size(); ++i) {
        std::copy_n(data.inputs[i].data(), steps * in, x.data());
        const std::size_t target = data.targets[i];
        loss += tg::value_and_grad_sequence<lstm_net>(start, x, steps, std::span(&target, 1),
                                                      tg::softmax_cross_entropy{}, sum, ws);
    }
    auto expected = start;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, auto& w, const auto& g) {
            for (std::size_t i = 0; i < w.size(); ++i) w.data()[i] -= 0.5 * g.data()[i] / double(data.size());
        },
        expected, sum);
    for (std::size_t threads : {1, 2, 3}) {
        auto p = start;
        tg::sgd opt{0.5};
        const auto result = tg::fit<lstm_net>(p, data, tg::softmax_cross_entropy{}, opt,
                                              {.batch_size = 7, .threads = threads, .report = tg::progress::none});
        BOOST_TEST(largest_difference(p, expected) < 1e-14);
        BOOST_TEST(std::abs(result.history[0].loss - loss / double(data.size())) < 1e-14);
    }
}

// Threads split a batch's sequences; only the order of the gradients' sums differs.
BOOST_AUTO_TEST_CASE(one_and_two_threads_give_the_same_parameters) {
    const auto data = waves<double>(90, 6);
    tg::params<gru_net, double> by_thread[2];
    for (std::size_t threads : {1, 2}) {
        auto& p = by_thread[threads - 1];
        p = tg::init<gru_net, double>(8);
        tg::adam opt{0.01};
        tg::fit<gru_net>(p, data, tg::softmax_cross_entropy{}, opt,
                         {.epochs = 3, .batch_size = 10, .seed = 2, .threads = threads, .report = tg::progress::none});
    }
    BOOST_TEST(largest_difference(by_thread[0], tg::init<gru_net, double>(8)) > 1e-3);  // it trained
    BOOST_TEST(largest_difference(by_thread[0], by_thread[1]) < 1e-5);
}

BOOST_AUTO_TEST_CASE(bad_input_names_what_and_where) {
    auto data = waves<double>(10, 3);
    auto p = tg::init<gru_net, double>(1);
    tg::sgd opt{0.1};
    const auto message_of = [&](auto run) {
        try {
            run();
        } catch (const tg::error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const auto fit = [&] {
        tg::fit<gru_net>(p, data, tg::softmax_cross_entropy{}, opt, {.threads = 2, .report = tg::progress::none});
    };
    data.targets.pop_back();
    BOOST_TEST(message_of(fit) == "dataset: 10 inputs but 9 targets, expected one target per input");
    data.targets.push_back(1);
    data.targets[4] = 2;
    BOOST_TEST(message_of(fit) == "dataset: sample 4 has label 2, expected a label below 2 classes");
    data.classes = 0;
    BOOST_TEST(message_of([&] { tg::accuracy<gru_net>(p, data); }) ==
               "tg::accuracy: sample 4 has label 2, expected a label below 2 (one class per network output)");
    BOOST_TEST(message_of(fit) ==
               "tg::fit: sample 4 has label 2, expected a label below 2 (one class per network output)");
}

BOOST_AUTO_TEST_SUITE_END()
