// The batch kernels (gemm_forward, gemm_weight_grad, gemm_input_grad) against plain scalar loops,
// for the shapes of the networks typegrad trains and for odd sizes that exercise every tail.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>

#include <typegrad/simd.hpp>

#include "simd_reference.hpp"

namespace simd = typegrad::simd;
using namespace simd_test;

namespace {

template <class T, std::size_t Batch, std::size_t In, std::size_t Out>
void check_gemm() {
    array<T> X(Batch * In, 41), W(Out * In, 42), b(Out, 43), Z(Batch * Out, 44), dZ(Batch * Out, 45);
    array<T> G(Out * In, 46), G0(Out * In, 46), dX(Batch * In, 47), relu(Batch * Out, 48);
    simd::gemm_forward<Batch, In, Out>(X.data(), W.data(), b.data(), Z.data());
    simd::gemm_forward<Batch, In, Out>(X.data(), W.data(), b.data(), relu.data(), [](auto z) {
        using V = decltype(z);
        if constexpr (std::is_same_v<V, T>)
            return z > 0 ? z : T(0);
        else
            return xsimd::select(z > V(T(0)), z, V(T(0)));
    });
    simd::gemm_weight_grad<Batch, In, Out>(dZ.data(), X.data(), G.data());
    simd::gemm_input_grad<Batch, In, Out>(dZ.data(), W.data(), dX.data());
    const std::string shape = name<T>("gemm", Batch * 1000000 + In * 1000 + Out);
    for (std::size_t s = 0; s < Batch; ++s)
        for (std::size_t o = 0; o < Out; ++o) {
            long double exact = b[o], magnitude = std::fabs(b[o]);
            for (std::size_t i = 0; i < In; ++i) {
                exact += (long double)X[s * In + i] * W[o * In + i];
                magnitude += std::fabs((long double)X[s * In + i] * W[o * In + i]);
            }
            expect(close(Z[s * Out + o], exact, In + 1, magnitude), "forward " + shape, s * Out + o);
            expect(relu[s * Out + o] == (Z[s * Out + o] > 0 ? Z[s * Out + o] : T(0)), "fused relu " + shape, s * Out + o);
        }
    for (std::size_t o = 0; o < Out; ++o)
        for (std::size_t i = 0; i < In; ++i) {
            long double exact = G0[o * In + i], magnitude = std::fabs(G0[o * In + i]);
            for (std::size_t s = 0; s < Batch; ++s) {
                exact += (long double)dZ[s * Out + o] * X[s * In + i];
                magnitude += std::fabs((long double)dZ[s * Out + o] * X[s * In + i]);
            }
            expect(close(G[o * In + i], exact, Batch + 1, magnitude), "weight grad " + shape, o * In + i);
        }
    for (std::size_t s = 0; s < Batch; ++s)
        for (std::size_t i = 0; i < In; ++i) {
            long double exact = 0, magnitude = 0;
            for (std::size_t o = 0; o < Out; ++o) {
                exact += (long double)dZ[s * Out + o] * W[o * In + i];
                magnitude += std::fabs((long double)dZ[s * Out + o] * W[o * In + i]);
            }
            expect(close(dX[s * In + i], exact, Out, magnitude), "input grad " + shape, s * In + i);
        }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_gemm)

BOOST_AUTO_TEST_CASE(network_shapes_at_batch_64) {
    check_gemm<float, 64, 784, 256>();
    check_gemm<float, 64, 256, 128>();
    check_gemm<float, 64, 128, 10>();
    check_gemm<float, 64, 2, 16>();
    check_gemm<double, 64, 784, 128>();
}

BOOST_AUTO_TEST_CASE(odd_sizes_and_tails) {
    const auto both = [](auto s, auto i, auto o) {
        check_gemm<float, s, i, o>();
        check_gemm<double, s, i, o>();
    };
    for_each_shape([&](auto s, auto i) { both(s, i, std::integral_constant<std::size_t, 5>{}); }, shape<1, 1>{},
                   shape<7, 3>{}, shape<13, 37>{}, shape<8, 16>{}, shape<6, 33>{}, shape<5, 67>{});
    for_each_shape([&](auto s, auto o) { both(s, std::integral_constant<std::size_t, 19>{}, o); }, shape<4, 4>{},
                   shape<12, 8>{}, shape<3, 17>{}, shape<17, 33>{}, shape<64, 10>{});
}

BOOST_AUTO_TEST_SUITE_END()
