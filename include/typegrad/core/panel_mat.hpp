// tg::panel_mat<T, R, C>: a fixed-size R×C matrix stored in panels of tg::panel_rows rows (the last
// panel takes the rows left), one after the other; each panel is stored column by column, so that
// the panel's part of column c is contiguous. Indexing, braces, printing, saving and loading all see
// the R×C matrix in row-major order, as tg::mat; only data() and iteration see the storage.
//
// A dense layer keeps W (Out×In) this way. Within a panel, W·x sums W's columns scaled by x, with no
// horizontal sums (a panel is the packed B operand of a GotoBLAS-style gemm). The panels keep a
// range of whole panels of neurons contiguous, so that tg::fit's threads, each owning a range of
// neurons, each own one block of memory: with W simply transposed, each would own part of every
// stored row, and the cores' prefetchers would keep pulling in each other's lines.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <type_traits>

#include <typegrad/core/mat.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad {

/// The rows of a tg::panel_mat's panels: 64 (for float, a panel's column is four cache lines).
inline constexpr std::size_t panel_rows = 64;

namespace detail {
/// Where element (r, c) of an R×C tg::panel_mat is stored: in the panel of row r, which starts at its
/// first row r0 times C, column c of it, as wide as the panel.
constexpr std::size_t panel_offset(std::size_t R, std::size_t C, std::size_t r, std::size_t c) noexcept {
    const std::size_t r0 = r - r % panel_rows;
    return r0 * C + c * std::min(panel_rows, R - r0) + r % panel_rows;
}
}  // namespace detail

template <scalar T, std::size_t R, std::size_t C>
struct panel_mat {
    static_assert(R > 0 && C > 0, "tg::panel_mat<T, R, C> needs R >= 1 and C >= 1");

    using value_type = T;
    static constexpr std::size_t row_count = R;
    static constexpr std::size_t col_count = C;

    // Public, as mat's (a structural type); element (r, c) is elems[offset(r, c)].
    alignas(alignment) T elems[R * C]{};

    constexpr panel_mat() noexcept = default;

    /// Values in row-major order, as a tg::mat<T, R, C> takes them in braces; fewer than R·C leave
    /// the rest zero.
    template <class... A>
        requires(sizeof...(A) >= 1 && sizeof...(A) <= R * C && (std::convertible_to<A, T> && ...))
    constexpr panel_mat(A... values) noexcept {
        std::size_t i = 0;
        ((elems[offset(i / C, i % C)] = static_cast<T>(values), ++i), ...);
    }

    static constexpr std::size_t rows() noexcept { return R; }
    static constexpr std::size_t cols() noexcept { return C; }
    static constexpr std::size_t size() noexcept { return R * C; }

    /// Where element (r, c) is stored.
    static constexpr std::size_t offset(std::size_t r, std::size_t c) noexcept { return detail::panel_offset(R, C, r, c); }

    constexpr T& operator()(std::size_t r, std::size_t c) noexcept { return elems[offset(r, c)]; }
    constexpr const T& operator()(std::size_t r, std::size_t c) const noexcept { return elems[offset(r, c)]; }

    /// The storage, panel by panel.
    constexpr T* data() noexcept { return elems; }
    constexpr const T* data() const noexcept { return elems; }
    constexpr T* begin() noexcept { return elems; }
    constexpr T* end() noexcept { return elems + R * C; }
    constexpr const T* begin() const noexcept { return elems; }
    constexpr const T* end() const noexcept { return elems + R * C; }

    friend constexpr bool operator==(const panel_mat& a, const panel_mat& b) noexcept {
        for (std::size_t i = 0; i < R * C; ++i)
            if (a.elems[i] != b.elems[i]) return false;
        return true;
    }
    /// Equal to the row-major matrix of the same elements.
    friend constexpr bool operator==(const panel_mat& a, const mat<T, R, C>& b) noexcept {
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t c = 0; c < C; ++c)
                if (a(r, c) != b(r, c)) return false;
        return true;
    }
};

namespace detail {

/// True for a tg::panel_mat.
template <class Tensor>
inline constexpr bool is_panel_mat = false;
template <scalar T, std::size_t R, std::size_t C>
inline constexpr bool is_panel_mat<panel_mat<T, R, C>> = true;

/// Calls f(width, r0, lo, hi) for each panel of an R-row tg::panel_mat that holds some of rows
/// [first, last): `width` its rows as a std::integral_constant, r0 its first row (the panel of C
/// columns is stored at r0·C), [lo, hi) the rows of [first, last) in it, counted from r0.
template <std::size_t R, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void for_each_panel(std::size_t first, std::size_t last, F&& f) {
    constexpr std::size_t P = panel_rows, full = R - R % P;
    if constexpr (full > 0)  // else f for a whole panel would be instantiated, and compiled, for nothing
        for (std::size_t r0 = first - first % P; r0 < std::min(last, full); r0 += P)
            f(std::integral_constant<std::size_t, P>{}, r0, std::max(first, r0) - r0, std::min(last, r0 + P) - r0);
    if constexpr (R % P != 0)
        if (last > full) f(std::integral_constant<std::size_t, R % P>{}, full, std::max(first, full) - full, last - full);
}

/// for_each_panel over all rows: f(width, r0).
template <std::size_t R, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void for_each_panel(F&& f) {
    for_each_panel<R>(0, R, [&](auto width, std::size_t r0, std::size_t, std::size_t) TYPEGRAD_ALWAYS_INLINE { f(width, r0); });
}

}  // namespace detail

}  // namespace typegrad
