// Shared by the activation accuracy tests: an activation of many inputs through the layer's forward,
// which runs the SIMD path: in layers of 1000 (full batches and a partial one at the tail), or of 8 or
// 3, which AVX-512 computes in 256-bit batches (simd::part_batch), whole or partial.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace activation_test {

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
