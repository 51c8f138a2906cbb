// tg::batch_norm: PyTorch's start values and a hand-worked batch with its running-statistics update;
// normalisation against a long-double reference and the backward through the batch statistics
// against finite differences (double, batch sizes 2-17, feature sizes 1-67); inference and the
// per-sample path on the running statistics; a batch split over threads gives the statistics of the
// whole batch; optimizers leave the running statistics exact; fit moves them the same on 1, 2 and 3
// threads; and save / load keep them, with PyTorch's num_batches_tracked.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "io_support.hpp"

#include "net_support.hpp"

namespace tg = typegrad;
using net_support::random_rows;
using namespace net_support;
using io_support::contains, io_support::message_of, io_support::tmp;

static_assert(tg::layer<tg::batch_norm> && tg::layer<tg::batch_norm, double, 17>);
static_assert(tg::batch_layer<tg::batch_norm> && tg::batch_layer<tg::batch_norm, double, 67>);
static_assert(tg::batch_norm::eps == 1e-5 && tg::batch_norm::momentum == 0.1);
// γ, β and the two running statistics: 4 values per feature (PyTorch's parameters() counts γ and β).
static_assert(tg::sequential<tg::dense<3, 5>, tg::batch_norm>::param_count == 20 + 4 * 5);

namespace {

template <std::size_t N>
using bn_params = tg::batch_norm_params<double, N>;

template <class T, std::size_t N>
tg::batch_norm_params<T, N> random_bn(std::uint64_t seed) {
    tg::batch_norm_params<T, N> p{};
    tg::rng r{seed};
    for (std::size_t j = 0; j < N; ++j) {
        p.weight[j] = static_cast<T>(r.uniform(0.5, 2));
        p.bias[j] = static_cast<T>(r.uniform(-1, 1));
        p.running_mean[j] = static_cast<T>(r.uniform(-1, 1));
        p.running_var[j] = static_cast<T>(r.uniform(0.2, 3));
    }
    return p;
}

// ∂f/∂v by the fourth-order central difference: a batch of two rows whose values differ by about
// √ε bends x̂ sharply, beyond what the second-order one resolves to 1e-6.
template <class F>
double derivative(F f, double& v) {
    return gradient_check::derivative(f, v, 1e-4, 4);
}

template <class Net, class T = double>
tg::params<Net, T> random_bn_net_params(std::uint64_t seed) {
    auto p = tg::init<Net, T>(seed);
    tg::rng r{seed + 17};
    tg::for_each_tensor(
        [&](std::size_t, std::string_view name, auto& t) {
            for (auto& v : t) {
                if (name == "bias") v = static_cast<T>(r.uniform(-0.5, 0.5));
                if (name == "running_mean") v = static_cast<T>(r.uniform(-0.5, 0.5));
                if (name == "running_var") v = static_cast<T>(r.uniform(0.5, 2));
            }
        },
        p);
    return p;
}

// Training-mode outputs against (x - mean) / sqrt(biased var + eps) · γ + β in long double.
template <class T, std::size_t N>
void check_normalised(std::size_t n, double tolerance) {
    const auto x = random_rows<T, N>(n, 3 * n + N, -2, 3);
    const auto p = random_bn<T, N>(N);
    tg::rows<T, N> y(n);
    tg::batch_norm_state<T, N> state(n);
    tg::batch_norm::forward_batch(p, n, x, y, state, {tg::mode::training});
    double worst = 0;
    for (std::size_t j = 0; j < N; ++j) {
        long double mean = 0, var = 0;
        for (std::size_t r = 0; r < n; ++r) mean += x.row(r)[j];
        mean /= n;
        for (std::size_t r = 0; r < n; ++r) var += (x.row(r)[j] - mean) * (x.row(r)[j] - mean);
        var /= n;
        for (std::size_t r = 0; r < n; ++r) {
            const long double expected = (x.row(r)[j] - mean) / std::sqrt(var + 1e-5L) * p.weight[j] + p.bias[j];
            worst = std::max(worst, double(std::abs(y.row(r)[j] - expected)));
        }
    }
    BOOST_TEST(worst <= tolerance, "n = " << n << ", N = " << N);
}

template <class T, std::size_t N>
void check_normalised_at_every_batch_size(double tolerance) {
    for (std::size_t n : {2, 3, 5, 17, 64}) check_normalised<T, N>(n, tolerance);
}

// value_and_grad_batch against central differences of the mean loss over the batch: every parameter
// (the dense layer before batch_norm sees ∂L/∂x of batch_norm), the running statistics' gradient is
// exactly 0, and neither the pass nor the differences move them.
template <class Net>
double batch_gradient_error(std::size_t n, std::uint64_t seed) {
    auto p = random_bn_net_params<Net>(seed);
    const auto xs = random_vecs<double, Net::in_size>(n, seed + 1);
    const auto targets = random_vecs<double, Net::out_size>(n, seed + 2);
    tg::batch_workspace<Net, double> ws(n);
    tg::params<Net, double> grad{};
    tg::value_and_grad_batch<Net>(p, ws, xs, targets, tg::mse{}, grad);
    tg::params<Net, double> assigned;  // the same pass overwriting a gradient that holds NaN
    tg::for_each_tensor([](std::size_t, std::string_view, auto& t) { std::ranges::fill(t, NAN); }, assigned);
    tg::backward_batch<Net>(p, ws, n, assigned, tg::grad_mode::assign);
    BOOST_TEST(max_difference(assigned, grad) == 0.0);

    auto mean_loss = [&] {
        for (std::size_t r = 0; r < n; ++r) ws.set_input(r, xs[r]);
        tg::forward_batch<Net>(p, ws, n, {tg::mode::training});
        double sum = 0;
        for (std::size_t r = 0; r < n; ++r) {
            tg::vec<double, Net::out_size> y;
            std::copy_n(ws.output(r), Net::out_size, y.data());
            sum += tg::mse{}.value(y, targets[r]);
        }
        return sum / double(n);
    };
    double worst = 0;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view name, auto& w, const auto& g) {
            const bool running = name.starts_with("running_");
            for (std::size_t i = 0; i < w.size(); ++i) {
                if (running) {
                    BOOST_TEST(g.data()[i] == 0.0);
                    continue;
                }
                worst = std::max(worst, relative_error(g.data()[i], derivative(mean_loss, w.data()[i])));
            }
        },
        p, grad);
    BOOST_TEST(max_difference(p, random_bn_net_params<Net>(seed)) == 0.0);
    return worst;
}

