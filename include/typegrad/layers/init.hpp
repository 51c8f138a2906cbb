// Parameter initialisation: a small deterministic random source (the same numbers on every platform
// and standard library, unlike std:: distributions) and the fan-in-aware schemes dense layers use.
#pragma once

#include <cstdint>

namespace typegrad {

/// Glorot (Xavier) uniform keeps the variance of tanh/sigmoid/linear layers; He uniform that of a
/// layer followed by relu, which zeroes half of its outputs.
enum class init_scheme { glorot_uniform, he_uniform };

/// SplitMix64: a 64-bit generator whose output depends only on the seed.
struct rng {
    std::uint64_t state;

    constexpr std::uint64_t next() noexcept {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// Uniform in [lo, hi), from the top 53 bits.
    constexpr double uniform(double lo, double hi) noexcept {
        return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53;
    }
};

}  // namespace typegrad
