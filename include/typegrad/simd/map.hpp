// simd::map<N>: elementwise y[i] = f(x[i]) and y[i] = f(a[i], b[i]). f is a generic callable, called
// with batch<T> at run time (and, for the tail, with part_batch<T, M>: a 256-bit batch with AVX-512) and
// with T in constant expressions. In place (y == x) is allowed.
// simd::map_n: y[i] = f(x[i]) over a length known only at run time.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::simd {

namespace detail {

/// y[0..M) = f(xs[0..M)...) for the last M < width elements of a map, in part_batch<T, M>: with
/// AVX-512, in a 256-bit batch when they fit one.
template <std::size_t M, scalar T, class F, class... X>
TYPEGRAD_ALWAYS_INLINE inline void map_tail(T* y, F& f, const X*... xs) noexcept {
    using B = part_batch<T, M>;
    if constexpr (std::is_same_v<B, batch<T>>) store_head<M>(y, B(f(load_head<M>(xs)...)));
    else if constexpr (M == B::size) B(f(B::load_unaligned(xs)...)).store_unaligned(y);
    else store_head_x86<M>(y, B(f(load_head_x86<M, T, B>(xs)...)));
}

}  // namespace detail

/// y[i] = f(x[i]) over N elements. x may equal y.
template <std::size_t N, scalar T, class F>
constexpr void map(const T* x, T* y, F f) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t i = 0; i < N; ++i) y[i] = f(x[i]);
    } else {
        using B = batch<T>;
        constexpr std::size_t w = width<T>;
        // One batch without each_step's lambda, which alone changed GCC -O2's inlining of small
        // networks' layers (the forward of 2→16→16→1 with AVX-512 took 12.5 instead of 14.1 ns).
        if constexpr (N / w == 1) B(f(B::load_unaligned(x))).store_unaligned(y);
        else each_step<N, w>([&](std::size_t i) TYPEGRAD_ALWAYS_INLINE { B(f(B::load_unaligned(x + i))).store_unaligned(y + i); });
        if constexpr (N % w != 0) detail::map_tail<N % w>(y + (N - N % w), f, x + (N - N % w));
    }
}

/// y[i] = f(a[i], b[i]) over N elements. y may equal a or b.
template <std::size_t N, scalar T, class F>
constexpr void map(const T* a, const T* b, T* y, F f) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t i = 0; i < N; ++i) y[i] = f(a[i], b[i]);
    } else {
        using B = batch<T>;
        constexpr std::size_t w = width<T>;
        if constexpr (N / w == 1) {
            B(f(B::load_unaligned(a), B::load_unaligned(b))).store_unaligned(y);
        } else {
            each_step<N, w>([&](std::size_t i) TYPEGRAD_ALWAYS_INLINE {
                B(f(B::load_unaligned(a + i), B::load_unaligned(b + i))).store_unaligned(y + i);
            });
        }
        if constexpr (N % w != 0) detail::map_tail<N % w>(y + (N - N % w), f, a + (N - N % w), b + (N - N % w));
    }
}

/// y[i] = f(x[i]) over n elements, n known at run time: batches, then the tail one element at a time
/// (f called with T). x may equal y.
template <scalar T, class F>
void map_n(std::size_t n, const T* x, T* y, F f) noexcept {
    using B = batch<T>;
    std::size_t i = 0;
    for (; i + width<T> <= n; i += width<T>) B(f(B::load_unaligned(x + i))).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = f(x[i]);
}

}  // namespace typegrad::simd
