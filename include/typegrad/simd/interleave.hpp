// simd::interleave<N, K>(taps, out): out[i·K + k] = taps[k][i] for i < N, k < K, K vectors of N
// merged element by element: the window of a causal convolution laid out as a row of its weight
// ([In][Kernel]), so that the convolution is one gemv (simd::gemv_interleaved, the two inlined whole
// into the caller's step). When a tap fits one batch, every batch of out is
// made in registers (each tap swizzled so that its elements land on their lanes, the taps merged by
// selects) and stored whole: a kernel that reads out in batches then gets them from the store buffer,
// where a window written element by element and read back whole stalls.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/core/scalar.hpp>
#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/gemv.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/rows_in_batch.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::simd {

/// The elements out must hold for interleave<N, K>: N·K rounded up to whole batches.
template <scalar T, std::size_t N, std::size_t K>
inline constexpr std::size_t interleaved_size = (N * K + width<T> - 1) / width<T> * width<T>;

namespace detail {

/// Lane l of out's batch Batch takes element (Batch·width + l) / K of its tap (clamped to the batch).
template <class I, std::size_t K, std::size_t Batch>
struct interleave_source {
    static constexpr I get(I l, I n) {
        const I i = (I(Batch) * n + l) / I(K);
        return i < n ? i : n - 1;
    }
};

/// True in the lanes of out's batch Batch that take tap Tap (none beyond N·K).
template <std::size_t N, std::size_t K, std::size_t Batch, std::size_t Tap>
struct interleave_lane_of_tap {
    static constexpr bool get(std::size_t l, std::size_t n) {
        const std::size_t e = Batch * n + l;
        return e < N * K && e % K == Tap;
    }
};

}  // namespace detail

/// out[i·K + k] = taps[k][i] for i < N, k < K; out holds interleaved_size<T, N, K> elements, those
/// beyond N·K zero.
template <std::size_t N, std::size_t K, scalar T>
TYPEGRAD_ALWAYS_INLINE inline void interleave(const T* const* taps, T* out) noexcept {
    constexpr std::size_t w = width<T>, batches = interleaved_size<T, N, K> / w;
    if constexpr (N <= w && K > 1) {
        using B = batch<T>;
        using I = detail::lane_index<T>;
        using IB = detail::lane_index_batch<T>;
        B tap[K];
        unroll<K>([&](auto k) TYPEGRAD_ALWAYS_INLINE {
            if constexpr (N == w) tap[k] = B::load_unaligned(taps[k]);
            else tap[k] = load_head<N>(taps[k]);
        });
        unroll<batches>([&](auto j) TYPEGRAD_ALWAYS_INLINE {
            const auto lanes = xsimd::make_batch_constant<IB, detail::interleave_source<I, K, j>>();
            B merged(T{});
            unroll<K>([&](auto k) TYPEGRAD_ALWAYS_INLINE {
                merged = xsimd::select(detail::lanes_where<B, detail::interleave_lane_of_tap<N, K, j, k>>(),
                                       xsimd::swizzle(tap[k], lanes), merged);
            });
            merged.store_unaligned(out + j * w);
        });
    } else {
        for (std::size_t e = N * K; e < batches * w; ++e) out[e] = T{};
        for (std::size_t k = 0; k < K; ++k)
            for (std::size_t i = 0; i < N; ++i) out[i * K + k] = taps[k][i];
    }
}

/// y = f(W·window + b) with window = interleave<N, K>(taps), W row-major R×(N·K), b of R (or null).
template <std::size_t R, std::size_t N, std::size_t K, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE inline void gemv_interleaved(const T* W, const T* const* taps, const T* b, T* y, F f) noexcept {
    alignas(alignment) T window[interleaved_size<T, N, K>];
    interleave<N, K>(taps, window);
    detail::gemv_inlined<R, N * K>(W, window, b, y, f);
}

}  // namespace typegrad::simd
