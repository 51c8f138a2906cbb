// Shared by the simd_gemm_*.cpp tests: each batch kernel against plain scalar loops at run-time batch
// sizes that are and are not multiples of the kernels' tiles (0 included), and the shapes tested:
// layers of one panel of neurons and of several, full and not.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>

#include <typegrad/simd.hpp>

#include "simd_reference.hpp"

namespace simd_test {

namespace simd = typegrad::simd;

constexpr std::size_t batch_sizes[] = {0, 1, 3, 5, 12, 13, 17, 64, 67};

/// Where W(o, i) of a layer In → Out is stored: the kernels take W and its gradient as tg::dense
/// keeps them, a tg::panel_mat<T, Out, In>.
template <std::size_t In, std::size_t Out>
constexpr std::size_t at(std::size_t o, std::size_t i) {
    return typegrad::detail::panel_offset(Out, In, o, i);
}

template <class T, std::size_t In, std::size_t Out>
std::string gemm_name(std::size_t n) {
    return name<T>("gemm", In, Out) + " n=" + std::to_string(n);
}

/// gemm_forward with and without bias and with a fused relu.
template <class T, std::size_t In, std::size_t Out>
void check_forward(std::size_t n) {
    array<T> X(n * In, 41), W(Out * In, 42), b(Out, 43), Z(n * Out, 44), relu(n * Out, 48), Znb(n * Out, 50);
    simd::gemm_forward<In, Out>(n, X.data(), W.data(), b.data(), Z.data());
    simd::gemm_forward<In, Out>(n, X.data(), W.data(), nullptr, Znb.data());
    simd::gemm_forward<In, Out>(n, X.data(), W.data(), b.data(), relu.data(), [](auto z) {
        using V = decltype(z);
        if constexpr (std::is_same_v<V, T>)
            return z > 0 ? z : T(0);
        else
            return xsimd::select(z > V(T(0)), z, V(T(0)));
    });
    const std::string shape = gemm_name<T, In, Out>(n);
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t o = 0; o < Out; ++o) {
            long double exact = 0, magnitude = 0;
            for (std::size_t i = 0; i < In; ++i) {
                exact += (long double)X[s * In + i] * W[at<In, Out>(o, i)];
                magnitude += std::fabs((long double)X[s * In + i] * W[at<In, Out>(o, i)]);
            }
            expect(close(Znb[s * Out + o], exact, In, magnitude), "forward without bias " + shape, s * Out + o);
            exact += b[o];
            magnitude += std::fabs(b[o]);
            expect(close(Z[s * Out + o], exact, In + 1, magnitude), "forward " + shape, s * Out + o);
            expect(relu[s * Out + o] == (Z[s * Out + o] > 0 ? Z[s * Out + o] : T(0)), "fused relu " + shape, s * Out + o);
        }
}

