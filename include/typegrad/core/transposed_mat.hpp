// tg::transposed_mat<T, R, C>: a fixed-size R×C matrix stored transposed, column by column: column c
// is contiguous (R elements) at data() + c·R. Indexing, braces, printing, saving and loading all see
// the R×C matrix in row-major order, as tg::mat; only data() and iteration see the storage. A dense
// layer keeps W (Out×In) this way, so that W·x sums W's columns scaled by x, with no horizontal sums.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>

#include <typegrad/core/mat.hpp>
#include <typegrad/core/scalar.hpp>

namespace typegrad {

template <scalar T, std::size_t R, std::size_t C>
struct transposed_mat {
    static_assert(R > 0 && C > 0, "tg::transposed_mat<T, R, C> needs R >= 1 and C >= 1");

    using value_type = T;
    static constexpr std::size_t row_count = R;
    static constexpr std::size_t col_count = C;

    // Public, as mat's (a structural type); element (r, c) is elems[c·R + r].
    alignas(alignment) T elems[R * C]{};

    constexpr transposed_mat() noexcept = default;

    /// Values in row-major order, as a tg::mat<T, R, C> takes them in braces; fewer than R·C leave
    /// the rest zero.
    template <class... A>
        requires(sizeof...(A) >= 1 && sizeof...(A) <= R * C && (std::convertible_to<A, T> && ...))
    constexpr transposed_mat(A... values) noexcept {
        std::size_t i = 0;
        ((elems[(i % C) * R + i / C] = static_cast<T>(values), ++i), ...);
    }

    static constexpr std::size_t rows() noexcept { return R; }
    static constexpr std::size_t cols() noexcept { return C; }
    static constexpr std::size_t size() noexcept { return R * C; }

    constexpr T& operator()(std::size_t r, std::size_t c) noexcept { return elems[c * R + r]; }
    constexpr const T& operator()(std::size_t r, std::size_t c) const noexcept { return elems[c * R + r]; }

    /// Column c, contiguous: R elements.
    constexpr T* column(std::size_t c) noexcept { return elems + c * R; }
    constexpr const T* column(std::size_t c) const noexcept { return elems + c * R; }

    /// The storage, column by column.
    constexpr T* data() noexcept { return elems; }
    constexpr const T* data() const noexcept { return elems; }
    constexpr T* begin() noexcept { return elems; }
    constexpr T* end() noexcept { return elems + R * C; }
    constexpr const T* begin() const noexcept { return elems; }
    constexpr const T* end() const noexcept { return elems + R * C; }

    friend constexpr bool operator==(const transposed_mat& a, const transposed_mat& b) noexcept {
        for (std::size_t i = 0; i < R * C; ++i)
            if (a.elems[i] != b.elems[i]) return false;
        return true;
    }
    /// Equal to the row-major matrix of the same elements.
    friend constexpr bool operator==(const transposed_mat& a, const mat<T, R, C>& b) noexcept {
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t c = 0; c < C; ++c)
                if (a(r, c) != b(r, c)) return false;
        return true;
    }
};

namespace detail {
/// R for a tg::transposed_mat<T, R, C> (its R rows stored column by column), 0 for any other tensor.
template <class Tensor>
inline constexpr std::size_t stored_by_columns = 0;
template <scalar T, std::size_t R, std::size_t C>
inline constexpr std::size_t stored_by_columns<transposed_mat<T, R, C>> = R;
}  // namespace detail

}  // namespace typegrad
