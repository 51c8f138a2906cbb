// simd::gemv<R, C>(W, x, b, y[, f]): y = f(W·x + b) for a row-major R×C matrix, the per-sample
// forward of a dense layer with its bias and activation in the same call. Rows go in blocks of one
// SIMD width: each row's dot product accumulates in its own register and a reduction turns the
// block into one batch of outputs (AVX-512 floats: row_dots.hpp, narrow matrices included;
// elsewhere xsimd::haddp; AVX2 gathers the columns of two-column rows by shuffles). Elsewhere narrow
// matrices, C at most a quarter of the width, multiply whole batches of W and gather each row's C
// lanes by swizzles (gemv_narrow), or, where C does not divide the width, run the plain loop. One
// column (the input gradient of a one-neuron layer or panel) is an elementwise map.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/dot.hpp>
#include <typegrad/simd/map.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/row_dots.hpp>
#include <typegrad/simd/rows_in_batch.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::simd {

namespace detail {

/// Whether row_dots_avx512 computes the dot products of a block of rows (AVX-512 floats).
template <scalar T>
inline constexpr bool transposing_tree =
#if defined(__AVX512F__)
    std::is_same_v<T, float> && width<T> == 16;
#else
    false;
#endif

/// Whether gemv computes blocks of rows of C columns by row_dots, narrow ones included.
template <scalar T, std::size_t C>
inline constexpr bool rows_in_blocks = transposing_tree<T> || (avx2_floats<T> && C == 2);

/// The accumulator slot whose horizontal sum xsimd::haddp puts in lane r. xsimd 8's AVX-512 float
/// haddp returns the rows in the order 0 1 4 5 2 3 6 7 8 9 12 13 10 11 14 15 (its own swap, so
/// feeding the rows in that order gives lane r = row r); elsewhere the order is the identity.
template <scalar T>
constexpr std::size_t haddp_slot(std::size_t r) noexcept {
    if constexpr (XSIMD_VERSION_MAJOR == 8 && width<T> == 16 && sizeof(T) == 4) {
        constexpr std::size_t order[16] = {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15};
        return order[r];
    } else {
        return r;
    }
}

/// Per-lane partial dot products of G ≤ 8 rows of W with x, in registers over the whole row (x is
/// loaded once per G rows, so loads stay below the FMA rate); row g goes to out[haddp_slot(R0 + g)].
template <std::size_t R0, std::size_t G, std::size_t C, scalar T>
TYPEGRAD_ALWAYS_INLINE inline void row_partials(const T* W, const T* x, batch<T>* out) noexcept {
    using B = batch<T>;
    constexpr std::size_t w = width<T>;
    B a[G];
    unroll<G>([&](auto g) TYPEGRAD_ALWAYS_INLINE { a[g] = B(T{}); });
    const auto batch_at = [&](std::size_t k) TYPEGRAD_ALWAYS_INLINE {
        const B xk = B::load_unaligned(x + k);
        unroll<G>([&](auto g) TYPEGRAD_ALWAYS_INLINE { a[g] = xsimd::fma(B::load_unaligned(W + g * C + k), xk, a[g]); });
    };
    std::size_t k = 0;
    if constexpr (C / w <= 8) {  // a row of up to eight batches unrolled whole, at -O2 as at -O3
        unroll<C / w>([&](auto j) TYPEGRAD_ALWAYS_INLINE { batch_at(j * w); });
        k = C / w * w;
    } else {
        for (; k + w <= C; k += w) batch_at(k);
    }
    if constexpr (C % w != 0) {
        const B xk = load_head<C % w>(x + k);
        unroll<G>([&](auto g) TYPEGRAD_ALWAYS_INLINE { a[g] = xsimd::fma(load_head<C % w>(W + g * C + k), xk, a[g]); });
    }
    unroll<G>([&](auto g) TYPEGRAD_ALWAYS_INLINE { out[haddp_slot<T>(R0 + g)] = a[g]; });
}

/// Lane r holds Σ_c W[r·C + c]·x[c] for the first Rows (≤ width) rows of W; later lanes hold junk
/// that the caller never stores. Every slot haddp reads is written by one vector store of a register
/// (a zero-filled array is cleared with narrow stores, which then stall haddp's wide loads).
template <std::size_t Rows, std::size_t C, scalar T>
TYPEGRAD_ALWAYS_INLINE inline batch<T> row_dots(const T* W, const T* x) noexcept {
#if defined(__AVX512F__)
    if constexpr (transposing_tree<T>) return row_dots_avx512<Rows, C>(W, x);
#endif
    using B = batch<T>;
#if defined(__AVX2__) && !defined(__AVX512F__)
    if constexpr (avx2_floats<T> && C == 2) {
        // Two columns: rows 0-3 and 4-7 of the interleaved rows, their columns gathered by two shuffles
        // (rows in the order 0 1 4 5 2 3 6 7, which one permute of pairs mends), then two FMAs.
        const B lo = load_part<(2 * Rows < 8 ? 2 * Rows : 8)>(W);
        B hi = lo;
        if constexpr (Rows > 4) hi = load_part<2 * Rows - 8>(W + 8);
        const B column0 = _mm256_shuffle_ps(lo, hi, 0x88), column1 = _mm256_shuffle_ps(lo, hi, 0xDD);
        const B z = xsimd::fma(column1, B(x[1]), column0 * B(x[0]));
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(z), 0xD8));
    }
