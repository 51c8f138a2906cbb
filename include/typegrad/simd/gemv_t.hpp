// simd::gemv_t<R, C>(W, x[, b, y, f]): y = f(Wᵀ·x + b) for a row-major R×C matrix: the forward of a
// dense layer whose weights are stored transposed (tg::inference_params; per panel, tg::params, by
// simd::gemv_t_panels in panels.hpp). Rows of W are scaled by x[r] and summed, a block of up to eight
// batches of columns at a time kept in registers, the rows split over several chains to hide FMA
// latency.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/dot.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::simd {

namespace detail {

/// y[0..Cols) = f(b + Σ_k Σ_r xs[k][r]·W[(k·R + r)·C + 0..Cols)) for a block of Cols ≤ 8·width columns
/// starting at W (b may be null): K segments of R rows, each with its own inputs (K = 1: one vector x).
/// The rows are spread over up to four chains of accumulators (about twelve registers in all, at
/// least two rows per chain), so that the FMA latency is hidden even when the block is a single batch
/// wide; the segments go in order, so that the last segment's rows end the chains.
template <std::size_t R, std::size_t C, std::size_t Cols, std::size_t K, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE inline void gemv_t_block(const T* W, const T* const* xs, const T* b, T* y, F& f) noexcept {
    using B = batch<T>;
    constexpr std::size_t w = width<T>;
    constexpr std::size_t full = Cols / w, parts = full + (Cols % w != 0);
    constexpr std::size_t chains = std::min<std::size_t>({(K * R + 1) / 2, 4, std::max<std::size_t>(1, 12 / parts)});
    // Batch j of the block's columns, from a row of W (or the bias) and to y.
    const auto load = [](const T* row, auto j) TYPEGRAD_ALWAYS_INLINE {
        if constexpr (j < full) return B::load_unaligned(row + j * w);
        else return load_head<Cols % w>(row + j * w);
    };
    B acc[chains][parts];
    unroll<chains>([&](auto h) TYPEGRAD_ALWAYS_INLINE { unroll<parts>([&](auto j) TYPEGRAD_ALWAYS_INLINE { acc[h][j] = B(T{}); }); });
    if (b) unroll<parts>([&](auto j) TYPEGRAD_ALWAYS_INLINE { acc[0][j] = load(b, j); });
    // With AVX2 floats and a block of two batches, x goes eight rows at a time: one load and ten
    // shuffles (two copy each 128-bit half into both, then one in-lane broadcast per row) instead of
    // eight broadcasting loads, which leaves the two load ports to W's two loads a row (2→16→16→1 at
    // -O2, with the layers force-inlined in the same commit: 9.6 → 8.3 ns; the shuffles alone left the
    // layer out of line and took 10.9). A block of one batch loads less per row than the shuffles
    // cost on their one port; wider blocks (the tanh forward's 64 columns) ran no faster with them.
    constexpr std::size_t shuffled = avx2_floats<T> && parts == 2 ? R / 8 * 8 : 0;
    unroll<K>([&](auto k) TYPEGRAD_ALWAYS_INLINE {
        const T* x = xs[k];
        const T* Wk = W + k * R * C;
        const auto step = [&](const B& xr, std::size_t r, B* a) TYPEGRAD_ALWAYS_INLINE {
            unroll<parts>([&](auto j) TYPEGRAD_ALWAYS_INLINE { a[j] = xsimd::fma(xr, load(Wk + r * C, j), a[j]); });
        };
#if defined(__AVX2__) && !defined(__AVX512F__)
        if constexpr (shuffled > 0) {
            for (std::size_t r = 0; r < shuffled; r += 8) {
                const __m256 x8 = B::load_unaligned(x + r);
                const __m256 halves[2] = {_mm256_permute2f128_ps(x8, x8, 0x00), _mm256_permute2f128_ps(x8, x8, 0x11)};
                unroll<8>([&](auto i) TYPEGRAD_ALWAYS_INLINE {
                    constexpr int lane = decltype(i)::value % 4;
                    step(B(_mm256_permute_ps(halves[i / 4], lane * 0x55)), r + i, acc[i % chains]);
                });
            }
        }
#endif
        for (std::size_t r = shuffled; r + chains <= R; r += chains)
            unroll<chains>([&](auto h) TYPEGRAD_ALWAYS_INLINE { step(B(x[r + h]), r + h, acc[h]); });
        unroll<(R - shuffled) % chains>([&](auto h) TYPEGRAD_ALWAYS_INLINE {
            constexpr std::size_t r = R - (R - shuffled) % chains + h;
            step(B(x[r]), r, acc[h]);
        });
    });
    unroll<parts>([&](auto j) TYPEGRAD_ALWAYS_INLINE {
        if constexpr (chains == 4) acc[0][j] = (acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j]);
        else unroll<chains - 1>([&](auto h) TYPEGRAD_ALWAYS_INLINE { acc[0][j] += acc[h + 1][j]; });
        if constexpr (j < full) B(f(acc[0][j])).store_unaligned(y + j * w);
        else store_head<Cols % w>(y + j * w, B(f(acc[0][j])));
    });
}

