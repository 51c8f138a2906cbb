// simd::detail::row_dots_avx512<Rows, C>(W, x): the dot products of up to 16 rows of a row-major
// float matrix with x, lane r holding row r's, for AVX-512. Each row's products start spread over a
// group of lanes; a tree of combines (one two-source permute, one blend and one add per pair of
// vectors) halves the groups until every row has one lane: 15 combines for 16 rows, against about
// 50 shuffles and adds for a generic horizontal reduction. Rows narrower than 16 share a vector
// (C ≤ 8: 16 / bit_ceil(C) rows per load), a 16-wide row pairs with the next row from memory, and
// two columns are gathered and multiplied with broadcasts instead.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <utility>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/unroll.hpp>

#if defined(__AVX512F__)

namespace typegrad::simd::detail {

struct lane_indices {
    alignas(64) int v[16];
};

/// For groups of S lanes: lane l takes a[l + S/2] in the low half of its group, b[l - S/2] in the high.
template <std::size_t S>
inline constexpr lane_indices half_swap = [] {
    lane_indices t{};
    for (int l = 0; l < 16; ++l) t.v[l] = l % int(S) < int(S) / 2 ? l + int(S) / 2 : 16 + l - int(S) / 2;
    return t;
}();

/// The lanes in the high half of each group of S.
template <std::size_t S>
inline constexpr unsigned high_halves = [] {
    unsigned m = 0;
    for (int l = 0; l < 16; ++l)
        if (l % int(S) >= int(S) / 2) m |= 1u << l;
    return m;
}();

/// a and b hold one row per group of S lanes; the result holds one row per group of S/2, a's rows in
/// the low halves and b's in the high halves of the old groups.
template <std::size_t S>
inline __m512 combine(__m512 a, __m512 b) noexcept {
    const __m512 swapped = _mm512_permutex2var_ps(a, _mm512_load_si512(half_swap<S>.v), b);
    return _mm512_add_ps(_mm512_mask_blend_ps(static_cast<__mmask16>(high_halves<S>), a, b), swapped);
}

/// combine(a, a), by the halves of each group swapped within their 128-bit lanes where S allows.
template <std::size_t S>
inline __m512 fold(__m512 a) noexcept {
    if constexpr (S == 2) return _mm512_add_ps(a, _mm512_permute_ps(a, 0xB1));
    else if constexpr (S == 4) return _mm512_add_ps(a, _mm512_permute_ps(a, 0x4E));
    else if constexpr (S == 8) return _mm512_add_ps(a, _mm512_shuffle_f32x4(a, a, 0xB1));
    else return _mm512_add_ps(a, _mm512_shuffle_f32x4(a, a, 0x4E));
}

/// Combines N vectors with groups of S lanes down to one vector with a row per lane: v[i] with
/// v[i + half] at each level (a missing partner is v[i] itself, whose extra lanes are never read).
/// The levels (log2 S ≤ 4) and their combines are written out, so that v stays in registers at -O2.
template <std::size_t S, std::size_t N>
TYPEGRAD_ALWAYS_INLINE inline __m512 combine_all(__m512* v) noexcept {
    if constexpr (S == 1) {
        return v[0];
    } else {
        constexpr std::size_t half = (N + 1) / 2;
        unroll<half>([&](auto i) TYPEGRAD_ALWAYS_INLINE {
            if constexpr (i + half < N) v[i] = combine<S>(v[i], v[i + half]);
            else v[i] = fold<S>(v[i]);
        });
        return combine_all<S / 2, half>(v);
    }
}

/// How Rows rows of C columns are laid out in the vectors the tree starts from, and where each row
/// ends up: rows_per_vector rows in groups of S lanes, the group's first C lanes used.
template <std::size_t Rows, std::size_t C>
struct row_layout {
    static constexpr bool pairs = C == 16;  // rows r and r + 1 share a vector straight from memory
    static constexpr std::size_t group = C >= 16 ? 16 : std::bit_ceil(C);  // lanes of one row in a load
    static constexpr std::size_t S = pairs ? 8 : group;
    static constexpr std::size_t rows_per_vector = 16 / S;
    static constexpr std::size_t vectors = (Rows + rows_per_vector - 1) / rows_per_vector;

