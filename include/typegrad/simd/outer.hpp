// simd::outer_acc<R, C>(u, v, G): G += u·vᵀ for a row-major R×C matrix, the weight gradient of a
// dense layer for one sample. v stays in registers when it fits (C ≤ 4 widths) while the rows of G
// stream through; the last partial batch of each row is a masked load and store. One column is an
// axpy.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/axpy.hpp>
#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/rows_in_batch.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::simd {

namespace detail {

#if defined(__AVX512F__)
/// G += u·vᵀ for narrow float rows (C < 16) with AVX-512: sixteen rows are C contiguous vectors of
/// G; lane l of vector j holds element 16j + l, so it takes u[(16j + l) / C]·v[(16j + l) % C], both
/// factors gathered from registers by a permute.
template <std::size_t R, std::size_t C>
inline void outer_acc_narrow_avx512(const float* u, const float* v, float* G) noexcept {
    struct indices {
        alignas(64) int row[C][16], col[C][16];
    };
    static constexpr indices index = [] {
        indices t{};
        for (std::size_t j = 0; j < C; ++j)
            for (std::size_t l = 0; l < 16; ++l) {
                t.row[j][l] = int((16 * j + l) / C);
                t.col[j][l] = int((16 * j + l) % C);
            }
        return t;
    }();
    const __m512 vv = _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << C) - 1), v);
    for (std::size_t r = 0; r < R; r += 16) {
        const std::size_t rows = R - r < 16 ? R - r : 16;
        const __m512 ur = _mm512_maskz_loadu_ps(static_cast<__mmask16>(rows == 16 ? 0xFFFFu : (1u << rows) - 1), u + r);
        float* g = G + r * C;
        for (std::size_t j = 0; j < C && 16 * j < rows * C; ++j) {
            const std::size_t left = rows * C - 16 * j;
            const auto m = static_cast<__mmask16>(left >= 16 ? 0xFFFFu : (1u << left) - 1);
            const __m512 uj = _mm512_permutexvar_ps(_mm512_load_si512(index.row[j]), ur);
            const __m512 vj = _mm512_permutexvar_ps(_mm512_load_si512(index.col[j]), vv);
            _mm512_mask_storeu_ps(g + 16 * j, m, _mm512_fmadd_ps(uj, vj, _mm512_maskz_loadu_ps(m, g + 16 * j)));
        }
    }
}
#endif

/// G += u·vᵀ for rows narrower than a batch, C dividing the width: G's R·C elements in contiguous
/// batches, each covering width / C rows; a batch takes u of its rows, each repeated C times, times v
/// repeated width / C times, both made by a swizzle in registers.
template <std::size_t R, std::size_t C, scalar T>
TYPEGRAD_ALWAYS_INLINE inline void outer_acc_narrow(const T* u, const T* v, T* G) noexcept {
    using B = batch<T>;
    using I = lane_index<T>;
    using IB = lane_index_batch<T>;
    constexpr std::size_t w = width<T>, rows = w / C, full = R * C / w;
    const auto load = [](const T* p, auto m) TYPEGRAD_ALWAYS_INLINE {
        if constexpr (m == w) return B::load_unaligned(p);
        else return load_head<m>(p);
    };
    const B vs = xsimd::swizzle(load(v, std::integral_constant<std::size_t, C>{}),
                                xsimd::make_batch_constant<IB, column_of_lane<I, C>>());
    constexpr auto spread = xsimd::make_batch_constant<IB, row_of_lane<I, C>>();
    for (std::size_t j = 0; j < full; ++j) {
        const B us = xsimd::swizzle(load(u + j * rows, std::integral_constant<std::size_t, rows>{}), spread);
        xsimd::fma(us, vs, B::load_unaligned(G + j * w)).store_unaligned(G + j * w);
    }
    if constexpr (R * C % w != 0) {
        constexpr std::size_t left = R - full * rows;
        const B us = xsimd::swizzle(load_head<left>(u + full * rows), spread);
        store_head<left * C>(G + full * w, xsimd::fma(us, vs, load_head<left * C>(G + full * w)));
    }
}

}  // namespace detail

/// G += u·vᵀ, G row-major R×C, u of R, v of C. Inlined into the layer's backward: GCC -O2 called it,
/// and value_and_grad + sgd.step on 2→16→16→1 took 7% longer (with update_params' lambda called too).
template <std::size_t R, std::size_t C, scalar T>
TYPEGRAD_ALWAYS_INLINE constexpr void outer_acc(const T* u, const T* v, T* G) noexcept {
    if constexpr (C == 1) {  // one column: G += v[0]·u, an axpy (a one-neuron layer's panel)
        if (!std::is_constant_evaluated()) {
            detail::axpy_inlined<R>(v[0], u, G);
            return;
        }
    }
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float> && width<T> == 16 && 4 * C <= 16) {
        if (!std::is_constant_evaluated()) {
            detail::outer_acc_narrow_avx512<R, C>(u, v, G);
            return;
        }
    }
#endif
    if constexpr (4 * C <= width<T> && width<T> % C == 0) {
        if (!std::is_constant_evaluated()) {
            detail::outer_acc_narrow<R, C>(u, v, G);
            return;
        }
    }
    if (std::is_constant_evaluated() || 4 * C <= width<T>) {
        // The plain loop: constant expressions, and narrow rows that do not divide the width.
        // v is copied first, since a store into G could change v as far as the compiler knows.
        T vc[C];
        for (std::size_t c = 0; c < C; ++c) vc[c] = v[c];
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t c = 0; c < C; ++c) G[r * C + c] += u[r] * vc[c];
    } else if constexpr (C > 4 * width<T>) {
        // Rows too wide for v to stay in registers: each row is an axpy.
        for (std::size_t r = 0; r < R; ++r) detail::axpy_inlined<C>(u[r], v, G + r * C);
    } else {
        using B = batch<T>;
        constexpr std::size_t w = width<T>;
        constexpr std::size_t full = C / w;
        B vb[full + 1];
        unroll<full>([&](auto j) TYPEGRAD_ALWAYS_INLINE { vb[j] = B::load_unaligned(v + j * w); });
        if constexpr (C % w != 0) vb[full] = load_head<C % w>(v + full * w);
        each_step<R, 1>([&](std::size_t r) TYPEGRAD_ALWAYS_INLINE {  // rows four at a time, at -O2 too
            const B ur(u[r]);
            T* g = G + r * C;
            unroll<full>([&](auto j) TYPEGRAD_ALWAYS_INLINE {
                xsimd::fma(ur, vb[j], B::load_unaligned(g + j * w)).store_unaligned(g + j * w);
            });
            if constexpr (C % w != 0)
                store_head<C % w>(g + full * w, xsimd::fma(ur, vb[full], load_head<C % w>(g + full * w)));
        });
    }
}

}  // namespace typegrad::simd