template <std::size_t N>
using inner_net = tg::sequential<tg::dense<4, N>, tg::batch_norm, tg::tanh, tg::dense<N, 2>>;
template <std::size_t N>
using last_net = tg::sequential<tg::dense<3, N>, tg::batch_norm>;

template <std::size_t N>
void check_batch_gradient() {
    for (std::size_t n : {2, 3, 5, 17}) {
        const double inner = batch_gradient_error<inner_net<N>>(n, 10 * n + N);
        const double last = batch_gradient_error<last_net<N>>(n, 20 * n + N);
        BOOST_TEST_MESSAGE("n = " << n << ", N = " << N << ": largest relative error " << inner << " (inner), " << last
                                  << " (last)");
        BOOST_TEST(inner <= 1e-6, "inner, n = " << n << ", N = " << N);
        BOOST_TEST(last <= 1e-6, "last, n = " << n << ", N = " << N);
    }
}

// Points labelled by the side of the line a - b = 0.2 they fall on, stored shifted and stretched
// (3a + 5, 3b - 3), which the same network without batch_norm learns much more slowly.
tg::dataset<double, 2> shifted_line_points(std::size_t n, std::uint64_t seed) {
    tg::dataset<double, 2> set;
    set.classes = 2;
    tg::rng r{seed};
    for (std::size_t i = 0; i < n; ++i) {
        const double a = r.uniform(-1, 1), b = r.uniform(-1, 1);
        set.push_back({3 * a + 5, 3 * b - 3}, a - b > 0.2 ? 1 : 0);
    }
    return set;
}

using classifier = tg::sequential<tg::dense<2, 16>, tg::batch_norm, tg::relu, tg::dense<16, 2>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(layer_batch_norm)

