// The vector kernels (dot, axpy, map, sum, max) against plain scalar loops, at every size 1..67 and
// at 256 and 784, in float and double, on unaligned exact-size arrays.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <limits>

#include <typegrad/simd.hpp>

#include "simd_reference.hpp"

namespace simd = typegrad::simd;
using namespace simd_test;

namespace {

template <class T, std::size_t N>
void check_dot() {
    array<T> a(N, 1), b(N, 2);
    const auto [exact, magnitude] = exact_sum(N, [&](std::size_t i) { return (long double)a[i] * b[i]; });
    expect(close(simd::dot<N>(a.data(), b.data()), exact, N, magnitude), name<T>("dot", N));
}

template <class T, std::size_t N>
void check_sum() {
    array<T> x(N, 3);
    long double exact = 0, magnitude = 0;
    for (std::size_t i = 0; i < N; ++i) exact += x[i], magnitude += std::fabs(x[i]);
    expect(close(simd::sum<N>(x.data()), exact, N, magnitude), name<T>("sum", N));
}

template <class T, std::size_t N>
void check_max() {
    // All negative, so a zero padding lane would win if it reached the reduction; the maximum is
    // placed at every position in turn.
    array<T> x(N, 4);
    for (std::size_t i = 0; i < N; ++i) x[i] = -2 - std::fabs(x[i]);
    for (std::size_t at = 0; at < N; ++at) {
        const T saved = x[at];
        x[at] = T(-1.5);
        expect(simd::max<N>(x.data()) == T(-1.5), name<T>("max", N), at);
        x[at] = saved;
    }
}

template <class T, std::size_t N>
void check_axpy() {
    array<T> x(N, 5), y(N, 6), expected(N, 6);
    const T alpha = T(-0.75);
    simd::axpy<N>(alpha, x.data(), y.data());
    for (std::size_t i = 0; i < N; ++i)
        expect(close(y[i], (long double)expected[i] + alpha * (long double)x[i], 1, 2), name<T>("axpy", N), i);
}

template <class T, std::size_t N>
void check_map() {
    // Unary, out of place and in place: v·2 + 1 rounds once however it is computed.
    array<T> a(N, 7), b(N, 8), y(N, 9), c(N, 8);
    simd::map<N>(a.data(), y.data(), [](auto v) { return v * 2 + 1; });
    for (std::size_t i = 0; i < N; ++i) expect(y[i] == a[i] * 2 + 1, name<T>("map", N), i);
    simd::map<N>(a.data(), a.data(), [](auto v) { return v * 2 + 1; });
    for (std::size_t i = 0; i < N; ++i) expect(a[i] == y[i], name<T>("in-place map", N), i);
    // Binary, with the output aliasing an input.
    simd::map<N>(a.data(), b.data(), b.data(), [](auto u, auto v) { return u * v - v; });
    for (std::size_t i = 0; i < N; ++i)
        expect(close(b[i], (long double)a[i] * c[i] - c[i], 1, 8), name<T>("binary map", N), i);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_vector)

BOOST_AUTO_TEST_CASE(dot_matches_scalar_sum) {
    for_each_size([](auto n) { check_dot<float, n>(), check_dot<double, n>(); });
}

BOOST_AUTO_TEST_CASE(sum_matches_scalar_sum) {
    for_each_size([](auto n) { check_sum<float, n>(), check_sum<double, n>(); });
}

BOOST_AUTO_TEST_CASE(max_ignores_padding_lanes) {
    for_each_size([](auto n) { check_max<float, n>(), check_max<double, n>(); });
}

BOOST_AUTO_TEST_CASE(axpy_updates_exactly_n_elements) {
    for_each_size([](auto n) { check_axpy<float, n>(), check_axpy<double, n>(); });
}

BOOST_AUTO_TEST_CASE(map_unary_binary_and_in_place) {
    for_each_size([](auto n) { check_map<float, n>(), check_map<double, n>(); });
}

BOOST_AUTO_TEST_CASE(small_reductions_see_no_padding) {
    // RTNeural's softmax summed padding lanes; here size 3 must give exactly 1 + 2 + 3.
    const float x[3] = {1, 2, 3};
    BOOST_TEST(simd::sum<3>(x) == 6.0f);
    const double d[5] = {-1, -2, -3, -4, -5};
    BOOST_TEST(simd::max<5>(d) == -1.0);
    BOOST_TEST(simd::dot<3>(x, x) == 14.0f);
}

// Every position of every run-time length up to 67, float and double: one NaN, +inf or -inf makes
// the run not finite; the largest finite values do not.
template <class T>
void check_all_finite() {
    constexpr T bad[] = {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::infinity(),
                         -std::numeric_limits<T>::infinity()};
    for (std::size_t n = 0; n <= 67; ++n) {
        array<T> x(n, 11);
        for (std::size_t i = 0; i < n; ++i) x[i] = i % 2 ? std::numeric_limits<T>::max() : -std::numeric_limits<T>::max();
        expect(simd::all_finite(x.data(), n), name<T>("all_finite of finite values", n), 0);
        for (std::size_t i = 0; i < n; ++i)
            for (T b : bad) {
                const T keep = x[i];
                x[i] = b;
                expect(!simd::all_finite(x.data(), n), name<T>("all_finite with a non-finite value", n), i);
                x[i] = keep;
            }
    }
}

BOOST_AUTO_TEST_CASE(all_finite_finds_nan_and_infinity_anywhere) {
    check_all_finite<float>();
    check_all_finite<double>();
}

BOOST_AUTO_TEST_SUITE_END()
