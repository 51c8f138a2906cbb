// One conformance test for every layer kind (a new kind joins every_kind below). Each kind runs as the middle layer of
// input<3> → dense<N> → the layer at size N → dense<2>, for N = 1, 3, 5, 17 and 67, and must:
// - give batch gradients (parameters and input, training mode) that match finite differences;
// - where its training forward is a function of the sample alone (not dropout's draws, not
//   batch_norm's batch statistics): give per-sample gradients that match finite differences, and a
//   batch gradient equal to the mean of the per-sample ones, in double and in float;
// - infer the same per sample, per batch and from tg::inference_params;
// - train the same through tg::sgd_step and tg::sgd_step_batch as through value_and_grad and sgd.step;
// - allocate nothing in any of these passes once its workspaces exist.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <ratio>

#include <typegrad/typegrad.hpp>

#include "alloc_counter.hpp"
#include "net_support.hpp"

namespace tg = typegrad;
using gradient_check::relative_error;
using net_support::max_difference;
using net_support::random_vecs;

namespace {

// A layer kind: the layer at size N, and whether its training forward depends on the sample alone.
template <template <std::size_t> class Layer, bool PerSample = true>
struct kind {
    template <std::size_t N>
    using layer = Layer<N>;
    static constexpr bool per_sample = PerSample;
};

template <std::size_t N> using dense_layer = tg::dense<N>;
template <std::size_t> using identity_layer = tg::identity;
template <std::size_t> using sigmoid_layer = tg::sigmoid;
template <std::size_t> using relu_layer = tg::relu;
template <std::size_t> using tanh_layer = tg::tanh;
template <std::size_t> using softmax_layer = tg::softmax;
template <std::size_t> using expression_layer = tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_) + 0.1 * tg::x_>;
template <std::size_t> using leaky_relu_layer = tg::leaky_relu<std::ratio<1, 10>>;
template <std::size_t> using elu_layer = tg::elu<>;
template <std::size_t> using softplus_layer = tg::softplus;
template <std::size_t> using silu_layer = tg::silu;
template <std::size_t> using gelu_layer = tg::gelu;
template <std::size_t> using gelu_tanh_layer = tg::gelu_tanh;
template <std::size_t> using log_softmax_layer = tg::log_softmax;
template <std::size_t> using dropout_layer = tg::dropout<80>;
template <std::size_t> using batch_norm_layer = tg::batch_norm;
template <std::size_t N> using residual_layer = tg::residual<tg::dense<N>, tg::tanh>;
template <std::size_t N> using concat_layer = tg::concat<tg::dense<N>, tg::sequential<tg::dense<2>, tg::sigmoid>>;
template <std::size_t N> using nested_layer = tg::sequential<tg::tanh, tg::dense<N>>;

using every_kind = std::tuple<kind<dense_layer>, kind<identity_layer>, kind<sigmoid_layer>, kind<relu_layer>,
                              kind<tanh_layer>, kind<softmax_layer>, kind<expression_layer>, kind<leaky_relu_layer>,
                              kind<elu_layer>, kind<softplus_layer>, kind<silu_layer>, kind<gelu_layer>,
                              kind<gelu_tanh_layer>, kind<log_softmax_layer>,
                              kind<dropout_layer, false>, kind<batch_norm_layer, false>, kind<residual_layer>,
                              kind<concat_layer>, kind<nested_layer>>;

// The build splits the kinds into TYPEGRAD_CONFORMANCE_PARTS executables (tests/CMakeLists.txt): part k
// takes every kind whose index is k modulo the count, so that the parts compile in parallel and each
// needs a fraction of the memory (all in one translation unit took 7.8 GB under the sanitizers).
#ifndef TYPEGRAD_CONFORMANCE_PARTS
#define TYPEGRAD_CONFORMANCE_PARTS 1
#define TYPEGRAD_CONFORMANCE_PART 0
#endif
template <class... Kinds, std::size_t... I>
auto kinds_of_part(std::tuple<Kinds...>*, std::index_sequence<I...>)
    -> decltype(std::tuple_cat(std::conditional_t<I % TYPEGRAD_CONFORMANCE_PARTS == TYPEGRAD_CONFORMANCE_PART,
                                                  std::tuple<Kinds>, std::tuple<>>{}...));
using kinds = decltype(kinds_of_part(static_cast<every_kind*>(nullptr),
                                     std::make_index_sequence<std::tuple_size_v<every_kind>>{}));

template <class Kind, std::size_t N>
using net_for = tg::sequential<tg::input<3>, tg::dense<N>, typename Kind::template layer<N>, tg::dense<2>>;