    /// lane_row[l]: the row whose dot product the tree leaves in lane l (-1: none).
    static constexpr std::array<int, 16> lane_row = [] {
        std::array<std::array<int, 16>, vectors> rows{};
        for (std::size_t k = 0; k < vectors; ++k)
            for (int l = 0; l < 16; ++l) {
                const int r = int(k * rows_per_vector) + l / int(S);
                rows[k][l] = r < int(Rows) ? r : -1;
            }
        // The tree's moves, on row numbers instead of sums.
        for (std::size_t s = S, n = vectors; s > 1; s /= 2, n = (n + 1) / 2)
            for (std::size_t i = 0; i < (n + 1) / 2; ++i)
                for (int l = 0; l < 16; ++l)
                    if (l % int(s) >= int(s) / 2) rows[i][l] = rows[i + (n + 1) / 2 < n ? i + (n + 1) / 2 : i][l];
        return rows[0];
    }();
    static constexpr bool in_order = [] {
        for (int l = 0; l < int(Rows); ++l)
            if (lane_row[l] != l) return false;
        return true;
    }();
    /// The permutation that puts row r in lane r.
    static constexpr lane_indices to_order = [] {
        lane_indices t{};
        for (int r = 0; r < 16; ++r)
            for (int l = 15; l >= 0; --l)
                if (lane_row[l] == r) t.v[r] = l;
        return t;
    }();
    /// The lanes of a group that hold one of the row's C elements, over the vector.
    static constexpr unsigned used = [] {
        unsigned m = 0;
        for (int l = 0; l < 16; ++l)
            if (l % int(group) < int(C)) m |= 1u << l;
        return m;
    }();
    static constexpr lane_indices tile = [] {
        lane_indices t{};
        for (int l = 0; l < 16; ++l) t.v[l] = l % int(group);
        return t;
    }();
};

/// Lane r takes element 2r + Odd of the 32 lanes of two vectors.
template <int Odd>
inline constexpr lane_indices interleaved = [] {
    lane_indices t{};
    for (int l = 0; l < 16; ++l) t.v[l] = 2 * l + Odd;
    return t;
}();

constexpr __mmask16 first_lanes(std::size_t n) noexcept {
    return static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1);
}

/// v[R0 + g] = the per-lane products of row R0 + g of W with x, summed over the batches of columns,
/// for g < G ≤ 8 (the tail batch a masked load whose empty lanes are zero).
template <std::size_t R0, std::size_t G, std::size_t C>
TYPEGRAD_ALWAYS_INLINE inline void eight_rows(const float* W, const float* x, __m512* v) noexcept {
    constexpr std::size_t full = C / 16;
    constexpr __mmask16 tail = first_lanes(C % 16);
    __m512 a[G];
    const __m512 x0 = _mm512_loadu_ps(x);
    unroll<G>([&](auto g) TYPEGRAD_ALWAYS_INLINE { a[g] = _mm512_mul_ps(_mm512_loadu_ps(W + (R0 + g) * C), x0); });
    const auto batch_at = [&](std::size_t k) TYPEGRAD_ALWAYS_INLINE {
        const __m512 xk = _mm512_loadu_ps(x + 16 * k);
        unroll<G>([&](auto g) TYPEGRAD_ALWAYS_INLINE { a[g] = _mm512_fmadd_ps(_mm512_loadu_ps(W + (R0 + g) * C + 16 * k), xk, a[g]); });
    };
    if constexpr (full <= 8) {  // a row of up to eight batches written out, at -O2 as at -O3
        unroll<full - 1>([&](auto k) TYPEGRAD_ALWAYS_INLINE { batch_at(k + 1); });
    } else {
        for (std::size_t k = 1; k < full; ++k) batch_at(k);
    }
    if constexpr (C % 16 != 0) {
        const __m512 xk = load_head<C % 16>(x + 16 * full);  // plain loads, served by store forwarding
        unroll<G>([&](auto g) TYPEGRAD_ALWAYS_INLINE {
            a[g] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, W + (R0 + g) * C + 16 * full), xk, a[g]);
        });
    }
    unroll<G>([&](auto g) TYPEGRAD_ALWAYS_INLINE { v[R0 + g] = a[g]; });
}

