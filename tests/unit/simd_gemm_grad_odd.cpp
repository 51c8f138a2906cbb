// The gradient batch kernels against plain scalar loops, for the second half of the odd sizes
// (simd_gemm_check.hpp): a file of its own so that it compiles alongside simd_gemm_grad.cpp.
#include <boost/test/unit_test.hpp>

#include "simd_gemm_check.hpp"

using namespace simd_test;

BOOST_AUTO_TEST_SUITE(simd_gemm_grad_odd)

BOOST_AUTO_TEST_CASE(odd_sizes_and_tails) { odd_shapes_second_half<grads_check>(); }

BOOST_AUTO_TEST_SUITE_END()
