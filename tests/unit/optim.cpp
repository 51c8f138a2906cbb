// tg::momentum (classical and Nesterov) and tg::adam: their first three steps against the formulas
// evaluated in long double in this file, on a network whose tensors are not multiples of the SIMD
// width and on the seed's small line fit; their state: one params type per optimizer (the error
// text), reset(), deep copies, moves and the step count.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/dense.hpp>
#include <typegrad/loss/mse.hpp>
#include <typegrad/net/backward.hpp>
#include <typegrad/net/init.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/optim/adam.hpp>
#include <typegrad/optim/clip.hpp>
#include <typegrad/optim/momentum.hpp>
#include <typegrad/optim/sgd.hpp>
#include <typegrad/optim/sgd_step.hpp>

namespace tg = typegrad;

namespace {

// 15 + 5 + 85 + 17 parameters: every tensor ends in a partial SIMD batch.
using net = tg::sequential<tg::dense<3, 5>, tg::tanh, tg::dense<5, 17>>;
using other = tg::sequential<tg::dense<2, 3>>;
// Layers of 5 and 20 neurons, which tg::split_neurons leaves uncut: their weights split by inputs.
using wide_inputs = tg::sequential<tg::dense<40, 5>, tg::tanh, tg::dense<5, 20>>;

// Every parameter of p, in for_each_tensor order.
template <class P>
std::vector<typename P::value_type*> entries(P& p) {
    std::vector<typename P::value_type*> all;
    tg::for_each_tensor([&](std::size_t, std::string_view, auto& t) { for (auto& e : t) all.push_back(&e); }, p);
    return all;
}

// The gradient of step t (1, 2, 3, ...) at entry i: varied signs and magnitudes, some exactly 0.
long double gradient_at(std::size_t t, std::size_t i) {
    return i % 11 == 0 ? 0.0L : std::sin(0.7L * i + 1.3L * t) * (1 + i % 4);
}

template <class T, class Net = net>
tg::params<Net, T> gradient_of_step(std::size_t t) {
    tg::params<Net, T> g;
    const auto all = entries(g);
    for (std::size_t i = 0; i < all.size(); ++i) *all[i] = T(gradient_at(t, i));
    return g;
}

template <class T>
bool close(T actual, long double expected) {
    const long double tolerance = std::is_same_v<T, float> ? 2e-6L : 1e-14L;
    return std::abs(actual - expected) <= tolerance * std::max(1.0L, std::abs(expected));
}

// Runs three steps of opt and compares every entry after each step with `expected`, which updates
// its long double copy of the parameters (and its own state) with the optimizer's formula.
template <class T, class Optimizer, class Formula>
void three_steps(Optimizer opt, Formula expected) {
    auto p = tg::init<net, T>(5);
    std::vector<long double> reference;
    for (T* e : entries(p)) reference.push_back(*e);
    for (std::size_t t = 1; t <= 3; ++t) {
        opt.step(p, gradient_of_step<T>(t));
        BOOST_TEST(opt.steps() == t);
        const auto all = entries(p);
        bool all_close = true;
        for (std::size_t i = 0; i < all.size(); ++i) {
            expected(t, i, reference[i], static_cast<long double>(T(gradient_at(t, i))));
            all_close &= close(*all[i], reference[i]);
        }
        BOOST_TEST(all_close, "step " << t);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(optim)

template <class T>
void momentum_by_hand(bool nesterov) {
    const long double lr = 0.05L, mu = 0.9L;
    std::vector<long double> v(net::param_count, 0.0L);
    three_steps<T>(tg::momentum{0.05, 0.9, nesterov}, [&](std::size_t, std::size_t i, long double& p, long double g) {
        v[i] = mu * v[i] + g;
        p -= nesterov ? lr * (g + mu * v[i]) : lr * v[i];
    });
}

BOOST_AUTO_TEST_CASE(momentum_first_three_steps_float) { momentum_by_hand<float>(false); }
BOOST_AUTO_TEST_CASE(momentum_first_three_steps_double) { momentum_by_hand<double>(false); }
BOOST_AUTO_TEST_CASE(nesterov_first_three_steps_float) { momentum_by_hand<float>(true); }
BOOST_AUTO_TEST_CASE(nesterov_first_three_steps_double) { momentum_by_hand<double>(true); }

// The first step from v = 0: classical p − lr·g, Nesterov p − lr·(1 + mu)·g.
BOOST_AUTO_TEST_CASE(momentum_first_step_in_closed_form) {
    tg::params<other, double> p{}, g{};
    tg::get<0>(g).W = {1, -2, 0.5, 4, 0, -1};
    tg::get<0>(g).b = {2, -4, 8};
    for (bool nesterov : {false, true}) {
        auto q = p;
        tg::momentum{0.25, 0.5, nesterov}.step(q, g);
        const double factor = nesterov ? -0.25 * 1.5 : -0.25;
        BOOST_TEST(tg::get<0>(q).W == (tg::mat<double, 3, 2>{factor * 1, factor * -2, factor * 0.5, factor * 4, 0, factor * -1}));
        BOOST_TEST(tg::get<0>(q).b == (tg::vec<double, 3>{factor * 2, factor * -4, factor * 8}));
    }
}

template <class T>
void adam_by_hand() {
    const long double lr = 0.01L, beta1 = 0.8L, beta2 = 0.99L, eps = 1e-6L;
    std::vector<long double> m(net::param_count, 0.0L), v(net::param_count, 0.0L);
    three_steps<T>(tg::adam{0.01, 0.8, 0.99, 1e-6}, [&](std::size_t t, std::size_t i, long double& p, long double g) {
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        const long double m_hat = m[i] / (1 - std::pow(beta1, t)), v_hat = v[i] / (1 - std::pow(beta2, t));
        p -= lr * m_hat / (std::sqrt(v_hat) + eps);
    });
}

BOOST_AUTO_TEST_CASE(adam_first_three_steps_float) { adam_by_hand<float>(); }
BOOST_AUTO_TEST_CASE(adam_first_three_steps_double) { adam_by_hand<double>(); }

// Weight decay as PyTorch applies it: L2 (grad + λ·p) in sgd, momentum and adam; decoupled in adamw,
// p·(1 − lr·λ) before Adam's step from the gradient alone.
template <class T>
void weight_decay_by_hand() {
    const long double lr = 0.05L, mu = 0.9L, decay = 0.1L;
    std::vector<long double> v(net::param_count, 0.0L);
    for (bool nesterov : {false, true}) {
        std::fill(v.begin(), v.end(), 0.0L);
        three_steps<T>(tg::momentum{0.05, 0.9, nesterov, 0.1}, [&](std::size_t, std::size_t i, long double& p, long double g) {
            g += decay * p;
            v[i] = mu * v[i] + g;
            p -= nesterov ? lr * (g + mu * v[i]) : lr * v[i];
        });
    }
    const long double beta1 = 0.8L, beta2 = 0.99L, eps = 1e-6L;
    std::vector<long double> m(net::param_count, 0.0L), s(net::param_count, 0.0L);
    const auto adam_step = [&](std::size_t t, std::size_t i, long double& p, long double g) {
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        s[i] = beta2 * s[i] + (1 - beta2) * g * g;
        p -= 0.01L * (m[i] / (1 - std::pow(beta1, t))) / (std::sqrt(s[i] / (1 - std::pow(beta2, t))) + eps);
    };
    three_steps<T>(tg::adam{0.01, 0.8, 0.99, 1e-6, 0.1}, [&](std::size_t t, std::size_t i, long double& p, long double g) {
        adam_step(t, i, p, g + decay * p);
    });
    std::fill(m.begin(), m.end(), 0.0L);
    std::fill(s.begin(), s.end(), 0.0L);
    three_steps<T>(tg::adamw{0.01, 0.8, 0.99, 1e-6, 0.1}, [&](std::size_t t, std::size_t i, long double& p, long double g) {
        p *= 1 - 0.01L * decay;
        adam_step(t, i, p, g);
    });
    auto p = tg::init<net, T>(5);
    const auto before = entries(p);
    std::vector<long double> expected;
    for (T* e : before) expected.push_back(*e);
    tg::sgd{0.05, 0.1}.step(p, gradient_of_step<T>(1));
    bool all_close = true;
    for (std::size_t i = 0; i < expected.size(); ++i)
        all_close &= close(*entries(p)[i], expected[i] - lr * (static_cast<long double>(T(gradient_at(1, i))) + decay * expected[i]));
    BOOST_TEST(all_close);
}

BOOST_AUTO_TEST_CASE(weight_decay_float) { weight_decay_by_hand<float>(); }
BOOST_AUTO_TEST_CASE(weight_decay_double) { weight_decay_by_hand<double>(); }

// A negative or non-finite decay is an error naming the optimizer; the fused steps refuse any decay.
BOOST_AUTO_TEST_CASE(weight_decay_must_be_finite_and_not_negative) {
    tg::params<other, double> p{}, g{};
    const auto text = [&](auto opt) {
        try {
            opt.step(p, g);
        } catch (const tg::value_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    BOOST_TEST(text(tg::sgd{0.1, -1}) == "tg::sgd: weight_decay is -1, expected a finite number >= 0");
    BOOST_TEST(text(tg::momentum{0.1, 0.9, false, std::nan("")}) == "tg::momentum: weight_decay is nan, expected a finite number >= 0");
    BOOST_TEST(text(tg::adamw{0.1, 0.9, 0.999, 1e-8, -0.5}) == "tg::adamw: weight_decay is -0.5, expected a finite number >= 0");
    tg::workspace<other, double> ws;
    try {
        tg::sgd_step<other>(p, tg::vec<double, 2>{1, 2}, tg::vec<double, 3>{}, tg::mse{}, tg::sgd{0.1, 0.01}, ws);
        BOOST_FAIL("no error");
    } catch (const tg::value_error& e) {
        BOOST_TEST(std::string(e.what()) == "tg::sgd_step: weight_decay is 0.01, expected 0 (the fused step has no weight "
                                            "decay; use value_and_grad and sgd.step)");
    }
}

// A 2 → 1 dense network ŷ = w₁x₁ + w₂x₂ + b, one sample x = (1, 2), y = 1, the loss (ŷ − y)², from
// w = (0.5, −0.3), b = 0.1, with the default betas and eps. The gradient is 2(ŷ − y)·(x₁, x₂, 1),
// recomputed by hand in long double at each step; Adam's first step moves every parameter by lr
// against its gradient's sign (m̂ = g, √v̂ = |g|).
BOOST_AUTO_TEST_CASE(adam_first_three_steps_on_a_small_network) {
    using neuron = tg::sequential<tg::dense<2, 1>>;
    tg::params<neuron, double> p{};
    tg::get<0>(p).W = {0.5, -0.3};
    tg::get<0>(p).b = {0.1};
    const tg::vec<double, 2> x{1, 2};
    const tg::vec<double, 1> y{1};

    long double w1 = 0.5L, w2 = -0.3L, b = 0.1L, m[3] = {}, v[3] = {};
    const long double lr = 0.1L, beta1 = 0.9L, beta2 = 0.999L, eps = 1e-8L;
    tg::adam opt{0.1};
    for (int t = 1; t <= 3; ++t) {
        auto [loss, grad] = tg::value_and_grad<neuron>(p, x, y, tg::mse{});
        opt.step(p, grad);

        const long double residual = w1 * 1 + w2 * 2 + b - 1;
        BOOST_TEST(std::abs(loss - residual * residual) < 1e-13);
        const long double g[3] = {2 * residual * 1, 2 * residual * 2, 2 * residual};
        long double* q[3] = {&w1, &w2, &b};
        for (int k = 0; k < 3; ++k) {
            m[k] = beta1 * m[k] + (1 - beta1) * g[k];
            v[k] = beta2 * v[k] + (1 - beta2) * g[k] * g[k];
            *q[k] -= lr * (m[k] / (1 - std::pow(beta1, t))) / (std::sqrt(v[k] / (1 - std::pow(beta2, t))) + eps);
        }
        BOOST_TEST(std::abs(tg::get<0>(p).W(0, 0) - w1) < 1e-14);
        BOOST_TEST(std::abs(tg::get<0>(p).W(0, 1) - w2) < 1e-14);
        BOOST_TEST(std::abs(tg::get<0>(p).b[0] - b) < 1e-14);
        if (t == 1) {  // ŷ = 0, g = (−2, −4, −2): each parameter moves up by lr·|g|/(|g| + eps) ≈ 0.1
            BOOST_TEST(std::abs(tg::get<0>(p).W(0, 0) - 0.6) < 1e-8);
            BOOST_TEST(std::abs(tg::get<0>(p).W(0, 1) - -0.2) < 1e-8);
            BOOST_TEST(std::abs(tg::get<0>(p).b[0] - 0.2) < 1e-8);
        }
    }
    BOOST_TEST(opt.steps() == 3u);
}

template <class Optimizer>
void one_params_type_per_optimizer(Optimizer opt, const std::string& name) {
    tg::params<net> p{}, g = gradient_of_step<float>(1);
    tg::params<other> q{};
    tg::params<net, double> d{};
    opt.step(p, g);
    const auto after_one = p;
    const std::string prefix = name + ": this optimizer's state was made for a params of 122 float values, but step() was given a params of ";
    const std::string suffix = " values of another type; use one optimizer per network, or reset() it";
    BOOST_CHECK_EXCEPTION(opt.step(q, q), tg::value_error,
                          [&](const tg::value_error& e) { return e.what() == prefix + "9 float" + suffix; });
    BOOST_CHECK_EXCEPTION(opt.step(d, d), tg::value_error,
                          [&](const tg::value_error& e) { return e.what() == prefix + "122 double" + suffix; });
    BOOST_TEST(opt.steps() == 1u);  // the failed steps changed nothing
    BOOST_TEST((p == after_one));

    opt.reset();
    BOOST_TEST(opt.steps() == 0u);
    opt.step(q, q);  // after reset() another type is fine
    BOOST_TEST(opt.steps() == 1u);
}

BOOST_AUTO_TEST_CASE(a_step_with_another_params_type_is_a_value_error) {
    one_params_type_per_optimizer(tg::momentum{0.1, 0.9}, "tg::momentum");
    one_params_type_per_optimizer(tg::adam{0.1}, "tg::adam");
}

// A copy has its own state with the same values: it continues exactly as the original does, and
// stepping it leaves the original alone. A moved-to optimizer continues; the moved-from one starts over.
template <class Optimizer>
void copies_are_deep(const Optimizer& fresh) {
    auto p = tg::init<net>(9);
    Optimizer original = fresh;
    original.step(p, gradient_of_step<float>(1));
    original.step(p, gradient_of_step<float>(2));

    Optimizer copy = original;
    auto p_copy = p;
    copy.step(p_copy, gradient_of_step<float>(3));
    copy.step(p_copy, gradient_of_step<float>(4));
    BOOST_TEST(copy.steps() == 4u);
    BOOST_TEST(original.steps() == 2u);
    original.step(p, gradient_of_step<float>(3));
    original.step(p, gradient_of_step<float>(4));
    BOOST_TEST((p == p_copy));

    Optimizer assigned = fresh;
    assigned = original;
    Optimizer moved = std::move(original);
    BOOST_TEST(original.steps() == 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    BOOST_TEST(moved.steps() == 4u);
    auto p_assigned = p;
    moved.step(p, gradient_of_step<float>(5));
    assigned.step(p_assigned, gradient_of_step<float>(5));
    BOOST_TEST((p == p_assigned));

    // A moved-from optimizer is like a new one, for any params type.
    tg::params<other> q{}, q_fresh{};
    original.step(q, q);
    Optimizer(fresh).step(q_fresh, q_fresh);
    BOOST_TEST((q == q_fresh));
}

BOOST_AUTO_TEST_CASE(copies_are_deep_and_moves_start_the_source_over) {
    copies_are_deep(tg::momentum{0.1, 0.9});
    copies_are_deep(tg::momentum{0.1, 0.9, true});
    copies_are_deep(tg::adam{0.01});
}

// How tg::fit's threads step: start_step once, then its update on each part (tg::params_part). The
// parts cover every entry once (tg::split_neurons' rows of each tensor, as the threads' neurons), so
// three steps made that way equal three whole steps exactly, and count as three.
template <class Net = net, class Optimizer>
void split_steps(const Optimizer& prototype) {
    for (std::size_t parts : {1, 2, 3, 4, 7}) {
        BOOST_TEST_CONTEXT("parts = " << parts) {
            Optimizer whole = prototype, split = prototype;
            auto p = tg::init<Net, float>(5), q = p;
            for (std::size_t t = 1; t <= 3; ++t) {
                const auto g = gradient_of_step<float, Net>(t);
                whole.step(p, g);
                auto update = split.start_step(q);
                for (std::size_t k = parts; k-- > 0;) update(q, g, tg::params_part{k, parts});  // any order
            }
            BOOST_TEST((p == q));
            if constexpr (requires { split.steps(); }) BOOST_TEST(split.steps() == 3u);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_step_split_into_parts_equals_the_whole_step) {
    static_assert(tg::splittable_optimizer<tg::adam, tg::params<net, float>>);
    split_steps(tg::sgd{0.1});
    split_steps(tg::momentum{0.1, 0.9});
    split_steps(tg::momentum{0.1, 0.9, true});
    split_steps(tg::adam{0.01});
    split_steps<wide_inputs>(tg::adam{0.01});
    split_steps<wide_inputs>(tg::momentum{0.1, 0.9});
}

// The cuts of `count` into `parts` by split (tg::split_neurons or tg::split_rows): each part's first
// row, then the end.
template <class Split>
std::vector<std::size_t> cuts(Split split, std::size_t count, std::size_t parts) {
    std::vector<std::size_t> at;
    for (std::size_t k = 0; k < parts; ++k) at.push_back(split(count, k, parts).lo);
    at.push_back(split(count, parts - 1, parts).hi);
    return at;
}

BOOST_AUTO_TEST_CASE(split_neurons_cuts_only_at_cache_lines_of_the_panels) {
    const auto neurons = [](std::size_t count, std::size_t parts) { return cuts(tg::split_neurons, count, parts); };
    using at = std::vector<std::size_t>;
    BOOST_TEST(neurons(256, 2) == (at{0, 128, 256}), boost::test_tools::per_element());
    BOOST_TEST(neurons(100, 3) == (at{0, 32, 64, 100}), boost::test_tools::per_element());
    BOOST_TEST(neurons(48, 4) == (at{0, 0, 16, 32, 48}), boost::test_tools::per_element());  // 16 to a panel's line
    // The last panel of 120 is 56 wide (no multiple of 16): the cut at 80 moves down to its start.
    BOOST_TEST(neurons(120, 4) == (at{0, 16, 48, 64, 120}), boost::test_tools::per_element());
    // Layers whose one panel is no multiple of 16 wide go whole to the last part.
    BOOST_TEST(neurons(10, 2) == (at{0, 0, 10}), boost::test_tools::per_element());
    BOOST_TEST(neurons(40, 2) == (at{0, 0, 40}), boost::test_tools::per_element());
    BOOST_TEST(neurons(1, 3) == (at{0, 0, 0, 1}), boost::test_tools::per_element());
}

// An uncut panel's stored rows (its inputs) are cut where a row starts at a cache line: every 4th of
// 20 floats, every 8th of 10, every 16th of 5; the last part takes what is left.
BOOST_AUTO_TEST_CASE(split_inputs_cuts_at_the_cache_lines_of_an_uncut_panel) {
    static_assert(tg::uncut_panel(10) && tg::uncut_panel(50) && !tg::uncut_panel(48) && !tg::uncut_panel(100));
    const auto inputs = [](std::size_t count, std::size_t width, std::size_t parts) {
        return cuts([width](std::size_t c, std::size_t k, std::size_t n) { return tg::split_inputs(c, width, k, n); },
                    count, parts);
    };
    using at = std::vector<std::size_t>;
    BOOST_TEST(inputs(784, 20, 2) == (at{0, 392, 784}), boost::test_tools::per_element());
    BOOST_TEST(inputs(784, 10, 3) == (at{0, 256, 520, 784}), boost::test_tools::per_element());
    BOOST_TEST(inputs(40, 5, 2) == (at{0, 16, 40}), boost::test_tools::per_element());
    BOOST_TEST(inputs(3, 5, 2) == (at{0, 0, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(split_rows_cuts_at_whole_cache_lines_when_it_can) {
    const auto rows = [](std::size_t count, std::size_t parts) { return cuts(tg::split_rows, count, parts); };
    using at = std::vector<std::size_t>;
    BOOST_TEST(rows(64, 2) == (at{0, 32, 64}), boost::test_tools::per_element());
    BOOST_TEST(rows(40, 2) == (at{0, 16, 40}), boost::test_tools::per_element());
    BOOST_TEST(rows(10, 2) == (at{0, 5, 10}), boost::test_tools::per_element());  // fewer than 16 a part: even
    BOOST_TEST(rows(1, 3) == (at{0, 0, 0, 1}), boost::test_tools::per_element());
}

// Clipping by the global norm: a gradient of norm 5 (a 3 and a 4 in two tensors) is scaled by PyTorch's
// factor max_norm / (norm + 1e-6); one within the limit, or with a non-finite norm, is left as it is.
BOOST_AUTO_TEST_CASE(clip_grad_norm_scales_by_pytorchs_factor) {
    using line = tg::sequential<tg::dense<2, 2>, tg::relu, tg::dense<2, 1>>;
    tg::params<line, double> grad{};
    tg::get<0>(grad).W(1, 0) = 3;
    tg::get<2>(grad).b[0] = -4;
    BOOST_TEST(tg::clip_grad_norm(grad, 1.0) == 5.0);
    BOOST_TEST(tg::get<0>(grad).W(1, 0) == 3 * (1.0 / (5.0 + 1e-6)));
    BOOST_TEST(tg::get<2>(grad).b[0] == -4 * (1.0 / (5.0 + 1e-6)));
    const auto clipped = grad;
    BOOST_TEST(std::abs(tg::clip_grad_norm(grad, 2.0) - 1.0) < 1e-6);
    BOOST_TEST((grad == clipped));
    tg::get<0>(grad).b[1] = INFINITY;
    BOOST_TEST(std::isinf(tg::clip_grad_norm(grad, 1.0)));
    BOOST_TEST(tg::get<0>(grad).W(1, 0) == tg::get<0>(clipped).W(1, 0));
    BOOST_TEST(tg::get<2>(grad).b[0] == tg::get<2>(clipped).b[0]);
}

BOOST_AUTO_TEST_CASE(clip_grad_value_clamps_every_element) {
    tg::params<net> grad = tg::init<net>(5);
    for (auto& x : tg::get<2>(grad).W) x *= 10;
    tg::clip_grad_value(grad, 0.25);
    float largest = 0;
    tg::for_each_tensor([&](std::size_t, std::string_view, const auto& t) {
        for (float x : t) largest = std::max(largest, std::abs(x));
    }, grad);
    BOOST_TEST(largest == 0.25f);
}

BOOST_AUTO_TEST_CASE(clipping_limits_must_be_finite_and_positive) {
    tg::params<net> grad{};
    for (const double bad : {0.0, -1.0, std::nan(""), double{INFINITY}}) {
        for (const auto& [who, clip] : {std::pair<std::string, void (*)(tg::params<net>&, double)>{
                                            "tg::clip_grad_norm: max_norm is ", [](tg::params<net>& g, double v) { tg::clip_grad_norm(g, v); }},
                                        {"tg::clip_grad_value: clip is ", [](tg::params<net>& g, double v) { tg::clip_grad_value(g, v); }}}) {
            try {
                clip(grad, bad);
                BOOST_FAIL("no error for " << bad);
            } catch (const tg::value_error& e) {
                BOOST_TEST(std::string(e.what()).starts_with(who));
                BOOST_TEST(std::string_view(e.what()).ends_with(", expected a finite number > 0"));
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