/// Lane r holds Σ_c W[r·C + c]·x[c] for r < Rows ≤ 16; later lanes hold junk that the caller never
/// stores. Reads exactly the Rows·C elements of W and the C of x.
template <std::size_t Rows, std::size_t C>
TYPEGRAD_ALWAYS_INLINE inline batch<float> row_dots_avx512(const float* W, const float* x) noexcept {
    if constexpr (C == 2) {
        // Two inputs: gather the two columns from the interleaved rows (depends on W alone, so it
        // overlaps earlier work) and take two FMAs, instead of products and a level of the tree.
        const __m512 lo = _mm512_maskz_loadu_ps(first_lanes(2 * Rows), W);
        const __m512 hi = Rows > 8 ? _mm512_maskz_loadu_ps(first_lanes(2 * Rows - 16), W + 16) : lo;
        const __m512 c0 = _mm512_permutex2var_ps(lo, _mm512_load_si512(interleaved<0>.v), hi);
        const __m512 c1 = _mm512_permutex2var_ps(lo, _mm512_load_si512(interleaved<1>.v), hi);
        return _mm512_fmadd_ps(c1, _mm512_set1_ps(x[1]), _mm512_mul_ps(c0, _mm512_set1_ps(x[0])));
    } else {
    using L = row_layout<Rows, C>;
    __m512 v[L::vectors];
    if constexpr (L::pairs) {
        // Rows r and r + 1 are 32 contiguous floats: [r lo, r+1 hi] times [x lo, x hi] plus
        // [r hi, r+1 lo] (one load from the middle) times [x hi, x lo] gives r in lanes 0-7, r + 1 in 8-15.
        const __m512 xv = _mm512_loadu_ps(x);
        const __m512 xs = _mm512_shuffle_f32x4(xv, xv, 0x4E);
        unroll<L::vectors>([&](auto k) TYPEGRAD_ALWAYS_INLINE {
            const float* w = W + 32 * k;
            if constexpr (2 * k + 1 < Rows) {
                const __m512 outer = _mm512_mask_loadu_ps(_mm512_loadu_ps(w), 0xFF00, w + 16);
                v[k] = _mm512_fmadd_ps(_mm512_loadu_ps(w + 8), xs, _mm512_mul_ps(outer, xv));
            } else {
                v[k] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(0x00FF, w + 8), xs,
                                       _mm512_mul_ps(_mm512_maskz_loadu_ps(0x00FF, w), xv));
            }
        });
    } else if constexpr (C > 16) {
        // Eight rows at a time, a batch of columns at a time, so that each batch of x is loaded once
        // for eight FMAs (x does not stay in registers when the rows are long).
        [&]<std::size_t... G>(std::index_sequence<G...>) TYPEGRAD_ALWAYS_INLINE {
            (eight_rows<G * 8, (Rows - G * 8 < 8 ? Rows - G * 8 : 8), C>(W, x, v), ...);
        }(std::make_index_sequence<(Rows + 7) / 8>{});
    } else {
        // rows_per_vector rows per load (an expanding load when C is not a power of two), times x
        // repeated in every group.
        const __m512 x0 = load_head<C>(x);  // C < 16 here
        const __m512 xt = L::group == 16 ? x0 : _mm512_permutexvar_ps(_mm512_load_si512(L::tile.v), x0);
        unroll<L::vectors>([&](auto k) TYPEGRAD_ALWAYS_INLINE {
            constexpr std::size_t rows = Rows - k * L::rows_per_vector;
            constexpr auto m = static_cast<__mmask16>(
                L::used & (rows >= L::rows_per_vector ? 0xFFFFu : (1u << (rows * L::group)) - 1));
            const float* w = W + k * L::rows_per_vector * C;
            if constexpr (C == L::group) v[k] = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, w), xt);
            else v[k] = _mm512_mul_ps(_mm512_maskz_expandloadu_ps(m, w), xt);
        });
    }
    const __m512 z = combine_all<L::S, L::vectors>(v);
    if constexpr (L::in_order) return z;
    else return _mm512_permutexvar_ps(_mm512_load_si512(L::to_order.v), z);
    }
}

}  // namespace typegrad::simd::detail

#endif
