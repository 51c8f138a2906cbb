// simd::dot<N>(a, b): the inner product of two arrays of N elements. Four independent accumulators
// hide the FMA latency; the tail is a partial load whose empty lanes are zero.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>

namespace typegrad::simd {

/// Σ a[i]·b[i] over N elements.
template <std::size_t N, scalar T>
constexpr T dot(const T* a, const T* b) noexcept {
    if (std::is_constant_evaluated()) {
        T s{};
        for (std::size_t i = 0; i < N; ++i) s += a[i] * b[i];
        return s;
    } else {
        using B = batch<T>;
        constexpr std::size_t w = width<T>;
        if constexpr (N <= w) {  // one product and the reduction, no zero accumulators to add
            if constexpr (N == w) return xsimd::hadd(B::load_unaligned(a) * B::load_unaligned(b));
            else return xsimd::hadd(load_head<N>(a) * load_head<N>(b));
        }
        B s0(T{}), s1(T{}), s2(T{}), s3(T{});
        std::size_t i = 0;
        for (; i + 4 * w <= N; i += 4 * w) {
            s0 = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), s0);
            s1 = xsimd::fma(B::load_unaligned(a + i + w), B::load_unaligned(b + i + w), s1);
            s2 = xsimd::fma(B::load_unaligned(a + i + 2 * w), B::load_unaligned(b + i + 2 * w), s2);
            s3 = xsimd::fma(B::load_unaligned(a + i + 3 * w), B::load_unaligned(b + i + 3 * w), s3);
        }
        for (; i + w <= N; i += w) s0 = xsimd::fma(B::load_unaligned(a + i), B::load_unaligned(b + i), s0);
        if constexpr (N % w != 0) {
            constexpr std::size_t tail = N - N % w;
            s1 = xsimd::fma(load_head<N % w>(a + tail), load_head<N % w>(b + tail), s1);
        }
        return xsimd::hadd((s0 + s1) + (s2 + s3));
    }
}

}  // namespace typegrad::simd
