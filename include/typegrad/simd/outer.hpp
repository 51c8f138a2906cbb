// simd::outer_acc<R, C>(u, v, G): G += u·vᵀ for a row-major R×C matrix, the weight gradient of a
// dense layer for one sample. v stays in registers when it fits (C ≤ 4 widths) while the rows of G
// stream through; the last partial batch of each row is a masked load and store.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/axpy.hpp>
#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>

namespace typegrad::simd {

/// G += u·vᵀ, G row-major R×C, u of R, v of C.
template <std::size_t R, std::size_t C, scalar T>
constexpr void outer_acc(const T* u, const T* v, T* G) noexcept {
    if (std::is_constant_evaluated() || 4 * C <= width<T>) {
        // Also narrow rows at run time: the compiler vectorises the known loop across rows, where
        // a masked store per row would stall the next row's masked load.
        // v is copied first, since a store into G could change v as far as the compiler knows.
        T vc[C];
        for (std::size_t c = 0; c < C; ++c) vc[c] = v[c];
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t c = 0; c < C; ++c) G[r * C + c] += u[r] * vc[c];
    } else if constexpr (C > 4 * width<T>) {
        for (std::size_t r = 0; r < R; ++r) axpy<C>(u[r], v, G + r * C);
    } else {
        using B = batch<T>;
        constexpr std::size_t w = width<T>;
        constexpr std::size_t full = C / w;
        B vb[full + 1];
        for (std::size_t j = 0; j < full; ++j) vb[j] = B::load_unaligned(v + j * w);
        if constexpr (C % w != 0) vb[full] = load_head<C % w>(v + full * w);
        for (std::size_t r = 0; r < R; ++r) {
            const B ur(u[r]);
            T* g = G + r * C;
            for (std::size_t j = 0; j < full; ++j)
                xsimd::fma(ur, vb[j], B::load_unaligned(g + j * w)).store_unaligned(g + j * w);
            if constexpr (C % w != 0)
                store_head<C % w>(g + full * w, xsimd::fma(ur, vb[full], load_head<C % w>(g + full * w)));
        }
    }
}

}  // namespace typegrad::simd