BOOST_AUTO_TEST_CASE(starts_as_pytorch_does) {
    const auto p = tg::init<classifier>(1);
    const auto& bn = tg::get<1>(p);
    for (std::size_t j = 0; j < 16; ++j) {
        BOOST_TEST(bn.weight[j] == 1.0f);
        BOOST_TEST(bn.bias[j] == 0.0f);
        BOOST_TEST(bn.running_mean[j] == 0.0f);
        BOOST_TEST(bn.running_var[j] == 1.0f);
    }
    BOOST_TEST(bn.num_batches_tracked == 0);
    std::vector<std::string> names;
    tg::for_each_tensor([&](std::size_t layer, std::string_view name, const auto&) {
        if (layer == 1) names.emplace_back(name);
    }, p);
    BOOST_TEST(names == (std::vector<std::string>{"weight", "bias", "running_mean", "running_var"}),
               boost::test_tools::per_element());
}

// One feature, x = 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3. The running statistics
// move a tenth of the way: 0.25 and 0.9 + 0.1 · 5/3; a second update of the same pass does nothing.
BOOST_AUTO_TEST_CASE(hand_worked_batch_and_running_update) {
    tg::rows<double, 1> x(4), y(4);
    for (std::size_t r = 0; r < 4; ++r) x.row(r)[0] = double(r + 1);
    bn_params<1> p{};
    tg::rng unused{0};
    tg::batch_norm::init(p, unused, tg::init_scheme::glorot_uniform);
    tg::batch_norm_state<double, 1> state(4);
    tg::batch_norm::forward_batch(p, 4, x, y, state, {tg::mode::training});
    for (std::size_t r = 0; r < 4; ++r)
        BOOST_TEST(y.row(r)[0] == (double(r + 1) - 2.5) / std::sqrt(1.25 + 1e-5), boost::test_tools::tolerance(1e-15));
    BOOST_TEST(p.running_mean[0] == 0.0);  // forward does not touch the parameters
    tg::batch_norm::update_running_statistics(p, state);
    BOOST_TEST(p.running_mean[0] == 0.25, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(p.running_var[0] == 0.9 + 0.1 * 5.0 / 3.0, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(p.num_batches_tracked == 1);
    const auto once = p;
    tg::batch_norm::update_running_statistics(p, state);
    BOOST_TEST((p == once));
    // An inference pass measures nothing.
    tg::batch_norm::forward_batch(p, 4, x, y, state, {tg::mode::inference});
    tg::batch_norm::update_running_statistics(p, state);
    BOOST_TEST((p == once));
}

BOOST_AUTO_TEST_CASE(training_normalises_with_the_batch_statistics_at_every_size) {
    check_normalised_at_every_batch_size<double, 1>(1e-12);
    check_normalised_at_every_batch_size<double, 3>(1e-12);
    check_normalised_at_every_batch_size<double, 5>(1e-12);
    check_normalised_at_every_batch_size<double, 10>(1e-12);
    check_normalised_at_every_batch_size<double, 17>(1e-12);
    check_normalised_at_every_batch_size<double, 67>(1e-12);
    check_normalised_at_every_batch_size<float, 1>(2e-5);
    check_normalised_at_every_batch_size<float, 3>(2e-5);
    check_normalised_at_every_batch_size<float, 5>(2e-5);
    check_normalised_at_every_batch_size<float, 10>(2e-5);
    check_normalised_at_every_batch_size<float, 17>(2e-5);
    check_normalised_at_every_batch_size<float, 67>(2e-5);
}

// Inference on the batch path, and the per-sample path in both modes, use the running statistics.
BOOST_AUTO_TEST_CASE(inference_and_single_samples_use_the_running_statistics) {
    constexpr std::size_t n = 5, N = 17;
    const auto x = random_rows<double, N>(n, 4);
    const auto p = random_bn<double, N>(5);
    tg::rows<double, N> y(n);
    tg::batch_norm_state<double, N> state(n);
    tg::batch_norm::forward_batch(p, n, x, y, state, {tg::mode::inference});
    double worst = 0;
    for (std::size_t r = 0; r < n; ++r) {
        tg::vec<double, N> in;
        std::copy_n(x.row(r), N, in.data());
        tg::batch_norm_cache<double, N> cache;
        const auto trained = tg::batch_norm::forward(p, in, cache, tg::mode::training);
        const auto inferred = tg::batch_norm::forward(p, in, cache, tg::mode::inference);
        BOOST_TEST((trained == inferred));
        for (std::size_t j = 0; j < N; ++j) {
            const double expected = (in[j] - p.running_mean[j]) / std::sqrt(p.running_var[j] + 1e-5) * p.weight[j] + p.bias[j];
            worst = std::max({worst, std::abs(y.row(r)[j] - expected), std::abs(inferred[j] - expected)});
        }
    }
    BOOST_TEST(worst <= 1e-14);
}

BOOST_AUTO_TEST_CASE(batch_gradient_matches_finite_differences) {
    check_batch_gradient<1>();
    check_batch_gradient<3>();
    check_batch_gradient<5>();
    check_batch_gradient<10>();
    check_batch_gradient<17>();
    check_batch_gradient<67>();
}

// The per-sample path is a fixed affine map of the running statistics: its gradient, by differences.
BOOST_AUTO_TEST_CASE(per_sample_gradient_matches_finite_differences) {
    using net = inner_net<10>;
    auto p = random_bn_net_params<net>(3);
    const auto x = random_vecs<double, 4>(1, 4)[0];
    const auto target = random_vecs<double, 2>(1, 5)[0];
    auto [value, grad] = tg::value_and_grad<net>(p, x, target, tg::mse{});
    BOOST_TEST(value == tg::mse{}.value(tg::forward<net>(p, x), target));
    double worst = 0;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view name, auto& w, const auto& g) {
            if (name.starts_with("running_")) return;
            const auto loss = [&] { return tg::mse{}.value(tg::forward<net>(p, x), target); };
            for (std::size_t i = 0; i < w.size(); ++i)
                worst = std::max(worst, relative_error(g.data()[i], derivative(loss, w.data()[i])));
        },
        p, grad);
    BOOST_TEST(worst <= 1e-6);
}