#ifdef TYPEGRAD_TEST_FEWER_SIZES
using sizes = std::index_sequence<1, 5, 67>;
#else
using sizes = std::index_sequence<1, 3, 5, 17, 67>;
#endif

template <class F, std::size_t... N>
void for_each_size(F&& f, std::index_sequence<N...>) {
    (..., f(std::integral_constant<std::size_t, N>{}));
}

constexpr std::size_t batch = 4;
const tg::batch_info training{tg::mode::training, /*key=*/7};

template <class Net, class T>
struct problem {
    tg::params<Net, T> p = net_support::random_params<Net, T>(Net::sizes[1] + 1);
    std::vector<tg::vec<T, Net::in_size>> xs = random_vecs<T, Net::in_size>(batch, 2);
    std::vector<tg::vec<T, Net::out_size>> ys = random_vecs<T, Net::out_size>(batch, 3);
};

// Batch gradients, parameters and input, against finite differences of the batch's mean loss.
template <class Net>
void check_batch_gradients() {
    problem<Net, double> s;
    tg::batch_workspace<Net, double> ws(batch, /*input_gradient=*/true);
    tg::params<Net, double> grad{};
    tg::value_and_grad_batch<Net>(s.p, ws, std::span(s.xs), std::span(s.ys), tg::mse{}, grad, training,
                                  tg::grad_mode::assign);
    const auto& grad_x = ws.template gradients<0>();  // row r: ∂(mean loss)/∂(sample r)

    tg::batch_workspace<Net, double> probe(batch);
    tg::params<Net, double> unused{};
    auto mean_loss = [&] {
        return tg::value_and_grad_batch<Net>(s.p, probe, std::span(s.xs), std::span(s.ys), tg::mse{}, unused,
                                             training, tg::grad_mode::assign) / batch;
    };
    BOOST_TEST(gradient_check::worst_over_params(s.p, grad, mean_loss, 1e-4, 4) <= 1e-6);
    for (std::size_t r = 0; r < batch; ++r)
        BOOST_TEST(gradient_check::worst_over_values(s.xs[r].data(), grad_x.row(r), Net::in_size, mean_loss, 1e-4, 4) <=
                   1e-6);
}

// Per-sample gradients, parameters and input, against finite differences of one sample's loss.
template <class Net>
void check_sample_gradients() {
    problem<Net, double> s;
    auto& x = s.xs[0];
    tg::params<Net, double> grad{};
    tg::workspace<Net, double> ws;
    tg::vec<double, Net::out_size> grad_out;
    tg::mse{}.value_and_grad(tg::forward<Net>(s.p, x, ws, tg::mode::training), s.ys[0], grad_out);
    const auto grad_x = tg::backward<Net>(s.p, ws, grad_out, grad);
    auto loss = [&] { return tg::mse{}.value(tg::forward<Net>(s.p, x), s.ys[0]); };
    BOOST_TEST(gradient_check::worst_over_params(s.p, grad, loss) <= 1e-6);
    BOOST_TEST(gradient_check::worst_over_values(x.data(), grad_x.data(), Net::in_size, loss) <= 1e-6);
}

// The batch gradient is the mean of the per-sample ones; the batch loss their sum.
template <class Net, class T>
void check_batch_equals_samples(double tolerance) {
    problem<Net, T> s;
    tg::params<Net, T> mean{};
    T sum{};
    for (std::size_t i = 0; i < batch; ++i) {
        tg::workspace<Net, T> ws;
        sum += tg::value_and_grad<Net>(s.p, s.xs[i], s.ys[i], tg::mse{}, mean, ws);
    }
    tg::for_each_tensor([](std::size_t, std::string_view, auto& g) { for (auto& v : g) v /= T(batch); }, mean);
    tg::batch_workspace<Net, T> ws(batch);
    tg::params<Net, T> grad{};
    const T loss = tg::value_and_grad_batch<Net>(s.p, ws, std::span(s.xs), std::span(s.ys), tg::mse{}, grad);
    BOOST_TEST(relative_error(loss, sum) <= tolerance);
    BOOST_TEST(max_difference(grad, mean) <= tolerance);
}

