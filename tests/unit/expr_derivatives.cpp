// Derivatives from tg::d against central finite differences in double, on grids of points away from
// kinks: every operation alone, first and second derivatives, and compositions 5+ deep in several
// variables, including mixed partials.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>
#include <utility>

#include <typegrad/expr.hpp>

namespace tg = typegrad;
namespace ex = typegrad::expr;

namespace {

// Five-point central difference, error O(h⁴): about 1e-11 here, far below the 1e-6 being tested.
template <class F>
double central_difference(F f, double t) {
    constexpr double h = 1e-3;
    return (8 * (f(t + h) - f(t - h)) - (f(t + 2 * h) - f(t - 2 * h))) / (12 * h);
}

// Relative error at most 1e-6; derivatives smaller than 1e-3 in size are compared absolutely at 1e-9.
bool agree(double exact, double approximate) {
    return std::abs(exact - approximate) <= 1e-6 * std::max(std::abs(exact), 1e-3);
}

// Compares ∂e/∂var<K> with a finite difference along coordinate K, for every K < N.
template <class E, std::size_t N>
void check_partials(E e, std::array<double, N> point) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (([&] {
             const double exact = std::apply(tg::d(e, tg::var<K>), point);
             const double approximate = central_difference(
                 [&](double t) {
                     auto moved = point;
                     moved[K] = t;
                     return std::apply(e, moved);
                 },
                 point[K]);
             BOOST_TEST(agree(exact, approximate), "d/dvar<" << K << "> at point[0] = " << point[0] << ": "
                                                             << exact << " vs " << approximate);
         }()),
         ...);
    }(std::make_index_sequence<N>{});
}

// First and second derivative of a one-variable expression on a grid.
template <class E, std::size_t M>
void check_1d(E e, const std::array<double, M>& grid) {
    for (double x : grid) {
        check_partials(e, std::array{x});
        check_partials(tg::d(e, tg::x_), std::array{x});
    }
}

constexpr std::array<double, 9> line{-2.3, -1.7, -0.9, -0.35, 0.2, 0.65, 1.1, 1.9, 2.4};
constexpr std::array<double, 6> positive{0.15, 0.4, 0.9, 1.3, 2.2, 3.7};

}  // namespace

BOOST_AUTO_TEST_SUITE(expr_derivatives)

BOOST_AUTO_TEST_CASE(arithmetic_with_numbers) {
    using tg::x_;
    check_1d(x_ + 3, line);
    check_1d(3 - x_, line);
    check_1d(x_ * 2.5, line);
    check_1d(-x_, line);
    check_1d(2.5 / x_, positive);
    check_1d(x_ / (x_ * x_ + 1), line);
    check_1d(tg::lit<0.5> * x_ * x_ - x_ / 4, line);
}

BOOST_AUTO_TEST_CASE(smooth_functions) {
    using tg::x_;
    check_1d(tg::exp(x_), line);
    check_1d(tg::log(x_), positive);
    check_1d(tg::sqrt(x_), positive);
    check_1d(ex::tanh(x_), line);
    check_1d(ex::sigmoid(x_), line);
    check_1d(tg::pow<2>(x_), line);
    check_1d(tg::pow<3>(x_), line);
    check_1d(tg::pow<7>(x_), line);
    check_1d(tg::pow<-1>(x_), positive);
    check_1d(tg::pow<-3>(x_), positive);
}

BOOST_AUTO_TEST_CASE(functions_with_kinks_away_from_them) {
    using tg::x_;
    check_1d(ex::relu(x_), line);  // the grid avoids 0
    check_1d(ex::sign(x_), line);
    check_1d(tg::heaviside(x_), line);
    check_1d(tg::abs(x_), line);
    check_1d(tg::min(x_, 0.5), line);
    check_1d(tg::max(x_, 0.5), line);
    check_1d(tg::max(-1, tg::min(x_ * x_, 1 - x_)), line);  // kinks at x = 0.618, -1.618, 2
    check_1d(ex::relu(x_) * ex::relu(x_), line);
    check_1d(tg::abs(x_) * x_, line);
}

BOOST_AUTO_TEST_CASE(one_variable_nine_deep) {
    using tg::x_;
    const auto e = tg::log(1 + tg::exp(ex::sigmoid(ex::tanh(tg::sqrt(1 + tg::pow<2>(x_ * 0.7))))));
    check_1d(e, line);
    check_1d(tg::d(e, x_), line);  // second and third derivatives too
}

BOOST_AUTO_TEST_CASE(three_variables_nested) {
    using tg::x_;
    using tg::y_;
    constexpr auto z = tg::var<2>;
    const auto e = ex::sigmoid(ex::tanh(x_ * y_ - z) + tg::log(1 + tg::exp(-tg::pow<2>(x_ - y_ * z)))) /
                   tg::sqrt(1 + tg::pow<2>(y_) + tg::abs(z));
    for (double x : {-1.3, 0.4, 1.7})
        for (double y : {-0.8, 0.3, 1.2})
            for (double zv : {-1.1, 0.6, 2.0}) {
                const std::array p{x, y, zv};
                check_partials(e, p);
                check_partials(tg::d(e, x_), p);  // ∂²/∂x², ∂²/∂x∂y, ∂²/∂x∂z
                check_partials(tg::d(e, z), p);
            }
}

BOOST_AUTO_TEST_CASE(two_variables_with_min_and_max) {
    using tg::x_;
    using tg::y_;
    const auto e = tg::max(x_, y_) * tg::min(x_, y_ * y_) + ex::relu(x_ - 2 * y_) * tg::exp(y_);
    for (double x : {-1.9, -0.7, 0.3, 1.45})
        for (double y : {-1.2, -0.4, 0.55, 1.3}) {
            // Skip points within 0.01 of a kink: x = y, x = y², x = 2y.
            if (std::abs(x - y) < 0.01 || std::abs(x - y * y) < 0.01 || std::abs(x - 2 * y) < 0.01) continue;
            check_partials(e, std::array{x, y});
            check_partials(tg::d(e, y_), std::array{x, y});
        }
}

BOOST_AUTO_TEST_CASE(gradient_collects_the_partials) {
    using tg::x_;
    using tg::y_;
    const auto e = tg::exp(x_ * y_) + ex::sigmoid(y_);
    const auto g = tg::gradient(e, x_, y_)(0.3, -1.2);
    BOOST_TEST(g[0] == -1.2 * std::exp(0.3 * -1.2));
    const double s = 1 / (1 + std::exp(1.2));
    BOOST_TEST(agree(g[1], 0.3 * std::exp(0.3 * -1.2) + s * (1 - s)));
}

BOOST_AUTO_TEST_CASE(expressions_outlive_their_temporaries) {
    // Children are held by value: nothing dangles once the building statement is over.
    auto make = [] {
        auto inner = tg::x_ * 2.0;
        return ex::tanh(inner + tg::constant(1.5));
    };
    const auto e = make();
    BOOST_TEST(e(0.25) == std::tanh(2.0));
}

BOOST_AUTO_TEST_SUITE_END()