// Rows split over threads (batch_parts) give each thread the statistics of the whole batch: outputs,
// summed gradients and the running-statistics update equal one pass over every row up to rounding,
// also when a thread has no rows.
BOOST_AUTO_TEST_CASE(a_batch_split_over_threads_uses_the_whole_batch_statistics) {
    using net = inner_net<10>;
    const auto p = random_bn_net_params<net>(6);
    for (std::vector<std::size_t> split : {std::vector<std::size_t>{0, 5, 17}, {0, 0, 3}, {0, 1, 2, 3}, {0, 8, 9, 17}}) {
        const std::size_t n = split.back(), parts = split.size() - 1;
        BOOST_TEST_CONTEXT("rows " << n << " over " << parts << " threads, the first with " << split[1]) {
            const auto xs = random_vecs<double, 4>(n, n);
            const auto targets = random_vecs<double, 2>(n, n + 1);
            tg::batch_workspace<net, double> whole(n);
            tg::params<net, double> expected{};
            tg::value_and_grad_batch<net>(p, whole, xs, targets, tg::mse{}, expected);
            auto expected_running = p;
            tg::update_running_statistics<net>(expected_running, whole);

            tg::batch_parts shared(parts);
            std::vector<tg::batch_workspace<net, double>> ws;
            std::vector<tg::params<net, double>> grads(parts);
            for (std::size_t t = 0; t < parts; ++t) ws.emplace_back(n);
            auto run = [&](std::size_t t) {
                const std::size_t lo = split[t], rows = split[t + 1] - lo;
                for (std::size_t r = 0; r < rows; ++r) ws[t].set_input(r, xs[lo + r]);
                tg::value_and_grad_rows<net>(
                    p, ws[t], rows, [&](std::size_t r) -> const auto& { return targets[lo + r]; }, tg::mse{}, grads[t],
                    1.0 / double(n), {tg::mode::training, 0, lo, &shared, t});
            };
            std::vector<std::thread> threads;
            for (std::size_t t = 1; t < parts; ++t) threads.emplace_back(run, t);
            run(0);
            for (auto& t : threads) t.join();

            double worst_output = 0;
            for (std::size_t t = 0; t < parts; ++t)
                for (std::size_t r = 0; r < split[t + 1] - split[t]; ++r)
                    for (std::size_t k = 0; k < 2; ++k)
                        worst_output = std::max(worst_output, std::abs(ws[t].output(r)[k] - whole.output(split[t] + r)[k]));
            BOOST_TEST(worst_output <= 1e-14);
            for (std::size_t t = 1; t < parts; ++t)
                tg::for_each_tensor([](std::size_t, std::string_view, auto& sum, const auto& g) {
                    for (std::size_t i = 0; i < sum.size(); ++i) sum.data()[i] += g.data()[i];
                }, grads[0], grads[t]);
            BOOST_TEST(max_difference(grads[0], expected) <= 1e-14);
            for (std::size_t t = 0; t < parts; ++t) {
                auto running = p;
                tg::update_running_statistics<net>(running, ws[t]);
                BOOST_TEST(max_difference(running, expected_running) <= 1e-15);
                BOOST_TEST(tg::get<1>(running).num_batches_tracked == 1);
            }
        }
    }
}

