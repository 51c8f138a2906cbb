// The batch kernels (gemm_forward, gemm_weight_grad, gemm_input_grad, bias_grad) against plain
// scalar loops, for the shapes of the networks typegrad trains and for odd sizes that exercise every
// tail, at run-time batch sizes that are and are not multiples of the kernels' tiles (0 included).
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <string>

#include <typegrad/simd.hpp>

#include "simd_reference.hpp"

namespace simd = typegrad::simd;
using namespace simd_test;

namespace {

constexpr std::size_t batch_sizes[] = {0, 1, 3, 5, 12, 13, 17, 64, 67};

template <class T, std::size_t In, std::size_t Out>
void check_gemm(std::size_t n) {
    array<T> X(n * In, 41), W(Out * In, 42), b(Out, 43), Z(n * Out, 44), dZ(n * Out, 45);
    array<T> G(Out * In, 46), G0(Out * In, 46), dX(n * In, 47), relu(n * Out, 48), db(Out, 49), db0(Out, 49);
    array<T> Znb(n * Out, 50);
    simd::gemm_forward<In, Out>(n, X.data(), W.data(), b.data(), Z.data());
    simd::gemm_forward<In, Out>(n, X.data(), W.data(), nullptr, Znb.data());
    simd::gemm_forward<In, Out>(n, X.data(), W.data(), b.data(), relu.data(), [](auto z) {
        using V = decltype(z);
        if constexpr (std::is_same_v<V, T>)
            return z > 0 ? z : T(0);
        else
            return xsimd::select(z > V(T(0)), z, V(T(0)));
    });
    simd::gemm_weight_grad<In, Out>(n, dZ.data(), X.data(), G.data());
    simd::gemm_input_grad<In, Out>(n, dZ.data(), W.data(), dX.data());
    simd::bias_grad<Out>(n, dZ.data(), db.data());
    const std::string shape = name<T>("gemm", In, Out) + " n=" + std::to_string(n);
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t o = 0; o < Out; ++o) {
            long double exact = 0, magnitude = 0;
            for (std::size_t i = 0; i < In; ++i) {
                exact += (long double)X[s * In + i] * W[o * In + i];
                magnitude += std::fabs((long double)X[s * In + i] * W[o * In + i]);
            }
            expect(close(Znb[s * Out + o], exact, In, magnitude), "forward without bias " + shape, s * Out + o);
            exact += b[o];
            magnitude += std::fabs(b[o]);
            expect(close(Z[s * Out + o], exact, In + 1, magnitude), "forward " + shape, s * Out + o);
            expect(relu[s * Out + o] == (Z[s * Out + o] > 0 ? Z[s * Out + o] : T(0)), "fused relu " + shape, s * Out + o);
        }
    for (std::size_t o = 0; o < Out; ++o)
        for (std::size_t i = 0; i < In; ++i) {
            long double exact = G0[o * In + i], magnitude = std::fabs(G0[o * In + i]);
            for (std::size_t s = 0; s < n; ++s) {
                exact += (long double)dZ[s * Out + o] * X[s * In + i];
                magnitude += std::fabs((long double)dZ[s * Out + o] * X[s * In + i]);
            }
            expect(close(G[o * In + i], exact, n + 1, magnitude), "weight grad " + shape, o * In + i);
        }
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t i = 0; i < In; ++i) {
            long double exact = 0, magnitude = 0;
            for (std::size_t o = 0; o < Out; ++o) {
                exact += (long double)dZ[s * Out + o] * W[o * In + i];
                magnitude += std::fabs((long double)dZ[s * Out + o] * W[o * In + i]);
            }
            expect(close(dX[s * In + i], exact, Out, magnitude), "input grad " + shape, s * In + i);
        }
    for (std::size_t o = 0; o < Out; ++o) {
        long double exact = db0[o], magnitude = std::fabs(db0[o]);
        for (std::size_t s = 0; s < n; ++s) {
            exact += dZ[s * Out + o];
            magnitude += std::fabs(dZ[s * Out + o]);
        }
        expect(close(db[o], exact, n + 1, magnitude), "bias grad " + shape, o);
    }
}

template <class T, std::size_t In, std::size_t Out>
void check_gemm_batches() {
    for (std::size_t n : batch_sizes) check_gemm<T, In, Out>(n);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(simd_gemm)

BOOST_AUTO_TEST_CASE(network_shapes) {
    check_gemm_batches<float, 784, 256>();
    check_gemm_batches<float, 256, 128>();
    check_gemm_batches<float, 128, 10>();
    check_gemm_batches<float, 784, 128>();
    check_gemm_batches<float, 2, 16>();
    check_gemm_batches<double, 784, 128>();
}

BOOST_AUTO_TEST_CASE(odd_sizes_and_tails) {
    const auto both = [](auto i, auto o) {
        check_gemm_batches<float, i, o>();
        check_gemm_batches<double, i, o>();
    };
    for_each_shape(both, shape<1, 5>{}, shape<3, 5>{}, shape<37, 5>{}, shape<16, 5>{}, shape<33, 5>{}, shape<67, 5>{},
                   shape<19, 4>{}, shape<19, 8>{}, shape<19, 17>{}, shape<19, 33>{}, shape<19, 10>{}, shape<17, 1>{},
                   shape<48, 64>{}, shape<31, 67>{});
}

BOOST_AUTO_TEST_SUITE_END()