/// gemv_t_block over C columns, in blocks of up to eight batches. Each block broadcasts every x[r]
/// once, and loads, not FMAs, bound these kernels: eight batches load x half as often as four (with
/// AVX2, 64×64 -O2: 88.7 → 84.3 ns, 16×64: 24.0 → 21.6 ns; bench/kernels), and still leave eight
/// accumulators, enough to cover the FMA latency with a single chain.
template <std::size_t R, std::size_t C, std::size_t K, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE inline void gemv_t_blocks(const T* W, const T* const* xs, const T* b, T* y, F& f) noexcept {
    constexpr std::size_t block = 8 * width<T>;
    std::size_t c = 0;
    for (; c + block <= C; c += block) gemv_t_block<R, C, block, K>(W + c, xs, b ? b + c : b, y + c, f);
    if constexpr (C % block != 0) gemv_t_block<R, C, C % block, K>(W + c, xs, b ? b + c : b, y + c, f);
}

}  // namespace detail

/// y = f(Wᵀ·x + b), W row-major R×C, x of R, b and y of C; b may be null (no bias). f is applied
/// to each output, called with batch<T> (and with T for narrow W) at run time and with T in
/// constant expressions. With W the transpose of a dense layer's weights, this is its forward.
template <std::size_t R, std::size_t C, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void gemv_t(const T* W, const T* x, const std::type_identity_t<T>* b, T* y,
                                             F f) noexcept {
    if (!std::is_constant_evaluated() && C == 1) {
        y[0] = f(dot<R>(W, x) + (b ? b[0] : T{}));
    } else if (std::is_constant_evaluated() || 4 * C <= width<T>) {
        // Also narrow W at run time, which the compiler vectorises itself; the sums stay in a local
        // array because y may alias W or x as far as the compiler knows.
        T z[C]{};
        if (b)
            for (std::size_t c = 0; c < C; ++c) z[c] = b[c];
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t c = 0; c < C; ++c) z[c] += x[r] * W[r * C + c];
        for (std::size_t c = 0; c < C; ++c) y[c] = f(z[c]);
    } else {
        detail::gemv_t_blocks<R, C, 1>(W, &x, b, y, f);
    }
}

/// y = f(b + Σ_k W_kᵀ·taps[k]) for K row-major In×C matrices W_k, one after the other from W (W_k at
/// W + k·In·C), and K inputs of In (a causal convolution's step from its weights transposed per tap:
/// conv1d's streaming layout). Each input's column of weights is scaled by it and added, with no
/// horizontal sums; the taps are taken in their order, so that the last, the newest input, which the
/// step waits for, ends each chain of accumulators.
template <std::size_t K, std::size_t In, std::size_t C, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE inline void gemv_t_taps(const T* W, const T* const* taps, const T* b, T* y, F f) noexcept {
    detail::gemv_t_blocks<In, C, K>(W, taps, b, y, f);
}

/// y = Wᵀ·x, W row-major R×C, x of R, y of C.
template <std::size_t R, std::size_t C, scalar T>
constexpr void gemv_t(const T* W, const T* x, T* y) noexcept {
    gemv_t<R, C>(W, x, nullptr, y, [](auto z) { return z; });
}

}  // namespace typegrad::simd