/// gemm_weight_grad and bias_grad, adding to what is there and (Add = false) replacing it, and
/// gemm_input_grad.
template <class T, std::size_t In, std::size_t Out>
void check_grads(std::size_t n) {
    array<T> X(n * In, 41), W(Out * In, 42), dZ(n * Out, 45);
    array<T> G(Out * In, 46), G0(Out * In, 46), Gset(Out * In, 51), dX(n * In, 47);
    array<T> db(Out, 49), db0(Out, 49), dbset(Out, 52);
    simd::gemm_weight_grad<In, Out>(n, dZ.data(), X.data(), G.data());
    simd::gemm_weight_grad<In, Out, false>(n, dZ.data(), X.data(), Gset.data());
    simd::gemm_input_grad<In, Out>(n, dZ.data(), W.data(), dX.data());
    simd::bias_grad<Out>(n, dZ.data(), db.data());
    simd::bias_grad<Out, false>(n, dZ.data(), dbset.data());
    const std::string shape = gemm_name<T, In, Out>(n);
    for (std::size_t o = 0; o < Out; ++o)
        for (std::size_t i = 0; i < In; ++i) {
            long double exact = 0, magnitude = 0;
            for (std::size_t s = 0; s < n; ++s) {
                exact += (long double)dZ[s * Out + o] * X[s * In + i];
                magnitude += std::fabs((long double)dZ[s * Out + o] * X[s * In + i]);
            }
            expect(close(Gset[at<In, Out>(o, i)], exact, n, magnitude), "weight grad replacing " + shape, o * In + i);
            exact += G0[at<In, Out>(o, i)];
            magnitude += std::fabs(G0[at<In, Out>(o, i)]);
            expect(close(G[at<In, Out>(o, i)], exact, n + 1, magnitude), "weight grad " + shape, o * In + i);
        }
    for (std::size_t s = 0; s < n; ++s)
        for (std::size_t i = 0; i < In; ++i) {
            long double exact = 0, magnitude = 0;
            for (std::size_t o = 0; o < Out; ++o) {
                exact += (long double)dZ[s * Out + o] * W[at<In, Out>(o, i)];
                magnitude += std::fabs((long double)dZ[s * Out + o] * W[at<In, Out>(o, i)]);
            }
            expect(close(dX[s * In + i], exact, Out, magnitude), "input grad " + shape, s * In + i);
        }
    for (std::size_t o = 0; o < Out; ++o) {
        long double exact = 0, magnitude = 0;
        for (std::size_t s = 0; s < n; ++s) {
            exact += dZ[s * Out + o];
            magnitude += std::fabs(dZ[s * Out + o]);
        }
        expect(close(dbset[o], exact, n, magnitude), "bias grad replacing " + shape, o);
        exact += db0[o];
        magnitude += std::fabs(db0[o]);
        expect(close(db[o], exact, n + 1, magnitude), "bias grad " + shape, o);
    }
}

/// Each check at every batch size, as a type that the shape lists below instantiate.
template <class T, std::size_t In, std::size_t Out>
struct forward_check {
    void operator()() const {
        for (std::size_t n : batch_sizes) check_forward<T, In, Out>(n);
    }
};
template <class T, std::size_t In, std::size_t Out>
struct grads_check {
    void operator()() const {
        for (std::size_t n : batch_sizes) check_grads<T, In, Out>(n);
    }
};

template <template <class, std::size_t, std::size_t> class Check>
struct both_types {
    template <class I, class O>
    void operator()(I, O) const {
        Check<float, I::value, O::value>{}();
        Check<double, I::value, O::value>{}();
    }
};

/// The shapes: the layers of the networks typegrad trains, long rows that the forward takes in
/// chunks (its stack buffer holds 1024 columns at most), and odd sizes that exercise every tail.
/// With fewer_sizes (simd_reference.hpp), a subset.
template <template <class, std::size_t, std::size_t> class Check>
void network_shapes() {
    Check<float, 784, 256>{}();
    Check<float, 2, 16>{}();
    Check<double, 2100, 13>{}();
    if constexpr (!fewer_sizes) {
        Check<float, 256, 128>{}();
        Check<float, 128, 10>{}();
        Check<float, 784, 128>{}();
        Check<double, 784, 128>{}();
        Check<float, 2100, 13>{}();
    }
}

/// Odd sizes in float and double, in two halves that simd_gemm_grad and simd_gemm_grad_odd share out
/// (so that the two compile at once).
template <template <class, std::size_t, std::size_t> class Check>
void odd_shapes_first_half() {
    for_each_shape(both_types<Check>{}, shape<1, 5>{}, shape<37, 5>{}, shape<67, 5>{}, shape<19, 4>{});
    if constexpr (!fewer_sizes) for_each_shape(both_types<Check>{}, shape<3, 5>{}, shape<16, 5>{}, shape<33, 5>{});
}

template <template <class, std::size_t, std::size_t> class Check>
void odd_shapes_second_half() {
    for_each_shape(both_types<Check>{}, shape<19, 17>{}, shape<17, 1>{}, shape<48, 64>{}, shape<31, 67>{});
    if constexpr (!fewer_sizes) for_each_shape(both_types<Check>{}, shape<19, 8>{}, shape<19, 33>{}, shape<19, 10>{});
}

template <template <class, std::size_t, std::size_t> class Check>
void odd_shapes() {
    odd_shapes_first_half<Check>();
    odd_shapes_second_half<Check>();
}

}  // namespace simd_test
