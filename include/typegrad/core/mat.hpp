// tg::mat<T, R, C>: a fixed-size, row-major, 64-byte-aligned, zero-initialised matrix. Row r is
// contiguous (C elements), with no padding between rows, so data() is the layout PyTorch and
// safetensors use.
#pragma once

#include <cstddef>

#include <typegrad/core/scalar.hpp>

namespace typegrad {

template <scalar T, std::size_t R, std::size_t C>
struct mat {
    static_assert(R > 0 && C > 0, "tg::mat<T, R, C> needs R >= 1 and C >= 1");

    using value_type = T;
    static constexpr std::size_t row_count = R;
    static constexpr std::size_t col_count = C;

    // Public so that mat is an aggregate (and a structural type); use the member functions.
    alignas(alignment) T elems[R * C]{};

    static constexpr std::size_t rows() noexcept { return R; }
    static constexpr std::size_t cols() noexcept { return C; }
    static constexpr std::size_t size() noexcept { return R * C; }

    constexpr T& operator()(std::size_t r, std::size_t c) noexcept { return elems[r * C + c]; }
    constexpr const T& operator()(std::size_t r, std::size_t c) const noexcept { return elems[r * C + c]; }

    constexpr T* data() noexcept { return elems; }
    constexpr const T* data() const noexcept { return elems; }
    constexpr T* row(std::size_t r) noexcept { return elems + r * C; }
    constexpr const T* row(std::size_t r) const noexcept { return elems + r * C; }

    constexpr T* begin() noexcept { return elems; }
    constexpr T* end() noexcept { return elems + R * C; }
    constexpr const T* begin() const noexcept { return elems; }
    constexpr const T* end() const noexcept { return elems + R * C; }

    friend constexpr bool operator==(const mat& a, const mat& b) noexcept {
        for (std::size_t i = 0; i < R * C; ++i)
            if (a.elems[i] != b.elems[i]) return false;
        return true;
    }
};

}  // namespace typegrad
