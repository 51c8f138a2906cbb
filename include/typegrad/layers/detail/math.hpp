// Elementwise math used by activations, written once for a scalar and for a simd::batch: simd::map
// calls the same lambda with both (T in constant expressions, batch<T> at run time).
#pragma once

#include <cmath>
#include <type_traits>

#include <typegrad/simd/batch.hpp>

namespace typegrad::detail {

template <class V>
constexpr V exp_of(V z) noexcept {
    if constexpr (std::is_floating_point_v<V>) return std::exp(z);
    else return xsimd::exp(z);
}

template <class V>
constexpr V tanh_of(V z) noexcept {
    if constexpr (std::is_floating_point_v<V>) return std::tanh(z);
    else return xsimd::tanh(z);
}

template <class V>
constexpr V max_of(V a, V b) noexcept {
    if constexpr (std::is_floating_point_v<V>) return a > b ? a : b;
    else return xsimd::max(a, b);
}

/// 1 where z > 0, 0 where z == 0, -1 where z < 0.
template <class V>
constexpr V sign_of(V z) noexcept {
    if constexpr (std::is_floating_point_v<V>) return z > 0 ? V(1) : (z < 0 ? V(-1) : V(0));
    else return xsimd::select(z > V(0), V(1), xsimd::select(z < V(0), V(-1), V(0)));
}

/// 1 where z > 0, else 0.
template <class V>
constexpr V step_of(V z) noexcept {
    if constexpr (std::is_floating_point_v<V>) return z > 0 ? V(1) : V(0);
    else return xsimd::select(z > V(0), V(1), V(0));
}

}  // namespace typegrad::detail
