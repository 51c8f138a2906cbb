// The forward batch kernel (gemm_forward: bias, no bias, fused relu) and the transpose it runs on,
// against plain scalar loops, for network layers, long rows and odd sizes (simd_gemm_check.hpp).
#include <boost/test/unit_test.hpp>

#include <cstddef>

#include <typegrad/simd.hpp>

#include "simd_gemm_check.hpp"

using namespace simd_test;

namespace {

template <class T>
void check_transpose() {
    using V = simd::batch<T>;
    constexpr std::size_t w = simd::width<T>;
    V rows[w];
    alignas(64) T lanes[w];
    for (std::size_t r = 0; r < w; ++r) {
        for (std::size_t c = 0; c < w; ++c) lanes[c] = T(r * 100 + c);
        rows[r] = V::load_aligned(lanes);
    }
    simd::transpose(rows);
    for (std::size_t r = 0; r < w; ++r) {
        rows[r].store_aligned(lanes);
        for (std::size_t c = 0; c < w; ++c) expect(lanes[c] == T(c * 100 + r), name<T>("transpose", w), r * w + c);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_gemm_forward)

BOOST_AUTO_TEST_CASE(transpose_square) {
    check_transpose<float>();
    check_transpose<double>();
}

BOOST_AUTO_TEST_CASE(network_shapes_and_long_rows) { network_shapes<forward_check>(); }

BOOST_AUTO_TEST_CASE(odd_sizes_and_tails) { odd_shapes<forward_check>(); }

BOOST_AUTO_TEST_SUITE_END()
