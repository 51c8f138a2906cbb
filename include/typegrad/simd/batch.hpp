// The one door to xsimd: the batch type typegrad computes with and its width for each scalar.
// Nothing outside simd/ includes xsimd; code that must name a batch includes this header.
#pragma once

#include <cstddef>
#include <type_traits>

// GCC 12 warns that the intrinsics' deliberately undefined registers (_mm256_undefined_pd, used by
// xsimd's AVX-512 reductions) "(may be) used uninitialized" (GCC bug 105593, fixed in 13). The
// warning is attributed to the intrinsic headers, which xsimd includes here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <typegrad/core/scalar.hpp>

namespace typegrad::simd {

/// The widest SIMD register of the architecture the translation unit is compiled for.
template <scalar T>
using batch = xsimd::batch<T>;

/// How many T one batch holds (e.g. 16 floats with AVX-512, 4 with SSE2).
template <scalar T>
inline constexpr std::size_t width = batch<T>::size;

/// The batch for a part of M ≤ width<T> elements that simd::map computes on its own (a layer of 8
/// floats, or the last 8 of 24): with AVX-512, the 256-bit batch (AVX2 with FMA) when the part fits in
/// one; elsewhere batch<T>. There tg::tanh divides instead of refining a 512-bit approximate reciprocal,
/// which shortens each step of a stream of narrow layers (the conv1d stack of bench/sequences: 86.6 →
/// 72.6 ns at -O3 on an Intel Xeon). A layer's values then differ in their last bits from those of the
/// same activation fused into a product, which stays in 512-bit batches.
template <scalar T, std::size_t M>
using part_batch = std::conditional_t<
#if defined(__AVX512F__)
    (sizeof(batch<T>) == 64 && M * sizeof(T) <= 32),
#else
    false,
#endif
    xsimd::batch<T, xsimd::fma3<xsimd::avx2>>, batch<T>>;

namespace detail {
/// Whether batch<T> is 8 floats with AVX2 (x86-64-v3), where kernels pick their own shuffles: gemv's
/// two-column rows, gemv_t's broadcasts of x.
template <scalar T>
inline constexpr bool avx2_floats =
#if defined(__AVX2__) && !defined(__AVX512F__)
    std::is_same_v<T, float>;
#else
    false;
#endif
}  // namespace detail

}  // namespace typegrad::simd
