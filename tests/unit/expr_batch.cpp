// The same expression evaluated on xsimd batches and on scalars agrees lane by lane, in float and
// double, over an array of odd length whose last elements are the caller's scalar tail.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <limits>

#include <typegrad/expr.hpp>
#include <typegrad/simd/batch.hpp>

namespace tg = typegrad;
namespace ex = typegrad::expr;

namespace {

constexpr std::size_t n = 37;  // not a multiple of any SIMD width: every width leaves a tail

template <class T>
std::array<T, n> inputs(T offset) {
    std::array<T, n> xs{};
    for (std::size_t i = 0; i < n; ++i) xs[i] = static_cast<T>(-2.25 + 0.125 * double(i)) + offset;
    return xs;
}

// How a caller evaluates an array: whole batches, then the remaining elements one by one.
template <class T, class E>
std::array<T, n> by_batches(E e, const std::array<T, n>& xs, const std::array<T, n>& ys) {
    using batch = tg::simd::batch<T>;
    std::array<T, n> out{};
    std::size_t i = 0;
    for (; i + batch::size <= n; i += batch::size)
        e(batch::load_unaligned(&xs[i]), batch::load_unaligned(&ys[i])).store_unaligned(&out[i]);
    for (; i < n; ++i) out[i] = e(xs[i], ys[i]);
    return out;
}

// Checks every lane against the scalar evaluation; `ulps` allows xsimd's own exp, log, tanh and
// sqrt to differ from the C library's in the last bits (0 demands equality).
template <class T, class E>
void check_lanes(E e, int ulps) {
    const auto xs = inputs<T>(T(0));
    const auto ys = inputs<T>(T(0.0625));
    const auto out = by_batches(e, xs, ys);
    const T tolerance = T(ulps) * std::numeric_limits<T>::epsilon();
    for (std::size_t i = 0; i < n; ++i) {
        const T expected = e(xs[i], ys[i]);
        BOOST_TEST(std::abs(out[i] - expected) <= tolerance * std::abs(expected),
                   "lane " << i << ": " << out[i] << " vs " << expected);
    }
}

template <class T>
void check_all() {
    using tg::x_;
    using tg::y_;
    const auto algebraic = 3 * tg::pow<3>(x_) - y_ / 2 + 1;
    const auto kinks = ex::relu(x_) + tg::abs(y_) * ex::sign(x_) + tg::min(x_, 0.25) + tg::max(y_, -0.5) +
                       tg::heaviside(x_ - y_);
    const auto smooth = tg::exp(x_) * ex::tanh(y_) + tg::log(tg::abs(x_) + 1) + tg::sqrt(y_ * y_ + 0.5) + ex::sigmoid(x_ * y_);
    check_lanes<T>(algebraic, 0);
    check_lanes<T>(kinks, 0);
    check_lanes<T>(tg::d(kinks, x_), 0);
    check_lanes<T>(smooth, 8);
    check_lanes<T>(tg::d(smooth, x_), 8);
    check_lanes<T>(tg::d(tg::d(smooth, y_), x_), 8);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(expr_batch)

BOOST_AUTO_TEST_CASE(float_batches_match_scalars) { check_all<float>(); }
BOOST_AUTO_TEST_CASE(double_batches_match_scalars) { check_all<double>(); }

BOOST_AUTO_TEST_CASE(one_variable_on_a_batch_returns_a_batch) {
    using batch = tg::simd::batch<float>;
    const auto e = tg::d(ex::sigmoid(tg::x_), tg::x_);
    const batch out = e(batch(0.0f));
    for (std::size_t lane = 0; lane < batch::size; ++lane) BOOST_TEST(out.get(lane) == 0.25f);
}

BOOST_AUTO_TEST_SUITE_END()
