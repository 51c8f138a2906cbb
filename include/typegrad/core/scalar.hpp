// The element types typegrad computes in, and the concept that names them.
#pragma once

#include <concepts>

namespace typegrad {

/// @brief A floating-point element type typegrad computes in: float or double.
template <class T>
concept scalar = std::same_as<T, float> || std::same_as<T, double>;

/// Parameters, gradients and workspaces are aligned to a cache line, which also covers every SIMD width.
inline constexpr std::size_t alignment = 64;

}  // namespace typegrad
