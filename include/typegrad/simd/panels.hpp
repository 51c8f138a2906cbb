// Products with a matrix W (Out×In) stored as a tg::panel_mat: panels of up to 64 rows, each stored
// as its Wᵀ (In×width, row-major), as tg::dense keeps W and tg::lstm and tg::gru keep W_hh. Per panel:
// W·x + b by simd::gemv_t (the panel's stored rows scaled by x, no horizontal sums), Wᵀ·g by
// simd::gemv (the stored rows dotted with the panel's part of g) and G += g·xᵀ by simd::outer_acc.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/core/panel_mat.hpp>
#include <typegrad/simd/gemv.hpp>
#include <typegrad/simd/gemv_t.hpp>
#include <typegrad/simd/outer.hpp>

namespace typegrad::simd {

/// y = f(W·x + b), x of In, y of Out: per panel, gemv_t adds the panel's stored rows scaled by x, with
/// no horizontal sums. b may be null.
template <std::size_t In, std::size_t Out, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void gemv_t_panels(const T* W, const T* x, const std::type_identity_t<T>* b, T* y,
                                                    F f) noexcept {
    typegrad::detail::for_each_panel<Out>([&](auto pw, std::size_t r0) TYPEGRAD_ALWAYS_INLINE {
        gemv_t<In, pw>(W + r0 * In, x, b ? b + r0 : b, y + r0, f);
    });
}

/// y = W·x + b.
template <std::size_t In, std::size_t Out, scalar T>
TYPEGRAD_ALWAYS_INLINE constexpr void gemv_t_panels(const T* W, const T* x, const std::type_identity_t<T>* b,
                                                    T* y) noexcept {
    gemv_t_panels<In, Out>(W, x, b, y, [](auto v) { return v; });
}

/// y = Wᵀ·g, g of Out, y of In: each panel's stored rows dotted with its part of g (gemv), the panels
/// after the first adding to the sums.
template <std::size_t In, std::size_t Out, scalar T>
TYPEGRAD_ALWAYS_INLINE constexpr void gemv_panels(const T* W, const T* g, T* y) noexcept {
    typegrad::detail::for_each_panel<Out>([&](auto pw, std::size_t r0) TYPEGRAD_ALWAYS_INLINE {
        gemv<In, pw>(W + r0 * In, g + r0, r0 == 0 ? nullptr : y, y);
    });
}

/// G += g·xᵀ, G of W's shape and layout: the panel's stored row i gains x[i]·g[panel].
template <std::size_t In, std::size_t Out, scalar T>
TYPEGRAD_ALWAYS_INLINE constexpr void outer_acc_panels(const T* x, const T* g, T* G) noexcept {
    typegrad::detail::for_each_panel<Out>([&](auto pw, std::size_t r0) TYPEGRAD_ALWAYS_INLINE {
        outer_acc<In, pw>(x, g + r0, G + r0 * In);
    });
}

}  // namespace typegrad::simd
