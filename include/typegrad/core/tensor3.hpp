// tg::tensor3<T, D0, D1, D2>: a fixed-size, row-major, 64-byte-aligned, zero-initialised 3-D tensor
// (the last index contiguous, as PyTorch lays out nn.Conv1d's weight [Out, In, K]).
#pragma once

#include <cstddef>

#include <typegrad/core/scalar.hpp>

namespace typegrad {

template <scalar T, std::size_t D0, std::size_t D1, std::size_t D2>
struct tensor3 {
    static_assert(D0 > 0 && D1 > 0 && D2 > 0, "tg::tensor3<T, D0, D1, D2> needs every extent >= 1");

    using value_type = T;

    // Public so that tensor3 is an aggregate (and a structural type); use the member functions.
    alignas(alignment) T elems[D0 * D1 * D2]{};

    static constexpr std::size_t size() noexcept { return D0 * D1 * D2; }

    constexpr T& operator()(std::size_t i, std::size_t j, std::size_t k) noexcept { return elems[(i * D1 + j) * D2 + k]; }
    constexpr const T& operator()(std::size_t i, std::size_t j, std::size_t k) const noexcept {
        return elems[(i * D1 + j) * D2 + k];
    }

    constexpr T* data() noexcept { return elems; }
    constexpr const T* data() const noexcept { return elems; }

    constexpr T* begin() noexcept { return elems; }
    constexpr T* end() noexcept { return elems + size(); }
    constexpr const T* begin() const noexcept { return elems; }
    constexpr const T* end() const noexcept { return elems + size(); }

    friend constexpr bool operator==(const tensor3&, const tensor3&) noexcept = default;
};

}  // namespace typegrad
