// simd::unroll<N>(f): f(0), f(1), …, f(N - 1), written out by a pack expansion, each index an
// std::integral_constant. The kernels' short loops over accumulators (a block's batches, a few
// chains) go through it, so that they are unrolled, and the accumulators kept in registers, at -O2
// as at -O3, whatever the optimiser's unrolling heuristics decide. N is a handful, never an
// element count: loops over elements keep constant trip counts and run.
// simd::each_step<N, Step>(f): f(0), f(Step), f(2·Step), … below N, for loops over the batches of a
// row (Step the SIMD width): written out when there are at most eight, else a loop over four at a
// time and the rest written out.
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

/// f(i) for i = 0, Step, 2·Step, … while i + Step ≤ N, i a std::size_t. At -O2 GCC leaves a loop of
/// a few batches rolled, and a rolled loop of a load, an FMA and a store per batch ran at half the
/// speed of the same loop written out (simd::axpy of 64 floats per row of simd::outer_acc with AVX2:
/// 69.7 against 34.6 ns at -O3).
template <std::size_t N, std::size_t Step, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void each_step(F&& f) {
    constexpr std::size_t steps = N / Step;
    if constexpr (steps <= 8) {
        unroll<steps>([&](auto k) TYPEGRAD_ALWAYS_INLINE { f(std::size_t{k * Step}); });
    } else {
        constexpr std::size_t rest = steps - steps % 4;
        for (std::size_t i = 0; i < rest * Step; i += 4 * Step)
            unroll<4>([&](auto k) TYPEGRAD_ALWAYS_INLINE { f(i + k * Step); });
        unroll<steps % 4>([&](auto k) TYPEGRAD_ALWAYS_INLINE { f(std::size_t{(rest + k) * Step}); });
    }
}

}  // namespace typegrad::simd
