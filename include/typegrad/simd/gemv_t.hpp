// simd::gemv_t<R, C>(W, x, y): y = Wᵀ·x for a row-major R×C matrix, the input gradient of a dense
// layer. Rows of W are scaled by x[r] and summed, a block of up to four batches of columns at a
// time kept in registers; narrow blocks split the rows over several chains to hide FMA latency.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>

namespace typegrad::simd {

namespace detail {

/// y[0..Cols) = Σ_r x[r]·W[r·C + 0..Cols) for a block of Cols ≤ 4·width columns starting at W.
template <std::size_t R, std::size_t C, std::size_t Cols, scalar T>
inline void gemv_t_block(const T* W, const T* x, T* y) noexcept {
    using B = batch<T>;
    constexpr std::size_t w = width<T>;
    constexpr std::size_t full = Cols / w, parts = full + (Cols % w != 0);
    constexpr std::size_t chains = std::min<std::size_t>(R, std::max<std::size_t>(1, 4 / parts));
    B acc[chains][parts];
    for (std::size_t h = 0; h < chains; ++h)
        for (std::size_t j = 0; j < parts; ++j) acc[h][j] = B(T{});
    auto step = [&](std::size_t r, B* a) {
        const B xr(x[r]);
        for (std::size_t j = 0; j < full; ++j) a[j] = xsimd::fma(xr, B::load_unaligned(W + r * C + j * w), a[j]);
        if constexpr (Cols % w != 0) a[full] = xsimd::fma(xr, load_head<Cols % w>(W + r * C + full * w), a[full]);
    };
    for (std::size_t r = 0; r + chains <= R; r += chains)
        for (std::size_t h = 0; h < chains; ++h) step(r + h, acc[h]);
    for (std::size_t h = 0; h < R % chains; ++h) step(R - R % chains + h, acc[h]);
    for (std::size_t h = 1; h < chains; ++h)
        for (std::size_t j = 0; j < parts; ++j) acc[0][j] += acc[h][j];
    for (std::size_t j = 0; j < full; ++j) acc[0][j].store_unaligned(y + j * w);
    if constexpr (Cols % w != 0) store_head<Cols % w>(y + full * w, acc[0][full]);
}

}  // namespace detail

/// y = Wᵀ·x, W row-major R×C, x of R, y of C.
template <std::size_t R, std::size_t C, scalar T>
constexpr void gemv_t(const T* W, const T* x, T* y) noexcept {
    if (std::is_constant_evaluated() || 4 * C <= width<T>) {
        // Also narrow W at run time, which the compiler vectorises itself; the sums stay in a local
        // array because y may alias W or x as far as the compiler knows.
        T z[C]{};
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t c = 0; c < C; ++c) z[c] += x[r] * W[r * C + c];
        for (std::size_t c = 0; c < C; ++c) y[c] = z[c];
    } else {
        constexpr std::size_t block = 4 * width<T>;
        std::size_t c = 0;
        for (; c + block <= C; c += block) detail::gemv_t_block<R, C, block>(W + c, x, y + c);
        if constexpr (C % block != 0) detail::gemv_t_block<R, C, C % block>(W + c, x, y + c);
    }
}

}  // namespace typegrad::simd