// A statistics batch of one row: x - mean is 0, so the output is β and the input gradient 0; it has
// no variance, so the running statistics stay (PyTorch refuses to train on it).
BOOST_AUTO_TEST_CASE(a_one_row_batch_outputs_beta_and_leaves_the_running_statistics) {
    using net = last_net<3>;
    auto p = random_bn_net_params<net>(2);
    const auto before = p;
    const auto xs = random_vecs<double, 3>(1, 3);
    const std::vector<tg::vec<double, 3>> targets(1);
    tg::batch_workspace<net, double> ws(1);
    tg::params<net, double> grad{};
    tg::value_and_grad_batch<net>(p, ws, xs, targets, tg::mse{}, grad);
    for (std::size_t j = 0; j < 3; ++j) {
        BOOST_TEST(ws.output(0)[j] == tg::get<1>(p).bias[j]);
        BOOST_TEST(tg::get<0>(grad).b[j] == 0.0);
    }
    tg::update_running_statistics<net>(p, ws);
    BOOST_TEST((p == before));
}

// The running statistics have a zero gradient, so an optimizer step leaves them bit for bit as they
// were, while γ and β move.
BOOST_AUTO_TEST_CASE(optimizers_leave_the_running_statistics_exact) {
    using net = inner_net<17>;
    const auto xs = random_vecs<double, 4>(8, 1);
    const auto targets = random_vecs<double, 2>(8, 2);
    auto check = [&](auto opt, const char* name) {
        BOOST_TEST_CONTEXT(name) {
            auto p = random_bn_net_params<net>(7);
            const auto start = tg::get<1>(p);
            tg::batch_workspace<net, double> ws(8);
            for (int step = 0; step < 5; ++step) {
                tg::params<net, double> grad{};
                tg::value_and_grad_batch<net>(p, ws, xs, targets, tg::mse{}, grad);
                opt.step(p, grad);
            }
            BOOST_TEST((tg::get<1>(p).running_mean == start.running_mean));
            BOOST_TEST((tg::get<1>(p).running_var == start.running_var));
            BOOST_TEST(!(tg::get<1>(p).weight == start.weight));
            BOOST_TEST(!(tg::get<1>(p).bias == start.bias));
        }
    };
    check(tg::sgd{0.1}, "sgd");
    check(tg::momentum{0.1, 0.9}, "momentum");
    check(tg::momentum{0.1, 0.9, true}, "nesterov");
    check(tg::adam{0.01}, "adam");
}

// fit updates the running statistics after every step, the same on 1, 2 and 3 threads up to rounding
// (each thread normalises with the whole batch's statistics), and learns a problem whose inputs are
// badly scaled; inference then uses the running statistics.
BOOST_AUTO_TEST_CASE(fit_updates_the_running_statistics_the_same_on_any_thread_count) {
    const auto data = shifted_line_points(300, 1), test = shifted_line_points(200, 2);
    const auto train = [&](std::size_t threads) {
        auto p = tg::init<classifier, double>(3);
        tg::sgd opt{0.1};
        tg::fit<classifier>(p, data, tg::softmax_cross_entropy{}, opt,
                            {.epochs = 8, .batch_size = 20, .seed = 9, .threads = threads, .report = tg::progress::none});
        return p;
    };
    const auto one = train(1);
    BOOST_TEST(tg::get<1>(one).num_batches_tracked == 8 * 15);
    BOOST_TEST(max_difference(train(2), one) <= 1e-10);
    BOOST_TEST(max_difference(train(3), one) <= 1e-10);
    BOOST_TEST(tg::get<1>(train(2)).num_batches_tracked == 8 * 15);
    // The running mean follows the first layer's outputs, far from its start at 0.
    double moved = 0;
    for (double m : tg::get<1>(one).running_mean) moved = std::max(moved, std::abs(m));
    BOOST_TEST(moved > 0.5);
    BOOST_TEST(tg::accuracy<classifier>(one, test) >= 0.95);
}

