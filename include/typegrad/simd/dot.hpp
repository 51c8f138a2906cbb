// simd::dot<N>(a, b): the inner product of two arrays of N elements. Up to four independent
// accumulators hide the FMA latency; the tail is a partial load whose empty lanes are zero.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/reduce.hpp>
#include <typegrad/simd/unroll.hpp>

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
            if constexpr (N == w) return hsum(B::load_unaligned(a) * B::load_unaligned(b));
            else return hsum(load_head<N>(a) * load_head<N>(b));
        } else {
            // Up to four independent accumulators, as many as there are batches: an unused one would
            // still be added into the sum.
            constexpr std::size_t batches = (N + w - 1) / w, chains = batches < 4 ? batches : 4;
            constexpr std::size_t main = N / (chains * w) * (chains * w);  // whole rounds over the chains
            B s[chains];
            unroll<chains>([&](auto c) TYPEGRAD_ALWAYS_INLINE { s[c] = B(T{}); });
            for (std::size_t i = 0; i < main; i += chains * w)
                unroll<chains>([&](auto c) TYPEGRAD_ALWAYS_INLINE {
                    s[c] = xsimd::fma(B::load_unaligned(a + i + c * w), B::load_unaligned(b + i + c * w), s[c]);
                });
            // The rest: whole batches, then a partial one, each into the next chain.
            unroll<(N - main) / w>([&](auto c) TYPEGRAD_ALWAYS_INLINE {
                s[c] = xsimd::fma(B::load_unaligned(a + main + c * w), B::load_unaligned(b + main + c * w), s[c]);
            });
            if constexpr (N % w != 0) {
                constexpr std::size_t tail = N - N % w, c = (N - main) / w;
                s[c] = xsimd::fma(load_head<N % w>(a + tail), load_head<N % w>(b + tail), s[c]);
            }
            if constexpr (chains == 4) return hsum((s[0] + s[1]) + (s[2] + s[3]));
            else if constexpr (chains == 3) return hsum((s[0] + s[1]) + s[2]);
            else return hsum(s[0] + s[1]);
        }
    }
}

}  // namespace typegrad::simd
