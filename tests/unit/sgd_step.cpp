// tg::sgd_step (forward, loss, backward and SGD update fused) against value_and_grad followed by
// sgd.step: the same losses and, after a run of samples, the same parameters within rounding, in
// float and double, for dense, output-cached activations, activation<Expr>, softmax, both losses,
// and a layer with parameters but no fused update of its own (the generic path).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

/// y = a ⊙ x with a learnt per-feature scale a: a layer with parameters and only the plain backward.
struct scale {
    template <std::size_t In>
    static constexpr std::size_t out_size_for = In;
    template <tg::scalar T, std::size_t In>
    struct params {
        tg::vec<T, In> a;
        static constexpr std::size_t count = In;
        template <class F, class... Ps>
        static constexpr void for_each_tensor(F&& f, Ps&... ps) {
            f(std::string_view{"weight"}, ps.a...);
        }
    };
    template <tg::scalar T, std::size_t In>
    using params_type = params<T, In>;
    template <tg::scalar T, std::size_t In>
    using cache_type = tg::input_cache<T, In>;

    template <tg::scalar T, std::size_t N>
    static void init(params<T, N>& p, tg::rng&, tg::init_scheme) {
        for (std::size_t i = 0; i < N; ++i) p.a[i] = T(1) + T(i) / T(10);
    }
    template <tg::scalar T, std::size_t N>
    static tg::vec<T, N> forward(const params<T, N>& p, const tg::vec<T, N>& x, tg::input_cache<T, N>& cache,
                                 tg::mode) {
        cache.z = x;
        tg::vec<T, N> y;
        for (std::size_t i = 0; i < N; ++i) y[i] = p.a[i] * x[i];
        return y;
    }
    template <tg::scalar T, std::size_t N>
    static tg::vec<T, N> backward(const params<T, N>& p, const tg::input_cache<T, N>& cache,
                                  const tg::vec<T, N>& grad_out, params<T, N>& grad) {
        tg::vec<T, N> grad_in;
        for (std::size_t i = 0; i < N; ++i) {
            grad.a[i] += grad_out[i] * cache.z[i];
            grad_in[i] = grad_out[i] * p.a[i];
        }
        return grad_in;
    }
};
static_assert(tg::layer<scale, float, 4>);

using small = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 16>, tg::relu, tg::dense<16, 1>>;
using wide = tg::sequential<tg::dense<16, 64>, tg::tanh, tg::dense<64, 64>, tg::tanh, tg::dense<64, 16>>;
using mixed = tg::sequential<tg::dense<5, 19>, tg::sigmoid, tg::dense<19, 33>,
                             tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)>, tg::dense<33, 3>, tg::softmax>;
using scaled = tg::sequential<tg::dense<3, 7>, scale, tg::tanh, tg::dense<7, 2>, scale>;
using classifier = tg::sequential<tg::dense<6, 17>, tg::relu, tg::dense<17, 4>>;

template <class T>
T input(std::size_t sample, std::size_t i) {
    return T(std::sin(double(3 * sample + 7 * i + 1)));
}

template <class Net, class T, class Loss, class Target>
void compare(const Loss& loss, Target target_of, double tolerance) {
    auto fused = tg::init<Net, T>(5);
    auto plain = fused;
    const tg::sgd opt{0.05};
    tg::workspace<Net, T> ws;
    bool same_losses = true;
    for (std::size_t s = 0; s < 25; ++s) {
        tg::vec<T, Net::in_size> x;
        for (std::size_t i = 0; i < Net::in_size; ++i) x[i] = input<T>(s, i);
        const auto target = target_of(s);
        auto [value, grad] = tg::value_and_grad<Net>(plain, x, target, loss);
        opt.step(plain, grad);
        const T fused_value = tg::sgd_step<Net>(fused, x, target, loss, opt, ws);
        same_losses = same_losses && std::abs(fused_value - value) <= tolerance * (1 + std::abs(value));
    }
    BOOST_TEST(same_losses);
    double worst = 0, moved = 0;
    const auto start = tg::init<Net, T>(5);
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& a, const auto& b, const auto& s) {
            for (std::size_t i = 0; i < a.size(); ++i) {
                worst = std::max(worst, std::abs(double(a.data()[i]) - double(b.data()[i])));
                moved = std::max(moved, std::abs(double(a.data()[i]) - double(s.data()[i])));
            }
        },
        fused, plain, start);
    BOOST_TEST(worst <= tolerance);
    BOOST_TEST(moved > 1e-3);  // the steps did change the parameters
}

template <std::size_t N, class T>
auto regression_target() {
    return [](std::size_t s) {
        tg::vec<T, N> t;
        for (std::size_t i = 0; i < N; ++i) t[i] = T(0.5) * input<T>(s + 100, i);
        return t;
    };
}

template <class T>
void all_nets(double tolerance) {
    compare<small, T>(tg::mse{}, regression_target<1, T>(), tolerance);
    compare<wide, T>(tg::mse{.reduce = tg::reduction::mean}, regression_target<16, T>(), tolerance);
    compare<mixed, T>(tg::mse{}, regression_target<3, T>(), tolerance);
    compare<scaled, T>(tg::mse{}, regression_target<2, T>(), tolerance);
    compare<classifier, T>(tg::softmax_cross_entropy{}, [](std::size_t s) { return s % 4; }, tolerance);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sgd_step)

BOOST_AUTO_TEST_CASE(matches_value_and_grad_then_step_in_float) { all_nets<float>(2e-5); }
BOOST_AUTO_TEST_CASE(matches_value_and_grad_then_step_in_double) { all_nets<double>(1e-12); }

BOOST_AUTO_TEST_CASE(one_step_on_the_line_of_the_notes) {
    // Item 13's first gradient at w = b = 5 summed over x = 1..4 is (220, 76); one sample x = 1,
    // y = 5 gives ∂L/∂w = ∂L/∂b = 2·(10 - 5) = 10, so lr 0.01 moves both to 4.9.
    using line = tg::sequential<tg::dense<1, 1>>;
    tg::params<line, double> p{};
    tg::get<0>(p).W = {5};
    tg::get<0>(p).b = {5};
    const double loss = tg::sgd_step<line>(p, tg::vec<double, 1>{1}, tg::vec<double, 1>{5}, tg::mse{}, tg::sgd{0.01});
    BOOST_TEST(loss == 25.0);
    BOOST_TEST(std::abs(tg::get<0>(p).W(0, 0) - 4.9) < 1e-15);
    BOOST_TEST(std::abs(tg::get<0>(p).b[0] - 4.9) < 1e-15);
}

// A learning rate that is not a finite number >= 0 is an error before anything changes, as for sgd.step.
BOOST_AUTO_TEST_CASE(a_bad_learning_rate_is_an_error_and_changes_nothing) {
    tg::params<small> p = tg::init<small>(7);
    const tg::params<small> before = p;
    tg::workspace<small> ws;
    for (const double lr : {std::nan(""), -0.5, 1e39}) {
        try {
            tg::sgd_step<small>(p, tg::vec<float, 2>{1, 2}, tg::vec<float, 1>{3}, tg::mse{}, tg::sgd{lr}, ws);
            BOOST_FAIL("no error for lr " << lr);
        } catch (const tg::value_error& e) {
            BOOST_TEST(std::string_view(e.what()).starts_with("tg::sgd: lr is "));
        }
    }
    BOOST_TEST((p == before));
}

BOOST_AUTO_TEST_SUITE_END()
