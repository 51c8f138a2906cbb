// gemv (y = f(W·x + b)) against a plain scalar loop: square sizes 1..67 and 256, tall and wide
// shapes with 5 columns or rows, the shapes of the networks typegrad targets, in float and double,
// with and without bias, with a fused epilogue.
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
    array<T> W(R * C, 11), x(C, 12), b(R, 13), y(R, 14), z(R, 15);
    simd::gemv<R, C>(W.data(), x.data(), b.data(), y.data());
    simd::gemv<R, C>(W.data(), x.data(), nullptr, z.data());
    for (std::size_t r = 0; r < R; ++r) {
        const auto [exact, magnitude] = exact_sum(C, [&](std::size_t c) { return (long double)W[r * C + c] * x[c]; });
        expect(close(z[r], exact, C, magnitude), name<T>("gemv without bias", R, C), r);
        expect(close(y[r], exact + b[r], C + 1, magnitude + std::fabs(b[r])), name<T>("gemv", R, C), r);
    }
}

template <class T, std::size_t R, std::size_t C>
void check_fused_gemv() {
    // The epilogue sees each output once: y = relu(W·x + b) + 0.5 differs from relu only there.
    array<T> W(R * C, 16), x(C, 17), b(R, 18), y(R, 19), plain(R, 20);
    const auto relu_shift = [](auto v) {
        using V = decltype(v);
        if constexpr (std::is_same_v<V, T>)
            return (v > 0 ? v : T(0)) + T(0.5);
        else
            return xsimd::select(v > V(T(0)), v, V(T(0))) + V(T(0.5));
    };
    simd::gemv<R, C>(W.data(), x.data(), b.data(), y.data(), relu_shift);
    simd::gemv<R, C>(W.data(), x.data(), b.data(), plain.data());
    for (std::size_t r = 0; r < R; ++r) expect(y[r] == relu_shift(plain[r]), name<T>("fused gemv", R, C), r);
}

template <std::size_t R, std::size_t C>
void check_both() {
    check_gemv<float, R, C>();
    check_gemv<double, R, C>();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_gemv)

BOOST_AUTO_TEST_CASE(square_sizes) {
    for_each_size([](auto n) {
        if constexpr (n < 784) check_both<n, n>();
    });
}

BOOST_AUTO_TEST_CASE(five_columns) {
    for_each_size([](auto n) { check_both<n, 5>(); });
}

BOOST_AUTO_TEST_CASE(network_shapes) {
    const auto check = [](auto r, auto c) {
        check_both<r, c>();
        check_fused_gemv<float, r, c>();
        check_fused_gemv<double, r, c>();
    };
    for_each_shape(check, shape<16, 2>{}, shape<1, 16>{}, shape<10, 128>{}, shape<256, 784>{}, shape<17, 1>{},
                   shape<33, 4>{}, shape<9, 8>{});
    if constexpr (!fewer_sizes)
        for_each_shape(check, shape<16, 16>{}, shape<64, 16>{}, shape<16, 64>{}, shape<64, 64>{}, shape<128, 784>{},
                       shape<3, 2>{});
}

// The row layouts of the AVX-512 reduction tree: two columns (gathered), 3..15 columns (several rows
// per load, expanding loads), 16 (rows paired from memory) and wider, each with a partial block of rows;
// with AVX2, two columns gathered in partial blocks of 1 to 7 rows.
BOOST_AUTO_TEST_CASE(narrow_and_paired_rows) {
    for_each_shape([](auto r, auto c) { check_both<r, c>(); }, shape<9, 2>{}, shape<12, 2>{}, shape<13, 2>{},
                   shape<14, 2>{}, shape<17, 2>{}, shape<23, 2>{}, shape<33, 2>{}, shape<67, 2>{}, shape<7, 1>{},
                   shape<35, 1>{}, shape<20, 3>{}, shape<21, 6>{}, shape<19, 7>{}, shape<40, 8>{}, shape<13, 12>{},
                   shape<18, 15>{}, shape<1, 16>{}, shape<3, 16>{}, shape<19, 16>{}, shape<31, 16>{}, shape<2, 33>{},
                   shape<15, 48>{});
}

BOOST_AUTO_TEST_SUITE_END()
