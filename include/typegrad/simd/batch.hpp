// The one door to xsimd: the batch type typegrad computes with and its width for each scalar.
// Nothing outside simd/ includes xsimd; code that must name a batch includes this header.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

#include <typegrad/core/scalar.hpp>

namespace typegrad::simd {

/// The widest SIMD register of the architecture the translation unit is compiled for.
template <scalar T>
using batch = xsimd::batch<T>;

/// How many T one batch holds (e.g. 16 floats with AVX-512, 4 with SSE2).
template <scalar T>
inline constexpr std::size_t width = batch<T>::size;

}  // namespace typegrad::simd
