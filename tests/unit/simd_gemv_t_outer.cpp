// gemv_t (y = Wᵀ·x, and f(Wᵀ·x + b)) and outer_acc (G += u·vᵀ) against plain scalar loops: square sizes 1..67 and
// 256, tall and wide shapes with 3 columns or rows, the networks' shapes, in float and double.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <type_traits>

#include <typegrad/simd.hpp>

#include "simd_reference.hpp"

namespace simd = typegrad::simd;
using namespace simd_test;

namespace {

template <class T, std::size_t R, std::size_t C>
void check_gemv_t() {
    array<T> W(R * C, 31), x(R, 32), y(C, 33), b(C, 37), z(C, 38);
    simd::gemv_t<R, C>(W.data(), x.data(), y.data());
    // With a bias and an epilogue, as the forward of a dense layer with transposed weights.
    const auto shifted_relu = [](auto v) {
        using V = decltype(v);
        if constexpr (std::is_same_v<V, T>) return (v > 0 ? v : T(0)) + T(0.5);
        else return xsimd::select(v > V(T(0)), v, V(T(0))) + V(T(0.5));
    };
    simd::gemv_t<R, C>(W.data(), x.data(), b.data(), z.data(), shifted_relu);
    for (std::size_t c = 0; c < C; ++c) {
        const auto [exact, magnitude] = exact_sum(R, [&](std::size_t r) { return (long double)W[r * C + c] * x[r]; });
        expect(close(y[c], exact, R, magnitude), name<T>("gemv_t", R, C), c);
        const long double biased = exact + b[c];
        const long double expected = (biased > 0 ? biased : 0) + 0.5L;
        expect(close(z[c], expected, R + 2, magnitude + std::fabs(b[c]) + 0.5L), name<T>("gemv_t with bias and f", R, C), c);
    }
}

template <class T, std::size_t R, std::size_t C>
void check_outer_acc() {
    array<T> u(R, 34), v(C, 35), G(R * C, 36), before(R * C, 36);
    simd::outer_acc<R, C>(u.data(), v.data(), G.data());
    for (std::size_t i = 0; i < R * C; ++i) {
        const long double exact = before[i] + (long double)u[i / C] * v[i % C];
        expect(close(G[i], exact, 1, 2), name<T>("outer_acc", R, C), i);
    }
}

template <std::size_t R, std::size_t C>
void check_all() {
    check_gemv_t<float, R, C>();
    check_gemv_t<double, R, C>();
    check_outer_acc<float, R, C>();
    check_outer_acc<double, R, C>();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_gemv_t_outer)

BOOST_AUTO_TEST_CASE(square_sizes) {
    for_each_size([](auto n) {
        if constexpr (n < 784) check_all<n, n>();
    });
}

BOOST_AUTO_TEST_CASE(three_columns_and_three_rows) {
    for_each_size([](auto n) { check_all<n, 3>(), check_all<3, n>(); });
}

BOOST_AUTO_TEST_CASE(network_shapes) {
    for_each_shape([](auto r, auto c) { check_all<r, c>(); }, shape<16, 2>{}, shape<1, 16>{}, shape<64, 16>{},
                   shape<16, 64>{}, shape<128, 784>{}, shape<10, 128>{}, shape<256, 784>{}, shape<1, 1>{});
}

// gemv_t's column blocks of up to eight batches: partial blocks of five to eight batches with a tail,
// one full block and a single column after it, and a full block with a partial one, at every width.
BOOST_AUTO_TEST_CASE(wide_column_blocks) {
    for_each_shape([](auto r, auto c) { check_all<r, c>(); }, shape<3, 100>{}, shape<9, 127>{}, shape<2, 129>{},
                   shape<17, 191>{}, shape<5, 71>{});
}

// Narrow rows (at most a quarter of a SIMD width) past a multiple of 16 rows, and short ones: the tails
// of the narrow outer products (AVX-512's permutes, the swizzles of the others).
BOOST_AUTO_TEST_CASE(narrow_rows) {
    for_each_shape([](auto r, auto c) { check_all<r, c>(); }, shape<17, 1>{}, shape<33, 2>{}, shape<35, 4>{},
                   shape<67, 2>{}, shape<5, 4>{}, shape<32, 2>{}, shape<48, 4>{}, shape<3, 2>{}, shape<7, 1>{},
                   shape<9, 2>{});
}

BOOST_AUTO_TEST_SUITE_END()
