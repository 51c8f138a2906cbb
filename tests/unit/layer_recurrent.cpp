// tg::lstm and tg::gru: finite-difference gradients of backward_sequence through time (parameters and
// inputs, odd sizes), streaming steps (from params and from their prepared layout) equal to the
// whole-sequence forward, the forward against a scalar reference, exact values of tiny cases worked by
// hand, PyTorch's init range and order, gradients added rather than assigned, no allocation once the cache
// exists, and the error for a sequence longer than its rows.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include <typegrad/typegrad.hpp>

#include "alloc_counter.hpp"
#include "gradient_check.hpp"
#include "net_support.hpp"

namespace tg = typegrad;
using net_support::random_rows;

static_assert(tg::sequence_layer<tg::lstm<3, 5>> && tg::sequence_layer<tg::lstm<3, 5>, double>);
static_assert(tg::sequence_layer<tg::gru<3, 5>> && tg::sequence_layer<tg::gru<1, 40>, double>);
static_assert(tg::named_layer<tg::lstm<1, 32>> && tg::lstm<1, 32>::name == "lstm" && tg::gru<1, 40>::name == "gru");
static_assert(tg::lstm<3, 5>::in_size == 3 && tg::lstm<3, 5>::out_size_for<3> == 5 && tg::gru<2, 7>::out_size_for<2> == 7);
static_assert(tg::params_t<tg::lstm<3, 5>, float, 3>::count == 4 * 5 * (3 + 5 + 2));
static_assert(tg::params_t<tg::gru<3, 5>, double, 3>::count == 3 * 5 * (3 + 5 + 2));
static_assert(!tg::sequence_layer<tg::dense<3, 5>>);
static_assert(tg::streams_prepared<tg::lstm<3, 5>> && tg::streams_prepared<tg::gru<1, 40>, double>);
static_assert(tg::streams_prepared<tg::conv1d<2, 3, 2>> && !tg::streams_prepared<tg::dense<3, 5>>);

