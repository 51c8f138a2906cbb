// simd::axpy<N>(alpha, x, y): y += alpha·x over N elements, the update at the heart of gradient
// accumulation and SGD. The tail is a plain loop over exactly the remaining elements.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::simd {

namespace detail {

/// axpy at run time, always inlined: simd::outer_acc runs it for each row of a wide matrix (a call per
/// row, each with its vzeroupper, took 10-15% longer with AVX2 at -O3).
template <std::size_t N, scalar T>
TYPEGRAD_ALWAYS_INLINE inline void axpy_inlined(T alpha, const T* x, T* y) noexcept {
    using B = batch<T>;
    constexpr std::size_t w = width<T>;
    const B a(alpha);
    if constexpr (N / w == 1) {  // without a lambda, as in simd::map
        xsimd::fma(a, B::load_unaligned(x), B::load_unaligned(y)).store_unaligned(y);
    } else {
        each_step<N, w>([&](std::size_t i) TYPEGRAD_ALWAYS_INLINE {
            xsimd::fma(a, B::load_unaligned(x + i), B::load_unaligned(y + i)).store_unaligned(y + i);
        });
    }
    // The tail as a plain loop of known length (vectorised by the compiler in narrower registers): a
    // masked store here would stall the masked load of the next call on y.
    if constexpr (N % w != 0)
        for (std::size_t t = N - N % w; t < N; ++t) y[t] += alpha * x[t];
}

}  // namespace detail

/// y += alpha·x over N elements.
template <std::size_t N, scalar T>
constexpr void axpy(T alpha, const T* x, T* y) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t i = 0; i < N; ++i) y[i] += alpha * x[i];
    } else {
        detail::axpy_inlined<N>(alpha, x, y);
    }
}

}  // namespace typegrad::simd
