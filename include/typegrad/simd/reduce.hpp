// simd::hsum(v): the sum of a batch's lanes. simd::sum<N>(x) and simd::max<N>(x): reductions over N
// elements. The partial batch at the tail is filled with a neutral value (0 for the sum, x[0] for the
// max), so no padding lane counts.
// simd::all_finite(x, n): whether n values (a run-time count) are all finite.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>

namespace typegrad::simd {

/// Σ of v's lanes. Float batches of AVX and AVX-512 are added in halves down to one lane: with AVX2
/// a chain of 17 cycles and 6 µops, where xsimd 8's hadd (two haddps of three µops and 6 cycles each)
/// takes 23 cycles and 9 µops, the end of every one-output layer's forward.
template <scalar T>
TYPEGRAD_ALWAYS_INLINE inline T hsum(const batch<T>& v) noexcept {
#if defined(__AVX__)
    if constexpr (std::is_same_v<T, float>) {
        __m256 y;
#if defined(__AVX512F__)
        if constexpr (width<T> == 16)
            y = _mm256_add_ps(_mm512_castps512_ps256(v),
                              _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
        else y = v;
#else
        y = v;
#endif
        __m128 x = _mm_add_ps(_mm256_castps256_ps128(y), _mm256_extractf128_ps(y, 1));
        x = _mm_add_ps(x, _mm_movehl_ps(x, x));
        return _mm_cvtss_f32(_mm_add_ss(x, _mm_movehdup_ps(x)));
    }
#endif
    return xsimd::hadd(v);
}

/// Σ x[i] over N elements.
template <std::size_t N, scalar T>
constexpr T sum(const T* x) noexcept {
    if (std::is_constant_evaluated()) {
        T s{};
        for (std::size_t i = 0; i < N; ++i) s += x[i];
        return s;
    } else {
        using B = batch<T>;
        constexpr std::size_t w = width<T>;
        B s0(T{}), s1(T{}), s2(T{}), s3(T{});
        std::size_t i = 0;
        for (; i + 4 * w <= N; i += 4 * w) {
            s0 += B::load_unaligned(x + i);
            s1 += B::load_unaligned(x + i + w);
            s2 += B::load_unaligned(x + i + 2 * w);
            s3 += B::load_unaligned(x + i + 3 * w);
        }
        for (; i + w <= N; i += w) s0 += B::load_unaligned(x + i);
        if constexpr (N % w != 0) s1 += load_head<N % w>(x + (N - N % w));
        return hsum((s0 + s1) + (s2 + s3));
    }
}

/// max x[i] over N elements (N >= 1).
template <std::size_t N, scalar T>
constexpr T max(const T* x) noexcept {
    static_assert(N > 0, "simd::max needs at least one element");
    if (std::is_constant_evaluated()) {
        T m = x[0];
        for (std::size_t i = 1; i < N; ++i) m = x[i] > m ? x[i] : m;
        return m;
    } else {
        using B = batch<T>;
        constexpr std::size_t w = width<T>;
        // v > m ? v : m, lane by lane: the scalar loop's rule (a NaN never replaces the maximum).
        const auto greater = [](B v, B m) { return xsimd::select(v > m, v, m); };
        const B first(x[0]);
        B m0 = first, m1 = first;
        std::size_t i = 0;
        for (; i + 2 * w <= N; i += 2 * w) {
            m0 = greater(B::load_unaligned(x + i), m0);
            m1 = greater(B::load_unaligned(x + i + w), m1);
        }
        for (; i + w <= N; i += w) m0 = greater(B::load_unaligned(x + i), m0);
        if constexpr (N % w != 0) m1 = greater(load_head<N % w>(x + (N - N % w), first), m1);
        alignas(alignment) T lanes[w];
        greater(m1, m0).store_aligned(lanes);
        T m = lanes[0];
        for (std::size_t l = 1; l < w; ++l) m = lanes[l] > m ? lanes[l] : m;
        return m;
    }
}

/// Whether none of x[0..n) is infinite or NaN: v·0 is 0 for a finite v and NaN otherwise, and a sum
/// of such products is 0 exactly when every v is finite (it cannot overflow).
template <scalar T>
inline bool all_finite(const T* x, std::size_t n) noexcept {
    using B = batch<T>;
    constexpr std::size_t w = width<T>;
    B s0(T{}), s1(T{});
    std::size_t i = 0;
    for (; i + 2 * w <= n; i += 2 * w) {
        s0 += B::load_unaligned(x + i) * T{0};
        s1 += B::load_unaligned(x + i + w) * T{0};
    }
    if (i + w <= n) {
        s0 += B::load_unaligned(x + i) * T{0};
        i += w;
    }
    T s = hsum(s0 + s1);
    // Fewer than w are left; the bound says so to GCC 12, which otherwise warned of a loop running
    // past the end of a tensor (-Waggressive-loop-optimizations) when inlined into a run of one.
    for (std::size_t k = 0; k < w && i + k < n; ++k) s += x[i + k] * T{0};
    return s == T{0};
}

}  // namespace typegrad::simd
