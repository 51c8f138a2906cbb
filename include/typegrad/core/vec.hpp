// tg::vec<T, N>: a fixed-size, 64-byte-aligned, zero-initialised vector. An aggregate, so
// `vec<float, 2>{3, -2}` works, and every operation is usable in constant expressions.
#pragma once

#include <cstddef>

#include <typegrad/core/scalar.hpp>

namespace typegrad {

template <scalar T, std::size_t N>
struct vec {
    static_assert(N > 0, "tg::vec<T, N> needs N >= 1");

    using value_type = T;
    static constexpr std::size_t extent = N;

    // Public so that vec is an aggregate (and a structural type); use the member functions.
    alignas(alignment) T elems[N]{};

    static constexpr std::size_t size() noexcept { return N; }

    constexpr T& operator[](std::size_t i) noexcept { return elems[i]; }
    constexpr const T& operator[](std::size_t i) const noexcept { return elems[i]; }

    constexpr T* data() noexcept { return elems; }
    constexpr const T* data() const noexcept { return elems; }

    constexpr T* begin() noexcept { return elems; }
    constexpr T* end() noexcept { return elems + N; }
    constexpr const T* begin() const noexcept { return elems; }
    constexpr const T* end() const noexcept { return elems + N; }

    friend constexpr bool operator==(const vec& a, const vec& b) noexcept {
        for (std::size_t i = 0; i < N; ++i)
            if (a.elems[i] != b.elems[i]) return false;
        return true;
    }
};

}  // namespace typegrad