// Inference per sample, per batch and from inference_params agree: in float, with sums taken in other
// orders (which differ with the SIMD width), to 1e-4 of the outputs' size, and of 1 for smaller ones,
// since the error of a sum follows its terms, not the result (an output near 0 differs by about 1e-7).
template <class Net>
void check_inference() {
    const auto bound = [](float a, float b) { return 1e-4f * std::max({1.0f, std::abs(a), std::abs(b)}); };
    problem<Net, float> s;
    tg::batch_workspace<Net, float> ws(batch);
    for (std::size_t i = 0; i < batch; ++i) ws.set_input(i, s.xs[i]);
    tg::forward_batch<Net>(s.p, ws, batch);
    const tg::inference_params<Net, float> prepared(s.p);
    for (std::size_t i = 0; i < batch; ++i) {
        const auto y = tg::forward<Net>(s.p, s.xs[i]), z = tg::forward<Net>(prepared, s.xs[i]);
        for (std::size_t k = 0; k < Net::out_size; ++k) {
            BOOST_TEST(std::abs(ws.output(i)[k] - y[k]) <= bound(ws.output(i)[k], y[k]));
            BOOST_TEST(std::abs(z[k] - y[k]) <= bound(z[k], y[k]));
        }
    }
}

// The fused steps train as value_and_grad (or its batch form) and sgd.step do.
template <class Net, bool PerSample>
void check_fused_steps() {
    problem<Net, double> s;
    const tg::sgd opt{0.01};
    if constexpr (PerSample) {
        auto plain = s.p, fused = s.p;
        for (std::size_t i = 0; i < batch; ++i) {
            auto [loss, grad] = tg::value_and_grad<Net>(plain, s.xs[i], s.ys[i], tg::mse{});
            opt.step(plain, grad);
            BOOST_TEST(relative_error(tg::sgd_step<Net>(fused, s.xs[i], s.ys[i], tg::mse{}, opt), loss) <= 1e-12);
        }
        BOOST_TEST(max_difference(fused, plain, /*relative=*/true) <= 1e-10);  // the same sums, maybe reordered
    }
    auto plain = s.p, fused = s.p;
    tg::batch_workspace<Net, double> ws(batch), fused_ws(batch);
    tg::params<Net, double> grad{};
    for (int step = 0; step < 2; ++step) {
        const double loss = tg::value_and_grad_batch<Net>(plain, ws, std::span(s.xs), std::span(s.ys), tg::mse{}, grad,
                                                          training, tg::grad_mode::assign);
        opt.step(plain, grad);
        tg::update_running_statistics<Net>(plain, ws);
        const double fused_loss =
            tg::sgd_step_batch<Net>(fused, fused_ws, std::span(s.xs), std::span(s.ys), tg::mse{}, opt, training);
        BOOST_TEST(relative_error(fused_loss, loss) <= 1e-12);
    }
    BOOST_TEST(max_difference(fused, plain, /*relative=*/true) <= 1e-10);  // the same sums, maybe reordered
}

// No pass allocates once its workspaces exist.
template <class Net>
void check_no_allocation() {
    problem<Net, float> s;
    tg::batch_workspace<Net, float> ws(batch);
    tg::workspace<Net, float> sample_ws;
    tg::params<Net, float> grad{};
    const tg::sgd opt{0.01f};
    const std::size_t before = alloc_counter::allocations;
    float sum = tg::forward<Net>(s.p, s.xs[0])[0];
    sum += tg::value_and_grad<Net>(s.p, s.xs[0], s.ys[0], tg::mse{}, grad, sample_ws);
    sum += tg::sgd_step<Net>(s.p, s.xs[1], s.ys[1], tg::mse{}, opt, sample_ws);
    sum += tg::value_and_grad_batch<Net>(s.p, ws, std::span(s.xs), std::span(s.ys), tg::mse{}, grad, training);
    opt.step(s.p, grad);
    sum += tg::sgd_step_batch<Net>(s.p, ws, std::span(s.xs), std::span(s.ys), tg::mse{}, opt, training);
    BOOST_TEST(alloc_counter::allocations == before);
    BOOST_TEST(std::isfinite(sum));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(layer_conformance)

BOOST_AUTO_TEST_CASE_TEMPLATE(batch_gradients_match_finite_differences, Kind, kinds) {
    for_each_size([](auto n) { check_batch_gradients<net_for<Kind, n>>(); }, sizes{});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(per_sample_gradients_match_finite_differences_and_the_batch, Kind, kinds) {
    if constexpr (Kind::per_sample)
        for_each_size([](auto n) {
            check_sample_gradients<net_for<Kind, n>>();
            check_batch_equals_samples<net_for<Kind, n>, double>(1e-12);
            check_batch_equals_samples<net_for<Kind, n>, float>(2e-5);
        }, sizes{});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(inference_fused_steps_and_no_allocation, Kind, kinds) {
    for_each_size([](auto n) {
        check_inference<net_for<Kind, n>>();
        check_fused_steps<net_for<Kind, n>, Kind::per_sample>();
        check_no_allocation<net_for<Kind, n>>();
    }, sizes{});
}

BOOST_AUTO_TEST_SUITE_END()
