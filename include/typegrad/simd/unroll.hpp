// simd::unroll<N>(f): f(0), f(1), …, f(N - 1), written out by a pack expansion, each index an
// std::integral_constant. The kernels' short loops over accumulators (a block's batches, a few
// chains) go through it, so that they are unrolled, and the accumulators kept in registers, at -O2
// as at -O3, whatever the optimiser's unrolling heuristics decide. N is a handful, never an
// element count: loops over elements keep constant trip counts and run.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

/// Forces inlining where GCC's -O2 heuristics would leave a call: on kernels called once per
/// layer and on the lambdas handed to unroll, whose bodies must merge with the caller's registers.
#if defined(__GNUC__)
#define TYPEGRAD_ALWAYS_INLINE __attribute__((always_inline))
#else
#define TYPEGRAD_ALWAYS_INLINE
#endif

namespace typegrad::simd {

template <std::size_t N, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void unroll(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) TYPEGRAD_ALWAYS_INLINE {
        (f(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<N>{});
}

}  // namespace typegrad::simd
