// The gradient batch kernels (gemm_weight_grad, gemm_input_grad, bias_grad) against plain scalar
// loops, for network layers, long rows and the first half of the odd sizes (simd_gemm_check.hpp);
// simd_gemm_grad_odd.cpp has the second half.
#include <boost/test/unit_test.hpp>

#include "simd_gemm_check.hpp"

using namespace simd_test;

BOOST_AUTO_TEST_SUITE(simd_gemm_grad)

BOOST_AUTO_TEST_CASE(network_shapes_and_long_rows) { network_shapes<grads_check>(); }

BOOST_AUTO_TEST_CASE(odd_sizes_and_tails) { odd_shapes_first_half<grads_check>(); }

// Rows of dZ 1 KiB apart (256 floats, 128 doubles): the weight gradient copies each row tile's dZ
// columns to a block of at most 256 samples, so batches beyond that run in chunks that add up.
BOOST_AUTO_TEST_CASE(weight_grad_of_long_batches_in_chunks) {
    for (std::size_t n : {255, 256, 257, 600}) {
        check_grads<float, 9, 256>(n);
        check_grads<double, 19, 128>(n);
    }
}

BOOST_AUTO_TEST_SUITE_END()