#endif
    constexpr std::size_t w = width<T>, group = 8;
    B acc[w];
    [&]<std::size_t... Group>(std::index_sequence<Group...>) TYPEGRAD_ALWAYS_INLINE {
        (row_partials<Group * group, group, C>(W + Group * group * C, x, acc), ...);
    }(std::make_index_sequence<Rows / group>{});
    if constexpr (Rows % group != 0)
        row_partials<Rows - Rows % group, Rows % group, C>(W + (Rows - Rows % group) * C, x, acc);
    unroll<w - Rows>([&](auto r) TYPEGRAD_ALWAYS_INLINE { acc[haddp_slot<T>(Rows + r)] = acc[haddp_slot<T>(0)]; });  // lanes unused
    return xsimd::haddp(acc);
}

/// y[0..Rows) = f(W·x + b) for one block of Rows ≤ width rows.
template <std::size_t Rows, std::size_t C, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE inline void gemv_block(const T* W, const T* x, const T* b, T* y, F& f) noexcept {
    using B = batch<T>;
    B z = row_dots<Rows, C>(W, x);
    if constexpr (Rows == width<T>) {
        if (b) z += B::load_unaligned(b);
        B(f(z)).store_unaligned(y);
    } else {
        if (b) z += load_head<Rows>(b);
        store_head<Rows>(y, B(f(z)));
    }
}

/// y = f(W·x + b) for rows narrower than a batch, C dividing the width: a block of width rows is C
/// batches of W, each covering width / C rows; each is multiplied by x repeated in every row, its
/// rows' C lanes are summed by C swizzles that move each row's elements to the row's own lane, and
/// the C partial blocks are merged by selects. No horizontal reduction, no stack buffer.
template <std::size_t R, std::size_t C, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE inline void gemv_narrow(const T* W, const T* x, const T* b, T* y, F& f) noexcept {
    using B = batch<T>;
    using I = lane_index<T>;
    using IB = lane_index_batch<T>;
    constexpr std::size_t w = width<T>, rows = w / C;
    const B xs = xsimd::swizzle(load_head<C>(x), xsimd::make_batch_constant<IB, column_of_lane<I, C>>());
    // Rows r … r + Rows - 1 (Rows ≤ w): their W·x in lanes 0 … Rows - 1.
    const auto block = [&](std::size_t r, auto n_rows) TYPEGRAD_ALWAYS_INLINE {
        constexpr std::size_t n = n_rows, parts = (n + rows - 1) / rows;
        B z;
        unroll<parts>([&](auto k) TYPEGRAD_ALWAYS_INLINE {
            constexpr std::size_t elements = (n - k * rows < rows ? n - k * rows : rows) * C;
            const T* wk = W + (r + k * rows) * C;
            B p;
            if constexpr (elements == w) p = B::load_unaligned(wk) * xs;
            else p = load_head<elements>(wk) * xs;
            B sum = xsimd::swizzle(p, xsimd::make_batch_constant<IB, element_of_row<I, C, 0>>());
            unroll<C - 1>([&](auto c) TYPEGRAD_ALWAYS_INLINE {
                sum += xsimd::swizzle(p, xsimd::make_batch_constant<IB, element_of_row<I, C, decltype(c)::value + 1>>());
            });
            if constexpr (k == 0) z = sum;
            else z = xsimd::select(lanes_where<B, in_block<C, decltype(k)::value>>(), sum, z);
        });
        return z;
    };
    std::size_t r = 0;
    for (; r + w <= R; r += w) {
        B z = block(r, std::integral_constant<std::size_t, w>{});
        if (b) z += B::load_unaligned(b + r);
        B(f(z)).store_unaligned(y + r);
    }
    if constexpr (R % w != 0) {
        B z = block(r, std::integral_constant<std::size_t, R % w>{});
        if (b) z += load_head<R % w>(b + r);
        store_head<R % w>(y + r, B(f(z)));
    }
}