// Saved under PyTorch's BatchNorm1d names, num_batches_tracked as an I64 scalar; loaded back, the
// network infers the same outputs bit for bit.
BOOST_AUTO_TEST_CASE(save_and_load_keep_the_running_statistics) {
    const auto data = shifted_line_points(100, 3);
    auto p = tg::init<classifier>(4);
    tg::sgd opt{0.1f};
    tg::dataset<float, 2> set;
    set.classes = 2;
    for (std::size_t i = 0; i < data.size(); ++i)
        set.push_back({float(data.inputs[i][0]), float(data.inputs[i][1])}, data.targets[i]);
    tg::fit<classifier>(p, set, tg::softmax_cross_entropy{}, opt,
                        {.epochs = 2, .batch_size = 16, .report = tg::progress::none});
    BOOST_TEST(tg::get<1>(p).num_batches_tracked == 14);

    tg::save(p, tmp("batch_norm.safetensors"));
    const auto contents = tg::read_safetensors(tmp("batch_norm.safetensors"));
    for (const char* name : {"1.weight", "1.bias", "1.running_mean", "1.running_var"}) {
        const auto* t = contents.find(name);
        BOOST_REQUIRE(t);
        BOOST_TEST((t->type == tg::dtype::f32 && t->shape == std::vector<std::size_t>{16}), name);
    }
    const auto* count = contents.find("1.num_batches_tracked");
    BOOST_REQUIRE(count);
    BOOST_TEST((count->type == tg::dtype::i64));
    BOOST_TEST(count->shape.empty());
    std::int64_t stored = 0;
    std::memcpy(&stored, count->data.data(), 8);
    BOOST_TEST(stored == 14);
    BOOST_TEST(contents.tensors.size() == 9u);  // two dense layers' 4, batch norm's 5

    const auto q = tg::load<classifier>(tmp("batch_norm.safetensors"));
    BOOST_TEST((q == p));
    for (std::size_t i = 0; i < set.size(); ++i)
        BOOST_TEST((tg::forward<classifier>(q, set.inputs[i]) == tg::forward<classifier>(p, set.inputs[i])));
    BOOST_TEST(tg::accuracy<classifier>(q, set) == tg::accuracy<classifier>(p, set));
}

// A file without the counter (not written by PyTorch) loads with a count of 0; a counter that is
// not an I64 scalar is a mismatch, listed with the others, and the parameters stay as they were.
BOOST_AUTO_TEST_CASE(num_batches_tracked_is_optional_but_checked) {
    auto p = tg::init<classifier>(5);
    tg::get<1>(p).num_batches_tracked = 3;
    tg::save(p, tmp("counted.safetensors"));
    auto contents = tg::read_safetensors(tmp("counted.safetensors"));
    std::erase_if(contents.tensors, [](const tg::named_tensor& t) { return t.name == "1.num_batches_tracked"; });
    tg::params<classifier> q{};
    tg::get<1>(q).num_batches_tracked = 8;
    tg::load(q, contents, "no counter");
    BOOST_TEST(tg::get<1>(q).num_batches_tracked == 0);
    BOOST_TEST((tg::get<1>(q).running_var == tg::get<1>(p).running_var));

    contents.tensors.push_back(tg::named_tensor::from<float>("1.num_batches_tracked", {1}, std::vector<float>{2.0f}));
    contents.tensors.push_back(tg::named_tensor::from<float>("3.num_batches_tracked", {}, std::vector<float>{2.0f}));
    const auto text = message_of<tg::weights_mismatch_error>([&] { tg::load(q, contents, "bad counter"); });
    BOOST_TEST(contains(text, "weights file 'bad counter' does not fit the network: 2 mismatches"));
    BOOST_TEST(contains(text, "\n  tensor '1.num_batches_tracked': dtype F32 shape [1], expected I64 shape [] (a batch count)"));
    BOOST_TEST(contains(text, "\n  unexpected tensor '3.num_batches_tracked' (F32 shape [])"));
    BOOST_TEST(tg::get<1>(q).num_batches_tracked == 0);
}

BOOST_AUTO_TEST_SUITE_END()
