// gemv with 5 rows and every column count 1..67, 256 and 784, in float and double: the column
// tails of every row block, against a plain scalar loop.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>

#include <typegrad/simd.hpp>

#include "simd_reference.hpp"

namespace simd = typegrad::simd;
using namespace simd_test;

namespace {

template <class T, std::size_t R, std::size_t C>
void check_gemv() {
    array<T> W(R * C, 21), x(C, 22), b(R, 23), y(R, 24);
    simd::gemv<R, C>(W.data(), x.data(), b.data(), y.data());
    for (std::size_t r = 0; r < R; ++r) {
        const auto [exact, magnitude] = exact_sum(C, [&](std::size_t c) { return (long double)W[r * C + c] * x[c]; });
        expect(close(y[r], exact + b[r], C + 1, magnitude + std::fabs(b[r])), name<T>("gemv", R, C), r);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_gemv_wide)

BOOST_AUTO_TEST_CASE(five_rows) {
    for_each_size([](auto n) { check_gemv<float, 5, n>(), check_gemv<double, 5, n>(); });
}

BOOST_AUTO_TEST_CASE(one_row_and_seventeen_rows) {
    for_each_size([](auto n) { check_gemv<float, 1, n>(), check_gemv<double, 17, n>(); });
}

BOOST_AUTO_TEST_SUITE_END()
