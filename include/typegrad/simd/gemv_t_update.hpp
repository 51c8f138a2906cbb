// simd::gemv_t_update<R, C>(W, u, v, a, y): y = Wᵀ·u and then W += u·(a·v)ᵀ, for a row-major R×C
// matrix, in one pass over its rows: one sample's backward through a dense layer fused with its SGD
// update (u = ∂L/∂z, v = the layer's input, a = -lr; y = ∂L/∂x, formed from W before the update).
// Each row of W is loaded once and u[r] broadcast once for both; simd::gemv_t and then
// simd::outer_acc load and broadcast them twice (tg::sgd_step 2→16→16→1 at -O3: 79 → 73 ns on Zen 3).
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/gemv_t.hpp>
#include <typegrad/simd/outer.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::simd {

/// y = Wᵀ·u and then W += u·(a·v)ᵀ; W row-major R×C, u of R, v and y of C.
template <std::size_t R, std::size_t C, scalar T>
TYPEGRAD_ALWAYS_INLINE constexpr void gemv_t_update(T* W, const T* u, const T* v, T a, T* y) noexcept {
    constexpr std::size_t w = width<T>;
    if (std::is_constant_evaluated() || 4 * C <= w || C > 4 * w) {
        // Rows narrower than a quarter batch (outer_acc's swizzles) or wider than the registers hold:
        // the two kernels one after the other.
        gemv_t<R, C>(W, u, y);
        T av[C];
        for (std::size_t c = 0; c < C; ++c) av[c] = a * v[c];
        outer_acc<R, C>(u, av, W);
    } else {
        using B = batch<T>;
        constexpr std::size_t full = C / w, parts = full + (C % w != 0);
        // As in gemv_t: y's sums over the rows in up to four chains, to hide the FMA latency.
        constexpr std::size_t chains = std::min<std::size_t>({(R + 1) / 2, 4, std::max<std::size_t>(1, 12 / parts)});
        const auto load = [](const T* p, auto j) TYPEGRAD_ALWAYS_INLINE {
            if constexpr (j < full) return B::load_unaligned(p + j * w);
            else return load_head<C % w>(p + j * w);
        };
        const auto store = [](T* p, auto j, B b) TYPEGRAD_ALWAYS_INLINE {
            if constexpr (j < full) b.store_unaligned(p + j * w);
            else store_head<C % w>(p + j * w, b);
        };
        B av[parts], acc[chains][parts];
        unroll<parts>([&](auto j) TYPEGRAD_ALWAYS_INLINE { av[j] = B(a) * load(v, j); });
        unroll<chains>([&](auto h) TYPEGRAD_ALWAYS_INLINE { unroll<parts>([&](auto j) TYPEGRAD_ALWAYS_INLINE { acc[h][j] = B(T{}); }); });
        const auto row = [&](std::size_t r, B* sum) TYPEGRAD_ALWAYS_INLINE {
            const B ur(u[r]);
            T* row_r = W + r * C;
            unroll<parts>([&](auto j) TYPEGRAD_ALWAYS_INLINE {
                const B wj = load(row_r, j);
                sum[j] = xsimd::fma(ur, wj, sum[j]);
                store(row_r, j, xsimd::fma(ur, av[j], wj));
            });
        };
        for (std::size_t r = 0; r + chains <= R; r += chains)
            unroll<chains>([&](auto h) TYPEGRAD_ALWAYS_INLINE { row(r + h, acc[h]); });
        unroll<R % chains>([&](auto h) TYPEGRAD_ALWAYS_INLINE { row(R - R % chains + h, acc[h]); });
        unroll<parts>([&](auto j) TYPEGRAD_ALWAYS_INLINE {
            unroll<chains - 1>([&](auto h) TYPEGRAD_ALWAYS_INLINE { acc[0][j] += acc[h + 1][j]; });
            store(y, j, acc[0][j]);
        });
    }
}

}  // namespace typegrad::simd