/// The plain loop: what constant expressions run, and what narrow matrices run at run time too,
/// where the compiler's own vectorisation (it knows R and C) beats a reduction per row.
/// The sums go to a local array first: y may alias W, x or b as far as the compiler knows, and
/// storing each row into y straight away would keep it from working on several rows at once.
template <std::size_t R, std::size_t C, scalar T, class F>
constexpr void gemv_scalar(const T* W, const T* x, const T* b, T* y, F& f) noexcept {
    T z[R];
    for (std::size_t r = 0; r < R; ++r) {
        T s = b ? b[r] : T{};
        for (std::size_t c = 0; c < C; ++c) s += W[r * C + c] * x[c];
        z[r] = s;
    }
    for (std::size_t r = 0; r < R; ++r) y[r] = f(z[r]);
}

/// gemv, inlined whole into its caller at every optimisation level (simd::gemv_interleaved's step).
template <std::size_t R, std::size_t C, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void gemv_inlined(const T* W, const T* x, const std::type_identity_t<T>* b, T* y,
                                                  F f) noexcept {
    constexpr std::size_t w = width<T>;
    if (std::is_constant_evaluated()) {
        gemv_scalar<R, C>(W, x, b, y, f);
    } else if constexpr (C == 1) {  // W·x is W's one column scaled by x[0]: an elementwise map
        const T x0 = x[0];
        if (b) map<R>(W, b, y, [&](auto wr, auto br) TYPEGRAD_ALWAYS_INLINE { return f(xsimd::fma(wr, decltype(wr)(x0), br)); });
        else map<R>(W, y, [&](auto wr) TYPEGRAD_ALWAYS_INLINE { return f(wr * x0); });
    } else if constexpr (4 * C <= w && !rows_in_blocks<T, C>) {
        if constexpr (w % C == 0) gemv_narrow<R, C>(W, x, b, y, f);
        else gemv_scalar<R, C>(W, x, b, y, f);
    } else {
        // Beyond two blocks, full blocks store W·x + b and f runs as a second pass over them: f's work
        // for all blocks is then independent; as each block's epilogue (a long chain after the
        // reduction, e.g. tanh) it ran about 15% slower. Up to two blocks, and for a partial last
        // block, f stays in the epilogue: the second pass would wait for the stores to come back.
        constexpr bool second_pass = R > 2 * w;
        std::size_t r = 0;
        const auto block_f = [&](auto z) TYPEGRAD_ALWAYS_INLINE {
            if constexpr (second_pass) return z;
            else return f(z);
        };
        for (; r + w <= R; r += w) gemv_block<w, C>(W + r * C, x, b ? b + r : b, y + r, block_f);
        if constexpr (second_pass) map<R - R % w>(y, y, f);
        if constexpr (R % w != 0 && R % w <= 2 && !rows_in_blocks<T, C>) {  // a row or two: their own reductions are cheaper
            for (; r < R; ++r) y[r] = f(dot<C>(W + r * C, x) + (b ? b[r] : T{}));
        } else if constexpr (R % w != 0) {
            gemv_block<R % w, C>(W + r * C, x, b ? b + r : b, y + r, f);
        }
    }
}

}  // namespace detail

/// y = f(W·x + b), W row-major R×C, x of C, b and y of R; b may be null (no bias), or equal y. f is
/// applied to each output, called with batch<T> (and with T for narrow W whose rows do not divide the
/// width, with part_batch<T, M> for one column) at run time and with T in constant expressions.
template <std::size_t R, std::size_t C, scalar T, class F>
constexpr void gemv(const T* W, const T* x, const std::type_identity_t<T>* b, T* y, F f) noexcept {
    detail::gemv_inlined<R, C>(W, x, b, y, f);
}

/// The dot products of Rows ≤ width consecutive rows of a row-major matrix of C columns with x, as one
/// batch: lane r holds row r's, later lanes hold finite junk. One block of gemv, for callers that go
/// on computing with it in registers (the gates of tg::lstm and tg::gru).
template <std::size_t Rows, std::size_t C, scalar T>
TYPEGRAD_ALWAYS_INLINE inline batch<T> row_block(const T* W, const T* x) noexcept {
    static_assert(Rows >= 1 && Rows <= width<T>, "simd::row_block<Rows, C> needs 1 <= Rows <= the SIMD width");
    return detail::row_dots<Rows, C>(W, x);
}

/// y = W·x + b, W row-major R×C, x of C, b and y of R; b may be null (no bias).
template <std::size_t R, std::size_t C, scalar T>
constexpr void gemv(const T* W, const T* x, const std::type_identity_t<T>* b, T* y) noexcept {
    gemv<R, C>(W, x, b, y, [](auto z) { return z; });
}

}  // namespace typegrad::simd