namespace {

template <class L, class T>
tg::params_t<L, T, L::in_size> initialised(std::uint64_t seed) {
    tg::params_t<L, T, L::in_size> p;
    tg::rng r{seed};
    L::init(p, r, tg::init_scheme::glorot_uniform);
    return p;
}

// The loss Σ_t Σ_j coef(t, j)·y(t, j) over `steps` steps, and its analytic gradients by backward_sequence.
template <class L>
void check_gradients(std::size_t steps) {
    constexpr std::size_t In = L::in_size, Out = L::template out_size_for<In>;
    auto p = initialised<L, double>(3);
    auto x = random_rows<double, In>(steps, 5);
    const auto coef = random_rows<double, Out>(steps, 7);
    tg::rows<double, Out> y(steps);
    typename L::template sequence_cache_type<double, In> cache(steps);
    const auto loss = [&] {
        L::forward_sequence(p, steps, x, y, cache);
        double sum = 0;
        for (std::size_t i = 0; i < steps * Out; ++i) sum += coef.data()[i] * y.data()[i];
        return sum;
    };
    loss();
    tg::params_t<L, double, In> grad{};
    tg::rows<double, In> grad_x(steps);
    L::backward_sequence(p, steps, x, y, cache, coef, &grad_x, grad);

    double worst = 0;
    tg::params_t<L, double, In>::for_each_tensor(
        [&](std::string_view name, auto& w, const auto& g) {
            const double e = gradient_check::worst_over_values(w.data(), g.data(), w.size(), loss);
            BOOST_TEST_INFO(name);
            BOOST_TEST(e < 1e-6);
            worst = std::max(worst, e);
        },
        p, grad);
    BOOST_TEST(gradient_check::worst_over_values(x.data(), grad_x.data(), steps * In, loss) < 1e-6);

    // backward adds: a second pass doubles the parameter gradient, and a null grad_x is skipped. The
    // second pass adds each step's term to the first pass's sum, so an entry whose terms cancel can
    // differ from twice the sum by the rounding of the terms: within 1e-13 of the tensor's largest entry.
    auto twice = grad;
    loss();
    L::backward_sequence(p, steps, x, y, cache, coef, nullptr, twice);
    tg::params_t<L, double, In>::for_each_tensor(
        [&](std::string_view, const auto& once, const auto& two) {
            double largest = 0;
            for (const double g : once) largest = std::max(largest, std::abs(g));
            for (std::size_t i = 0; i < once.size(); ++i)
                BOOST_TEST(std::abs(two.data()[i] - 2 * once.data()[i]) <= 1e-13 * largest);
        },
        grad, twice);
}

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-14;

// Streaming step by step from a reset state gives forward_sequence's rows exactly, twice over; and from
// the parameters prepared for streaming (W_hh transposed in blocks of hidden units, summed in another
// order), the same rows up to rounding.
template <class L, class T>
void check_streaming(std::size_t steps) {
    constexpr std::size_t In = L::in_size, Out = L::template out_size_for<In>;
    const auto p = initialised<L, T>(11);
    typename L::template inference_params_type<T, In> prepared;
    L::prepare(p, prepared);
    const auto x = random_rows<T, In>(steps, 13);
    tg::rows<T, Out> y(steps);
    typename L::template sequence_cache_type<T, In> cache(steps);
    L::forward_sequence(p, steps, x, y, cache);
    typename L::template state_type<T, In> state{}, prepared_state{};
    for (int round = 0; round < 2; ++round) {
        for (std::size_t t = 0; t < steps; ++t) {
            tg::vec<T, In> xt;
            for (std::size_t i = 0; i < In; ++i) xt[i] = x.row(t)[i];
            const auto yt = L::step(p, xt, state);
            const auto zt = L::step(prepared, xt, prepared_state);
            for (std::size_t j = 0; j < Out; ++j) {
                BOOST_TEST(yt[j] == y.row(t)[j]);
                BOOST_TEST(std::abs(zt[j] - y.row(t)[j]) < tolerance<T>);
            }
        }
        state.reset();
        prepared_state.reset();
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(lstm_gradients_through_time) {
    check_gradients<tg::lstm<3, 5>>(7);
    check_gradients<tg::lstm<1, 9>>(4);
    check_gradients<tg::lstm<2, 1>>(1);
}

BOOST_AUTO_TEST_CASE(gru_gradients_through_time) {
    check_gradients<tg::gru<3, 5>>(7);
    check_gradients<tg::gru<1, 9>>(4);
    check_gradients<tg::gru<2, 1>>(1);
}

// Streaming steps (from params and prepared) and, once its cache exists, a whole sequence forward and
// backward allocate nothing.
template <class L>
void check_no_allocation() {
    constexpr std::size_t In = L::in_size, Out = L::template out_size_for<In>, steps = 9;
    const auto p = initialised<L, float>(31);
    auto grad = p;
    const auto x = random_rows<float, In>(steps, 37);
    tg::rows<float, Out> y(steps);
    tg::rows<float, In> grad_x(steps);
    typename L::template sequence_cache_type<float, In> cache(steps);
    typename L::template state_type<float, In> state{};
    typename L::template inference_params_type<float, In> prepared;
    L::prepare(p, prepared);
    const std::size_t before = alloc_counter::allocations;
    float sum = 0;
    for (std::size_t t = 0; t < steps; ++t) sum += L::step(p, tg::vec<float, In>{x.row(t)[0]}, state)[0];
    for (std::size_t t = 0; t < steps; ++t) sum += L::step(prepared, tg::vec<float, In>{x.row(t)[0]}, state)[0];
    L::forward_sequence(p, steps, x, y, cache);
    L::backward_sequence(p, steps, x, y, cache, y, &grad_x, grad);
    BOOST_TEST(alloc_counter::allocations == before);
    BOOST_TEST(std::isfinite(sum));
}

BOOST_AUTO_TEST_CASE(no_allocation_once_the_cache_exists) {
    check_no_allocation<tg::lstm<1, 32>>();
    check_no_allocation<tg::gru<3, 40>>();
}

BOOST_AUTO_TEST_CASE(streaming_equals_whole_sequence) {
    check_streaming<tg::lstm<3, 5>, float>(7);
    check_streaming<tg::lstm<3, 5>, double>(7);
    check_streaming<tg::lstm<1, 32>, float>(20);
    check_streaming<tg::lstm<4, 17>, double>(9);
    check_streaming<tg::gru<3, 5>, float>(7);
    check_streaming<tg::gru<3, 5>, double>(7);
    check_streaming<tg::gru<1, 40>, float>(20);
    check_streaming<tg::gru<4, 17>, double>(9);
    // Blocks of hidden units for the prepared step: one unit, a partial batch, several blocks with a
    // partial last one, at every SIMD width.
    check_streaming<tg::lstm<1, 1>, double>(5);
    check_streaming<tg::lstm<2, 13>, float>(9);
    check_streaming<tg::lstm<1, 40>, float>(9);
    check_streaming<tg::gru<1, 1>, float>(5);
    check_streaming<tg::gru<2, 33>, float>(9);
    check_streaming<tg::gru<3, 70>, double>(5);
}

namespace {

// The equations of PyTorch's documentation, one scalar at a time in double.
double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

template <class P>
double row_dot(const P& p, std::size_t row, const double* x, const double* h, std::size_t in, std::size_t hidden,
               bool input, bool hidden_part) {
    double s = 0;
    if (input) {
        s += double(p.b_ih[row]);
        for (std::size_t c = 0; c < in; ++c) s += double(p.W_ih(row, c)) * x[c];
    }
    if (hidden_part) {
        s += double(p.b_hh[row]);
        for (std::size_t c = 0; c < hidden; ++c) s += double(p.W_hh(row, c)) * h[c];
    }
    return s;
}

template <class T, std::size_t In, std::size_t H>
void check_lstm_reference(std::size_t steps) {
    const auto p = initialised<tg::lstm<In, H>, T>(17);
    const auto x = random_rows<T, In>(steps, 19);
    tg::rows<T, H> y(steps);
    tg::lstm_sequence_cache<T, H> cache(steps);
    tg::lstm<In, H>::forward_sequence(p, steps, x, y, cache);
    double h[H]{}, c[H]{}, xt[In];
    for (std::size_t t = 0; t < steps; ++t) {
        for (std::size_t i = 0; i < In; ++i) xt[i] = x.row(t)[i];
        double h_new[H];
        for (std::size_t j = 0; j < H; ++j) {
            const auto z = [&](std::size_t gate) { return row_dot(p, gate * H + j, xt, h, In, H, true, true); };
            c[j] = sigmoid(z(1)) * c[j] + sigmoid(z(0)) * std::tanh(z(2));
            h_new[j] = sigmoid(z(3)) * std::tanh(c[j]);
        }
        for (std::size_t j = 0; j < H; ++j) {
            h[j] = h_new[j];
            BOOST_TEST(std::abs(y.row(t)[j] - h[j]) < tolerance<T>);
        }
    }
}

template <class T, std::size_t In, std::size_t H>
void check_gru_reference(std::size_t steps) {
    const auto p = initialised<tg::gru<In, H>, T>(23);
    const auto x = random_rows<T, In>(steps, 29);
    tg::rows<T, H> y(steps);
    tg::gru_sequence_cache<T, H> cache(steps);
    tg::gru<In, H>::forward_sequence(p, steps, x, y, cache);
    double h[H]{}, xt[In];
    for (std::size_t t = 0; t < steps; ++t) {
        for (std::size_t i = 0; i < In; ++i) xt[i] = x.row(t)[i];
        double h_new[H];
        for (std::size_t j = 0; j < H; ++j) {
            const auto both = [&](std::size_t gate) { return row_dot(p, gate * H + j, xt, h, In, H, true, true); };
            const double r = sigmoid(both(0)), z = sigmoid(both(1));
            const double n = std::tanh(row_dot(p, 2 * H + j, xt, h, In, H, true, false) +
                                       r * row_dot(p, 2 * H + j, xt, h, In, H, false, true));
            h_new[j] = (1 - z) * n + z * h[j];
        }
        for (std::size_t j = 0; j < H; ++j) {
            h[j] = h_new[j];
            BOOST_TEST(std::abs(y.row(t)[j] - h[j]) < tolerance<T>);
        }
    }
}

}  // namespace

// Every lane, tails included (Hidden 5, 9, 17 and 33 against SIMD widths of 4, 8 and 16), and inputs
// of 1 (a column) and several (dot products).
BOOST_AUTO_TEST_CASE(forward_matches_a_scalar_reference) {
    check_lstm_reference<double, 3, 5>(6);
    check_lstm_reference<float, 3, 5>(6);
    check_lstm_reference<float, 1, 33>(5);
    check_lstm_reference<double, 7, 17>(4);
    check_gru_reference<double, 3, 5>(6);
    check_gru_reference<float, 3, 5>(6);
    check_gru_reference<float, 1, 33>(5);
    check_gru_reference<double, 4, 9>(4);
}

// lstm<1, 1> with only the g gate's weights set (W_ih = 1, W_hh = 2): i = f = o = σ(0) = 1/2, so
// c_t = (c_{t-1} + tanh(x_t + 2·h_{t-1})) / 2 and h_t = tanh(c_t) / 2.
template <class T>
void check_lstm_by_hand() {
    tg::params_t<tg::lstm<1, 1>, T, 1> p{};
    p.W_ih(2, 0) = 1;
    p.W_hh(2, 0) = 2;
    const double x[] = {0.5, -1.0, 0.25};
    double h = 0, c = 0;
    tg::lstm_state<T, 1> s{};
    for (double xt : x) {
        c = (c + std::tanh(xt + 2 * h)) / 2;
        h = std::tanh(c) / 2;
        const auto y = tg::lstm<1, 1>::step(p, tg::vec<T, 1>{T(xt)}, s);
        BOOST_TEST(std::abs(y[0] - h) < tolerance<T>);
        BOOST_TEST(std::abs(s.c[0] - c) < tolerance<T>);
    }
    BOOST_TEST(std::abs(h - -0.0410672) < 1e-7);  // the recurrence above in Python's math module
}

// gru<1, 1> with W_in = 1, W_hn = 2, b_hn = 1/2 and the r, z gates at σ(0) = 1/2:
// n_t = tanh(x_t + (2·h_{t-1} + 1/2) / 2), h_t = (n_t + h_{t-1}) / 2.
template <class T>
void check_gru_by_hand() {
    tg::params_t<tg::gru<1, 1>, T, 1> p{};
    p.W_ih(2, 0) = 1;
    p.W_hh(2, 0) = 2;
    p.b_hh[2] = 0.5;
    const double x[] = {0.5, -1.0, 0.25};
    double h = 0;
    tg::gru_state<T, 1> s{};
    for (double xt : x) {
        h = (std::tanh(xt + (2 * h + 0.5) / 2) + h) / 2;
        const auto y = tg::gru<1, 1>::step(p, tg::vec<T, 1>{T(xt)}, s);
        BOOST_TEST(std::abs(y[0] - h) < tolerance<T>);
    }
    BOOST_TEST(std::abs(h - 0.1906039) < 1e-7);  // the same in Python
}

BOOST_AUTO_TEST_CASE(exact_values_by_hand) {
    check_lstm_by_hand<float>();
    check_lstm_by_hand<double>();
    check_gru_by_hand<float>();
    check_gru_by_hand<double>();
}

// PyTorch's init: every tensor uniform in ±1/√Hidden (here 1/2), biases too, whatever the scheme.
BOOST_AUTO_TEST_CASE(init_follows_pytorch) {
    const auto p = initialised<tg::lstm<3, 4>, double>(1);
    double lo = 1, hi = -1;
    decltype(p)::for_each_tensor(
        [&](std::string_view, const auto& w) {
            for (double v : w) lo = std::min(lo, v), hi = std::max(hi, v);
        },
        p);
    BOOST_TEST(lo >= -0.5);
    BOOST_TEST(hi < 0.5);
    BOOST_TEST(lo < -0.4);
    BOOST_TEST(hi > 0.4);
    tg::params_t<tg::gru<3, 4>, double, 3> he{}, glorot{};
    tg::rng a{2}, b{2};
    tg::gru<3, 4>::init(he, a, tg::init_scheme::he_uniform);
    tg::gru<3, 4>::init(glorot, b, tg::init_scheme::glorot_uniform);
    BOOST_TEST((he == glorot));
}

// The draws go to the tensors in PyTorch's order, W_hh row by row although it is stored in panels
// (280 rows: four panels of 64 and one of 24), so that a seed gives the same network whatever the storage.
BOOST_AUTO_TEST_CASE(init_draws_in_pytorch_order) {
    using L = tg::lstm<3, 70>;
    const auto p = initialised<L, double>(5);
    tg::rng r{5};
    const double limit = 1 / std::sqrt(70.0);
    std::size_t differing = 0;
    for (std::size_t row = 0; row < 280; ++row)
        for (std::size_t c = 0; c < 3; ++c) differing += p.W_ih(row, c) != r.uniform(-limit, limit);
    for (std::size_t row = 0; row < 280; ++row)
        for (std::size_t c = 0; c < 70; ++c) differing += p.W_hh(row, c) != r.uniform(-limit, limit);
    for (const double b : p.b_ih) differing += b != r.uniform(-limit, limit);
    for (const double b : p.b_hh) differing += b != r.uniform(-limit, limit);
    BOOST_TEST(differing == 0u);
}

BOOST_AUTO_TEST_CASE(tensor_names_and_shapes) {
    std::string names;
    tg::params_t<tg::lstm<3, 5>, float, 3> p;
    decltype(p)::for_each_tensor([&](std::string_view name, const auto& w) { names += std::string(name) + ":" + std::to_string(w.size()) + " "; }, p);
    BOOST_TEST(names == "weight_ih_l0:60 weight_hh_l0:100 bias_ih_l0:20 bias_hh_l0:20 ");
    BOOST_TEST(tg::detail::tensor_shape(p.W_ih) == (std::vector<std::size_t>{20, 3}));
    BOOST_TEST(tg::detail::tensor_shape(tg::params_t<tg::gru<3, 5>, float, 3>{}.W_hh) == (std::vector<std::size_t>{15, 5}));
}

BOOST_AUTO_TEST_CASE(too_many_steps_is_an_error) {
    const auto p = initialised<tg::gru<2, 3>, float>(1);
    tg::rows<float, 2> x(8);
    tg::rows<float, 3> y(8);
    tg::gru_sequence_cache<float, 3> cache(4);
    try {
        tg::gru<2, 3>::forward_sequence(p, 6, x, y, cache);
        BOOST_FAIL("no error");
    } catch (const tg::value_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "tg::gru::forward_sequence: 6 steps, but the cache holds 4 rows; expected at most that many steps");
    }
    tg::lstm_sequence_cache<float, 3> lstm_cache(8);
    tg::params_t<tg::lstm<2, 3>, float, 2> q{}, grad{};
    BOOST_CHECK_THROW((tg::lstm<2, 3>::backward_sequence(q, 9, x, y, lstm_cache, y, nullptr, grad)), tg::value_error);
}
