// Shared by the activation accuracy tests: the inputs they sample, and an activation of many inputs
// through the layer's forward, which runs the SIMD path: in layers of 1000 (full batches and a partial
// one at the tail), or of 8 or 3, which AVX-512 computes in 256-bit batches (simd::part_batch), whole
// or partial.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace activation_test {

/// Every 1009th finite float of each sign (0 and -0 among them), then each of worst and its negative:
/// the inputs where an exhaustive run (scripts/exhaustive-activations.sh) found the largest error.
inline std::vector<float> sampled_floats(std::initializer_list<float> worst) {
    std::vector<float> z;
    for (std::uint32_t bits = 0; bits < 0x7f800000u; bits += 1009) {
        z.push_back(std::bit_cast<float>(bits));
        z.push_back(-std::bit_cast<float>(bits));
    }
    for (const float x : worst) {
        z.push_back(x);
        z.push_back(-x);
    }
    return z;
}

template <class Act, std::size_t n = 1000, class T>
std::vector<T> through_layer(const std::vector<T>& z) {
    std::vector<T> y(z.size());
    typegrad::vec<T, n> in;
    typegrad::output_cache<T, n> cache;
    for (std::size_t start = 0; start < z.size(); start += n) {
        const std::size_t count = std::min(n, z.size() - start);
        for (std::size_t i = 0; i < n; ++i) in[i] = i < count ? z[start + i] : T(0);
        Act::forward(typegrad::no_params{}, in, cache, typegrad::mode::inference);
        for (std::size_t i = 0; i < count; ++i) y[start + i] = cache.y[i];
    }
    return y;
}

}  // namespace activation_test
