// simd::axpy<N>(alpha, x, y): y += alpha·x over N elements, the update at the heart of gradient
// accumulation and SGD. The tail is a masked load and store of exactly the remaining elements.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>

namespace typegrad::simd {

/// y += alpha·x over N elements.
template <std::size_t N, scalar T>
constexpr void axpy(T alpha, const T* x, T* y) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t i = 0; i < N; ++i) y[i] += alpha * x[i];
    } else {
        using B = batch<T>;
        constexpr std::size_t w = width<T>;
        const B a(alpha);
        std::size_t i = 0;
        for (; i + w <= N; i += w) xsimd::fma(a, B::load_unaligned(x + i), B::load_unaligned(y + i)).store_unaligned(y + i);
        if constexpr (N % w != 0) {
            constexpr std::size_t tail = N - N % w;
            store_head<N % w>(y + tail, xsimd::fma(a, load_head<N % w>(x + tail), load_head<N % w>(y + tail)));
        }
    }
}

}  // namespace typegrad::simd
